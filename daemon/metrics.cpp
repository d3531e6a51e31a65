// prometheus-cpp's core library: a Registry of metric families, serialized by TextSerializer.
// Its metrics are atomic and its families lock; the client totals seen last are ours to guard.
#include "daemon/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

namespace cfsync::daemon {

namespace {

// Reconciles take from well under a second (nothing to do) to minutes (dataset uploads).
const prometheus::Histogram::BucketBoundaries k_duration_buckets_seconds = {
    0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

// What reconcile_finished is called with; made at start so that rate() sees the first one.
constexpr std::string_view k_results[] = {"success", "failure", "config_error"};

// How far a running total advanced since `last`, which becomes `now`.
std::uint64_t advance(std::uint64_t& last, std::uint64_t now) {
  const std::uint64_t step = now >= last ? now - last : now;
  last = now;
  return step;
}

}  // namespace

struct Metrics::Impl {
  Impl()
      : reconcile_runs(prometheus::BuildCounter()
                           .Name("cfsync_reconcile_runs_total")
                           .Help("Reconcile passes finished, by result (success, failure, "
                                 "config_error).")
                           .Register(registry)),
        reconcile_duration(prometheus::BuildHistogram()
                               .Name("cfsync_reconcile_duration_seconds")
                               .Help("How long reconcile passes took, in seconds.")
                               .Register(registry)
                               .Add({}, k_duration_buckets_seconds)),
        last_success(prometheus::BuildGauge()
                         .Name("cfsync_last_success_timestamp_seconds")
                         .Help("When the last successful reconcile pass finished, in Unix "
                               "seconds; 0 before the first.")
                         .Register(registry)
                         .Add({})),
        changes_applied(prometheus::BuildCounter()
                            .Name("cfsync_changes_applied_total")
                            .Help("Changes applied to the account, by resource kind and action.")
                            .Register(registry)),
        drift_corrected(prometheus::BuildCounter()
                            .Name("cfsync_drift_corrected_total")
                            .Help("Live resources that had drifted from the desired state and "
                                  "were put back, by resource kind.")
                            .Register(registry)),
        api_requests(prometheus::BuildCounter()
                         .Name("cfsync_api_requests_total")
                         .Help("Requests sent to the Cloudflare API, by method and answer "
                               "status (0: no answer).")
                         .Register(registry)),
        api_retries(prometheus::BuildCounter()
                        .Name("cfsync_api_retries_total")
                        .Help("API requests sent again after a failed attempt.")
                        .Register(registry)
                        .Add({})),
        api_rate_limited(prometheus::BuildCounter()
                             .Name("cfsync_api_rate_limited_total")
                             .Help("API answers with status 429 (rate limited).")
                             .Register(registry)
                             .Add({})),
        budget_remaining(prometheus::BuildGauge()
                             .Name("cfsync_rate_limit_budget_remaining")
                             .Help("Requests left before the API's rate limit, as last known.")
                             .Register(registry)
                             .Add({})),
        config_load_errors(prometheus::BuildCounter()
                               .Name("cfsync_config_load_errors_total")
                               .Help("Configuration loads that failed (unreadable or invalid).")
                               .Register(registry)
                               .Add({})),
        state_write_errors(prometheus::BuildCounter()
                               .Name("cfsync_state_write_errors_total")
                               .Help("Passes that could not write what they must remember to the "
                                     "state directory (upload records).")
                               .Register(registry)
                               .Add({})),
        config_valid(prometheus::BuildGauge()
                         .Name("cfsync_config_valid")
                         .Help("Whether the configuration last loaded was valid (1) or not (0).")
                         .Register(registry)
                         .Add({})),
        source_revision(prometheus::BuildGauge()
                            .Name("cfsync_source_revision_info")
                            .Help("The git revision checked out and enforced (--git-url), as "
                                  "its label; always 1.")
                            .Register(registry)),
        applied_revision(prometheus::BuildGauge()
                             .Name("cfsync_last_applied_revision_info")
                             .Help("The git revision of the last pass that applied in full, as "
                                   "its label; always 1.")
                             .Register(registry)),
        source_fetches(
            prometheus::BuildCounter()
                .Name("cfsync_source_fetch_total")
                .Help("Fetches of --git-url, by result (success, failure, refused: a commit "
                      "not signed by a trusted key).")
                .Register(registry)),
        source_last_fetch(prometheus::BuildGauge()
                              .Name("cfsync_source_last_fetch_timestamp_seconds")
                              .Help("When --git-url was last fetched, in Unix seconds.")
                              .Register(registry)),
        notifications(prometheus::BuildCounter()
                          .Name("cfsync_notifications_total")
                          .Help("Notifications (--notify), one per event and URL, by result: "
                                "sent, failed (refused, or every attempt failed), dropped (the "
                                "queue was full, or shutdown came first).")
                          .Register(registry)),
        webhook_requests(prometheus::BuildCounter()
                             .Name("cfsync_webhook_requests_total")
                             .Help("Requests to POST /hooks/git, by status code answered.")
                             .Register(registry)),
        suspended(prometheus::BuildGauge()
                      .Name("cfsync_suspended")
                      .Help("Whether the configuration enforced says `suspend: true` (1): "
                            "passes plan and report, and write nothing.")
                      .Register(registry)
                      .Add({})),
        pending_changes(prometheus::BuildGauge()
                            .Name("cfsync_pending_changes")
                            .Help("Changes the last pass planned and did not apply, because the "
                                  "configuration is suspended or the apply stopped, by origin "
                                  "(config, drift).")
                            .Register(registry)) {
    for (const std::string_view result : k_results) {
      reconcile_runs.Add({{"result", std::string(result)}});
    }
  }

  // Declared first: the families below live in it.
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& reconcile_runs;
  prometheus::Histogram& reconcile_duration;
  prometheus::Gauge& last_success;
  prometheus::Family<prometheus::Counter>& changes_applied;
  prometheus::Family<prometheus::Counter>& drift_corrected;
  prometheus::Family<prometheus::Counter>& api_requests;
  prometheus::Counter& api_retries;
  prometheus::Counter& api_rate_limited;
  prometheus::Gauge& budget_remaining;
  prometheus::Counter& config_load_errors;
  prometheus::Counter& state_write_errors;
  prometheus::Gauge& config_valid;
  prometheus::Family<prometheus::Gauge>& source_revision;
  prometheus::Family<prometheus::Gauge>& applied_revision;
  prometheus::Family<prometheus::Counter>& source_fetches;
  prometheus::Family<prometheus::Gauge>& source_last_fetch;
  prometheus::Family<prometheus::Counter>& notifications;
  prometheus::Family<prometheus::Counter>& webhook_requests;
  prometheus::Gauge& suspended;
  prometheus::Family<prometheus::Gauge>& pending_changes;
  std::mutex revisions_mutex;  // guards the two below
  prometheus::Gauge* source_revision_gauge = nullptr;
  prometheus::Gauge* applied_revision_gauge = nullptr;

  std::mutex totals_mutex;  // guards the two totals below
  std::uint64_t last_retries = 0;
  std::uint64_t last_rate_limited = 0;
};

Metrics::Metrics() : m_impl(std::make_unique<Impl>()) {}

Metrics::~Metrics() = default;

void Metrics::reconcile_finished(std::string_view result, std::chrono::duration<double> took) {
  m_impl->reconcile_runs.Add({{"result", std::string(result)}}).Increment();
  m_impl->reconcile_duration.Observe(took.count());
}

void Metrics::last_success(std::chrono::system_clock::time_point at) {
  const std::chrono::duration<double> since_epoch = at.time_since_epoch();
  m_impl->last_success.Set(since_epoch.count());
}

void Metrics::change_applied(std::string_view kind, std::string_view action) {
  m_impl->changes_applied.Add({{"kind", std::string(kind)}, {"action", std::string(action)}})
      .Increment();
}

void Metrics::drift_corrected(std::string_view kind) {
  m_impl->drift_corrected.Add({{"kind", std::string(kind)}}).Increment();
}

void Metrics::api_request(std::string_view method, int status) {
  m_impl->api_requests.Add({{"method", std::string(method)}, {"status", std::to_string(status)}})
      .Increment();
}

void Metrics::client_totals(std::uint64_t retries, std::uint64_t rate_limited,
                            std::int64_t budget_left) {
  std::uint64_t retries_step = 0;
  std::uint64_t rate_limited_step = 0;
  {
    // Two callers reading the totals at once must not both count the same advance.
    std::lock_guard lock(m_impl->totals_mutex);
    retries_step = advance(m_impl->last_retries, retries);
    rate_limited_step = advance(m_impl->last_rate_limited, rate_limited);
    m_impl->budget_remaining.Set(static_cast<double>(budget_left));
  }
  if (retries_step > 0) m_impl->api_retries.Increment(static_cast<double>(retries_step));
  if (rate_limited_step > 0) {
    m_impl->api_rate_limited.Increment(static_cast<double>(rate_limited_step));
  }
}

void Metrics::config_load_error() { m_impl->config_load_errors.Increment(); }

void Metrics::state_write_error() { m_impl->state_write_errors.Increment(); }

void Metrics::config_valid(bool valid) { m_impl->config_valid.Set(valid ? 1 : 0); }

namespace {

// Sets the info gauge of `revision` in `family` to 1, removing the one `current` points at.
void set_info(prometheus::Family<prometheus::Gauge>& family, prometheus::Gauge*& current,
              const std::string& revision) {
  prometheus::Gauge& gauge = family.Add({{"revision", revision}});
  if (current != nullptr && current != &gauge) family.Remove(current);
  current = &gauge;
  gauge.Set(1);
}

}  // namespace

void Metrics::source_revision(const std::string& revision) {
  std::lock_guard lock(m_impl->revisions_mutex);
  set_info(m_impl->source_revision, m_impl->source_revision_gauge, revision);
}

void Metrics::applied_revision(const std::string& revision) {
  std::lock_guard lock(m_impl->revisions_mutex);
  set_info(m_impl->applied_revision, m_impl->applied_revision_gauge, revision);
}

void Metrics::source_fetch_result(std::string_view result,
                                  std::chrono::system_clock::time_point at) {
  m_impl->source_fetches.Add({{"result", std::string(result)}}).Increment();
  const std::chrono::duration<double> since_epoch = at.time_since_epoch();
  m_impl->source_last_fetch.Add({}).Set(since_epoch.count());
}

void Metrics::notifications_on() {
  for (const char* result : {"sent", "failed", "dropped"}) {
    m_impl->notifications.Add({{"result", result}});
  }
}

void Metrics::notification(std::string_view result) {
  m_impl->notifications.Add({{"result", std::string(result)}}).Increment();
}

void Metrics::webhook_request(int status) {
  m_impl->webhook_requests.Add({{"code", std::to_string(status)}}).Increment();
}

void Metrics::suspended(bool suspended) { m_impl->suspended.Set(suspended ? 1 : 0); }

void Metrics::pending_changes(std::size_t config, std::size_t drift) {
  m_impl->pending_changes.Add({{"origin", "config"}}).Set(static_cast<double>(config));
  m_impl->pending_changes.Add({{"origin", "drift"}}).Set(static_cast<double>(drift));
}

std::string Metrics::exposition() const {
  std::vector<prometheus::MetricFamily> families = m_impl->registry.Collect();
  // A family keeps its samples in a hash map: sorted by labels, the output is the same from one
  // scrape to the next. (Families come in a fixed order already: by type, then as registered.)
  for (prometheus::MetricFamily& family : families) {
    std::sort(family.metric.begin(), family.metric.end(),
              [](const prometheus::ClientMetric& a, const prometheus::ClientMetric& b) {
                return a.label < b.label;
              });
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace cfsync::daemon
