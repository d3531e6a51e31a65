// The DLP profiles family's part of CloudflareProvider: custom profiles and their entries,
// predefined profiles and their entries switched on or off.
#include "api/dlp_profiles.hpp"
#include "api/provider_family.hpp"
#include "reconcile/planner.hpp"
#include "reconcile/profile_fields.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <map>

namespace cfsync::api {

namespace {

// An entry as the API answered it, against the entry that was sent.
Result<void> check_entry(const DesiredEntry& sent, const LiveEntry& answered) {
  std::vector<std::string> different;
  if (answered.name != sent.name) different.emplace_back("name");
  if (sent.regex && answered.regex.reveal() != sent.regex->reveal())
    different.emplace_back("regex");
  if (answered.enabled != sent.enabled) different.emplace_back("enabled");
  if (sent.description && answered.description != *sent.description) {
    different.emplace_back("description");
  }
  if (!different.empty()) return not_applied(fmt::format("{}", fmt::join(different, ", ")));
  return {};
}

// What a created profile's answer shows that differs from what was sent: its name, its entries
// (by name, then each one's fields) and the profile's fields.
std::vector<std::string> created_differences(const DesiredProfile& sent,
                                             const LiveProfile& created) {
  std::vector<std::string> different;
  if (created.name != sent.name) different.emplace_back("name");
  if (sent.entries) {
    std::map<std::string, const LiveEntry*> answered;
    for (const LiveEntry& entry : created.entries) answered.emplace(entry.name, &entry);
    bool entries_differ = answered.size() != sent.entries->size();
    for (const DesiredEntry& entry : *sent.entries) {
      const auto found = answered.find(entry.name);
      entries_differ = entries_differ || found == answered.end() ||
                       (entry.words ? found->second->kind != EntryKind::words
                                    : !check_entry(entry, *found->second));
    }
    if (entries_differ) different.emplace_back("entries");
  }
  for (const FieldChange& change :
       reconcile::profile_field_changes(sent, reconcile::normalised(created))) {
    different.push_back(change.field);
  }
  return different;
}

std::string field_names(const std::vector<FieldChange>& changes) {
  std::vector<std::string_view> names;
  for (const FieldChange& change : changes) names.push_back(change.field);
  return fmt::format("{}", fmt::join(names, ", "));
}

class ProfilesProvider final : public PartOf<ProfilesProvider> {
 public:
  using PartOf::PartOf;

  Result<void> populate(const DesiredState& desired, LiveState& live) override {
    if (!desired.manages_profiles()) return {};
    auto profiles = read_profiles();
    if (!profiles) return profiles.error().context("reading dlp profiles: ");
    live.profiles = std::move(*profiles);
    return {};
  }

  Result<void> apply(const CreateProfile& create, ChangeOutcome& outcome);
  Result<void> apply(const UpdateProfile& update, ChangeOutcome& outcome);
  Result<void> apply(const DeleteProfile& remove, ChangeOutcome& outcome);
  Result<void> apply(const CreateEntry& create, ChangeOutcome& outcome);
  Result<void> apply(const UpdateEntry& update, ChangeOutcome& outcome);
  Result<void> apply(const DeleteEntry& remove, ChangeOutcome& outcome);
  Result<void> apply(const UpdatePredefinedProfile& update, ChangeOutcome& outcome);
  Result<void> apply(const TogglePredefinedEntry& toggle, ChangeOutcome& outcome);

 private:
  Result<LiveProfiles> read_profiles();
};

Result<LiveProfiles> ProfilesProvider::read_profiles() {
  CFSYNC_TRY(HttpResponse response, send(list_profiles_request(account_id())));
  CFSYNC_TRY(ProfileListing listing, parse_profiles_response(response));
  // One more read only when the profile list left some profile's entries out.
  if (!listing.without_entries.empty()) {
    log().debug("{} custom profiles came without their entries; listing entries",
                listing.without_entries.size());
    CFSYNC_TRY(HttpResponse entries, send(list_entries_request(account_id())));
    CFSYNC_TRY_VOID(add_listed_entries(entries, listing));
  }
  return std::move(listing.profiles);
}

Result<void> ProfilesProvider::apply(const CreateProfile& create, ChangeOutcome& /*outcome*/) {
  std::optional<LiveProfile> found;
  CFSYNC_TRY(std::optional<HttpResponse> response,
             send_unique(create_profile_request(account_id(), create), [&]() -> Result<bool> {
               CFSYNC_TRY(LiveProfiles live, read_profiles());
               for (LiveProfile& profile : live.custom) {
                 if (profile.name == create.profile.name) found = std::move(profile);
               }
               return found.has_value();
             }));
  LiveProfile created;
  if (response) {
    CFSYNC_TRY(created, parse_profile_response(*response));
  } else {
    created = std::move(*found);
  }
  const std::vector<std::string> different = created_differences(create.profile, created);
  if (!different.empty()) return not_applied(fmt::format("{}", fmt::join(different, ", ")));
  return {};
}

Result<void> ProfilesProvider::apply(const UpdateProfile& update, ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(update_profile_request(account_id(), update)));
  CFSYNC_TRY(LiveProfile updated, parse_profile_response(response));
  const auto left = reconcile::profile_field_changes(update.body, reconcile::normalised(updated));
  if (!left.empty()) return not_applied(field_names(left));
  return {};
}

Result<void> ProfilesProvider::apply(const DeleteProfile& remove, ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(delete_profile_request(account_id(), remove)));
  return check_deleted(response, log(), "dlp profile " + remove.id);
}

Result<void> ProfilesProvider::apply(const CreateEntry& create, ChangeOutcome& /*outcome*/) {
  std::optional<LiveEntry> found;
  CFSYNC_TRY(std::optional<HttpResponse> response,
             send_unique(create_entry_request(account_id(), create), [&]() -> Result<bool> {
               CFSYNC_TRY(LiveProfiles live, read_profiles());
               for (LiveProfile& profile : live.custom) {
                 if (profile.id != create.profile_id) continue;
                 for (LiveEntry& entry : profile.entries) {
                   if (entry.name == create.entry.name) found = std::move(entry);
                 }
               }
               return found.has_value();
             }));
  if (!response) return check_entry(create.entry, *found);
  CFSYNC_TRY(LiveEntry created, parse_entry_response(*response));
  return check_entry(create.entry, created);
}

Result<void> ProfilesProvider::apply(const UpdateEntry& update, ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(update_entry_request(account_id(), update)));
  CFSYNC_TRY(LiveEntry updated, parse_entry_response(response));
  return check_entry(update.entry, updated);
}

Result<void> ProfilesProvider::apply(const DeleteEntry& remove, ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(delete_entry_request(account_id(), remove)));
  return check_deleted(response, log(), "entry " + remove.id);
}

Result<void> ProfilesProvider::apply(const UpdatePredefinedProfile& update,
                                     ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(update_predefined_request(account_id(), update)));
  CFSYNC_TRY(LivePredefinedProfile updated, parse_predefined_response(response));
  const auto different =
      reconcile::fields_not_applied(reconcile::k_predefined_fields, update, updated);
  if (!different.empty()) return not_applied(fmt::format("{}", fmt::join(different, ", ")));
  return {};
}

Result<void> ProfilesProvider::apply(const TogglePredefinedEntry& toggle,
                                     ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(toggle_entry_request(account_id(), toggle)));
  CFSYNC_TRY(LiveEntry toggled, parse_entry_response(response));
  if (toggled.enabled != toggle.enabled) return not_applied("enabled");
  return {};
}

}  // namespace

// Listed in provider_families.cpp.
std::unique_ptr<FamilyProvider> make_dlp_profiles_provider(ProviderContext& context);

std::unique_ptr<FamilyProvider> make_dlp_profiles_provider(ProviderContext& context) {
  return std::make_unique<ProfilesProvider>(context);
}

}  // namespace cfsync::api
