// One file per resource family; each adds its routes and the state a new account starts with.
#pragma once

#include "tests/emulator/router.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace cfsync::emulator {

// /accounts/{account_id}/dlp/settings (API.md §4)
void add_dlp_settings_routes(Router& router);
void init_dlp_settings(boost::json::object& account, const std::string& now);

// /accounts/{account_id}/dlp/profiles... (API.md §3); a new account gets the predefined ones.
void add_dlp_profiles_routes(Router& router);
void init_dlp_profiles(boost::json::object& account);

// /accounts/{account_id}/dlp/entries... (API.md §6)
void add_dlp_entries_routes(Router& router);

// /accounts/{account_id}/dlp/datasets... (API.md §5); the fixture's dlp.datasets (EDM datasets,
// which only the dashboard makes) exist in every account, with ids derived from their names.
void add_dlp_datasets_routes(Router& router);
void init_dlp_datasets(boost::json::object& account, std::string_view account_id,
                       const boost::json::object& fixture, const std::string& now);
// What is wrong with the fixture's "dlp" part, if anything ("dlp.datasets[0].name must be ...").
[[nodiscard]] std::optional<std::string> dlp_fixture_problem(const boost::json::object& fixture);

// /accounts/{account_id}/ai-search/namespaces..., …/{name}/instances... and
// …/instances/{id}/items... (API.md §7); the fixture's ai_search.instances exist in every
// account, and so do "default" and the namespaces they name.
void add_ai_search_routes(Router& router);
void init_ai_search(boost::json::object& account, const boost::json::object& fixture,
                    const std::string& now);

}  // namespace cfsync::emulator
