// What GET /metrics shows after the daemon reports: samples in the text exposition format.
#include "daemon/metrics.hpp"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace cfsync::daemon {
namespace {

// The exposition has this line (a sample: name, labels in name order, value).
bool has_line(const std::string& exposition, const std::string& line) {
  return ("\n" + exposition).find("\n" + line + "\n") != std::string::npos;
}

TEST_CASE("the metrics without labels are there before any report") {
  const std::string text = Metrics().exposition();
  CHECK(has_line(text, "# TYPE cfsync_reconcile_runs_total counter"));
  CHECK(has_line(text, "# TYPE cfsync_reconcile_duration_seconds histogram"));
  CHECK(has_line(text, "# TYPE cfsync_config_valid gauge"));
  // The three results exist from the start, so that the first failure is an increase.
  CHECK(has_line(text, R"(cfsync_reconcile_runs_total{result="config_error"} 0)"));
  CHECK(has_line(text, R"(cfsync_reconcile_runs_total{result="failure"} 0)"));
  CHECK(has_line(text, R"(cfsync_reconcile_runs_total{result="success"} 0)"));
  CHECK(has_line(text, "cfsync_reconcile_duration_seconds_count 0"));
  CHECK(has_line(text, "cfsync_last_success_timestamp_seconds 0"));
  CHECK(has_line(text, "cfsync_api_retries_total 0"));
  CHECK(has_line(text, "cfsync_api_rate_limited_total 0"));
  CHECK(has_line(text, "cfsync_rate_limit_budget_remaining 0"));
  CHECK(has_line(text, "cfsync_config_load_errors_total 0"));
  CHECK(has_line(text, "cfsync_config_valid 0"));
  // prometheus-cpp leaves out a family without samples, help text included.
  CHECK(text.find("cfsync_changes_applied_total") == std::string::npos);
}

TEST_CASE("every metric has its help text and type") {
  Metrics metrics;
  metrics.change_applied("dlp_profile", "create");
  metrics.drift_corrected("dlp_profile");
  metrics.api_request("GET", 200);
  const std::string text = metrics.exposition();
  const std::pair<const char*, const char*> metrics_and_types[] = {
      {"cfsync_reconcile_runs_total", "counter"},
      {"cfsync_reconcile_duration_seconds", "histogram"},
      {"cfsync_last_success_timestamp_seconds", "gauge"},
      {"cfsync_changes_applied_total", "counter"},
      {"cfsync_drift_corrected_total", "counter"},
      {"cfsync_api_requests_total", "counter"},
      {"cfsync_api_retries_total", "counter"},
      {"cfsync_api_rate_limited_total", "counter"},
      {"cfsync_rate_limit_budget_remaining", "gauge"},
      {"cfsync_config_load_errors_total", "counter"},
      {"cfsync_config_valid", "gauge"}};
  for (const auto& [name, type] : metrics_and_types) {
    CAPTURE(std::string(name));
    CHECK(("\n" + text).find(std::string("\n# HELP ") + name + " ") != std::string::npos);
    CHECK(has_line(text, std::string("# TYPE ") + name + " " + type));
  }
}

TEST_CASE("reconcile passes count by result and fill the duration buckets") {
  Metrics metrics;
  // Binary fractions of a second, so that the sum prints exactly.
  metrics.reconcile_finished("success", std::chrono::milliseconds(250));
  metrics.reconcile_finished("success", std::chrono::seconds(7));
  metrics.reconcile_finished("config_error", std::chrono::duration<double>(0.0625));
  const std::string text = metrics.exposition();
  CHECK(has_line(text, R"(cfsync_reconcile_runs_total{result="success"} 2)"));
  CHECK(has_line(text, R"(cfsync_reconcile_runs_total{result="config_error"} 1)"));
  CHECK(has_line(text, R"(cfsync_reconcile_runs_total{result="failure"} 0)"));
  CHECK(has_line(text, "cfsync_reconcile_duration_seconds_count 3"));
  CHECK(has_line(text, "cfsync_reconcile_duration_seconds_sum 7.3125"));
  CHECK(has_line(text, R"(cfsync_reconcile_duration_seconds_bucket{le="0.1"} 1)"));
  CHECK(has_line(text, R"(cfsync_reconcile_duration_seconds_bucket{le="0.5"} 2)"));
  CHECK(has_line(text, R"(cfsync_reconcile_duration_seconds_bucket{le="5"} 2)"));
  CHECK(has_line(text, R"(cfsync_reconcile_duration_seconds_bucket{le="10"} 3)"));
  CHECK(has_line(text, R"(cfsync_reconcile_duration_seconds_bucket{le="600"} 3)"));
  CHECK(has_line(text, R"(cfsync_reconcile_duration_seconds_bucket{le="+Inf"} 3)"));
}

TEST_CASE("changes, drift, requests and the configuration's state") {
  Metrics metrics;
  metrics.change_applied("dlp_profile", "create");
  metrics.change_applied("dlp_profile", "create");
  metrics.change_applied("dlp_entry", "delete");
  metrics.drift_corrected("dlp_settings");
  metrics.api_request("GET", 200);
  metrics.api_request("GET", 200);
  metrics.api_request("PUT", 429);
  metrics.api_request("POST", 0);
  metrics.config_load_error();
  metrics.config_valid(true);
  metrics.last_success(std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
  const std::string text = metrics.exposition();
  CHECK(has_line(text, R"(cfsync_changes_applied_total{action="create",kind="dlp_profile"} 2)"));
  CHECK(has_line(text, R"(cfsync_changes_applied_total{action="delete",kind="dlp_entry"} 1)"));
  CHECK(has_line(text, R"(cfsync_drift_corrected_total{kind="dlp_settings"} 1)"));
  CHECK(has_line(text, R"(cfsync_api_requests_total{method="GET",status="200"} 2)"));
  CHECK(has_line(text, R"(cfsync_api_requests_total{method="PUT",status="429"} 1)"));
  CHECK(has_line(text, R"(cfsync_api_requests_total{method="POST",status="0"} 1)"));
  CHECK(has_line(text, "cfsync_config_load_errors_total 1"));
  CHECK(has_line(text, "cfsync_config_valid 1"));
  CHECK(has_line(text, "cfsync_last_success_timestamp_seconds 1700000000"));

  metrics.config_valid(false);
  CHECK(has_line(metrics.exposition(), "cfsync_config_valid 0"));
}

TEST_CASE("notifications count by result, the three shown at 0 once --notify is given") {
  Metrics metrics;
  CHECK(metrics.exposition().find("cfsync_notifications_total") == std::string::npos);
  metrics.notifications_on();
  std::string text = metrics.exposition();
  CHECK(has_line(text, "# TYPE cfsync_notifications_total counter"));
  CHECK(has_line(text, R"(cfsync_notifications_total{result="sent"} 0)"));
  CHECK(has_line(text, R"(cfsync_notifications_total{result="failed"} 0)"));
  CHECK(has_line(text, R"(cfsync_notifications_total{result="dropped"} 0)"));
  metrics.notification("sent");
  metrics.notification("sent");
  metrics.notification("dropped");
  text = metrics.exposition();
  CHECK(has_line(text, R"(cfsync_notifications_total{result="sent"} 2)"));
  CHECK(has_line(text, R"(cfsync_notifications_total{result="dropped"} 1)"));
}

TEST_CASE("samples come sorted by their labels, scrape after scrape") {
  Metrics metrics;
  metrics.api_request("POST", 0);
  metrics.api_request("GET", 404);
  metrics.api_request("PATCH", 200);
  metrics.api_request("GET", 200);
  const std::string text = metrics.exposition();
  const std::size_t get_200 = text.find(R"({method="GET",status="200"})");
  const std::size_t get_404 = text.find(R"({method="GET",status="404"})");
  const std::size_t patch = text.find(R"({method="PATCH",status="200"})");
  const std::size_t post = text.find(R"({method="POST",status="0"})");
  REQUIRE(post != std::string::npos);
  CHECK(get_200 < get_404);
  CHECK(get_404 < patch);
  CHECK(patch < post);
  CHECK(metrics.exposition() == text);
}

TEST_CASE("label values are escaped") {
  Metrics metrics;
  metrics.change_applied("odd\"kind\\", "create");
  CHECK(has_line(metrics.exposition(),
                 R"(cfsync_changes_applied_total{action="create",kind="odd\"kind\\"} 1)"));
}

TEST_CASE("client totals advance the counters by their differences") {
  Metrics metrics;
  metrics.client_totals(3, 1, 1190);
  metrics.client_totals(5, 1, 1100);
  std::string text = metrics.exposition();
  CHECK(has_line(text, "cfsync_api_retries_total 5"));
  CHECK(has_line(text, "cfsync_api_rate_limited_total 1"));
  CHECK(has_line(text, "cfsync_rate_limit_budget_remaining 1100"));

  // The same totals again: nothing new happened.
  metrics.client_totals(5, 1, -3);
  text = metrics.exposition();
  CHECK(has_line(text, "cfsync_api_retries_total 5"));
  CHECK(has_line(text, "cfsync_api_rate_limited_total 1"));
  CHECK(has_line(text, "cfsync_rate_limit_budget_remaining -3"));
}

TEST_CASE("smaller client totals are a new client's, never a step back") {
  Metrics metrics;
  metrics.client_totals(10, 4, 0);
  metrics.client_totals(2, 0, 0);  // a new client: 2 retries since it was made
  std::string text = metrics.exposition();
  CHECK(has_line(text, "cfsync_api_retries_total 12"));
  CHECK(has_line(text, "cfsync_api_rate_limited_total 4"));
  metrics.client_totals(3, 1, 0);
  text = metrics.exposition();
  CHECK(has_line(text, "cfsync_api_retries_total 13"));
  CHECK(has_line(text, "cfsync_api_rate_limited_total 5"));
}

TEST_CASE("reports from several threads all count") {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 1; i <= 250; ++i) {
        metrics.api_request("GET", 200);
        if (t == 0) metrics.client_totals(static_cast<std::uint64_t>(i), 0, 0);
        if (i % 50 == 0) (void)metrics.exposition();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = metrics.exposition();
  CHECK(has_line(text, R"(cfsync_api_requests_total{method="GET",status="200"} 1000)"));
  CHECK(has_line(text, "cfsync_api_retries_total 250"));
}

}  // namespace
}  // namespace cfsync::daemon
