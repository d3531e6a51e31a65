// The emulator's disturbances of API requests (--rate-limit, --faults, --latency-ms, --seed):
// what it answers, what it changes, what it logs, and how it tells the server to deliver.
#include "tests/emulator/emulator.hpp"

#include "tests/unit/emulator/calls.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <string>
#include <tuple>

namespace cfsync::emulator {
namespace {

namespace json = boost::json;

using namespace testing;

const std::string k_settings = k_dlp + "/settings";

FaultSpec faults(std::string_view text) {
  std::string problem;
  const std::optional<FaultSpec> spec = parse_fault_spec(text, problem);
  REQUIRE_MESSAGE(spec, problem);
  return *spec;
}

// An emulator with the usual credentials and account, and `options`' disturbances.
Emulator make_disturbed(Options options, Emulator::Clock clock = ticking()) {
  options.token = "tok";
  options.email = "a@example.com";
  options.key = "global";
  options.accounts = {k_account};
  return Emulator(std::move(options), std::move(clock));
}

const std::string* header(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

bool ocr(Emulator& emulator) {
  const json::value state =
      json::parse(emulator.handle({.method = "GET", .path = "/__emulator/state"}).body);
  return state.at("accounts").at(k_account).at("dlp").at("settings").at("ocr").as_bool();
}

json::array request_log(Emulator& emulator) {
  return json::parse(emulator.handle({.method = "GET", .path = "/__emulator/requests"}).body)
      .at("requests")
      .as_array();
}

json::object first_error(const Response& response) {
  return json::parse(response.body).at("errors").at(0).as_object();
}

TEST_CASE("nothing disturbed by default: no Ratelimit headers, no delay, no fault in the log") {
  Emulator emulator = make();
  const Response response = call(emulator, "PATCH", k_settings, R"({"ocr":true})");
  CHECK(response.status == 200);
  CHECK(response.headers.empty());
  CHECK(response.delay_ms == 0);
  CHECK(response.delivery == Delivery::send);
  CHECK_FALSE(request_log(emulator).at(0).as_object().contains("fault"));
}

TEST_CASE("--rate-limit: headers on every API answer, over the limit 429, nothing changed") {
  StoppedClock clock;
  Emulator emulator =
      make_disturbed({.rate_limit = RateLimitPolicy{.quota = 2, .window_s = 10}}, clock.clock());
  const Response first = call(emulator, "GET", k_settings);
  CHECK(first.status == 200);
  CHECK(*header(first, "Ratelimit") == "\"default\";r=1;t=10");
  CHECK(*header(first, "Ratelimit-Policy") == "\"default\";q=2;w=10");
  CHECK(header(first, "retry-after") == nullptr);

  clock.advance(4'500);
  const Response missing = call(emulator, "GET", k_dlp + "/nothing");  // errors count too
  CHECK(missing.status == 404);
  CHECK(*header(missing, "Ratelimit") == "\"default\";r=0;t=6");

  const Response refused = call(emulator, "PATCH", k_settings, R"({"ocr":true})");
  CHECK(refused.status == 429);
  CHECK(first_error(refused) ==
        json::object{{"code", 971},
                     {"message", "Please wait and consider throttling your request speed"}});
  CHECK(json::parse(refused.body).at("result").is_null());
  CHECK(*header(refused, "retry-after") == "10");
  CHECK(*header(refused, "Ratelimit") == "\"default\";r=0;t=10");
  CHECK_FALSE(ocr(emulator));

  // Hooks are neither counted nor refused nor given the headers.
  const Response hook = emulator.handle({.method = "GET", .path = "/__emulator/requests"});
  CHECK(hook.status == 200);
  CHECK(hook.headers.empty());

  clock.advance(9'999);
  CHECK(call(emulator, "PATCH", k_settings, R"({"ocr":true})").status == 429);
  clock.advance(1);
  CHECK(call(emulator, "PATCH", k_settings, R"({"ocr":true})").status == 200);
  CHECK(ocr(emulator));

  const json::array log = request_log(emulator);
  REQUIRE(log.size() == 5);
  CHECK_FALSE(log.at(0).as_object().contains("fault"));
  CHECK_FALSE(log.at(1).as_object().contains("fault"));
  CHECK(log.at(2).at("status") == 429);
  CHECK(log.at(2).at("fault") == "rate-limit");
  CHECK(log.at(3).at("fault") == "rate-limit");
  CHECK_FALSE(log.at(4).as_object().contains("fault"));
}

TEST_CASE("--rate-limit: each credential, good or bad, has its own count") {
  StoppedClock clock;
  Emulator emulator =
      make_disturbed({.rate_limit = RateLimitPolicy{.quota = 1, .window_s = 60}}, clock.clock());
  Request wrong{.method = "GET", .path = k_settings};
  wrong.headers["authorization"] = "Bearer wrong";
  const Response denied = emulator.handle(wrong);
  CHECK(denied.status == 401);
  CHECK(*header(denied, "Ratelimit") == "\"default\";r=0;t=60");
  CHECK(emulator.handle(wrong).status == 429);

  CHECK(call(emulator, "GET", k_settings).status == 200);  // the good token's count is whole
  CHECK(call(emulator, "GET", k_settings).status == 429);

  Request keyed{.method = "GET", .path = k_settings};
  keyed.headers["x-auth-email"] = "a@example.com";
  keyed.headers["x-auth-key"] = "global";
  CHECK(emulator.handle(keyed).status == 200);
  keyed.headers["x-auth-key"] = "wrong";  // counted by the email, whatever the key
  CHECK(emulator.handle(keyed).status == 429);
}

TEST_CASE("--faults 500 and 503: an error envelope, nothing changed") {
  for (const auto& [spec, name, status, code] :
       {std::tuple{"500=1", "500", 500, 10001}, std::tuple{"503=1", "503", 503, 10002}}) {
    CAPTURE(spec);
    Emulator emulator = make_disturbed({.faults = faults(spec)});
    const Response response = call(emulator, "PATCH", k_settings, R"({"ocr":true})");
    CHECK(response.status == status);
    CHECK(first_error(response).at("code") == code);
    CHECK(json::parse(response.body).at("success") == false);
    CHECK(response.delivery == Delivery::send);
    CHECK_FALSE(ocr(emulator));
    CHECK(request_log(emulator).at(0).at("fault") == name);
    CHECK(request_log(emulator).at(0).at("status") == status);
  }
}

TEST_CASE("--faults 429: Cloudflare's envelope, retry-after 1 and retry-after-ms, no block") {
  StoppedClock clock;
  Emulator emulator = make_disturbed(
      {.rate_limit = RateLimitPolicy{.quota = 5, .window_s = 60}, .faults = faults("429=1")},
      clock.clock());
  const Response response = call(emulator, "PATCH", k_settings, R"({"ocr":true})");
  CHECK(response.status == 429);
  CHECK(first_error(response).at("code") == 971);
  CHECK(*header(response, "retry-after") == "1");
  const int retry_after_ms = std::stoi(*header(response, "retry-after-ms"));
  CHECK(retry_after_ms >= 50);
  CHECK(retry_after_ms <= 500);
  // It went past the rate limiter, which counted it, and blocks nothing.
  CHECK(*header(response, "Ratelimit") == "\"default\";r=4;t=60");
  CHECK_FALSE(ocr(emulator));
  CHECK(request_log(emulator).at(0).at("fault") == "429");
}

TEST_CASE("--faults reset: nothing done or answered, reset-after-commit: done, not answered") {
  Emulator reset = make_disturbed({.faults = faults("reset=1")});
  const Response dropped = call(reset, "PATCH", k_settings, R"({"ocr":true})");
  CHECK(dropped.delivery == Delivery::reset);
  CHECK_FALSE(ocr(reset));
  CHECK(request_log(reset).at(0).at("status") == 0);
  CHECK(request_log(reset).at(0).at("fault") == "reset");

  Emulator committed = make_disturbed({.faults = faults("reset-after-commit=1")});
  const Response lost = call(committed, "PATCH", k_settings, R"({"ocr":true})");
  CHECK(lost.delivery == Delivery::reset);
  CHECK(ocr(committed));
  CHECK(request_log(committed).at(0).at("status") == 200);
  CHECK(request_log(committed).at(0).at("fault") == "reset-after-commit");
}

TEST_CASE("--faults slow and truncate: done at once, then the answer is late or cut") {
  Emulator slow = make_disturbed({.faults = faults("slow=1"), .latency_ms = 100, .slow_ms = 5'000});
  const Response late = call(slow, "PATCH", k_settings, R"({"ocr":true})");
  CHECK(late.status == 200);
  CHECK(late.delay_ms == 5'100);
  CHECK(late.delivery == Delivery::send);
  CHECK(ocr(slow));
  CHECK(request_log(slow).at(0).at("fault") == "slow");

  Emulator truncate = make_disturbed({.faults = faults("truncate=1")});
  const Response cut = call(truncate, "PATCH", k_settings, R"({"ocr":true})");
  CHECK(cut.status == 200);
  CHECK(cut.delivery == Delivery::truncate);
  CHECK(ocr(truncate));
  CHECK(request_log(truncate).at(0).at("fault") == "truncate");
}

TEST_CASE("faults and latency never touch the hooks") {
  Emulator emulator =
      make_disturbed({.faults = faults("reset=1"), .latency_ms = 100, .latency_jitter_ms = 50});
  for (const char* hook : {"/__emulator/requests", "/__emulator/state"}) {
    const Response response = emulator.handle({.method = "GET", .path = hook});
    CHECK(response.status == 200);
    CHECK(response.delivery == Delivery::send);
    CHECK(response.delay_ms == 0);
  }
  CHECK(emulator.handle({.method = "POST", .path = "/__emulator/reset"}).delay_ms == 0);
}

TEST_CASE("--latency-ms with jitter: every API answer waits, the same for the same seed") {
  const Options options{.latency_ms = 100, .latency_jitter_ms = 50, .seed = 11};
  Emulator one = make_disturbed(options), other = make_disturbed(options);
  bool varied = false;
  std::int64_t previous = -1;
  for (int i = 0; i < 50; ++i) {
    const std::int64_t delay = call(one, "GET", k_settings).delay_ms;
    CHECK(delay >= 100);
    CHECK(delay <= 150);
    CHECK(call(other, "GET", k_dlp + "/nothing").delay_ms == delay);  // errors wait too
    varied = varied || (previous >= 0 && delay != previous);
    previous = delay;
  }
  CHECK(varied);
}

TEST_CASE("--seed repeats faults and ids") {
  const Options options{.faults = faults("500=0.5"), .seed = 5};
  Emulator one = make_disturbed(options), other = make_disturbed(options);
  for (int i = 0; i < 40; ++i) {
    const std::string body = R"({"name": "Words )" + std::to_string(i) + R"("})";
    const Response a = call(one, "POST", k_dlp + "/datasets", body);
    const Response b = call(other, "POST", k_dlp + "/datasets", body);
    CHECK(a.status == b.status);
    CHECK(a.body == b.body);
  }
  const json::array log = request_log(one);
  CHECK(log == request_log(other));
  const auto faulted = std::count_if(log.begin(), log.end(), [](const json::value& entry) {
    return entry.as_object().contains("fault");
  });
  CHECK(faulted > 5);
  CHECK(faulted < 35);
}

}  // namespace
}  // namespace cfsync::emulator
