// --notify: the events' bodies, the URLs accepted, and the notifier against a receiver on a
// loopback socket (retries, refusals, a full queue, a shutdown while a receiver never answers).
#include "daemon/notifier.hpp"

#include "tests/support/printers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

namespace cfsync::daemon {
namespace {

using namespace std::chrono_literals;
using test::Receiver;

// A webhook's path is its secret: it must show nowhere but in the request line.
constexpr const char* k_secret_path = "/services/T000/B000/XXXXsecretXXXX";

Event sample_event() {
  return Event{.kind = EventKind::applied,
               .time = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)),
               .account = "023e105f4ecef8ad9ca31a8372d0c353",
               .revision = "main@sha1:0123456789abcdef0123456789abcdef01234567",
               .summary = "in sync: 2 change(s) planned, 2 applied",
               .changes = 2,
               .drift = 0};
}

// What became of each delivery, as the notifier counts it.
struct Counts {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<Delivery, int> seen;

  Notifier::Counted callback() {
    return [this](Delivery delivery) {
      {
        std::lock_guard lock(mutex);
        ++seen[delivery];
      }
      changed.notify_all();
    };
  }
  int of(Delivery delivery) {
    std::lock_guard lock(mutex);
    return seen[delivery];
  }
  // Whether `total` deliveries have been counted within `timeout`.
  bool wait_total(int total, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] {
      int sum = 0;
      for (const auto& [delivery, count] : seen) sum += count;
      return sum >= total;
    });
  }
};

// The log, kept to check that no URL path reaches it.
struct Log {
  std::ostringstream text;
  std::shared_ptr<spdlog::logger> logger = std::make_shared<spdlog::logger>(
      "notifier", std::make_shared<spdlog::sinks::ostream_sink_mt>(text));
  Log() { logger->set_level(spdlog::level::debug); }
  std::string str() {
    logger->flush();
    return text.str();
  }
};

// Settings for tests: short backoff, one URL on the receiver.
NotifierSettings settings_for(const Receiver& receiver) {
  auto target = parse_notify_url(receiver.url(std::string(k_secret_path) + "?token=abc"));
  REQUIRE(target);
  NotifierSettings settings;
  settings.targets = {*target};
  settings.host = "box";
  settings.request_timeout = 5s;
  settings.retry = {.attempts = 3, .base = 10ms, .cap = 50ms};
  settings.max_retry_after = 50ms;
  return settings;
}

std::unique_ptr<Notifier> started(NotifierSettings settings, Log& log, Counts& counts) {
  auto notifier = Notifier::start(std::move(settings), log.logger, counts.callback());
  REQUIRE(notifier);
  return std::move(*notifier);
}

TEST_CASE("the JSON event: every field, and the unknown ones left out") {
  CHECK(event_json(sample_event(), "box") ==
        R"({"event":"applied","time":"2023-11-14T22:13:20Z",)"
        R"("account":"023e105f4ecef8ad9ca31a8372d0c353",)"
        R"("revision":"main@sha1:0123456789abcdef0123456789abcdef01234567",)"
        R"("summary":"in sync: 2 change(s) planned, 2 applied","changes":2,"drift":0,)"
        R"("host":"box"})");
  Event failed{.kind = EventKind::config_error,
               .time = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)),
               .summary = "configuration error: \"x\"",
               .error = "cfsync.yaml:3:1: invalid YAML"};
  CHECK(event_json(failed, "box") ==
        R"({"event":"config_error","time":"2023-11-14T22:13:20Z",)"
        R"("summary":"configuration error: \"x\"","changes":0,"drift":0,)"
        R"("error":"cfsync.yaml:3:1: invalid YAML","host":"box"})");
  for (EventKind kind : {EventKind::applied, EventKind::drift_corrected, EventKind::pass_failed,
                         EventKind::config_error, EventKind::revision_refused}) {
    Event event = sample_event();
    event.kind = kind;
    CHECK(event_json(event, "box").starts_with(R"({"event":")" + std::string(to_string(kind))));
  }
}

TEST_CASE("the Slack shape: one text, with Slack's markup characters escaped") {
  CHECK(slack_json(sample_event(), "box") ==
        R"({"text":"cfsync on box: applied 2 change(s) (account 023e105f4ecef8ad9ca31a8372d0c353, )"
        R"(main@sha1:0123456789abcdef0123456789abcdef01234567)\nin sync: 2 change(s) planned, 2 )"
        R"(applied"})");
  Event drift{.kind = EventKind::drift_corrected,
              .summary = "a <b> & c",
              .changes = 1,
              .drift = 1,
              .error = "boom"};
  CHECK(slack_json(drift, "box") ==
        R"({"text":"cfsync on box: corrected 1 change(s) made outside cfsync (drift)\n)"
        R"(a &lt;b&gt; &amp; c\nerror: boom"})");
}

TEST_CASE("notify URLs: https, or http to loopback, and never the path in a message") {
  const auto slack = parse_notify_url("https://hooks.slack.com/services/T0/B0/secret");
  REQUIRE(slack);
  CHECK(slack->tls);
  CHECK(slack->host == "hooks.slack.com");
  CHECK(slack->port == 443);
  CHECK(slack->target.reveal() == "/services/T0/B0/secret");
  CHECK(slack->origin == "https://hooks.slack.com");
  const auto local = parse_notify_url("http://[::1]:8080/hook?key=v");
  REQUIRE(local);
  CHECK_FALSE(local->tls);
  CHECK(local->host == "::1");
  CHECK(local->target.reveal() == "/hook?key=v");
  CHECK(local->origin == "http://[::1]:8080");
  CHECK(parse_notify_url("http://localhost")->target.reveal() == "/");
  CHECK(parse_notify_url("http://127.0.0.2:9/x"));

  for (const char* url : {"http://hooks.example.com/secret-path", "ftp://127.0.0.1/secret-path",
                          "https://user:pw@example.com/secret-path", "not a url/secret-path",
                          "https:///secret-path", "mailto:ops@example.com?secret-path"}) {
    CAPTURE(url);
    const auto refused = parse_notify_url(url);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind() == ErrorKind::usage);
    CHECK(refused.error().message().starts_with("--notify: "));
    CHECK(refused.error().message().find("secret-path") == std::string::npos);
    CHECK(refused.error().message().find("pw") == std::string::npos);
  }
  CHECK(parse_notify_url("http://hooks.example.com/x").error().message() ==
        "--notify: http://hooks.example.com: http:// is refused but to loopback (127.0.0.1, ::1, "
        "localhost); use https://");
}

TEST_CASE("notify URLs from the command line and the systemd credential notify-url") {
  const test::TempDir credentials;
  auto none = notify_targets({"https://a.example/1"}, credentials.path());
  REQUIRE(none);
  CHECK(none->size() == 1);
  // An empty credential is none (the unit names it whether or not it is used).
  credentials.write("notify-url", "");
  CHECK(notify_targets({}, credentials.path())->empty());
  credentials.write("notify-url",
                    "# ops\nhttps://hooks.slack.com/services/T/B/s1\n\n  http://127.0.0.1:9/h  \n");
  auto both = notify_targets({"https://a.example/1"}, credentials.path());
  REQUIRE(both);
  REQUIRE(both->size() == 3);
  CHECK((*both)[1].origin == "https://hooks.slack.com");
  CHECK((*both)[2].target.reveal() == "/h");
  credentials.write("notify-url", "https://ok.example/a\nhttp://example.com/secret-path\n");
  auto bad = notify_targets({}, credentials.path());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().starts_with("the credential notify-url, line 2: --notify: "));
  CHECK(bad.error().message().find("secret-path") == std::string::npos);
  CHECK(notify_targets({}, std::nullopt)->empty());
}

TEST_CASE("what an attempt calls for: 2xx sent, 429, 5xx and network errors again, else final") {
  const auto answer = [](int status) {
    return Result<api::HttpResponse>(api::HttpResponse{.status = status});
  };
  CHECK(judge_attempt(answer(200)) == AttemptVerdict::sent);
  CHECK(judge_attempt(answer(204)) == AttemptVerdict::sent);
  CHECK(judge_attempt(answer(429)) == AttemptVerdict::retry);
  CHECK(judge_attempt(answer(500)) == AttemptVerdict::retry);
  CHECK(judge_attempt(answer(503)) == AttemptVerdict::retry);
  CHECK(judge_attempt(answer(301)) == AttemptVerdict::refused);
  CHECK(judge_attempt(answer(400)) == AttemptVerdict::refused);
  CHECK(judge_attempt(answer(404)) == AttemptVerdict::refused);
  CHECK(judge_attempt(answer(408)) == AttemptVerdict::refused);
  CHECK(judge_attempt(Error(ErrorKind::network, "connection refused")) == AttemptVerdict::retry);
  CHECK(judge_attempt(Error(ErrorKind::protocol, "too large")) == AttemptVerdict::refused);
}

TEST_CASE("an event is POSTed as JSON to the URL's path and query, which no log line shows") {
  Receiver receiver;
  Log log;
  Counts counts;
  {
    auto notifier = started(settings_for(receiver), log, counts);
    notifier->notify(sample_event());
    REQUIRE(counts.wait_total(1));
  }
  CHECK(counts.of(Delivery::sent) == 1);
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].target == std::string(k_secret_path) + "?token=abc");
  CHECK(requests[0].headers.at("content-type") == "application/json");
  CHECK(requests[0].headers.at("host") == "127.0.0.1:" + std::to_string(receiver.port()));
  CHECK(requests[0].body == event_json(sample_event(), "box"));
  const std::string logged = log.str();
  CHECK(logged.find("notified http://127.0.0.1:" + std::to_string(receiver.port()) +
                    " of applied") != std::string::npos);
  CHECK(logged.find("secret") == std::string::npos);
  CHECK(logged.find("token") == std::string::npos);
}

TEST_CASE("--notify-format slack sends Slack's shape, to every URL") {
  Receiver first;
  Receiver second;
  Log log;
  Counts counts;
  NotifierSettings settings = settings_for(first);
  settings.targets.push_back(*parse_notify_url(second.url("/other")));
  settings.format = NotifyFormat::slack;
  {
    auto notifier = started(settings, log, counts);
    notifier->notify(sample_event());
    REQUIRE(counts.wait_total(2));
  }
  CHECK(counts.of(Delivery::sent) == 2);
  REQUIRE(first.requests().size() == 1);
  REQUIRE(second.requests().size() == 1);
  CHECK(first.requests()[0].body == slack_json(sample_event(), "box"));
  CHECK(first.requests()[0].body.starts_with(R"({"text":"cfsync on box: applied 2 change(s))"));
  CHECK(second.requests()[0].target == "/other");
}

TEST_CASE("a 500 is tried again and then sent, a 429's Retry-After honoured within its cap") {
  Receiver receiver(
      std::vector<test::ReceiverAnswer>{{.status = 500}, {.status = 429, .retry_after = "3600"}});
  Log log;
  Counts counts;
  const auto began = std::chrono::steady_clock::now();
  {
    auto notifier = started(settings_for(receiver), log, counts);
    notifier->notify(sample_event());
    REQUIRE(counts.wait_total(1));
  }
  // An hour asked for, 50 ms waited (max_retry_after).
  CHECK(std::chrono::steady_clock::now() - began < 3s);
  CHECK(counts.of(Delivery::sent) == 1);
  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[2].body == requests[0].body);
  CHECK(log.str().find("trying again") != std::string::npos);
}

TEST_CASE("a 400 is final: one request, counted failed") {
  Receiver receiver(std::vector<test::ReceiverAnswer>{{.status = 400}});
  Log log;
  Counts counts;
  {
    auto notifier = started(settings_for(receiver), log, counts);
    notifier->notify(sample_event());
    REQUIRE(counts.wait_total(1));
  }
  CHECK(counts.of(Delivery::failed) == 1);
  CHECK(receiver.requests().size() == 1);
  CHECK(log.str().find("refused: HTTP 400") != std::string::npos);
}

TEST_CASE("a receiver that is not there: every attempt made, then counted failed") {
  NotifierSettings settings;
  {
    const Receiver gone;  // a port that was free a moment ago
    settings = settings_for(gone);
  }
  Log log;
  Counts counts;
  {
    auto notifier = started(settings, log, counts);
    notifier->notify(sample_event());
    REQUIRE(counts.wait_total(1));
  }
  CHECK(counts.of(Delivery::failed) == 1);
  CHECK(log.str().find("failed after 3 attempt(s)") != std::string::npos);
  CHECK(log.str().find("secret") == std::string::npos);
}

TEST_CASE("a full queue drops its oldest event, and counts it") {
  Receiver receiver(
      std::vector<test::ReceiverAnswer>{{.status = 0}});  // the first request waits for release()
  Log log;
  Counts counts;
  NotifierSettings settings = settings_for(receiver);
  settings.max_queued_events = 2;
  {
    auto notifier = started(settings, log, counts);
    auto numbered = [](int n) {
      Event event = sample_event();
      event.summary = "event " + std::to_string(n);
      return event;
    };
    notifier->notify(numbered(1));
    REQUIRE(receiver.wait_for(1, 10s));  // being sent: no longer queued
    for (int n = 2; n <= 4; ++n) notifier->notify(numbered(n));
    CHECK(counts.of(Delivery::dropped) == 1);
    receiver.release();
    REQUIRE(counts.wait_total(4));
  }
  CHECK(counts.of(Delivery::sent) == 3);
  CHECK(counts.of(Delivery::dropped) == 1);
  std::vector<std::string> bodies;
  for (const auto& request : receiver.requests()) bodies.push_back(request.body);
  REQUIRE(bodies.size() == 3);
  CHECK(bodies[0].find("\"event 1\"") != std::string::npos);
  CHECK(bodies[1].find("\"event 3\"") != std::string::npos);
  CHECK(bodies[2].find("\"event 4\"") != std::string::npos);
}

TEST_CASE("shutdown gives up after its grace period on a receiver that never answers") {
  Receiver receiver({}, {.status = 0});  // never answers
  Log log;
  Counts counts;
  NotifierSettings settings = settings_for(receiver);
  settings.request_timeout = 60s;
  settings.shutdown_grace = 200ms;
  auto notifier = started(settings, log, counts);
  notifier->notify(sample_event());
  notifier->notify(sample_event());
  REQUIRE(receiver.wait_for(1, 10s));
  const auto stopping = std::chrono::steady_clock::now();
  notifier.reset();
  const auto took = std::chrono::steady_clock::now() - stopping;
  MESSAGE("shutdown took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                           << " ms");
  CHECK(took < 2s);
  // The one in flight and the one queued.
  CHECK(counts.of(Delivery::dropped) == 2);
  CHECK(counts.of(Delivery::sent) == 0);
}

// openssl s_server with a self-signed certificate for localhost. (It answers GET only: a POST that
// gets through the handshake waits, and times out.)
class TlsServer {
 public:
  TlsServer() {
    const auto made =
        test::run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                   (m_dir.path() / "key.pem").string(), "-out", certificate(), "-days", "1",
                   "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"});
    REQUIRE_MESSAGE(made.exit_code == 0, made.err);
    m_port = test::free_port();
    m_server = std::make_unique<test::BackgroundProcess>(std::vector<std::string>{
        "openssl", "s_server", "-quiet", "-WWW", "-accept", "127.0.0.1:" + std::to_string(m_port),
        "-cert", certificate(), "-key", (m_dir.path() / "key.pem").string()});
    for (int i = 0; i < 200 && !test::accepts_connections(m_port); ++i) {
      std::this_thread::sleep_for(25ms);
    }
  }
  [[nodiscard]] std::string certificate() const { return (m_dir.path() / "cert.pem").string(); }
  [[nodiscard]] std::string url(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(m_port) + "/services/T/B/tls-secret";
  }

 private:
  test::TempDir m_dir;
  int m_port = 0;
  std::unique_ptr<test::BackgroundProcess> m_server;
};

// One event to `url`: the log of what became of it.
std::string tls_attempt(const std::string& url, std::optional<std::filesystem::path> ca_file) {
  Log log;
  Counts counts;
  NotifierSettings settings;
  settings.targets = {*parse_notify_url(url)};
  settings.ca_file = std::move(ca_file);
  settings.request_timeout = 500ms;
  settings.retry = {.attempts = 1};
  {
    auto notifier = started(settings, log, counts);
    notifier->notify(sample_event());
    REQUIRE(counts.wait_total(1));
  }
  CHECK(counts.of(Delivery::failed) == 1);
  const std::string logged = log.str();
  CHECK(logged.find("tls-secret") == std::string::npos);
  return logged;
}

TEST_CASE("https: the peer is verified against the system store and the CA file, and the host") {
  const TlsServer server;
  const std::string untrusted = tls_attempt(server.url("localhost"), std::nullopt);
  INFO(untrusted);
  CHECK(untrusted.find("the TLS handshake with https://localhost:") != std::string::npos);
  CHECK(untrusted.find("self-signed certificate") != std::string::npos);
  // Trusted: through the handshake, and then s_server never answers the POST.
  const std::string trusted = tls_attempt(server.url("localhost"), server.certificate());
  INFO(trusted);
  CHECK(trusted.find("handshake") == std::string::npos);
  CHECK(trusted.find("timed out after 500 ms") != std::string::npos);
  // Trusted, but for another host than the one in the URL.
  const std::string other = tls_attempt(server.url("127.0.0.1"), server.certificate());
  INFO(other);
  CHECK(other.find("IP address mismatch") != std::string::npos);
}

}  // namespace
}  // namespace cfsync::daemon
