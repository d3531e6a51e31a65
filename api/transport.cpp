#include "api/transport.hpp"

namespace cfsync::api {

Result<std::optional<HttpResponse>> Transport::send_unique(const HttpRequest& request,
                                                           const Landed& /*landed*/) {
  CFSYNC_TRY(HttpResponse response, send(request));
  return std::optional<HttpResponse>(std::move(response));
}

}  // namespace cfsync::api
