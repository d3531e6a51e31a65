// The emulator's AI Search namespaces, instances and items, without sockets.
#include "tests/emulator/emulator.hpp"
#include "tests/emulator/multipart.hpp"

#include "tests/support/temp_dir.hpp"
#include "tests/unit/emulator/calls.hpp"

#include <doctest/doctest.h>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace cfsync::emulator {
namespace {

namespace json = boost::json;
using namespace testing;

const std::string k_items = std::string("/accounts/") + k_account +
                            "/ai-search/namespaces/default/instances/support-docs/items";
const std::string k_crawler_items =
    std::string("/accounts/") + k_account + "/ai-search/namespaces/default/instances/crawler/items";
const std::string k_namespaces = std::string("/accounts/") + k_account + "/ai-search/namespaces";

// The properties of an instance in the list's response schema, all required and no others
// allowed (additionalProperties: false).
const std::set<std::string> k_instance_fields = {"id",
                                                 "engine_version",
                                                 "enable",
                                                 "type",
                                                 "source",
                                                 "source_params",
                                                 "ai_gateway_id",
                                                 "token_id",
                                                 "cache",
                                                 "cache_threshold",
                                                 "cache_ttl",
                                                 "summarization",
                                                 "rewrite_query",
                                                 "reranking",
                                                 "index_method",
                                                 "hybrid_search_enabled",
                                                 "fusion_method",
                                                 "indexing_options",
                                                 "retrieval_options",
                                                 "summarization_model",
                                                 "embedding_model",
                                                 "rewrite_model",
                                                 "ai_search_model",
                                                 "reranking_model",
                                                 "system_prompt_ai_search",
                                                 "system_prompt_index_summarization",
                                                 "system_prompt_rewrite_query",
                                                 "chunk",
                                                 "chunk_size",
                                                 "chunk_overlap",
                                                 "score_threshold",
                                                 "max_num_results",
                                                 "public_endpoint_id",
                                                 "public_endpoint_params",
                                                 "paused",
                                                 "status",
                                                 "metadata",
                                                 "custom_metadata",
                                                 "sync_interval",
                                                 "created_at",
                                                 "created_by",
                                                 "modified_at",
                                                 "modified_by",
                                                 "last_activity",
                                                 "namespace"};

Emulator make_with(const test::TempDir& dir, Options options = {},
                   Emulator::Clock clock = ticking()) {
  const auto fixture = dir.write(
      "fixture.json",
      R"({"ai_search":{"instances":[{"namespace":"default","id":"support-docs","managed":true},)"
      R"({"id":"crawler","managed":false}]}})");
  options.token = "tok";
  options.accounts = {k_account};
  options.fixture_file = fixture;
  return Emulator(std::move(options), std::move(clock));
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

// Instances in three namespaces, declared out of order.
Emulator make_with_namespaces(const test::TempDir& dir) {
  const auto fixture = dir.write(
      "fixture.json", R"({"ai_search":{"instances":[{"namespace":"docs","id":"manuals"},)"
                      R"({"id":"support-docs"},{"id":"crawler","managed":false},)"
                      R"({"namespace":"archive","id":"old"},{"namespace":"docs","id":"faq"}]}})");
  return Emulator({.token = "tok", .accounts = {k_account}, .fixture_file = fixture}, ticking());
}

json::object list(Emulator& emulator, const std::string& path, const std::string& query) {
  Request request{.method = "GET", .path = path, .query = query};
  request.headers["authorization"] = "Bearer tok";
  const Response response = emulator.handle(request);
  REQUIRE(response.status == 200);
  return json::parse(response.body).as_object();
}

std::vector<std::string> names_of(const json::object& body, const char* field) {
  std::vector<std::string> out;
  for (const json::value& row : body.at("result").as_array()) {
    out.emplace_back(row.at(field).as_string());
  }
  return out;
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

// One page of the items listing, per_page=50.
json::array items_page(Emulator& emulator, const std::string& query, int page) {
  return list(emulator, k_items, query + "&per_page=50&page=" + std::to_string(page))
      .at("result")
      .as_array();
}

// Every page of the items listing, in order, read at one instant; each page's total_count is
// the number of rows.
std::vector<json::object> every_page(Emulator& emulator, const std::string& query) {
  std::vector<json::object> rows;
  std::vector<std::int64_t> totals;
  for (int page = 1;; ++page) {
    const json::object body =
        list(emulator, k_items, query + "&per_page=50&page=" + std::to_string(page));
    totals.push_back(body.at("result_info").at("total_count").as_int64());
    const json::array& result = body.at("result").as_array();
    for (const json::value& row : result) rows.push_back(row.as_object());
    if (result.size() < 50) break;
  }
  for (const std::int64_t total : totals) CHECK(total == static_cast<std::int64_t>(rows.size()));
  return rows;
}

std::vector<std::string> ids_of(const std::vector<json::object>& rows, std::size_t first,
                                std::size_t last) {
  std::vector<std::string> ids;
  for (std::size_t i = first; i < std::min(last, rows.size()); ++i) {
    ids.emplace_back(rows[i].at("id").as_string());
  }
  return ids;
}

std::vector<std::string> ids_of(const json::array& rows) {
  std::vector<std::string> ids;
  for (const json::value& row : rows) ids.emplace_back(row.at("id").as_string());
  return ids;
}

// The listing holds every item of `ids` once, in the order of its sort: by status (in the
// order of the spec's enum) or by modified_at (the latest first), then by key.
void check_listing(const std::vector<json::object>& rows, const std::set<std::string>& ids,
                   bool by_status) {
  const std::vector<std::string> listed = ids_of(rows, 0, rows.size());
  CHECK(std::set<std::string>(listed.begin(), listed.end()) == ids);
  CHECK(listed.size() == ids.size());
  const auto rank = [](const json::value& status) {
    constexpr std::array<std::string_view, 4> k_order = {"queued", "running", "completed", "error"};
    return std::find(k_order.begin(), k_order.end(), status.as_string()) - k_order.begin();
  };
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const json::object& a = rows[i - 1];
    const json::object& b = rows[i];
    CAPTURE(i);
    if (by_status && a.at("status") != b.at("status")) {
      CHECK(rank(a.at("status")) < rank(b.at("status")));
    } else if (!by_status && a.at("last_seen_at") != b.at("last_seen_at")) {
      CHECK(a.at("last_seen_at").as_string() > b.at("last_seen_at").as_string());
    } else {
      CHECK(a.at("key").as_string() < b.at("key").as_string());
    }
  }
}

TEST_CASE("listing every page: each item once, in each sort's order, also after changes") {
  test::TempDir dir;
  const StoppedClock clock;
  Emulator emulator = make_with(
      dir, {.index_delay_ms = 1000, .index_error_pattern = "*3.md", .item_delete_delay_ms = 500},
      clock.clock());
  std::set<std::string> ids;
  const auto upload_new = [&](const std::string& key) {
    const Response response = upload(emulator, k_items, form(key, "x"));
    REQUIRE(response.status == 200);
    ids.emplace(result_of(response).at("id").as_string());
  };
  // 230 items, keys out of order, two per 10 ms (ties of modified_at go by key): at the end some
  // are queued, some running, the oldest completed or in error.
  for (int i = 0; i < 230; ++i) {
    upload_new("doc-" + std::to_string(i * 37 % 230) + ".md");
    if (i % 2 == 1) clock.advance(10);
  }
  std::map<std::string, std::int64_t> held;  // deleted items, still listed, and when they go
  int uploads = 0;
  // Each change between pages 2 and 3 of a listing; `before` is that listing, whole.
  const std::vector<
      std::pair<std::string, std::function<void(const std::vector<json::object>& before)>>>
      changes = {
          {"an upload", [&](const auto&) { upload_new("a-" + std::to_string(++uploads) + ".md"); }},
          {"a re-index of a completed item",
           [&](const auto& before) {
             const auto done = std::find_if(before.begin(), before.end(), [](const auto& row) {
               return row.at("status") == "completed";
             });
             REQUIRE(done != before.end());
             REQUIRE(call(emulator, "PATCH",
                          k_items + "/" + std::string(done->at("id").as_string()),
                          R"({"next_action":"INDEX"})")
                         .status == 200);
           }},
          {"a delete, the item still listed",
           [&](const auto& before) {
             const auto kept = std::find_if(before.begin(), before.end(), [](const auto& row) {
               return row.at("next_action") != "DELETE";
             });
             REQUIRE(kept != before.end());
             const std::string id(kept->at("id").as_string());
             REQUIRE(call(emulator, "DELETE", k_items + "/" + id).status == 200);
             held[id] = *clock.now + 500;
           }},
          {"time: statuses move on, held deletes end",
           [&](const auto&) {
             clock.advance(300);
             std::erase_if(held, [&](const auto& entry) {
               if (entry.second > *clock.now) return false;
               ids.erase(entry.first);
               return true;
             });
           }},
      };
  for (const auto& [change, apply] : changes) {
    for (const std::string query : {"sort_by=status", "sort_by=modified_at&source=builtin"}) {
      CAPTURE(change);
      CAPTURE(query);
      const bool by_status = query == "sort_by=status";
      const std::vector<json::object> before = every_page(emulator, query);
      check_listing(before, ids, by_status);
      CHECK(ids_of(items_page(emulator, query, 1)) == ids_of(before, 0, 50));
      CHECK(ids_of(items_page(emulator, query, 2)) == ids_of(before, 50, 100));
      apply(before);
      // Pages are cut from the listing as it is when they are asked for.
      const json::array third = items_page(emulator, query, 3);
      const std::vector<json::object> after = every_page(emulator, query);
      check_listing(after, ids, by_status);
      CHECK(ids_of(third) == ids_of(after, 100, 150));
      // A filter by status picks the same items, in the same order.
      std::vector<std::string> running;
      for (const json::object& row : every_page(emulator, "sort_by=status")) {
        if (row.at("status") == "running") running.emplace_back(row.at("id").as_string());
      }
      const std::vector<json::object> filtered = every_page(emulator, "status=running");
      CHECK_FALSE(running.empty());
      CHECK(ids_of(filtered, 0, filtered.size()) == running);
    }
  }
  CHECK(held.empty());
  CHECK(ids.size() == 230 + 2 - 2);  // two uploads, two deletes
}

TEST_CASE("indexing goes queued, running, completed, matching keys end in error") {
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

TEST_CASE("download: exactly the bytes uploaded, binary ones too, also after a re-index") {
  test::TempDir dir;
  Emulator emulator = make_with(dir);
  const std::string binary{'\0', '\xff', '\xfe', 'o', 'k', '\n', '\0'};
  // Every base64 padding: lengths 0 to 3 modulo 3.
  for (const std::string& content :
       {binary, std::string(), std::string("a"), std::string("ab"), std::string("abc")}) {
    CAPTURE(content.size());
    const std::string key = "file" + std::to_string(content.size()) + ".bin";
    const Response uploaded = upload(emulator, k_items, form(key, content));
    REQUIRE(uploaded.status == 200);
    const std::string id(result_of(uploaded).at("id").as_string());
    const Response download = call(emulator, "GET", k_items + "/" + id + "/download");
    CHECK(download.status == 200);
    CHECK(download.content_type == "application/octet-stream");
    CHECK(download.body == content);
  }
  const std::string id(
      result_of(upload(emulator, k_items, form("kept.bin", binary))).at("id").as_string());
  REQUIRE(call(emulator, "PATCH", k_items + "/" + id, R"({"next_action":"INDEX"})").status == 200);
  REQUIRE(call(emulator, "PUT", k_items, R"({"key":"kept.bin","next_action":"INDEX"})").status ==
          200);
  CHECK(call(emulator, "GET", k_items + "/" + id + "/download").body == binary);
  CHECK_FALSE(
      result_of(call(emulator, "GET", k_items + "/" + id)).as_object().contains("emulator"));
}

TEST_CASE("download refusals: unknown item or instance, external sources, no content kept") {
  test::TempDir dir;
  // An older state: an external-source item, and an upload whose content was not kept.
  const auto state = dir.write(
      "state.json",
      std::string(R"({"accounts":{")") + k_account +
          R"(":{"ai_search":{"instances":{"default/support-docs":{"namespace":"default",)"
          R"("id":"support-docs","managed":true,"items":[)"
          R"({"id":"ext","key":"a.md","source_id":"r2:bucket","last_seen_at":"x","emulator":{}},)"
          R"({"id":"old","key":"b.md","source_id":"builtin","last_seen_at":"x","emulator":{}}]}}}}}})");
  Emulator emulator({.token = "tok", .accounts = {k_account}, .state_file = state}, ticking());
  const std::string none = std::string("/accounts/") + k_account +
                           "/ai-search/namespaces/default/instances/none/items/ext/download";
  struct Row {
    std::string path;
    int status;
    std::string message;
  };
  const std::vector<Row> rows = {
      {k_items + "/nope/download", 404, "Item not found."},
      {none, 404, "Ai search not found."},
      {k_items + "/ext/download", 400, "Content download not available for external source items."},
      {k_items + "/old/download", 404, "Item content not found."},
  };
  for (const Row& row : rows) {
    CAPTURE(row.path);
    const Response response = call(emulator, "GET", row.path);
    CHECK(response.status == row.status);
    CHECK(response.content_type == "application/json");
    CHECK(json::parse(response.body).at("success") == false);
    CHECK(error_of(response) == row.message);
  }
}

TEST_CASE("namespaces: default and the fixture's, by name, in pages") {
  test::TempDir dir;
  Emulator emulator = make_with_namespaces(dir);
  const json::object all = list(emulator, k_namespaces, "");
  CHECK(names_of(all, "name") == std::vector<std::string>{"archive", "default", "docs"});
  CHECK(all.at("result_info") ==
        json::parse(R"({"count":3,"page":1,"per_page":20,"total_count":3})"));
  const json::object& first = all.at("result").at(0).as_object();
  CHECK(first.at("description").is_null());
  // The time the emulator made it, however often it is asked.
  CHECK(first.at("created_at") == "2026-01-01T00:00:00.000Z");
  CHECK(list(emulator, k_namespaces, "").at("result") == all.at("result"));

  const json::object second = list(emulator, k_namespaces, "page=2&per_page=2");
  CHECK(names_of(second, "name") == std::vector<std::string>{"docs"});
  CHECK(second.at("result_info") ==
        json::parse(R"({"count":1,"page":2,"per_page":2,"total_count":3})"));
  CHECK(list(emulator, k_namespaces, "page=3&per_page=2").at("result").as_array().empty());
  CHECK(names_of(list(emulator, k_namespaces, "search=DEF"), "name") ==
        std::vector<std::string>{"default"});
  for (const char* query : {"per_page=0", "per_page=101", "page=0", "page=x"}) {
    CAPTURE(query);
    Request request{.method = "GET", .path = k_namespaces, .query = query};
    request.headers["authorization"] = "Bearer tok";
    const Response response = emulator.handle(request);
    CHECK(response.status == 400);
    // The spec's input validation error names the parameter.
    CHECK(json::parse(response.body).at("errors").at(0).at("path").as_array().size() == 2);
  }

  // Without a fixture, only the default namespace.
  Emulator bare = make();
  CHECK(names_of(list(bare, k_namespaces, ""), "name") == std::vector<std::string>{"default"});
}

TEST_CASE("instances: a namespace's, by id, in pages, with every field the spec requires") {
  test::TempDir dir;
  Emulator emulator = make_with_namespaces(dir);
  const json::object all = list(emulator, k_namespaces + "/default/instances", "");
  CHECK(names_of(all, "id") == std::vector<std::string>{"crawler", "support-docs"});
  CHECK(all.at("result_info") ==
        json::parse(R"({"count":2,"page":1,"per_page":20,"total_count":2})"));
  for (const json::value& instance : all.at("result").as_array()) {
    std::set<std::string> fields;
    for (const auto& field : instance.as_object()) fields.emplace(field.key());
    CHECK(fields == k_instance_fields);
    CHECK(instance.at("namespace") == "default");
    CHECK(instance.at("created_at") == "2026-01-01T00:00:00.000Z");
    CHECK(instance.at("last_activity").is_null());
  }
  const json::value& crawler = all.at("result").at(0);
  CHECK(crawler.at("type") == "r2");
  CHECK(crawler.at("source") == "crawler");
  const json::value& managed = all.at("result").at(1);
  CHECK(managed.at("type").is_null());
  CHECK(managed.at("source").is_null());
  CHECK(managed.at("engine_version") == 3);

  const json::object docs = list(emulator, k_namespaces + "/docs/instances", "per_page=1&page=2");
  CHECK(names_of(docs, "id") == std::vector<std::string>{"manuals"});
  CHECK(docs.at("result_info") ==
        json::parse(R"({"count":1,"page":2,"per_page":1,"total_count":2})"));
  CHECK(names_of(list(emulator, k_namespaces + "/docs/instances", "search=FA"), "id") ==
        std::vector<std::string>{"faq"});

  // An upload is the instance's latest activity; its creation time stays.
  const std::string items = k_namespaces + "/default/instances/support-docs/items";
  const json::value item = result_of(upload(emulator, items, form("a.md", "a")));
  const json::value after =
      list(emulator, k_namespaces + "/default/instances", "").at("result").at(1);
  CHECK(after.at("last_activity") == item.at("last_seen_at"));
  CHECK(after.at("created_at") == "2026-01-01T00:00:00.000Z");

  const Response unknown = call(emulator, "GET", k_namespaces + "/nowhere/instances");
  CHECK(unknown.status == 404);
  CHECK(error_of(unknown) == "Namespace not found.");
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
