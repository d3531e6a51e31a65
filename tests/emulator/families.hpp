// One file per resource family; each adds its routes and the state a new account starts with.
#pragma once

#include "tests/emulator/router.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace cfsync::emulator {

// /accounts/{account_id}/dlp/settings (API.md §4)
void add_dlp_settings_routes(Router& router);
void init_dlp_settings(boost::json::object& account, const std::string& now);

}  // namespace cfsync::emulator
