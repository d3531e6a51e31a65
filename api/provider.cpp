#include "api/provider.hpp"

#include "api/digesting_transport.hpp"
#include "api/json_read.hpp"
#include "api/provider_family.hpp"
#include "api/side_by_side.hpp"
#include "api/worker_pool.hpp"
#include "reconcile/family.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

namespace cfsync::api {

std::string subject(const Change& change) {
  return change.parent.empty() ? change.name : change.parent + " / " + change.name;
}

Error explained(Error error, const std::string& account_id) {
  if (error.http_status == 401 || error.http_status == 403) {
    error.details.push_back(
        "the API refused the credentials: check that the token is valid and "
        "may read (plan) or edit (apply) Zero Trust settings of account " +
        account_id);
  }
  return error;
}

Error not_applied(std::string_view what) {
  return Error(ErrorKind::apply,
               "the API accepted the change but still reports different " + std::string(what));
}

Result<void> check_deleted(const HttpResponse& response, spdlog::logger& log,
                           std::string_view what) {
  if (response.status == 404) {
    log.debug("{}: already deleted", what);  // what the change wanted
    return {};
  }
  if (response.status >= 200 && response.status < 300 && response.body.empty()) return {};
  simdjson::dom::parser parser;
  CFSYNC_TRY_VOID(read_envelope(parser, response));
  return {};
}

bool IndexingReport::ok() const {
  return !timed_out && std::none_of(items.begin(), items.end(), [](const IndexedItem& item) {
    return item.status == ItemStatus::error;
  });
}

bool ApplyReport::ok() const {
  return std::all_of(outcomes.begin(), outcomes.end(),
                     [](const ChangeOutcome& outcome) { return !outcome.error; }) &&
         (!indexing || indexing->ok()) && (!processing || processing->ok());
}

CloudflareProvider::CloudflareProvider(Transport& transport, std::string account_id,
                                       std::shared_ptr<spdlog::logger> logger,
                                       std::size_t max_in_flight)
    : m_max_in_flight(std::max<std::size_t>(1, max_in_flight)),
      m_limited(std::make_unique<LimitedTransport>(transport, m_max_in_flight)),
      m_transport(std::make_unique<DigestingTransport>(*m_limited)),
      m_context(std::make_unique<ProviderContext>(ProviderContext{
          *m_transport, std::move(account_id), std::move(logger), m_max_in_flight})) {
  for (const FamilyProviderEntry& entry : family_providers()) {
    m_parts.emplace_back(entry.family, entry.make(*m_context));
  }
}

CloudflareProvider::~CloudflareProvider() = default;

void CloudflareProvider::set_wait(std::chrono::milliseconds timeout, Clock& clock) {
  m_context->wait_timeout = timeout;
  m_context->clock = &clock;
}

FamilyProvider& CloudflareProvider::part_of(ResourceKind kind) {
  const std::string_view family = reconcile::family_of(kind).name;
  for (auto& [name, part] : m_parts) {
    if (name == family) return *part;
  }
  std::abort();  // every family has a part: tests/unit/api/provider_family_test.cpp
}

Result<LiveState> CloudflareProvider::populate(const DesiredState& desired) {
  m_transport->start();
  LiveState live;  // each part fills its family's members
  const Result<void> read = side_by_side(m_parts.size(), m_max_in_flight, [&](std::size_t i) {
    return m_parts[i].second->populate(desired, live);
  });
  m_live_digest = m_transport->finish();
  if (!read) return explained(read.error(), m_context->account_id);
  return live;
}

ChangeOutcome CloudflareProvider::apply_one(const Change& change, std::size_t index) {
  ChangeOutcome outcome{.change = index};
  Result<void> done = part_of(change.kind).write(change, outcome);
  spdlog::logger& log = *m_context->logger;
  if (done) {
    log.info("{} {} {}: applied", to_string(change.action), to_string(change.kind),
             subject(change));
  } else {
    log.error("{} {} {}: {}", to_string(change.action), to_string(change.kind), subject(change),
              done.error().describe());
    outcome.error = explained(done.error(), m_context->account_id);
  }
  return outcome;
}

ApplyReport CloudflareProvider::apply(const Plan& plan,
                                      const std::function<void(const ChangeOutcome&)>& applied,
                                      const std::atomic<bool>* stop) {
  return run_changes(
      plan, m_max_in_flight,
      [&](std::size_t index) { return apply_one(plan.changes[index], index); }, applied, stop,
      *m_context->logger);
}

std::vector<Error> CloudflareProvider::after_apply(const Plan& plan, ApplyReport& report,
                                                   const AfterApply& options) {
  std::vector<Error> failed;
  for (auto& [name, part] : m_parts) {
    if (auto waited = part->after_apply(plan, report, options); !waited) {
      failed.push_back(waited.error());
    }
  }
  return failed;
}

}  // namespace cfsync::api
