// The notifier: a queue, one thread, and a one-shot HTTP/1.1 client in Beast's shape (as
// api/http_transport.cpp: TLS verified against the system store plus --ca-file, SNI, a deadline
// on every network phase, a bounded answer). The API's transport is not reused: its connections
// are kept alive and its exchanges cannot be abandoned, while a notification is one request per
// connection that shutdown must be able to cut short. Each exchange runs on an io_context of its
// own, which the destructor stops when the grace period is over.
#include "daemon/notifier.hpp"

#include "api/settings.hpp"
#include "api/tls.hpp"
#include "daemon/status.hpp"
#include "reconcile/file.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <climits>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <exception>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <utility>

namespace cfsync::daemon {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// After the request's own deadline, how long the exchange's io_context runs before it is stopped
// (a host name that never resolves: the resolver has no deadline of its own).
constexpr auto k_backstop_margin = std::chrono::milliseconds(500);

// Slack reads &, < and > in text as markup (links, mentions): escaped, they show as typed.
std::string slack_escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

// What happened, in a few words, for the Slack line.
std::string headline(const Event& event) {
  switch (event.kind) {
    case EventKind::applied:
      return "applied " + std::to_string(event.changes) + " change(s)";
    case EventKind::drift_corrected:
      return "corrected " + std::to_string(event.drift) + " change(s) made outside cfsync (drift)";
    case EventKind::pass_failed:
      return "a reconcile pass failed";
    case EventKind::config_error:
      return "the configuration does not load; the last good one stays enforced";
    case EventKind::revision_refused:
      return "refused a revision";
  }
  return "event";
}

// "connecting to https://hooks.slack.com failed: Connection refused", or a time-out: what a log
// line may say of a failed exchange (the origin, never the path). `phase` ends with its
// preposition.
Error failure(const NotifyTarget& target, std::string_view phase, const beast::error_code& ec,
              std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout) {
    return Error(ErrorKind::network, "request to " + target.origin + " timed out after " +
                                         std::to_string(timeout.count()) + " ms");
  }
  return Error(ErrorKind::network,
               std::string(phase) + " " + target.origin + " failed: " + ec.message());
}

template <class Stream>
net::awaitable<Result<api::HttpResponse>> round_trip(Stream& stream, const NotifyTarget& target,
                                                     http::request<http::string_body>& request,
                                                     const NotifierSettings& settings) {
  auto [write_error, written] = co_await http::async_write(stream, request, use_tuple);
  if (write_error) {
    co_return failure(target, "sending the notification to", write_error, settings.request_timeout);
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(settings.max_response_bytes);
  auto [read_error, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (read_error) {
    co_return failure(target, "reading the answer from", read_error, settings.request_timeout);
  }
  const http::response<http::string_body>& response = parser.get();
  api::HttpResponse out;
  out.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  co_return out;
}

// One POST on a connection of its own, everything within `deadline`. Arguments by value: the
// coroutine may be abandoned, its frame destroyed with the io_context.
net::awaitable<Result<api::HttpResponse>> post_once(ssl::context& tls, NotifyTarget target,
                                                    std::string body, NotifierSettings settings,
                                                    Clock::time_point deadline) {
  const auto executor = co_await net::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [resolve_error, addresses] =
      co_await resolver.async_resolve(target.host, std::to_string(target.port), use_tuple);
  if (resolve_error) {
    co_return failure(target, "resolving the host of", resolve_error, settings.request_timeout);
  }
  http::request<http::string_body> request{http::verb::post, target.target.reveal(), 11};
  const std::string authority = target.origin.substr(target.origin.find("://") + 3);
  request.set(http::field::host, authority);
  request.set(http::field::user_agent, settings.user_agent);
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");
  request.body() = std::move(body);
  request.prepare_payload();

  if (!target.tls) {
    beast::tcp_stream stream(executor);
    stream.expires_at(deadline);
    auto [connect_error, peer] = co_await stream.async_connect(addresses, use_tuple);
    if (connect_error) {
      co_return failure(target, "connecting to", connect_error, settings.request_timeout);
    }
    co_return co_await round_trip(stream, target, request, settings);
  }
  beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
  if (!api::expect_peer(stream.native_handle(), target.host)) {
    co_return Error(ErrorKind::network, "cannot set up TLS for " + target.origin);
  }
  beast::get_lowest_layer(stream).expires_at(deadline);
  auto [connect_error, peer] =
      co_await beast::get_lowest_layer(stream).async_connect(addresses, use_tuple);
  if (connect_error) {
    co_return failure(target, "connecting to", connect_error, settings.request_timeout);
  }
  auto [handshake_error] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
  if (handshake_error) {
    Error error =
        failure(target, "the TLS handshake with", handshake_error, settings.request_timeout);
    const long verify = SSL_get_verify_result(stream.native_handle());
    if (verify != X509_V_OK) {
      error =
          Error(ErrorKind::network, error.message() + ": " + X509_verify_cert_error_string(verify));
    }
    co_return error;
  }
  co_return co_await round_trip(stream, target, request, settings);
}

std::string hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

}  // namespace

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::applied:
      return "applied";
    case EventKind::drift_corrected:
      return "drift_corrected";
    case EventKind::pass_failed:
      return "pass_failed";
    case EventKind::config_error:
      return "config_error";
    case EventKind::revision_refused:
      return "revision_refused";
  }
  return "applied";
}

std::string_view to_string(Delivery delivery) {
  switch (delivery) {
    case Delivery::sent:
      return "sent";
    case Delivery::failed:
      return "failed";
    case Delivery::dropped:
      return "dropped";
  }
  return "failed";
}

std::string event_json(const Event& event, std::string_view host) {
  boost::json::object out;
  out["event"] = to_string(event.kind);
  out["time"] = rfc3339(event.time);
  if (!event.account.empty()) out["account"] = event.account;
  if (!event.revision.empty()) out["revision"] = event.revision;
  out["summary"] = event.summary;
  out["changes"] = event.changes;
  out["drift"] = event.drift;
  if (!event.error.empty()) out["error"] = event.error;
  out["host"] = host;
  return boost::json::serialize(out);
}

std::string slack_json(const Event& event, std::string_view host) {
  std::string text = "cfsync on " + std::string(host) + ": " + headline(event);
  if (!event.account.empty() || !event.revision.empty()) {
    text += " (";
    if (!event.account.empty()) text += "account " + event.account;
    if (!event.account.empty() && !event.revision.empty()) text += ", ";
    text += event.revision;
    text += ")";
  }
  if (!event.summary.empty()) text += "\n" + event.summary;
  if (!event.error.empty() && event.error != event.summary) text += "\nerror: " + event.error;
  boost::json::object out;
  out["text"] = slack_escaped(text);
  return boost::json::serialize(out);
}

Result<NotifyTarget> parse_notify_url(std::string_view url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    return Error(ErrorKind::usage,
                 "--notify: not a URL (expected https://HOST/PATH, or http:// to loopback)");
  }
  const boost::urls::url_view view = *parsed;
  NotifyTarget target;
  if (view.scheme_id() == boost::urls::scheme::https) {
    target.tls = true;
  } else if (view.scheme_id() == boost::urls::scheme::http) {
    target.tls = false;
  } else {
    return Error(ErrorKind::usage, "--notify: expected an https:// URL (or http:// to loopback)");
  }
  target.host = view.host_address();
  if (target.host.empty()) return Error(ErrorKind::usage, "--notify: a URL has no host");
  target.port = view.has_port() ? view.port_number() : (target.tls ? 443 : 80);
  if (view.has_port() && target.port == 0) {
    return Error(ErrorKind::usage, "--notify: a URL has an invalid port");
  }
  const bool ipv6 = view.host_type() == boost::urls::host_type::ipv6;
  target.origin = std::string(target.tls ? "https://" : "http://") +
                  (ipv6 ? "[" + target.host + "]" : target.host);
  if (view.has_port()) target.origin += ":" + std::to_string(target.port);
  if (!target.tls && !api::has_loopback_host(url)) {
    return Error(ErrorKind::usage, "--notify: " + target.origin +
                                       ": http:// is refused but to loopback (127.0.0.1, ::1, "
                                       "localhost); use https://");
  }
  if (view.has_userinfo()) {
    return Error(ErrorKind::usage,
                 "--notify: " + target.origin + ": a user or password in the URL is not supported");
  }
  std::string path(view.encoded_path());
  if (path.empty()) path = "/";
  if (view.has_query()) path += "?" + std::string(view.encoded_query());
  target.target = Sensitive(std::move(path));
  return target;
}

Result<std::vector<NotifyTarget>> notify_targets(
    const std::vector<std::string>& urls,
    const std::optional<std::filesystem::path>& credentials_directory) {
  std::vector<NotifyTarget> targets;
  for (const std::string& url : urls) {
    CFSYNC_TRY(NotifyTarget target, parse_notify_url(url));
    targets.push_back(std::move(target));
  }
  if (!credentials_directory) return targets;
  const std::filesystem::path file = *credentials_directory / "notify-url";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return targets;
  const Result<std::string> content = read_file(file);
  if (!content) {
    return Error(ErrorKind::io, "cannot read the credential notify-url (" + file.string() + ")");
  }
  std::istringstream lines(*content);
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    auto target = parse_notify_url(std::string_view(line).substr(first, last - first + 1));
    if (!target) {
      return Error(ErrorKind::usage, "the credential notify-url, line " + std::to_string(number) +
                                         ": " + target.error().message());
    }
    targets.push_back(std::move(*target));
  }
  return targets;
}

AttemptVerdict judge_attempt(const Result<api::HttpResponse>& outcome) {
  if (!outcome) {
    return outcome.error().kind() == ErrorKind::network ? AttemptVerdict::retry
                                                        : AttemptVerdict::refused;
  }
  const int status = outcome->status;
  if (status >= 200 && status < 300) return AttemptVerdict::sent;
  if (status == 429 || status >= 500) return AttemptVerdict::retry;
  return AttemptVerdict::refused;
}

struct Notifier::Impl {
  Impl(NotifierSettings settings_in, std::shared_ptr<spdlog::logger> logger_in, Counted counted_in)
      : settings(std::move(settings_in)),
        logger(std::move(logger_in)),
        counted(std::move(counted_in)) {}

  Result<void> init() {
    if (auto trusted = api::trust(tls, settings.ca_file); !trusted) {
      return Error(ErrorKind::usage, "--notify: " + trusted.error().message());
    }
    if (settings.host.empty()) settings.host = hostname();
    worker = std::thread([this] { run(); });
    return {};
  }

  void count(Delivery delivery, std::size_t times) {
    if (!counted) return;
    for (std::size_t i = 0; i < times; ++i) counted(delivery);
  }

  bool abandoned_now() {
    std::lock_guard lock(mutex);
    return abandoned;
  }

  // Waits `wait`; false when the grace period at shutdown ended first.
  bool pause(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex);
    return !wake.wait_for(lock, wait, [this] { return abandoned; });
  }

  void run() {
    for (;;) {
      Event event;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [this] { return !queue.empty() || stopping; });
        if (queue.empty() || abandoned) break;
        event = std::move(queue.front());
        queue.pop_front();
      }
      const std::string body = settings.format == NotifyFormat::slack
                                   ? slack_json(event, settings.host)
                                   : event_json(event, settings.host);
      for (std::size_t i = 0; i < settings.targets.size(); ++i) {
        if (abandoned_now()) {
          count(Delivery::dropped, settings.targets.size() - i);
          break;
        }
        deliver(settings.targets[i], body, to_string(event.kind));
      }
    }
    std::size_t left = 0;
    {
      std::lock_guard lock(mutex);
      left = queue.size();
      queue.clear();
    }
    if (left > 0) {
      logger->warn("notifications: {} event(s) not sent at shutdown", left);
      count(Delivery::dropped, left * settings.targets.size());
    }
    {
      std::lock_guard lock(mutex);
      finished = true;
    }
    wake.notify_all();
  }

  void deliver(const NotifyTarget& target, const std::string& body, std::string_view kind) {
    for (int attempt = 1;; ++attempt) {
      const Result<api::HttpResponse> outcome = exchange(target, body);
      const AttemptVerdict verdict = judge_attempt(outcome);
      if (verdict == AttemptVerdict::sent) {
        logger->debug("notified {} of {} (HTTP {})", target.origin, kind, outcome->status);
        count(Delivery::sent, 1);
        return;
      }
      if (abandoned_now()) {
        logger->warn("notification of {} to {} given up at shutdown", kind, target.origin);
        count(Delivery::dropped, 1);
        return;
      }
      if (verdict == AttemptVerdict::refused) {
        logger->warn("notification of {} to {} refused: {}", kind, target.origin,
                     api::outcome_summary(outcome));
        count(Delivery::failed, 1);
        return;
      }
      if (attempt >= settings.retry.attempts) {
        logger->warn("notification of {} to {} failed after {} attempt(s): {}", kind, target.origin,
                     attempt, api::outcome_summary(outcome));
        count(Delivery::failed, 1);
        return;
      }
      std::optional<std::chrono::milliseconds> asked;
      if (outcome) asked = api::requested_delay(*outcome, std::chrono::system_clock::now());
      const std::chrono::milliseconds wait =
          asked ? std::min(*asked, settings.max_retry_after)
                : api::backoff(settings.retry, attempt - 1,
                               std::uniform_real_distribution<double>(0.0, 1.0)(random));
      logger->info("notification of {} to {} failed ({}); trying again in {}", kind, target.origin,
                   api::outcome_summary(outcome), api::describe_wait(wait));
      if (!pause(wait)) {
        logger->warn("notification of {} to {} given up at shutdown", kind, target.origin);
        count(Delivery::dropped, 1);
        return;
      }
    }
  }

  // One attempt, on an io_context of its own: when the destructor stops it, whatever is pending
  // is destroyed with it.
  Result<api::HttpResponse> exchange(const NotifyTarget& target, const std::string& body) {
    net::io_context io;
    {
      std::lock_guard lock(mutex);
      if (abandoned) return Error(ErrorKind::network, "shutting down");
      sending = &io;
    }
    const auto deadline = Clock::now() + settings.request_timeout;
    std::optional<Result<api::HttpResponse>> out;
    net::steady_timer backstop(io, deadline + k_backstop_margin);
    backstop.async_wait([&io](const beast::error_code& ec) {
      if (!ec) io.stop();
    });
    net::co_spawn(io, post_once(tls, target, body, settings, deadline),
                  [&out, &backstop](std::exception_ptr failed, Result<api::HttpResponse> result) {
                    backstop.cancel();
                    if (!failed) {
                      out = std::move(result);
                      return;
                    }
                    try {
                      std::rethrow_exception(failed);
                    } catch (const std::exception& e) {
                      out = Error(ErrorKind::network,
                                  std::string("notification failed: ") + e.what());
                    }
                  });
    io.run();
    {
      std::lock_guard lock(mutex);
      sending = nullptr;
    }
    if (out) return std::move(*out);
    return Error(ErrorKind::network, "request to " + target.origin + " timed out after " +
                                         std::to_string(settings.request_timeout.count()) + " ms");
  }

  NotifierSettings settings;
  std::shared_ptr<spdlog::logger> logger;
  Counted counted;
  ssl::context tls{ssl::context::tls_client};
  std::mt19937_64 random{std::random_device{}()};  // the notifier thread's only

  std::mutex mutex;  // guards what follows
  std::condition_variable wake;
  std::deque<Event> queue;
  bool stopping = false;   // the destructor runs: no more events, flush within the grace
  bool abandoned = false;  // the grace period is over
  bool finished = false;   // the worker is done
  net::io_context* sending = nullptr;  // the exchange in flight, stopped when abandoned
  std::thread worker;
};

Notifier::Notifier(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Result<std::unique_ptr<Notifier>> Notifier::start(NotifierSettings settings,
                                                  std::shared_ptr<spdlog::logger> logger,
                                                  Counted counted) {
  auto impl = std::make_unique<Impl>(std::move(settings), std::move(logger), std::move(counted));
  CFSYNC_TRY_VOID(impl->init());
  return std::unique_ptr<Notifier>(new Notifier(std::move(impl)));
}

Notifier::~Notifier() {
  Impl& impl = *m_impl;
  {
    std::unique_lock lock(impl.mutex);
    impl.stopping = true;
    impl.wake.notify_all();
    if (!impl.wake.wait_for(lock, impl.settings.shutdown_grace,
                            [&impl] { return impl.finished; })) {
      impl.abandoned = true;
      if (impl.sending != nullptr) impl.sending->stop();
    }
  }
  impl.wake.notify_all();
  impl.worker.join();
}

void Notifier::notify(Event event) {
  bool dropped = false;
  {
    std::lock_guard lock(m_impl->mutex);
    if (m_impl->stopping) return;
    if (!m_impl->queue.empty() && m_impl->queue.size() >= m_impl->settings.max_queued_events) {
      m_impl->queue.pop_front();
      dropped = true;
    }
    m_impl->queue.push_back(std::move(event));
  }
  m_impl->wake.notify_all();
  if (dropped) {
    m_impl->logger->warn("notifications: {} event(s) waiting already; dropped the oldest",
                         m_impl->settings.max_queued_events);
    m_impl->count(Delivery::dropped, m_impl->settings.targets.size());
  }
}

}  // namespace cfsync::daemon
