#include "api/json_write.hpp"

#include <boost/json/serialize.hpp>

namespace cfsync::api {

std::string dlp_path(std::string_view account_id) {
  return "/accounts/" + path_segment(account_id) + "/dlp";
}

boost::json::value json_value(const reconcile::SentValue& value) {
  return std::visit(
      [](const auto& sent) -> boost::json::value {
        if constexpr (std::is_same_v<std::decay_t<decltype(sent)>, std::monostate>) {
          return nullptr;
        } else {
          return boost::json::value(sent);
        }
      },
      value);
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
