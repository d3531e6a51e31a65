// The emulator's settings semantics and its envelope, auth and hooks, without sockets.
#include "tests/emulator/emulator.hpp"

#include "tests/unit/emulator/calls.hpp"

#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace cfsync::emulator {
namespace {

namespace json = boost::json;

using namespace testing;

const std::string k_path = k_dlp + "/settings";

Response call(Emulator& emulator, std::string method, std::string body = {},
              std::string path = k_path) {
  return testing::call(emulator, std::move(method), std::move(path), std::move(body));
}

json::object result_object(const Response& response) { return result_of(response).as_object(); }

json::object settings(Emulator& emulator) { return result_object(call(emulator, "GET")); }

TEST_CASE("a new account starts from the spec's defaults") {
  Emulator emulator = make();
  const Response response = call(emulator, "GET");
  CHECK(response.status == 200);
  const json::value envelope = json::parse(response.body);
  CHECK(envelope.at("success") == true);
  CHECK(envelope.at("errors").as_array().empty());
  CHECK(envelope.at("messages").as_array().empty());
  const json::object result = envelope.at("result").as_object();
  CHECK(result.at("ai_context_analysis") == false);
  CHECK(result.at("ocr") == false);
  CHECK(result.at("payload_logging").at("masking_level") == "default");
  CHECK(result.at("payload_logging").at("public_key").is_null());
  CHECK(result.at("payload_logging").at("updated_at").is_string());
}

TEST_CASE("PATCH: missing and null fields are unchanged") {
  Emulator emulator = make();
  CHECK(call(emulator, "PATCH", R"({"ocr":true,"payload_logging":{"masking_level":"full"}})")
            .status == 200);
  const Response response =
      call(emulator, "PATCH", R"({"ocr":null,"ai_context_analysis":true,"payload_logging":null})");
  CHECK(response.status == 200);
  const json::object result = result_object(response);
  CHECK(result.at("ocr") == true);
  CHECK(result.at("ai_context_analysis") == true);
  CHECK(result.at("payload_logging").at("masking_level") == "full");
}

TEST_CASE("PUT: missing fields go back to their initial values") {
  Emulator emulator = make();
  REQUIRE(call(emulator, "PATCH",
               R"({"ocr":true,"payload_logging":{"masking_level":"full","public_key":"a2V5"}})")
              .status == 200);
  const json::object result =
      result_object(call(emulator, "PUT", R"({"ai_context_analysis":true})"));
  CHECK(result.at("ai_context_analysis") == true);
  CHECK(result.at("ocr") == false);
  CHECK(result.at("payload_logging").at("masking_level") == "default");
  CHECK(result.at("payload_logging").at("public_key").is_null());
}

TEST_CASE("public_key: a key enables, an empty string disables") {
  Emulator emulator = make();
  CHECK(result_object(call(emulator, "PATCH", R"({"payload_logging":{"public_key":"a2V5"}})"))
            .at("payload_logging")
            .at("public_key") == "a2V5");
  CHECK(result_object(call(emulator, "PATCH", R"({"payload_logging":{"public_key":""}})"))
            .at("payload_logging")
            .at("public_key")
            .is_null());
}

TEST_CASE("payload_logging.updated_at moves only when payload logging changes") {
  Emulator emulator = make();
  const json::value initial = settings(emulator).at("payload_logging").at("updated_at");
  CHECK(settings(emulator).at("payload_logging").at("updated_at") == initial);
  call(emulator, "PATCH", R"({"ocr":true})");
  CHECK(settings(emulator).at("payload_logging").at("updated_at") == initial);
  call(emulator, "PATCH", R"({"payload_logging":{"masking_level":"clear"}})");
  const json::value changed = settings(emulator).at("payload_logging").at("updated_at");
  CHECK(changed != initial);
  call(emulator, "PATCH", R"({"payload_logging":{"masking_level":"clear"}})");
  CHECK(settings(emulator).at("payload_logging").at("updated_at") == changed);
}

TEST_CASE("DELETE resets and returns the initial values") {
  Emulator emulator = make();
  call(emulator, "PATCH", R"({"ocr":true})");
  const Response response = call(emulator, "DELETE");
  CHECK(response.status == 200);
  CHECK(result_object(response).at("ocr") == false);
  CHECK(settings(emulator).at("ocr") == false);
}

TEST_CASE("invalid bodies get a specific 400 and change nothing") {
  struct Row {
    std::string body;
    std::string message;
  };
  for (const Row& row : std::initializer_list<Row>{
           {"", "Invalid request body: a JSON object is required"},
           {"{", "Invalid request body: not valid JSON (incomplete JSON)"},
           {"nope", "Invalid request body: not valid JSON (syntax error)"},
           {"[]", "Invalid request body: expected a JSON object, got an array"},
           {R"({"ocr":"yes"})",
            "Invalid request body: ocr must be a boolean or null, got a string"},
           {R"({"ai_context_analysis":1})",
            "Invalid request body: ai_context_analysis must be a boolean or null, got a number"},
           {R"({"ocr":true,"payload_logging":"full"})",
            "Invalid request body: payload_logging must be an object or null, got a string"},
           {R"({"payload_logging":{"masking_level":"max"}})",
            "Invalid request body: payload_logging.masking_level must be one of full, partial, "
            "clear, default, got \"max\""},
           {R"({"payload_logging":{"public_key":"not base64!"}})",
            "Invalid request body: payload_logging.public_key must be a base64-encoded key, or "
            "\"\" to disable payload logging"},
       }) {
    CAPTURE(row.body);
    Emulator emulator = make();
    const std::string before = json::serialize(emulator.state());
    for (const char* method : {"PATCH", "PUT"}) {
      const Response response = call(emulator, method, row.body);
      CHECK(response.status == 400);
      const json::value envelope = json::parse(response.body);
      CHECK(envelope.at("success") == false);
      CHECK(envelope.at("result").is_null());
      CHECK(envelope.at("errors").at(0).at("message") == row.message.c_str());
    }
    CHECK(json::serialize(emulator.state()) == before);
  }
}

TEST_CASE("credentials: token or email and key, checked before anything else") {
  Emulator emulator = make();
  struct Row {
    std::map<std::string, std::string> headers;
    int status;
    int code;
  };
  for (const Row& row : std::initializer_list<Row>{
           {{}, 400, 9106},
           {{{"authorization", "Bearer nope"}}, 401, 1000},
           {{{"authorization", "Basic dG9r"}}, 400, 6003},
           {{{"x-auth-email", "a@example.com"}}, 400, 9106},
           {{{"x-auth-email", "a@example.com"}, {"x-auth-key", "wrong"}}, 403, 9103},
           {{{"x-auth-email", "a@example.com"}, {"x-auth-key", "global"}}, 200, 0},
           {{{"authorization", "Bearer tok"}}, 200, 0},
       }) {
    Request request{
        .method = "PATCH", .path = k_path, .headers = row.headers, .body = R"({"ocr":true})"};
    const Response response = emulator.handle(request);
    CHECK(response.status == row.status);
    if (row.status != 200) {
      CHECK(json::parse(response.body).at("errors").at(0).at("code") == row.code);
      CHECK(settings(emulator).at("ocr") == false);
    } else {
      call(emulator, "PATCH", R"({"ocr":false})");
    }
  }
}

TEST_CASE("unknown accounts, routes and methods") {
  Emulator emulator = make();
  const Response account =
      call(emulator, "GET", {}, "/accounts/ffffffffffffffffffffffffffffffff/dlp/settings");
  CHECK(account.status == 403);
  CHECK(call(emulator, "GET", {}, std::string("/accounts/") + k_account + "/dlp/nothing").status ==
        404);
  CHECK(call(emulator, "POST", "{}").status == 405);
  CHECK(call(emulator, "GET", {}, "/client/v4" + k_path).status == 200);
}

TEST_CASE("the request log: arrival order, bodies cut at 4 KiB, hooks left out") {
  Emulator emulator = make();
  call(emulator, "GET");
  call(emulator, "PATCH", R"({"ocr":true})");
  call(emulator, "PATCH", std::string(5000, 'x'));
  CHECK(emulator.handle({.method = "GET", .path = "/__emulator/state"}).status == 200);
  const json::array log =
      json::parse(emulator.handle({.method = "GET", .path = "/__emulator/requests"}).body)
          .at("requests")
          .as_array();
  REQUIRE(log.size() == 3);
  CHECK(log.at(0).at("method") == "GET");
  CHECK(log.at(0).at("path") == k_path.c_str());
  CHECK(log.at(0).at("status") == 200);
  CHECK(log.at(1).at("body") == R"({"ocr":true})");
  CHECK(log.at(2).at("status") == 400);
  CHECK(log.at(2).at("body").as_string().size() == 4096);

  CHECK(emulator.handle({.method = "POST", .path = "/__emulator/reset"}).status == 200);
  CHECK(json::parse(emulator.handle({.method = "GET", .path = "/__emulator/requests"}).body)
            .at("requests")
            .as_array()
            .empty());
}

TEST_CASE("logged bodies stay valid UTF-8") {
  Emulator emulator = make();
  std::string body(4095, 'a');
  body += "\xc3\xa9";  // a two-byte character across the 4 KiB cut
  call(emulator, "PATCH", body);
  call(emulator, "PATCH", std::string("\xff\xfe binary"));
  const json::array log =
      json::parse(emulator.handle({.method = "GET", .path = "/__emulator/requests"}).body)
          .at("requests")
          .as_array();
  CHECK(log.at(0).at("body").as_string().size() == 4095);
  CHECK(log.at(1).at("body") == "?? binary");
}

TEST_CASE("--state: saved on change, loaded at start") {
  test::TempDir dir;
  const auto file = dir.path() / "state.json";
  {
    Emulator emulator = make(file);
    call(emulator, "PATCH", R"({"ocr":true})");
  }
  Emulator restarted = make(file);
  CHECK(settings(restarted).at("ocr") == true);

  dir.write("broken.json", "[]");
  CHECK_THROWS_AS(make(dir.path() / "broken.json"), std::runtime_error);
}

}  // namespace
}  // namespace cfsync::emulator
