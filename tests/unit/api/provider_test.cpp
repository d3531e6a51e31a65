// The provider against a fake transport: which requests a reconcile sends, and how it reports.
#include "api/provider.hpp"

#include "reconcile/planner.hpp"
#include "tests/unit/api/fake_transport.hpp"

#include "tests/support/printers.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

namespace cfsync::api {
namespace {

constexpr const char* k_account = "023e105f4ecef8ad9ca31a8372d0c353";

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

std::string settings(bool ocr, std::string_view key = "null") {
  return std::string(R"({"success":true,"errors":[],"messages":[],"result":{)") +
         R"("ai_context_analysis":false,"ocr":)" + (ocr ? "true" : "false") +
         R"(,"payload_logging":{"masking_level":"default","public_key":)" + std::string(key) +
         R"(,"updated_at":"2026-01-01T00:00:00Z"}}})";
}

Plan settings_plan(const DesiredDlpSettings& desired, const LiveDlpSettings& live) {
  return *reconcile::plan({.account_id = k_account, .dlp_settings = desired},
                          {.dlp_settings = live});
}

TEST_CASE("populate reads only what is declared") {
  test::FakeTransport transport;
  CloudflareProvider provider(transport, k_account, quiet());
  const auto nothing = provider.populate({.account_id = k_account});
  REQUIRE(nothing);
  CHECK(transport.sent.empty());
  CHECK_FALSE(nothing->dlp_settings);

  transport.answer(200, settings(true));
  const auto live =
      provider.populate({.account_id = k_account, .dlp_settings = DesiredDlpSettings{}});
  REQUIRE(live);
  REQUIRE(transport.sent.size() == 1);
  CHECK(transport.sent.front().method == Method::get);
  CHECK(live->dlp_settings->ocr);
}

TEST_CASE("populate failures say what was being read") {
  test::FakeTransport transport;
  transport.answer(401,
                   R"({"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}]})");
  CloudflareProvider provider(transport, k_account, quiet());
  const auto live =
      provider.populate({.account_id = k_account, .dlp_settings = DesiredDlpSettings{}});
  REQUIRE_FALSE(live);
  CHECK(live.error().http_status == 401);
  CHECK(live.error().describe() ==
        "reading dlp settings: the API answered HTTP 401 [1000: Invalid API Token]");
}

TEST_CASE("apply sends one PATCH per settings change and checks the answer") {
  test::FakeTransport transport;
  transport.answer(200, settings(true));
  CloudflareProvider provider(transport, k_account, quiet());
  const Plan plan = settings_plan({.ocr = true}, {});
  const ApplyReport report = provider.apply(plan);
  CHECK(report.ok());
  REQUIRE(transport.sent.size() == 1);
  CHECK(transport.sent.front().method == Method::patch);
  CHECK(transport.sent.front().body == R"({"ocr":true})");
}

TEST_CASE("an update the API accepted but did not make is a failure") {
  test::FakeTransport transport;
  transport.answer(200, settings(false));
  CloudflareProvider provider(transport, k_account, quiet());
  const ApplyReport report = provider.apply(settings_plan({.ocr = true}, {}));
  REQUIRE_FALSE(report.ok());
  REQUIRE(report.outcomes.front().error);
  CHECK(report.outcomes.front().error->message() ==
        "the API accepted the change but still reports different ocr");
}

TEST_CASE("an API error fails the change with its status and codes") {
  test::FakeTransport transport;
  transport.answer(400,
                   R"({"success":false,"errors":[{"code":1001,"message":"Invalid request body"}],)"
                   R"("messages":[],"result":null})");
  CloudflareProvider provider(transport, k_account, quiet());
  const ApplyReport report = provider.apply(settings_plan({.ocr = true}, {}));
  REQUIRE_FALSE(report.ok());
  const Error& error = *report.outcomes.front().error;
  CHECK(error.http_status == 400);
  CHECK(error.api_errors.front().code == 1001);
}

TEST_CASE("an empty plan sends nothing") {
  test::FakeTransport transport;
  CloudflareProvider provider(transport, k_account, quiet());
  CHECK(provider.apply(Plan{}).ok());
  CHECK(transport.sent.empty());
}

}  // namespace
}  // namespace cfsync::api
