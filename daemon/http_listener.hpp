// The daemon's small HTTP/1.1 server for /healthz, /readyz and /metrics: its own io_context on a
// thread of its own, GET and HEAD only. Beast stays in http_listener.cpp.
#pragma once

#include "reconcile/result.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace cfsync::daemon {

struct HttpAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called on the listener's thread for each GET or HEAD, with the path without the query. An
// exception it throws becomes a 500 (and an error log line).
using HttpRoutes = std::function<HttpAnswer(std::string_view path)>;

// Keep-alive connections, each closed after 30 s without a request; at most 64 at once (more are
// closed on arrival). Request bodies are read and ignored up to 4 KiB (larger: 413, and the
// connection closes). Methods other than GET and HEAD: 405 with an Allow header. One debug log
// line per request. The limits are named in http_listener.cpp.
class HttpListener {
 public:
  // "127.0.0.1:9464", "[::1]:9464", port 0 picks a free one. Errors (bad address, port in use) are
  // ErrorKind::usage with a message naming the address.
  [[nodiscard]] static Result<std::unique_ptr<HttpListener>> start(
      const std::string& listen, HttpRoutes routes, std::shared_ptr<spdlog::logger> logger);

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

}  // namespace cfsync::daemon
