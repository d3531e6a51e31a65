#include "api/provider.hpp"

#include "api/dlp_settings.hpp"
#include "reconcile/planner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cfsync::api {

namespace {

// Names the fields of a settings patch, for messages.
std::string field_names(const DesiredDlpSettings& patch) {
  std::vector<std::string> names;
  if (patch.ai_context_analysis) names.emplace_back("ai_context_analysis");
  if (patch.ocr) names.emplace_back("ocr");
  if (patch.masking_level) names.emplace_back("payload_logging.masking_level");
  if (patch.public_key) names.emplace_back("payload_logging.public_key");
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
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

Result<LiveState> CloudflareProvider::populate(const DesiredState& desired) {
  LiveState live;
  if (desired.dlp_settings) {
    auto settings = read_settings();
    if (!settings) {
      return explained(settings.error().context("reading dlp settings: "), m_account_id);
    }
    live.dlp_settings = std::move(*settings);
  }
  return live;
}

Result<LiveDlpSettings> CloudflareProvider::read_settings() {
  CFSYNC_TRY(HttpResponse response, m_transport.send(read_settings_request(m_account_id)));
  return parse_settings_response(response);
}

Result<void> CloudflareProvider::apply_settings(const DesiredDlpSettings& patch) {
  CFSYNC_TRY(HttpResponse response, m_transport.send(patch_settings_request(m_account_id, patch)));
  CFSYNC_TRY(LiveDlpSettings after, parse_settings_response(response));
  // The response holds the settings as stored: anything of the patch still different was not
  // applied, whatever the status said.
  const DesiredDlpSettings left = reconcile::settings_patch(patch, after);
  if (left != DesiredDlpSettings{}) {
    return Error(ErrorKind::apply,
                 "the API accepted the update but still reports different " + field_names(left));
  }
  return {};
}

ApplyReport CloudflareProvider::apply(const Plan& plan) {
  ApplyReport report;
  for (std::size_t i = 0; i < plan.changes.size(); ++i) {
    const Change& change = plan.changes[i];
    Result<void> done = std::visit(
        [&](const auto& payload) -> Result<void> {
          using Payload = std::decay_t<decltype(payload)>;
          if constexpr (std::is_same_v<Payload, DesiredDlpSettings>) {
            return apply_settings(payload);
          }
        },
        change.payload);
    ChangeOutcome outcome{.change = i};
    if (done) {
      m_logger->info("{} {}: applied", to_string(change.action), change.name);
    } else {
      m_logger->error("{} {}: {}", to_string(change.action), change.name, done.error().describe());
      outcome.error = explained(done.error(), m_account_id);
    }
    report.outcomes.push_back(std::move(outcome));
  }
  return report;
}

}  // namespace cfsync::api
