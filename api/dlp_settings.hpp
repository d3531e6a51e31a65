// DLP account settings: GET and PATCH /accounts/{account_id}/dlp/settings (API.md §4).
#pragma once

#include "api/http.hpp"
#include "reconcile/model.hpp"
#include "reconcile/result.hpp"

#include <string_view>

namespace cfsync::api {

[[nodiscard]] HttpRequest read_settings_request(std::string_view account_id);

// PATCH, because PUT resets every field it is not sent; the patch carries only the fields that
// differ, and fields it leaves unset are not sent at all.
[[nodiscard]] HttpRequest patch_settings_request(std::string_view account_id,
                                                 const DesiredDlpSettings& patch);

// The settings in a GET, PATCH, PUT or DELETE response, normalised: public_key null -> empty.
[[nodiscard]] Result<LiveDlpSettings> parse_settings_response(const HttpResponse& response);

}  // namespace cfsync::api
