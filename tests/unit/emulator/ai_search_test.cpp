// The emulator's AI Search items, without sockets.
#include "tests/emulator/emulator.hpp"
#include "tests/emulator/multipart.hpp"

#include "tests/support/temp_dir.hpp"
#include "tests/unit/emulator/calls.hpp"

#include <doctest/doctest.h>
#include <boost/json/serialize.hpp>

namespace cfsync::emulator {
namespace {

namespace json = boost::json;
using namespace testing;

const std::string k_items = std::string("/accounts/") + k_account +
                            "/ai-search/namespaces/default/instances/support-docs/items";
const std::string k_crawler_items =
    std::string("/accounts/") + k_account + "/ai-search/namespaces/default/instances/crawler/items";

Emulator make_with(const test::TempDir& dir, Options options = {}) {
  const auto fixture = dir.write(
      "fixture.json",
      R"({"ai_search":{"instances":[{"namespace":"default","id":"support-docs","managed":true},)"
      R"({"id":"crawler","managed":false}]}})");
  options.token = "tok";
  options.accounts = {k_account};
  options.fixture_file = fixture;
  return Emulator(std::move(options), ticking());
}

std::string form(const std::string& key, const std::string& content,
                 const std::string& metadata = {}) {
  std::string body;
  if (!metadata.empty()) {
    body += "--B\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + metadata + "\r\n";
  }
  body += "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + key +
          "\"\r\nContent-Type: text/markdown\r\n\r\n" + content + "\r\n--B--\r\n";
  return body;
}

Response upload(Emulator& emulator, const std::string& path, const std::string& body) {
  Request request{.method = "POST", .path = path, .body = body};
  request.headers["authorization"] = "Bearer tok";
  request.headers["content-type"] = "multipart/form-data; boundary=B";
  return emulator.handle(request);
}

TEST_CASE("upload: the item with an MD5 checksum, its size, key and metadata") {
  test::TempDir dir;
  Emulator emulator = make_with(dir);
  const Response response =
      upload(emulator, k_items, form("guides/a.md", "a", R"({"team":"support","rank":2})"));
  REQUIRE(response.status == 200);
  const json::object body = json::parse(response.body).as_object();
  CHECK_FALSE(body.contains("errors"));  // the AI Search envelope
  const json::object item = body.at("result").as_object();
  CHECK(item.at("key") == "guides/a.md");
  CHECK(item.at("checksum") == "0cc175b9c0f1b6a831c399e269772661");
  CHECK(item.at("file_size") == 1);
  CHECK(item.at("source_id") == "builtin");
  CHECK(item.at("status") == "completed");  // no indexing delay
  CHECK(item.at("metadata").at("rank") == 2);
  CHECK_FALSE(item.contains("emulator"));
}

TEST_CASE("the checksum algorithm is a switch") {
  test::TempDir dir;
  Emulator emulator = make_with(dir, {.item_checksum = "sha256"});
  const Response response = upload(emulator, k_items, form("a.md", "a"));
  CHECK(result_of(response).at("checksum") ==
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
}

TEST_CASE("upload refusals, with the spec's statuses and messages") {
  test::TempDir dir;
  Emulator emulator = make_with(dir);
  REQUIRE(upload(emulator, k_items, form("a.md", "a")).status == 200);
  struct Row {
    std::string path;
    std::string body;
    int status;
    std::string message;
  };
  const std::vector<Row> rows = {
      {k_items, form("a.md", "other"), 409, "Item key already exist."},
      {k_items, form(std::string(129, 'k'), "x"), 400, "Filename must not exceed 128 characters."},
      {k_items, form("big.pdf", std::string((4u << 20) + 1, 'x')), 413,
       "File exceeds maximum size."},
      {k_items, form("b.md", "x", R"({"nested":{"a":1}})"), 400, "Invalid metadata format."},
      {k_items, form("b.md", "x", "not json"), 400, "Invalid metadata format."},
      {k_items, "--B\r\nno headers end", 400,
       "Invalid request body: the multipart body is cut short"},
      {k_crawler_items, form("b.md", "x"), 400, "This operation requires a managed instance."},
      {std::string("/accounts/") + k_account + "/ai-search/namespaces/default/instances/none/items",
       form("b.md", "x"), 404, "Ai search not found."},
  };
  for (const Row& row : rows) {
    CAPTURE(row.message);
    const std::string before = json::serialize(emulator.state());
    const Response response = upload(emulator, row.path, row.body);
    CHECK(response.status == row.status);
    CHECK(error_of(response) == row.message);
    CHECK(json::serialize(emulator.state()) == before);
  }
}

TEST_CASE("listing: pages of at most 50, totals, filters") {
  test::TempDir dir;
  Emulator emulator = make_with(dir);
  for (int i = 0; i < 55; ++i) {
    REQUIRE(upload(emulator, k_items, form("doc" + std::to_string(100 + i) + ".md", "x")).status ==
            200);
  }
  auto list = [&](const std::string& query) {
    Request request{.method = "GET", .path = k_items, .query = query};
    request.headers["authorization"] = "Bearer tok";
    return json::parse(emulator.handle(request).body).as_object();
  };
  const json::object first = list("per_page=50&source=builtin&page=1");
  CHECK(first.at("result").as_array().size() == 50);
  CHECK(first.at("result_info").at("total_count") == 55);
  CHECK(first.at("result_info").at("per_page") == 50);
  const json::object second = list("per_page=50&source=builtin&page=2");
  CHECK(second.at("result").as_array().size() == 5);
  CHECK(list("per_page=50&page=3").at("result").as_array().empty());
  CHECK(list("key=doc120.md&source=builtin").at("result").as_array().size() == 1);
  CHECK(list("source=web-crawler:https%3A%2F%2Fexample.com").at("result").as_array().empty());
  CHECK(list("status=completed&per_page=5").at("result").as_array().size() == 5);
  CHECK(list("per_page=51").at("success") == false);
}

TEST_CASE("indexing goes queued, running, completed; matching keys end in error") {
  test::TempDir dir;
  Emulator emulator = make_with(dir, {.index_delay_ms = 4000, .index_error_pattern = "*bad*"});
  // The ticking clock moves a second per request.
  const std::string id(
      result_of(upload(emulator, k_items, form("docs/bad.md", "x"))).at("id").as_string());
  CHECK(result_of(upload(emulator, k_items, form("good.md", "x"))).at("status") == "queued");
  std::vector<std::string> statuses;
  for (int i = 0; i < 4; ++i) {
    const json::value item = result_of(call(emulator, "GET", k_items + "/" + id));
    statuses.emplace_back(item.at("status").as_string());
    if (statuses.back() == "error") CHECK(item.at("error").is_string());
  }
  CHECK(statuses == std::vector<std::string>{"running", "running", "error", "error"});
}

TEST_CASE("delete, get and sync") {
  test::TempDir dir;
  Emulator emulator = make_with(dir);
  const std::string id(
      result_of(upload(emulator, k_items, form("a.md", "a"))).at("id").as_string());
  CHECK(call(emulator, "PATCH", k_items + "/" + id, R"({"next_action":"INDEX"})").status == 200);
  CHECK(call(emulator, "PUT", k_items, R"({"key":"a.md","next_action":"INDEX"})").status == 200);
  const Response removed = call(emulator, "DELETE", k_items + "/" + id);
  CHECK(removed.status == 200);
  CHECK(result_of(removed).at("key") == "a.md");
  CHECK(call(emulator, "GET", k_items + "/" + id).status == 404);
  CHECK(error_of(call(emulator, "DELETE", k_items + "/" + id)) == "Item not found.");
}

TEST_CASE("a fixture that is not one is refused at start") {
  test::TempDir dir;
  const auto bad = dir.write("fixture.json", R"({"ai_search":{"instances":[{"managed":true}]}})");
  CHECK_THROWS_AS(Emulator(Options{.token = "t", .accounts = {k_account}, .fixture_file = bad}),
                  std::runtime_error);
}

TEST_CASE("multipart bodies: parts, names, encoded filenames, and broken ones") {
  const FormData form = parse_form_data(
      "multipart/form-data; boundary=\"xyz\"",
      "--xyz\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{}\r\n"
      "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"say %22hi%22.md\"\r\n"
      "Content-Type: text/markdown\r\n\r\nline one\r\nline two\r\n--xyz--\r\n");
  CHECK(form.problem.empty());
  REQUIRE(form.parts.size() == 2);
  const FormPart* file = form.find("file");
  REQUIRE(file);
  CHECK(file->filename == "say \"hi\".md");
  CHECK(file->content_type == "text/markdown");
  CHECK(file->body == "line one\r\nline two");

  CHECK(parse_form_data("application/json", "{}").problem == "expected multipart/form-data");
  CHECK(parse_form_data("multipart/form-data", "").problem ==
        "the multipart content type has no boundary");
  CHECK(parse_form_data("multipart/form-data; boundary=b", "--b\r\n\r\nx\r\n--b--").problem ==
        "a part has no name");
}

}  // namespace
}  // namespace cfsync::emulator
