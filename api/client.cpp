#include "api/client.hpp"

#include "api/json_read.hpp"

#include <spdlog/spdlog.h>

namespace cfsync::api {

namespace {

std::string request_name(const HttpRequest& request) {
  return std::string(to_string(request.method)) + " " + request.target;
}

// The error an answer with an error status carries: the API's, from its envelope.
Error api_error(const HttpResponse& response) {
  simdjson::dom::parser parser;
  return read_envelope(parser, response).error();
}

}  // namespace

Client::Client(Transport& transport, ClientPolicy policy, Clock& clock, Random random,
               std::shared_ptr<spdlog::logger> logger)
    : m_transport(transport),
      m_policy(policy),
      m_clock(clock),
      m_random(std::move(random)),
      m_logger(std::move(logger)),
      m_pacer(policy.rate_limit, policy.max_server_wait) {}

Result<HttpResponse> Client::attempt(const HttpRequest& request, ApiWaits& waits) {
  using std::chrono::milliseconds;
  std::uint64_t ticket = 0;
  {
    std::unique_lock lock(m_mutex);
    for (;;) {
      const Clock::TimePoint now = m_clock.now();
      Result<Pacer::Slot> slot = m_pacer.next_slot(now);
      if (!slot) {
        ++m_stats.gave_up;
        return std::move(slot).error();
      }
      if (slot->at <= now) {
        ticket = m_pacer.take(now);
        ++m_stats.requests;
        break;
      }
      // Sleep in steps, so that what other answers teach the pacer is taken into account.
      const milliseconds step =
          std::min(std::chrono::ceil<milliseconds>(slot->at - now), milliseconds(1000));
      const milliseconds for_api =
          std::clamp(std::chrono::ceil<milliseconds>(slot->api_at - now), milliseconds(0), step);
      lock.unlock();
      waited_for_api(request, waits, for_api);
      m_clock.sleep_for(step);
      lock.lock();
    }
  }
  Result<HttpResponse> outcome = m_transport.send(request);
  if (m_observer) m_observer(request.method, outcome ? outcome->status : 0);
  std::lock_guard lock(m_mutex);
  m_pacer.settled();
  if (!outcome) return outcome;
  const BudgetReport budget = read_budget(*outcome, std::chrono::system_clock::now());
  const Clock::TimePoint now = m_clock.now();
  m_pacer.observe(ticket, budget, now);
  if (outcome->status == 429) {
    ++m_stats.rate_limited;
    // Everyone waits, not only this request: the token is what is limited.
    if (auto delay = requested_delay(*outcome, std::chrono::system_clock::now())) {
      m_pacer.hold(now + *delay);
    }
  }
  return outcome;
}

Result<std::chrono::milliseconds> Client::pause_after(const HttpRequest& request,
                                                      const Result<HttpResponse>& outcome,
                                                      int retry, ApiWaits& waits) {
  const auto delay =
      outcome ? requested_delay(*outcome, std::chrono::system_clock::now()) : std::nullopt;
  if (!delay) {
    std::lock_guard lock(m_mutex);
    return backoff(m_policy.retry, retry, m_random());
  }
  if (*delay <= m_policy.max_server_wait) {
    waited_for_api(request, waits, *delay);
    return *delay;
  }
  {
    std::lock_guard lock(m_mutex);
    ++m_stats.gave_up;
  }
  const std::string refused =
      "the API asked to wait " + describe_wait(*delay) + " before attempt " +
      std::to_string(retry + 2) + " of " + std::to_string(m_policy.retry.attempts) +
      ", longer than cfsync waits for the API (" + describe_wait(m_policy.max_server_wait) + "): ";
  m_logger->debug("{}: {}{}", request_name(request), refused, outcome_summary(outcome));
  return api_error(*outcome).context(refused);
}

void Client::waited_for_api(const HttpRequest& request, ApiWaits& waits,
                            std::chrono::milliseconds wait) {
  waits.total += wait;
  const std::chrono::milliseconds expected = m_policy.request_timeout * m_policy.retry.attempts;
  if (waits.said || waits.total <= expected) return;
  waits.said = true;
  m_logger->warn(
      "{}: the API's retry-after and rate-limit headers make it wait {} in all, longer than "
      "--max-attempts times --request-timeout ({})",
      request_name(request), describe_wait(waits.total), describe_wait(expected));
}

void Client::note_retry(const HttpRequest& request, const Result<HttpResponse>& outcome, int retry,
                        std::chrono::milliseconds pause) {
  {
    std::lock_guard lock(m_mutex);
    ++m_stats.retries;
  }
  const auto level = outcome && outcome->status == 429 ? spdlog::level::warn : spdlog::level::info;
  m_logger->log(level, "{}: {}; attempt {} of {} in {} ms", request_name(request),
                outcome_summary(outcome), retry + 2, m_policy.retry.attempts, pause.count());
}

Error Client::given_up(const HttpRequest& request, Result<HttpResponse> last) {
  {
    std::lock_guard lock(m_mutex);
    ++m_stats.gave_up;
  }
  const std::string attempts = "gave up after " + std::to_string(m_policy.retry.attempts) +
                               (m_policy.retry.attempts == 1 ? " attempt: " : " attempts: ");
  m_logger->debug("{}: {}{}", request_name(request), attempts, outcome_summary(last));
  if (!last) return last.error().context(attempts);
  // Only error statuses are retried: the envelope reads as the API's error.
  return api_error(*last).context(attempts);
}

Result<HttpResponse> Client::send(const HttpRequest& request) {
  ApiWaits waits;
  for (int retry = 0;; ++retry) {
    Result<HttpResponse> outcome = attempt(request, waits);
    // A write that may have been applied cannot be checked here: its caller decides.
    if (judge(outcome, request.idempotent) != Verdict::retry) return outcome;
    if (retry + 1 >= m_policy.retry.attempts) return given_up(request, std::move(outcome));
    CFSYNC_TRY(const std::chrono::milliseconds pause, pause_after(request, outcome, retry, waits));
    note_retry(request, outcome, retry, pause);
    m_clock.sleep_for(pause);
  }
}

Result<std::optional<HttpResponse>> Client::send_unique(const HttpRequest& request,
                                                        const Landed& landed) {
  ApiWaits waits;
  for (int retry = 0;; ++retry) {
    Result<HttpResponse> outcome = attempt(request, waits);
    const Verdict verdict = judge(outcome, false);
    if (verdict == Verdict::done) {
      if (!outcome) return std::move(outcome).error();
      return std::optional<HttpResponse>(std::move(*outcome));
    }
    if (verdict == Verdict::check_first) {
      m_logger->info("{}: {}; reading the live state to see whether it was applied",
                     request_name(request), outcome_summary(outcome));
      CFSYNC_TRY(const bool applied, landed());
      if (applied) return std::optional<HttpResponse>();
    }
    if (retry + 1 >= m_policy.retry.attempts) return given_up(request, std::move(outcome));
    CFSYNC_TRY(const std::chrono::milliseconds pause, pause_after(request, outcome, retry, waits));
    note_retry(request, outcome, retry, pause);
    m_clock.sleep_for(pause);
  }
}

ClientStats Client::stats() {
  std::lock_guard lock(m_mutex);
  ClientStats out = m_stats;
  out.budget_left = m_pacer.remaining(m_clock.now());
  return out;
}

}  // namespace cfsync::api
