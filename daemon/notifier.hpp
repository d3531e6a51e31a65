// `cfsync run --notify URL`: events (an apply that changed something, drift corrected, a failed
// pass, a configuration error, a refused revision) POSTed as JSON, or in Slack's incoming-webhook
// shape, to each URL. Sending happens on a thread of its own from a bounded queue, each request
// within a time limit and retried with backoff, so that a pass never waits for a receiver. A URL
// may hold a secret in its path or query (a Slack webhook): only its scheme, host and port are
// ever shown. Beast and OpenSSL stay in notifier.cpp.
#pragma once

#include "api/http.hpp"
#include "api/retry.hpp"
#include "reconcile/result.hpp"
#include "reconcile/sensitive.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spdlog {
class logger;
}

namespace cfsync::daemon {

enum class NotifyFormat {
  json,   // the event as it is (event_json)
  slack,  // {"text": "..."}: what Slack's incoming webhooks take (slack_json)
};

enum class EventKind { applied, drift_corrected, pass_failed, config_error, revision_refused };

// "applied", "drift_corrected", "pass_failed", "config_error", "revision_refused".
[[nodiscard]] std::string_view to_string(EventKind kind);

// What happened, with nothing secret in it: no token, no dataset contents, configuration errors
// in their redacted form.
struct Event {
  EventKind kind = EventKind::applied;
  std::chrono::system_clock::time_point time;
  std::string account;   // the account id, "" when unknown
  std::string revision;  // "main@sha1:…", "" when unknown
  std::string summary;   // for people: what the pass came to
  std::size_t changes = 0;
  std::size_t drift = 0;
  std::string error;  // "" when none
};

// The JSON event: {"event", "time" (RFC 3339, UTC), "account", "revision", "summary", "changes",
// "drift", "error", "host"}; account, revision and error are left out when empty.
[[nodiscard]] std::string event_json(const Event& event, std::string_view host);
// Slack's incoming-webhook body: {"text": "..."}, one line that says it all.
[[nodiscard]] std::string slack_json(const Event& event, std::string_view host);

// A --notify URL taken apart: https://, or http:// to a loopback host only (the API URL's rule).
struct NotifyTarget {
  bool tls = true;
  std::string host;
  std::uint16_t port = 443;
  Sensitive target;    // path and query: may be the secret (a Slack webhook's path)
  std::string origin;  // "https://hooks.slack.com": all that logs and messages show
};

// Errors name the option and at most the URL's scheme and host, never its path or query.
[[nodiscard]] Result<NotifyTarget> parse_notify_url(std::string_view url);

// The URLs of the command line, then those of the systemd credential `notify-url` (one a line,
// blank lines and lines starting with '#' skipped) when `credentials_directory` holds it.
[[nodiscard]] Result<std::vector<NotifyTarget>> notify_targets(
    const std::vector<std::string>& urls,
    const std::optional<std::filesystem::path>& credentials_directory);

// What became of one event for one URL.
enum class Delivery {
  sent,     // a 2xx answer
  failed,   // a final refusal (another status), or no success after every attempt
  dropped,  // never sent: the queue was full (the oldest goes), or shutdown came first
};

[[nodiscard]] std::string_view to_string(Delivery delivery);

// What one attempt's outcome calls for: connection errors and timeouts, 429 and 5xx are tried
// again; a 2xx is done; any other status is final.
enum class AttemptVerdict { sent, retry, refused };
[[nodiscard]] AttemptVerdict judge_attempt(const Result<api::HttpResponse>& outcome);

struct NotifierSettings {
  std::vector<NotifyTarget> targets;
  NotifyFormat format = NotifyFormat::json;
  std::optional<std::filesystem::path> ca_file;  // also trusted, as for the API (--ca-file)
  std::string host;                              // "host" of the events; "" = gethostname()
  // The whole of one request: connecting, TLS, sending, the answer.
  std::chrono::milliseconds request_timeout{10'000};
  std::size_t max_response_bytes = 64 * 1024;
  std::size_t max_queued_events = 100;
  // Per URL and event, the first included; backoff with full jitter between them.
  api::RetryPolicy retry{.attempts = 5,
                         .base = std::chrono::milliseconds(1'000),
                         .cap = std::chrono::milliseconds(30'000)};
  // A Retry-After longer than this is cut to it.
  std::chrono::milliseconds max_retry_after{60'000};
  // At shutdown, how long what is queued or being sent may take; then the rest is dropped.
  std::chrono::milliseconds shutdown_grace{2'000};
  std::string user_agent = "cfsync";
};

class Notifier {
 public:
  // Called once per event and URL with what became of it: on the notifier's thread, or on
  // notify()'s caller for an event it drops.
  using Counted = std::function<void(Delivery)>;

  // Errors: a CA file that cannot be read (ErrorKind::usage).
  [[nodiscard]] static Result<std::unique_ptr<Notifier>> start(
      NotifierSettings settings, std::shared_ptr<spdlog::logger> logger, Counted counted);

  // Gives what is queued or being sent shutdown_grace to go out, then drops the rest and joins.
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues `event` for every URL and returns at once; when max_queued_events wait already, the
  // oldest of them is dropped. Thread-safe.
  void notify(Event event);

 private:
  struct Impl;
  explicit Notifier(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> m_impl;
};

}  // namespace cfsync::daemon
