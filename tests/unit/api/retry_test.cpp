// Retry decisions and waits as tables: no sockets, no sleeping.
#include "api/retry.hpp"
#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

namespace cfsync::api {
namespace {

using std::chrono::milliseconds;

Result<HttpResponse> status(int code,
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
  return HttpResponse{.status = code, .headers = std::move(headers)};
}

Result<HttpResponse> network(bool sent) {
  Error error(ErrorKind::network, "connection reset");
  error.request_sent = sent;
  return error;
}

TEST_CASE("what is retried, and what must be checked first") {
  struct Row {
    Result<HttpResponse> outcome;
    bool idempotent;
    Verdict verdict;
  };
  const Row rows[] = {
      {status(200), true, Verdict::done},
      {status(200), false, Verdict::done},
      {status(400), true, Verdict::done},
      {status(404), true, Verdict::done},
      {status(409), false, Verdict::done},  // an AI Search upload's conflict goes back
      {status(408), true, Verdict::retry},
      {status(408), false, Verdict::retry},
      {status(429), true, Verdict::retry},
      {status(429), false, Verdict::retry},  // refused before any work
      {status(500), true, Verdict::retry},
      {status(503), true, Verdict::retry},
      {status(500), false, Verdict::check_first},  // may have been done before failing
      {status(502), false, Verdict::check_first},
      {network(false), false, Verdict::retry},  // never left
      {network(false), true, Verdict::retry},
      {network(true), true, Verdict::retry},
      {network(true), false, Verdict::check_first},  // answer lost
      {Error(ErrorKind::protocol, "response too large"), true, Verdict::done},
      {Error(ErrorKind::io, "file changed while it was being uploaded"), false, Verdict::done},
  };
  for (const Row& row : rows) {
    INFO(outcome_summary(row.outcome), " idempotent=", row.idempotent);
    CHECK(judge(row.outcome, row.idempotent) == row.verdict);
  }
}

TEST_CASE("backoff is exponential with full jitter, capped") {
  const RetryPolicy policy{.attempts = 10, .base = milliseconds(500), .cap = milliseconds(30'000)};
  // The ceiling doubles from 0.5 s; the random unit scales it from 0 to just below.
  CHECK(backoff(policy, 0, 0.999) == milliseconds(499));
  CHECK(backoff(policy, 1, 0.999) == milliseconds(999));
  CHECK(backoff(policy, 2, 0.5) == milliseconds(1000));
  CHECK(backoff(policy, 5, 0.999) == milliseconds(15'984));
  CHECK(backoff(policy, 6, 0.999) == milliseconds(29'970));  // 32 s, capped at 30 s
  CHECK(backoff(policy, 60, 0.999) == milliseconds(29'970));
  CHECK(backoff(policy, 3, 0.0) == milliseconds(0));
}

TEST_CASE("the API's requested wait: retry-after-ms, retry-after seconds or date") {
  const auto now = std::chrono::system_clock::from_time_t(1'700'000'000);  // 2023-11-14 22:13:20
  auto delay = [&](std::vector<std::pair<std::string, std::string>> headers) {
    return requested_delay(HttpResponse{.status = 429, .headers = std::move(headers)}, now);
  };
  CHECK(delay({}) == std::nullopt);
  CHECK(delay({{"Retry-After", "7"}}) == milliseconds(7000));
  CHECK(delay({{"retry-after-ms", "250"}, {"retry-after", "1"}}) == milliseconds(250));
  CHECK(delay({{"Retry-After", "Tue, 14 Nov 2023 22:13:50 GMT"}}) == milliseconds(30'000));
  CHECK(delay({{"Retry-After", "Tue, 14 Nov 2023 22:00:00 GMT"}}) == milliseconds(0));  // past
  CHECK(delay({{"Retry-After", "soon"}}) == std::nullopt);
  CHECK(delay({{"Retry-After", "-3"}}) == std::nullopt);
}

TEST_CASE("HTTP dates") {
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") ==
        std::chrono::system_clock::from_time_t(784111777));
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37") == std::nullopt);
  CHECK(parse_http_date("yesterday") == std::nullopt);
}

}  // namespace
}  // namespace cfsync::api
