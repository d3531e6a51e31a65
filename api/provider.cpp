#include "api/provider.hpp"

#include "api/dlp_profiles.hpp"
#include "api/dlp_settings.hpp"
#include "api/json_read.hpp"
#include "reconcile/planner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cfsync::api {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// Names the fields of a settings patch, for messages.
std::string field_names(const DesiredDlpSettings& patch) {
  std::vector<std::string> names;
  if (patch.ai_context_analysis) names.emplace_back("ai_context_analysis");
  if (patch.ocr) names.emplace_back("ocr");
  if (patch.masking_level) names.emplace_back("payload_logging.masking_level");
  if (patch.public_key) names.emplace_back("payload_logging.public_key");
  return joined(names);
}

std::string field_names(const std::vector<FieldChange>& changes) {
  std::vector<std::string> names;
  for (const FieldChange& change : changes) names.push_back(change.field);
  return joined(names);
}

// The answer to a write did not show what was written.
Error not_applied(const std::string& what) {
  return Error(ErrorKind::apply, "the API accepted the change but still reports different " + what);
}

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
  if (!different.empty()) return not_applied(joined(different));
  return {};
}

// What a refused request means for the person running cfsync.
Error explained(Error error, const std::string& account_id) {
  if (error.http_status == 401 || error.http_status == 403) {
    error.details.push_back(
        "the API refused the credentials: check that the token is valid and "
        "may read (plan) or edit (apply) Zero Trust settings of account " +
        account_id);
  }
  return error;
}

}  // namespace

bool ApplyReport::ok() const {
  return std::all_of(outcomes.begin(), outcomes.end(),
                     [](const ChangeOutcome& outcome) { return !outcome.error; });
}

CloudflareProvider::CloudflareProvider(Transport& transport, std::string account_id,
                                       std::shared_ptr<spdlog::logger> logger)
    : m_transport(transport), m_account_id(std::move(account_id)), m_logger(std::move(logger)) {}

Result<HttpResponse> CloudflareProvider::send(const HttpRequest& request) {
  return m_transport.send(request);
}

Result<LiveState> CloudflareProvider::populate(const DesiredState& desired) {
  LiveState live;
  if (desired.dlp_settings) {
    auto settings = read_settings();
    if (!settings) {
      return explained(settings.error().context("reading dlp settings: "), m_account_id);
    }
    live.dlp_settings = std::move(*settings);
  }
  if (desired.manages_profiles()) {
    auto profiles = read_profiles();
    if (!profiles) {
      return explained(profiles.error().context("reading dlp profiles: "), m_account_id);
    }
    live.profiles = std::move(*profiles);
  }
  return live;
}

Result<LiveDlpSettings> CloudflareProvider::read_settings() {
  CFSYNC_TRY(HttpResponse response, send(read_settings_request(m_account_id)));
  return parse_settings_response(response);
}

Result<LiveProfiles> CloudflareProvider::read_profiles() {
  CFSYNC_TRY(HttpResponse response, send(list_profiles_request(m_account_id)));
  CFSYNC_TRY(ProfileListing listing, parse_profiles_response(response));
  // One more read only when the profile list left some profile's entries out.
  if (!listing.without_entries.empty()) {
    m_logger->debug("{} custom profiles came without their entries; listing entries",
                    listing.without_entries.size());
    CFSYNC_TRY(HttpResponse entries, send(list_entries_request(m_account_id)));
    CFSYNC_TRY_VOID(add_listed_entries(entries, listing));
  }
  return std::move(listing.profiles);
}

Result<void> CloudflareProvider::write(const DesiredDlpSettings& patch) {
  CFSYNC_TRY(HttpResponse response, send(patch_settings_request(m_account_id, patch)));
  CFSYNC_TRY(LiveDlpSettings after, parse_settings_response(response));
  // The response holds the settings as stored: anything of the patch still different was not
  // applied, whatever the status said.
  const DesiredDlpSettings left = reconcile::settings_patch(patch, after);
  if (left != DesiredDlpSettings{}) return not_applied(field_names(left));
  return {};
}

Result<void> CloudflareProvider::write(const CreateProfile& create) {
  CFSYNC_TRY(HttpResponse response, send(create_profile_request(m_account_id, create)));
  CFSYNC_TRY(LiveProfile created, parse_profile_response(response));
  const auto left =
      reconcile::profile_field_changes(create.profile, reconcile::normalised(created));
  if (!left.empty()) return not_applied(field_names(left));
  return {};
}

Result<void> CloudflareProvider::write(const UpdateProfile& update) {
  CFSYNC_TRY(HttpResponse response, send(update_profile_request(m_account_id, update)));
  CFSYNC_TRY(LiveProfile updated, parse_profile_response(response));
  const auto left = reconcile::profile_field_changes(update.body, reconcile::normalised(updated));
  if (!left.empty()) return not_applied(field_names(left));
  return {};
}

Result<void> CloudflareProvider::write(const DeleteProfile& remove) {
  CFSYNC_TRY(HttpResponse response, send(delete_profile_request(m_account_id, remove)));
  simdjson::dom::parser parser;
  CFSYNC_TRY_VOID(read_envelope(parser, response));
  return {};
}

Result<void> CloudflareProvider::write(const CreateEntry& create) {
  CFSYNC_TRY(HttpResponse response, send(create_entry_request(m_account_id, create)));
  CFSYNC_TRY(LiveEntry created, parse_entry_response(response));
  return check_entry(create.entry, created);
}

Result<void> CloudflareProvider::write(const UpdateEntry& update) {
  CFSYNC_TRY(HttpResponse response, send(update_entry_request(m_account_id, update)));
  CFSYNC_TRY(LiveEntry updated, parse_entry_response(response));
  return check_entry(update.entry, updated);
}

Result<void> CloudflareProvider::write(const DeleteEntry& remove) {
  CFSYNC_TRY(HttpResponse response, send(delete_entry_request(m_account_id, remove)));
  simdjson::dom::parser parser;
  CFSYNC_TRY_VOID(read_envelope(parser, response));
  return {};
}

Result<void> CloudflareProvider::write(const UpdatePredefinedProfile& update) {
  CFSYNC_TRY(HttpResponse response, send(update_predefined_request(m_account_id, update)));
  CFSYNC_TRY(LivePredefinedProfile updated, parse_predefined_response(response));
  std::vector<std::string> different;
  if (updated.allowed_match_count != update.allowed_match_count) {
    different.emplace_back("allowed_match_count");
  }
  if (updated.confidence_threshold != update.confidence_threshold) {
    different.emplace_back("confidence_threshold");
  }
  if (updated.ocr_enabled != update.ocr_enabled) different.emplace_back("ocr_enabled");
  if (updated.ai_context_enabled != update.ai_context_enabled) {
    different.emplace_back("ai_context_enabled");
  }
  if (!different.empty()) return not_applied(joined(different));
  return {};
}

Result<void> CloudflareProvider::write(const TogglePredefinedEntry& toggle) {
  CFSYNC_TRY(HttpResponse response, send(toggle_entry_request(m_account_id, toggle)));
  CFSYNC_TRY(LiveEntry toggled, parse_entry_response(response));
  if (toggled.enabled != toggle.enabled) return not_applied("enabled");
  return {};
}

ApplyReport CloudflareProvider::apply(const Plan& plan) {
  ApplyReport report;
  for (std::size_t i = 0; i < plan.changes.size(); ++i) {
    const Change& change = plan.changes[i];
    Result<void> done =
        std::visit([this](const auto& payload) { return write(payload); }, change.payload);
    ChangeOutcome outcome{.change = i};
    const std::string subject =
        change.parent.empty() ? change.name : change.parent + " / " + change.name;
    if (done) {
      m_logger->info("{} {} {}: applied", to_string(change.action), to_string(change.kind),
                     subject);
    } else {
      m_logger->error("{} {} {}: {}", to_string(change.action), to_string(change.kind), subject,
                      done.error().describe());
      outcome.error = explained(done.error(), m_account_id);
    }
    report.outcomes.push_back(std::move(outcome));
  }
  return report;
}

}  // namespace cfsync::api
