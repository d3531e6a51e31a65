// The daemon's small HTTP/1.1 server for /healthz, /readyz, /status, /metrics and the git push
// webhook: its own io_context on a thread of its own; GET and HEAD, and POST on the paths that
// take it. Beast stays in http_listener.cpp.
#pragma once

#include "reconcile/result.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spdlog {
class logger;
}

namespace cfsync::daemon {

struct HttpAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // more, like Retry-After
};

// A request as a route sees it.
struct HttpRequest {
  std::string_view method;  // GET (HEAD is answered as GET) or POST
  std::string_view path;    // without the query
  std::string_view body;    // POST only; empty otherwise
  std::string peer;         // "127.0.0.1:53124", for logs
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case

  // The value of a header, or "" when the request has none; `name` in lower case.
  [[nodiscard]] std::string_view header(std::string_view name) const;
};

// Called on the listener's thread for each request. An exception it throws becomes a 500 (and an
// error log line).
using HttpRoutes = std::function<HttpAnswer(const HttpRequest& request)>;

// A path that takes POST (and only POST), with the largest body it reads.
struct HttpPostPath {
  std::string path;
  std::uint64_t max_body_bytes = 0;
};

// Keep-alive connections, each closed after 30 s without a request; at most 64 at once (more are
// closed on arrival). GET and HEAD bodies are read and ignored up to 4 KiB, a POST path's up to
// its own limit (larger: 413, and the connection closes); `Expect: 100-continue` is answered once
// the headers are read. A method a path does not take: 405 with an Allow header. One debug log
// line per request. The limits are named in http_listener.cpp.
class HttpListener {
 public:
  // "127.0.0.1:9464", "[::1]:9464", port 0 picks a free one. Errors (bad address, port in use) are
  // ErrorKind::usage with a message naming the address.
  [[nodiscard]] static Result<std::unique_ptr<HttpListener>> start(
      const std::string& listen, HttpRoutes routes, std::shared_ptr<spdlog::logger> logger,
      std::vector<HttpPostPath> post_paths = {});

  ~HttpListener();  // stops accepting, closes connections, joins the thread
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // The port listened on: the one asked for, or the one picked for port 0.
  [[nodiscard]] std::uint16_t port() const;

 private:
  struct Impl;
  explicit HttpListener(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> m_impl;
};

// A GET of `path` from a listener at `listen` (the same ADDRESS:PORT form), for `cfsync status`:
// the answer's status, content type and body, or an error (ErrorKind::network) saying why none
// came within `timeout`.
[[nodiscard]] Result<HttpAnswer> get_from_listener(const std::string& listen, std::string_view path,
                                                   std::chrono::milliseconds timeout);

}  // namespace cfsync::daemon
