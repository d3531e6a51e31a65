// The settings calls, without sockets: the requests built and the responses read.
#include "api/dlp_settings.hpp"

#include "tests/support/printers.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

namespace cfsync::api {
namespace {

constexpr std::string_view k_account = "023e105f4ecef8ad9ca31a8372d0c353";

std::string settings_body(std::string_view logging) {
  return std::string(R"({"success":true,"errors":[],"messages":[],"result":{)"
                     R"("ai_context_analysis":true,"ocr":false,"payload_logging":)") +
         std::string(logging) + "}}";
}

TEST_CASE("GET request for the settings") {
  const HttpRequest request = read_settings_request(k_account);
  CHECK(request.method == Method::get);
  CHECK(request.target == "/accounts/023e105f4ecef8ad9ca31a8372d0c353/dlp/settings");
  CHECK(request.body.empty());
}

TEST_CASE("PATCH carries only the fields of the patch") {
  const HttpRequest request = patch_settings_request(k_account, {.ocr = true});
  CHECK(request.method == Method::patch);
  CHECK(request.target == "/accounts/023e105f4ecef8ad9ca31a8372d0c353/dlp/settings");
  CHECK(request.content_type == "application/json");
  CHECK(request.body == R"({"ocr":true})");
  CHECK(request.idempotent);
}

TEST_CASE("PATCH nests payload logging fields, and disables with an empty key") {
  const HttpRequest request =
      patch_settings_request(k_account, {.ai_context_analysis = false,
                                         .masking_level = MaskingLevel::default_level,
                                         .public_key = Sensitive()});
  simdjson::dom::parser parser;
  const simdjson::dom::element body = parser.parse(request.body);
  CHECK(bool(body["ai_context_analysis"]) == false);
  CHECK(body["ocr"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(std::string_view(body["payload_logging"]["masking_level"]) == "default");
  CHECK(std::string_view(body["payload_logging"]["public_key"]) == "");
}

TEST_CASE("settings response, payload logging enabled") {
  const auto live = parse_settings_response(
      {.status = 200,
       .body = settings_body(
           R"({"masking_level":"full","public_key":"a2V5","updated_at":"2026-01-01T00:00:00Z"})")});
  REQUIRE(live);
  CHECK(live->ai_context_analysis);
  CHECK_FALSE(live->ocr);
  CHECK(live->masking_level == MaskingLevel::full);
  CHECK(live->public_key.reveal() == "a2V5");
}

TEST_CASE("settings response: null key is disabled, a missing level is the default") {
  const auto live = parse_settings_response(
      {.status = 200, .body = settings_body(R"({"public_key":null,"updated_at":"x"})")});
  REQUIRE(live);
  CHECK(live->masking_level == MaskingLevel::default_level);
  CHECK(live->public_key.empty());
}

TEST_CASE("settings responses the client cannot trust") {
  struct Row {
    std::string body;
    std::string message;
  };
  for (const Row& row : std::initializer_list<Row>{
           {R"({"success":true,"result":{"ocr":false,"payload_logging":{}}})",
            "unexpected response: result.ai_context_analysis is missing or not a boolean"},
           {R"({"success":true,"result":{"ai_context_analysis":true,"ocr":false}})",
            "unexpected response: result.payload_logging is missing"},
           {settings_body(R"({"masking_level":"extreme"})"),
            "unexpected response: result.payload_logging.masking_level \"extreme\" is not a "
            "known level"},
           {settings_body(R"({"public_key":7})"),
            "unexpected response: result.payload_logging.public_key is not a string"},
           {R"({"success":true,"result":null})",
            "unexpected response: result is not a JSON object"},
       }) {
    CAPTURE(row.body);
    const auto live = parse_settings_response({.status = 200, .body = row.body});
    REQUIRE_FALSE(live);
    CHECK(live.error().kind() == ErrorKind::protocol);
    CHECK(live.error().message() == row.message);
  }
}

}  // namespace
}  // namespace cfsync::api
