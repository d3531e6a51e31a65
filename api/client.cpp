#include "api/client.hpp"

#include "api/json_read.hpp"

#include <spdlog/spdlog.h>

namespace cfsync::api {

namespace {

std::string request_name(const HttpRequest& request) {
  return std::string(to_string(request.method)) + " " + request.target;
}

}  // namespace

Client::Client(Transport& transport, ClientPolicy policy, Clock& clock, Random random,
               std::shared_ptr<spdlog::logger> logger)
    : m_transport(transport),
      m_policy(policy),
      m_clock(clock),
      m_random(std::move(random)),
      m_logger(std::move(logger)),
      m_pacer(policy.rate_limit) {}

Result<HttpResponse> Client::attempt(const HttpRequest& request) {
  std::uint64_t ticket = 0;
  {
    std::unique_lock lock(m_mutex);
    for (;;) {
      const Clock::TimePoint now = m_clock.now();
      const Clock::TimePoint slot = m_pacer.next_slot(now);
      if (slot <= now) {
        ticket = m_pacer.take(now);
        ++m_stats.requests;
        break;
      }
      lock.unlock();
      // Sleep in steps, so that what other answers teach the pacer is taken into account.
      m_clock.sleep_for(std::min(std::chrono::ceil<std::chrono::milliseconds>(slot - now),
                                 std::chrono::milliseconds(1000)));
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

std::chrono::milliseconds Client::pause_after(const Result<HttpResponse>& outcome, int retry) {
  if (outcome) {
    if (auto delay = requested_delay(*outcome, std::chrono::system_clock::now())) return *delay;
  }
  std::lock_guard lock(m_mutex);
  return backoff(m_policy.retry, retry, m_random());
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
  simdjson::dom::parser parser;
  return read_envelope(parser, *last).error().context(attempts);
}

Result<HttpResponse> Client::send(const HttpRequest& request) {
  for (int retry = 0;; ++retry) {
    Result<HttpResponse> outcome = attempt(request);
    // A write that may have been applied cannot be checked here: its caller decides.
    if (judge(outcome, request.idempotent) != Verdict::retry) return outcome;
    if (retry + 1 >= m_policy.retry.attempts) return given_up(request, std::move(outcome));
    const std::chrono::milliseconds pause = pause_after(outcome, retry);
    note_retry(request, outcome, retry, pause);
    m_clock.sleep_for(pause);
  }
}

Result<std::optional<HttpResponse>> Client::send_unique(const HttpRequest& request,
                                                        const Landed& landed) {
  for (int retry = 0;; ++retry) {
    Result<HttpResponse> outcome = attempt(request);
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
    const std::chrono::milliseconds pause = pause_after(outcome, retry);
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
