// One file per resource family; each adds its routes and the state a new account starts with.
#pragma once

#include "tests/emulator/router.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace cfsync::emulator {

// /accounts/{account_id}/dlp/settings (API.md §4)
void add_dlp_settings_routes(Router& router);
void init_dlp_settings(boost::json::object& account, const std::string& now);

// /accounts/{account_id}/dlp/profiles... (API.md §3); a new account gets the predefined ones.
void add_dlp_profiles_routes(Router& router);
void init_dlp_profiles(boost::json::object& account);

// /accounts/{account_id}/dlp/entries... (API.md §6)
void add_dlp_entries_routes(Router& router);

// /accounts/{account_id}/ai-search/namespaces/{name}/instances/{id}/items... (API.md §7.3);
// the fixture's ai_search.instances exist in every account.
void add_ai_search_routes(Router& router);
void init_ai_search(boost::json::object& account, const boost::json::object& fixture);

}  // namespace cfsync::emulator
