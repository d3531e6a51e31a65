// The retrying, pacing client over a fake transport and a fake clock: what is sent again, how
// long it waits, and when a write is looked for instead of sent twice.
#include "api/client.hpp"
#include "tests/support/printers.hpp"
#include "tests/unit/api/fake_clock.hpp"
#include "tests/unit/api/fake_transport.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace cfsync::test {
namespace {

using namespace std::chrono_literals;
using api::HttpRequest;
using api::HttpResponse;
using std::chrono::milliseconds;

Error lost_answer() {
  Error error(ErrorKind::network, "reading the response from http://127.0.0.1 failed: reset");
  error.request_sent = true;
  return error;
}

Error refused() { return Error(ErrorKind::network, "connecting failed: Connection refused"); }

// Warnings and above, one a line, as "level: message".
std::shared_ptr<spdlog::logger> into(std::ostringstream& out) {
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  logger->set_level(spdlog::level::warn);
  logger->set_pattern("%l: %v");
  return logger;
}

struct Setup {
  FakeTransport transport;
  FakeClock clock;
  std::ostringstream log;
  // Past 4 × 30 s of waiting for the API, a request says so.
  api::Client client{transport,
                     {.retry = {.attempts = 4, .base = 500ms, .cap = 30s},
                      .rate_limit = {1200, 300s},
                      .max_server_wait = 300s,
                      .request_timeout = 30s},
                     clock,
                     [] { return 0.5; },
                     into(log)};
};

const HttpRequest k_read{.method = api::Method::get, .target = "/accounts/a/dlp/settings"};
const HttpRequest k_create{
    .method = api::Method::post, .target = "/accounts/a/dlp/datasets", .idempotent = false};

TEST_CASE("a 5xx or a lost answer to a read is sent again after a jittered backoff") {
  Setup setup;
  setup.transport.answer(503, "{}");
  setup.transport.fail(lost_answer());
  setup.transport.answer(200, R"({"success":true,"result":{}})");
  auto response = setup.client.send(k_read);
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(setup.transport.sent.size() == 3);
  // Half of 0.5 s, then half of 1 s.
  CHECK(setup.clock.slept == std::vector<milliseconds>{250ms, 500ms});
  CHECK(setup.client.stats().retries == 2);
}

TEST_CASE("retry-after is honoured, and holds every request") {
  Setup setup;
  setup.transport.answer(HttpResponse{.status = 429, .headers = {{"Retry-After", "7"}}});
  setup.transport.answer(200, "{}");
  REQUIRE(setup.client.send(k_read));
  CHECK(setup.clock.slept.front() == 7000ms);
  CHECK(setup.client.stats().rate_limited == 1);

  setup.transport.answer(HttpResponse{.status = 503, .headers = {{"retry-after-ms", "120"}}});
  setup.transport.answer(200, "{}");
  setup.clock.slept.clear();
  REQUIRE(setup.client.send(k_read));
  CHECK(setup.clock.slept == std::vector<milliseconds>{120ms});
}

TEST_CASE("other 4xx are final") {
  Setup setup;
  setup.transport.answer(404, R"({"success":false,"errors":[{"code":7002,"message":"gone"}]})");
  auto response = setup.client.send(k_read);
  REQUIRE(response);
  CHECK(response->status == 404);
  CHECK(setup.transport.sent.size() == 1);
}

TEST_CASE("giving up names the attempts and keeps the API's error") {
  Setup setup;
  for (int i = 0; i < 4; ++i) {
    setup.transport.answer(500, R"({"success":false,"errors":[{"code":10001,"message":"boom"}]})");
  }
  auto response = setup.client.send(k_read);
  REQUIRE_FALSE(response);
  CHECK(response.error().kind() == ErrorKind::http);
  CHECK(response.error().http_status == 500);
  CHECK(response.error().describe() ==
        "gave up after 4 attempts: the API answered HTTP 500 [10001: boom]");
  CHECK(setup.transport.sent.size() == 4);
  CHECK(setup.client.stats().gave_up == 1);

  setup.transport.fail(refused());
  setup.transport.fail(refused());
  setup.transport.fail(refused());
  setup.transport.fail(refused());
  response = setup.client.send(k_read);
  REQUIRE_FALSE(response);
  CHECK(response.error().message() ==
        "gave up after 4 attempts: connecting failed: Connection refused");
}

TEST_CASE("a create whose answer was lost is looked for before it is sent again") {
  Setup setup;
  int looked = 0;
  SUBCASE("it happened: not sent again") {
    setup.transport.fail(lost_answer());
    auto response = setup.client.send_unique(k_create, [&]() -> Result<bool> {
      ++looked;
      return true;
    });
    REQUIRE(response);
    CHECK_FALSE(response->has_value());
    CHECK(setup.transport.sent.size() == 1);
    CHECK(looked == 1);
  }
  SUBCASE("it did not: sent again") {
    setup.transport.answer(502, "{}");
    setup.transport.answer(200, "{}");
    auto response = setup.client.send_unique(k_create, [&]() -> Result<bool> {
      ++looked;
      return false;
    });
    REQUIRE(response);
    REQUIRE(response->has_value());
    CHECK((*response)->status == 200);
    CHECK(setup.transport.sent.size() == 2);
    CHECK(looked == 1);
  }
  SUBCASE("refused before any work (429, never connected): sent again without looking") {
    setup.transport.answer(429, "{}");
    setup.transport.fail(refused());
    setup.transport.answer(200, "{}");
    auto response = setup.client.send_unique(k_create, [&]() -> Result<bool> {
      ++looked;
      return false;
    });
    REQUIRE(response);
    CHECK(setup.transport.sent.size() == 3);
    CHECK(looked == 0);
  }
  SUBCASE("a plain send of a create never repeats one that may have happened") {
    setup.transport.fail(lost_answer());
    auto response = setup.client.send(k_create);
    REQUIRE_FALSE(response);
    CHECK(setup.transport.sent.size() == 1);
  }
}

TEST_CASE("requests wait for the rate limit the answers describe") {
  Setup setup;
  // The API says: 25 left in this window, which resets in 60 s; the reserve (24) leaves one.
  setup.transport.answer(
      HttpResponse{.status = 200,
                   .headers = {{"Ratelimit", "\"default\";r=25;t=60"},
                               {"Ratelimit-Policy", "\"default\";q=1200;w=300"}}});
  setup.transport.answer(200, "{}");
  setup.transport.answer(200, "{}");
  REQUIRE(setup.client.send(k_read));
  CHECK(setup.clock.slept.empty());
  // The one usable request is spread over the minute, the next waits for the reset.
  REQUIRE(setup.client.send(k_read));
  REQUIRE(setup.client.send(k_read));
  milliseconds waited{0};
  for (milliseconds step : setup.clock.slept) waited += step;
  CHECK(waited >= 60s);
  CHECK(waited <= 62s);
  CHECK(setup.client.stats().requests == 3);
}

TEST_CASE("a retry-after past max_server_wait fails the request at once, saying what was asked") {
  const std::string envelope = R"({"success":false,"errors":[{"code":971,"message":"throttled"}]})";
  struct Row {
    const char* header;
    const char* value;
    std::string asked;
  };
  const Row rows[] = {
      {"retry-after", "3600", "3600 s"},
      {"retry-after", "301", "301 s"},
      {"retry-after", "999999999", "7 days or more"},
      {"retry-after", "9223372036854775807", "7 days or more"},
      {"retry-after", "Thu, 01 Jan 2099 00:00:00 GMT", "7 days or more"},
      {"retry-after-ms", "9223372036854775807", "7 days or more"},
  };
  for (const Row& row : rows) {
    INFO(row.header, ": ", row.value);
    Setup setup;
    setup.transport.answer(
        HttpResponse{.status = 429, .headers = {{row.header, row.value}}, .body = envelope});
    auto response = setup.client.send(k_read);
    REQUIRE_FALSE(response);
    CHECK(response.error().kind() == ErrorKind::http);
    CHECK(response.error().http_status == 429);
    CHECK(response.error().describe() ==
          "the API asked to wait " + row.asked +
              " before attempt 2 of 4, longer than cfsync waits for the API (300 s): the API "
              "answered HTTP 429 [971: throttled]");
    CHECK(setup.clock.slept.empty());
    CHECK(setup.transport.sent.size() == 1);
    CHECK(setup.client.stats().gave_up == 1);

    // The 429 holds every request: the next one is refused without being sent, as it would
    // have to wait as long.
    response = setup.client.send(k_read);
    REQUIRE_FALSE(response);
    CHECK(response.error().message().starts_with("the API asked every request to wait "));
    CHECK(setup.transport.sent.size() == 1);
    CHECK(setup.clock.slept.empty());
  }
}

TEST_CASE("a create the API asks to wait too long for is not sent again") {
  Setup setup;
  setup.transport.answer(HttpResponse{.status = 503, .headers = {{"retry-after", "86400"}}});
  int looked = 0;
  auto response = setup.client.send_unique(k_create, [&]() -> Result<bool> {
    ++looked;
    return false;
  });
  REQUIRE_FALSE(response);
  CHECK(response.error().message().starts_with(
      "the API asked to wait 86400 s before attempt 2 of 4, longer than cfsync waits"));
  CHECK(looked == 1);  // a 5xx: looked for first, then refused the wait
  CHECK(setup.transport.sent.size() == 1);
  CHECK(setup.clock.slept.empty());
}

TEST_CASE("the API's rate-limit headers stalling past max_server_wait fail requests unsent") {
  Setup setup;
  setup.transport.answer(HttpResponse{.status = 200,
                                      .headers = {{"Ratelimit", "\"default\";r=0;t=3600"},
                                                  {"Ratelimit-Policy", "\"default\";q=1200;w=300"}},
                                      .body = "{}"});
  REQUIRE(setup.client.send(k_read));
  auto response = setup.client.send(k_read);
  REQUIRE_FALSE(response);
  CHECK(response.error().kind() == ErrorKind::protocol);
  CHECK(response.error().message() ==
        "the API's rate-limit headers leave no request for 3600 s, longer than cfsync waits for "
        "the API (300 s)");
  CHECK(setup.transport.sent.size() == 1);
  CHECK(setup.clock.slept.empty());
  CHECK(setup.client.stats().gave_up == 1);
}

TEST_CASE("waits up to max_server_wait are honoured, and said once past attempts × timeout") {
  SUBCASE("retry-after, 100 s twice: 200 s, past 4 × 30 s") {
    Setup setup;
    setup.transport.answer(HttpResponse{.status = 503, .headers = {{"retry-after", "100"}}});
    setup.transport.answer(HttpResponse{.status = 503, .headers = {{"retry-after", "100"}}});
    setup.transport.answer(HttpResponse{.status = 503, .headers = {{"retry-after", "100"}}});
    setup.transport.answer(200, "{}");
    REQUIRE(setup.client.send(k_read));
    CHECK(setup.clock.slept == std::vector<milliseconds>{100s, 100s, 100s});
    CHECK(setup.log.str() ==
          "warning: GET /accounts/a/dlp/settings: the API's retry-after and rate-limit headers "
          "make it wait 200 s in all, longer than --max-attempts times --request-timeout "
          "(120 s)\n");
  }
  SUBCASE("the rate limit's reset, 300 s: exactly the cap, and the margin") {
    Setup setup;
    setup.transport.answer(HttpResponse{
        .status = 200, .headers = {{"Ratelimit", "\"default\";r=0;t=300"}}, .body = "{}"});
    setup.transport.answer(200, "{}");
    REQUIRE(setup.client.send(k_read));
    REQUIRE(setup.client.send(k_read));
    milliseconds waited{0};
    for (milliseconds step : setup.clock.slept) waited += step;
    CHECK(waited == 301s);
    CHECK(setup.log.str().find("make it wait 121 s in all") != std::string::npos);
  }
  SUBCASE("short waits say nothing") {
    Setup setup;
    setup.transport.answer(HttpResponse{.status = 429, .headers = {{"retry-after", "7"}}});
    setup.transport.answer(200, "{}");
    REQUIRE(setup.client.send(k_read));
    CHECK(setup.clock.slept == std::vector<milliseconds>{7s});
    CHECK(setup.log.str().find("in all") == std::string::npos);
  }
}

}  // namespace
}  // namespace cfsync::test
