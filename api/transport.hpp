// Sending HTTP requests to the API. The interface exists so that tests can put a fake in its
// place; the real one speaks HTTP/1.1 over Beast, with TLS and keep-alive.
#pragma once

#include "api/http.hpp"
#include "api/settings.hpp"
#include "reconcile/result.hpp"

#include <functional>
#include <memory>
#include <optional>

namespace spdlog {
class logger;
}

namespace cfsync::api {

class Transport {
 public:
  virtual ~Transport() = default;

  // One exchange. Network failures and timeouts are ErrorKind::network; any HTTP status is a
  // response, not an error.
  [[nodiscard]] virtual Result<HttpResponse> send(const HttpRequest& request) = 0;

  // Reads the live state to tell whether a write whose answer was lost took effect.
  using Landed = std::function<Result<bool>()>;

  // A write that must not be applied twice (a create, an upload). Nothing comes back when its
  // answer was lost and `landed` found it applied: the caller takes what `landed` saw. This
  // plain version sends once and never calls `landed`; the retrying Client overrides it.
  [[nodiscard]] virtual Result<std::optional<HttpResponse>> send_unique(const HttpRequest& request,
                                                                        const Landed& landed);
};

// TLS with peer and host-name verification against the system store (plus settings.ca_file);
// keep-alive connections, as many as requests were in flight at once, re-opened when the server
// closes them. Safe to call from several threads: the exchanges share one io_context and its
// thread.
[[nodiscard]] Result<std::unique_ptr<Transport>> make_http_transport(
    const ClientSettings& settings, std::shared_ptr<spdlog::logger> logger);

}  // namespace cfsync::api
