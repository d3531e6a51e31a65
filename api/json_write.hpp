// Internal to api/: requests with JSON bodies (written with Boost.JSON), and the DLP paths.
#pragma once

#include "api/http.hpp"
#include "reconcile/fields.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace cfsync::api {

// "/accounts/{account_id}/dlp", the account id percent-encoded.
[[nodiscard]] std::string dlp_path(std::string_view account_id);

// A field's value as JSON (reconcile/fields.hpp); monostate is null.
[[nodiscard]] boost::json::value json_value(const reconcile::SentValue& value);

[[nodiscard]] HttpRequest json_request(Method method, std::string target,
                                       const boost::json::value& body, bool idempotent);

}  // namespace cfsync::api
