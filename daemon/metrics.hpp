// The daemon's Prometheus metrics: what `cfsync run` reports on GET /metrics. prometheus-cpp
// (its core library only) stays in metrics.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cfsync::daemon {

// Every metric is registered, with its HELP text, when this is made. A labelled one shows in the
// exposition once a call names its labels (prometheus-cpp leaves out a family without samples),
// except the three reconcile results, which start at 0. Thread-safe.
class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // result: "success", "failure" or "config_error"; `took`: the reconcile's duration.
  void reconcile_finished(std::string_view result, std::chrono::duration<double> took);
  void last_success(std::chrono::system_clock::time_point at);
  // e.g. "dlp_profile", "create".
  void change_applied(std::string_view kind, std::string_view action);
  void drift_corrected(std::string_view kind);
  void api_request(std::string_view method, int status);  // status 0: no answer (network error)
  // The API client's running totals (monotonic): counters advance by the difference. A total
  // below the last one seen means a new client, counting from zero again: its whole value is
  // the advance, as Prometheus reads a counter reset.
  void client_totals(std::uint64_t retries, std::uint64_t rate_limited, std::int64_t budget_left);
  void config_load_error();
  void state_write_error();
  void config_valid(bool valid);
  // run --git-url: the revision checked out ("main@sha1:…"), each fetch's result and time, and
  // the revision of the last pass that applied in full. A revision's info gauge is 1; the one
  // before is removed.
  void source_revision(const std::string& revision);
  // `result`: "success", "failure", or "refused" (a commit whose signature is not trusted).
  void source_fetch_result(std::string_view result, std::chrono::system_clock::time_point at);
  void applied_revision(const std::string& revision);
  // run --notify: what became of each event for each URL, "sent", "failed" or "dropped"
  // (daemon/notifier.hpp). notifications_on() shows the three at 0, once --notify is given.
  void notifications_on();
  void notification(std::string_view result);
  // POST /hooks/git, by the status code it was answered with.
  void webhook_request(int status);
  // `suspend: true`: whether the configuration enforced says so, and what the last pass planned
  // and left unapplied, by origin.
  void suspended(bool suspended);
  void pending_changes(std::size_t config, std::size_t drift);

  // The text exposition format (version 0.0.4), for GET /metrics.
  [[nodiscard]] std::string exposition() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The Content-Type of exposition().
inline constexpr std::string_view k_exposition_content_type =
    "text/plain; version=0.0.4; charset=utf-8";

}  // namespace cfsync::daemon
