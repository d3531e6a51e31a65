// HTTP exchanges as plain values, so that request building and response reading are testable
// without sockets.
#pragma once

#include "api/body_source.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cfsync::api {

enum class Method { get, put, patch, post, delete_ };

[[nodiscard]] std::string_view to_string(Method method);

// `text` percent-encoded for use as one path segment ("a/b" -> "a%2Fb").
[[nodiscard]] std::string path_segment(std::string_view text);

// A body read from `source` while it is sent, between two parts held in memory (a multipart
// upload's headers and closing boundary).
struct StreamedBody {
  std::string head;
  std::shared_ptr<const BodySource> source;
  std::string tail;
};

struct HttpRequest {
  Method method = Method::get;
  std::string target;  // path and query below the base URL: "/accounts/{id}/dlp/settings"
  std::string content_type;
  std::string accept = "application/json";  // what the answer may be
  std::string body;
  std::optional<StreamedBody> streamed_body;  // when set, sent instead of `body`
  // Safe to send twice: a lost response may be retried without re-reading live state.
  bool idempotent = true;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header with this name (case-insensitive), or "".
  [[nodiscard]] std::string_view header(std::string_view name) const;
};

}  // namespace cfsync::api
