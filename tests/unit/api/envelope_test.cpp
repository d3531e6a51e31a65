// Reading Cloudflare's two envelope styles and turning failures into typed errors.
#include "api/json_read.hpp"

#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

namespace cfsync::api {
namespace {

Result<simdjson::dom::element> open(simdjson::dom::parser& parser, int status, std::string body) {
  return open_envelope(parser, HttpResponse{.status = status, .body = std::move(body)});
}

TEST_CASE("DLP style success gives the result") {
  simdjson::dom::parser parser;
  auto result =
      open(parser, 200, R"({"success":true,"errors":[],"messages":[],"result":{"ocr":true}})");
  REQUIRE(result);
  CHECK(bool((*result)["ocr"]) == true);
}

TEST_CASE("AI Search style success: errors and messages may be missing") {
  simdjson::dom::parser parser;
  auto result = open(parser, 200, R"({"success":true,"result":{"id":"x"},"result_info":{}})");
  REQUIRE(result);
  CHECK(std::string_view((*result)["id"]) == "x");
  CHECK(open(parser, 200, R"({"result":[]})"));  // no success flag at all: the status decides
}

TEST_CASE("a failure envelope becomes an http error with the API's codes") {
  simdjson::dom::parser parser;
  auto result =
      open(parser, 403,
           R"({"success":false,"errors":[{"code":10000,"message":"Authentication error"}],)"
           R"("messages":[],"result":null})");
  REQUIRE_FALSE(result);
  const Error& error = result.error();
  CHECK(error.kind() == ErrorKind::http);
  CHECK(error.http_status == 403);
  REQUIRE(error.api_errors.size() == 1);
  CHECK(error.api_errors.front() == ApiMessage{10000, "Authentication error"});
  CHECK(error.describe() == "the API answered HTTP 403 [10000: Authentication error]");
}

TEST_CASE("success false under a 2xx status is still a failure") {
  simdjson::dom::parser parser;
  auto result = open(parser, 200,
                     R"({"success":false,"errors":[{"code":1001,"message":"bad"}],"result":null})");
  REQUIRE_FALSE(result);
  CHECK(result.error().http_status == 200);
  CHECK(result.error().describe() == "the API reported a failure with HTTP 200 [1001: bad]");
}

TEST_CASE("an error page that is not JSON keeps its status") {
  simdjson::dom::parser parser;
  auto result = open(parser, 502, "<html>Bad gateway</html>");
  REQUIRE_FALSE(result);
  CHECK(result.error().kind() == ErrorKind::http);
  CHECK(result.error().http_status == 502);
  CHECK(result.error().message() == "the API answered HTTP 502 with a body that is not JSON");
}

TEST_CASE("malformed successes are protocol errors") {
  simdjson::dom::parser parser;
  struct Row {
    std::string body;
    std::string message;
  };
  for (const Row& row : std::initializer_list<Row>{
           {"not json", "unexpected response: HTTP 200 body is not JSON"},
           {"[1,2]", "unexpected response: the body is not a JSON object"},
           {R"({"success":"yes","result":{}})",
            "unexpected response: \"success\" is not a boolean"},
           {R"({"success":true,"errors":[],"messages":[]})",
            "unexpected response: the envelope has no \"result\""},
       }) {
    CAPTURE(row.body);
    auto result = open(parser, 200, row.body);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind() == ErrorKind::protocol);
    CHECK(result.error().message() == row.message);
  }
}

TEST_CASE("errors without a code or message still count") {
  simdjson::dom::parser parser;
  auto result = open(parser, 400, R"({"success":false,"errors":[{}]})");
  REQUIRE_FALSE(result);
  REQUIRE(result.error().api_errors.size() == 1);
  CHECK(result.error().api_errors.front() == ApiMessage{0, ""});
}

}  // namespace
}  // namespace cfsync::api
