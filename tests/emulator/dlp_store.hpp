// Internal to the emulator: DLP profiles and entries as the account state holds them, shared by
// the profile and entry handlers. Entries are stored in their response shape, in one list with
// a profile_id; profiles hold their shared entries as {entry_id, enabled}.
#pragma once

#include "tests/emulator/http_types.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace cfsync::emulator::dlp {

[[nodiscard]] boost::json::array& profiles(boost::json::object& account);
[[nodiscard]] boost::json::array& entries(boost::json::object& account);

// The stored object with this id (and type, unless empty), or null.
[[nodiscard]] boost::json::object* find_profile(boost::json::object& account, std::string_view id,
                                                std::string_view type = {});
[[nodiscard]] boost::json::object* find_entry(boost::json::object& account, std::string_view id,
                                              std::string_view type = {});

// A profile as the API returns it: own entries and shared entries filled in.
[[nodiscard]] boost::json::object profile_json(boost::json::object& account,
                                               const boost::json::object& profile);

[[nodiscard]] Response not_found(std::string_view what, std::string_view id);

// The problem with the dlp_Pattern under `holder` ("pattern"), named below `path` ("" for a
// top-level entry body, "entries[0]" in a profile). Like the real API, a regex that can match
// text of unbounded length (*, + or {n,} outside a class) is refused.
[[nodiscard]] std::optional<std::string> pattern_problem(const boost::json::object& holder,
                                                         const std::string& path);

// A custom entry deleted is deleted account-wide: gone from every profile's shared_entries too.
void forget_shared(boost::json::object& account, std::string_view entry_id);

// Removes the entries a profile owns (and forgets them where they were shared).
void remove_owned_entries(boost::json::object& account, std::string_view profile_id);

// Seeds the predefined profiles, with stable ids, into a new account.
void init_profiles(boost::json::object& account);

}  // namespace cfsync::emulator::dlp
