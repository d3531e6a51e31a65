// The DLP settings family's part of CloudflareProvider: one GET, one PATCH.
#include "api/dlp_settings.hpp"
#include "api/provider_family.hpp"
#include "reconcile/planner.hpp"
#include "reconcile/settings_fields.hpp"

#include <fmt/ranges.h>

namespace cfsync::api {

namespace {

// Names the fields of a settings patch, for messages.
std::string field_names(const DesiredDlpSettings& patch) {
  std::vector<std::string_view> names;
  reconcile::for_each_field(reconcile::k_settings_fields, [&](const auto& field) {
    if (patch.*field.desired) names.push_back(field.path);
  });
  return fmt::format("{}", fmt::join(names, ", "));
}

class SettingsProvider final : public PartOf<SettingsProvider> {
 public:
  using PartOf::PartOf;

  Result<void> populate(const DesiredState& desired, LiveState& live) override {
    if (!desired.dlp_settings) return {};
    auto settings = read();
    if (!settings) return settings.error().context("reading dlp settings: ");
    live.dlp_settings = std::move(*settings);
    return {};
  }

  Result<LiveDlpSettings> read() {
    CFSYNC_TRY(HttpResponse response, send(read_settings_request(account_id())));
    return parse_settings_response(response);
  }

  Result<void> apply(const DesiredDlpSettings& patch, ChangeOutcome& /*outcome*/) {
    CFSYNC_TRY(HttpResponse response, send(patch_settings_request(account_id(), patch)));
    CFSYNC_TRY(LiveDlpSettings after, parse_settings_response(response));
    // The response holds the settings as stored: anything of the patch still different was not
    // applied, whatever the status said.
    const DesiredDlpSettings left = reconcile::settings_patch(patch, after);
    if (left != DesiredDlpSettings{}) return not_applied(field_names(left));
    return {};
  }
};

}  // namespace

// Listed in provider_families.cpp.
std::unique_ptr<FamilyProvider> make_dlp_settings_provider(ProviderContext& context);

std::unique_ptr<FamilyProvider> make_dlp_settings_provider(ProviderContext& context) {
  return std::make_unique<SettingsProvider>(context);
}

}  // namespace cfsync::api
