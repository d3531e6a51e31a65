#include "api/json_write.hpp"

#include <boost/json/serialize.hpp>

namespace cfsync::api {

std::string dlp_path(std::string_view account_id) {
  return "/accounts/" + path_segment(account_id) + "/dlp";
}

HttpRequest json_request(Method method, std::string target, const boost::json::value& body,
                         bool idempotent) {
  return {.method = method,
          .target = std::move(target),
          .content_type = "application/json",
          .body = boost::json::serialize(body),
          .idempotent = idempotent};
}

}  // namespace cfsync::api
