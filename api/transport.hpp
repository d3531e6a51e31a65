// Sending HTTP requests to the API. The interface exists so that tests can put a fake in its
// place; the real one speaks HTTP/1.1 over Beast, with TLS and keep-alive.
#pragma once

#include "api/http.hpp"
#include "api/settings.hpp"
#include "reconcile/result.hpp"

#include <memory>

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
};

// TLS with peer and host-name verification against the system store (plus settings.ca_file);
// one keep-alive connection, re-opened when the server closes it.
[[nodiscard]] Result<std::unique_ptr<Transport>> make_http_transport(
    const ClientSettings& settings, std::shared_ptr<spdlog::logger> logger);

}  // namespace cfsync::api
