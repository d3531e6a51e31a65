// DLP profiles and entries (API.md §3, §6): the requests cfsync sends and the responses it
// reads, as plain values.
#pragma once

#include "api/http.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/profile_model.hpp"
#include "reconcile/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace cfsync::api {

// GET /dlp/profiles: custom and predefined profiles in one response.
[[nodiscard]] HttpRequest list_profiles_request(std::string_view account_id);
// GET /dlp/entries: every entry, each with its profile_id.
[[nodiscard]] HttpRequest list_entries_request(std::string_view account_id);

struct ProfileListing {
  LiveProfiles profiles;
  // Custom profiles whose own entries the response did not carry (`entries` is deprecated):
  // they come from GET /dlp/entries instead.
  std::vector<std::string> without_entries;
};

[[nodiscard]] Result<ProfileListing> parse_profiles_response(const HttpResponse& response);

// Adds entries from a GET /dlp/entries response to the profiles named in `listing`.
[[nodiscard]] Result<void> add_listed_entries(const HttpResponse& response,
                                              ProfileListing& listing);

// One request per plan payload.
[[nodiscard]] HttpRequest create_profile_request(std::string_view account_id,
                                                 const CreateProfile& create);
[[nodiscard]] HttpRequest update_profile_request(std::string_view account_id,
                                                 const UpdateProfile& update);
[[nodiscard]] HttpRequest delete_profile_request(std::string_view account_id,
                                                 const DeleteProfile& remove);
[[nodiscard]] HttpRequest create_entry_request(std::string_view account_id,
                                               const CreateEntry& create);
[[nodiscard]] HttpRequest update_entry_request(std::string_view account_id,
                                               const UpdateEntry& update);
[[nodiscard]] HttpRequest delete_entry_request(std::string_view account_id,
                                               const DeleteEntry& remove);
[[nodiscard]] HttpRequest update_predefined_request(std::string_view account_id,
                                                    const UpdatePredefinedProfile& update);
[[nodiscard]] HttpRequest toggle_entry_request(std::string_view account_id,
                                               const TogglePredefinedEntry& toggle);

// The custom profile in a create or update response (entries when the response carries them).
[[nodiscard]] Result<LiveProfile> parse_profile_response(const HttpResponse& response);
// The predefined profile in an update response.
[[nodiscard]] Result<LivePredefinedProfile> parse_predefined_response(const HttpResponse& response);
// The entry in an entry create, update or toggle response.
[[nodiscard]] Result<LiveEntry> parse_entry_response(const HttpResponse& response);

}  // namespace cfsync::api
