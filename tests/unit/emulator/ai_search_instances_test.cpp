// The emulator's AI Search namespaces and instances: create, read, update, move, delete, the
// refusals, and the switches for what the spec leaves open; without sockets.
#include "tests/emulator/emulator.hpp"

#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/emulator/calls.hpp"

#include <doctest/doctest.h>
#include <boost/json/serialize.hpp>

#include <set>
#include <string>
#include <vector>

namespace cfsync::emulator {
namespace {

namespace json = boost::json;
using namespace testing;

const std::string k_namespaces = std::string("/accounts/") + k_account + "/ai-search/namespaces";
const std::string k_docs = k_namespaces + "/docs";
const std::string k_kb = k_docs + "/instances/kb";

// The properties of the single-instance result schemas (GET, POST, PUT, DELETE).
const std::set<std::string> k_single_fields = {"ai_gateway_id",
                                               "ai_search_model",
                                               "cache",
                                               "cache_threshold",
                                               "cache_ttl",
                                               "chunk_overlap",
                                               "chunk_size",
                                               "created_at",
                                               "created_by",
                                               "custom_metadata",
                                               "embedding_model",
                                               "enable",
                                               "engine_version",
                                               "fusion_method",
                                               "hybrid_search_enabled",
                                               "id",
                                               "index_method",
                                               "indexing_options",
                                               "last_activity",
                                               "max_num_results",
                                               "metadata",
                                               "modified_at",
                                               "modified_by",
                                               "namespace",
                                               "paused",
                                               "public_endpoint_id",
                                               "public_endpoint_params",
                                               "reranking",
                                               "reranking_model",
                                               "retrieval_options",
                                               "rewrite_model",
                                               "rewrite_query",
                                               "score_threshold",
                                               "source",
                                               "source_params",
                                               "status",
                                               "sync_interval",
                                               "token_id",
                                               "type"};
// Those with no default that the single results cannot show as null: left out until set.
const std::set<std::string> k_left_out = {"chunk_size", "custom_metadata", "metadata",
                                          "public_endpoint_params", "token_id"};

std::set<std::string> fields_of(const json::value& object) {
  std::set<std::string> fields;
  for (const auto& field : object.as_object()) fields.emplace(field.key());
  return fields;
}

// An emulator with the namespace "docs".
Emulator make_with_docs(Options options = {}, Emulator::Clock clock = ticking()) {
  options.token = "tok";
  options.accounts = {k_account};
  Emulator emulator(std::move(options), std::move(clock));
  REQUIRE(call(emulator, "POST", k_namespaces, R"({"name": "docs"})").status == 201);
  return emulator;
}

json::value created(Emulator& emulator, const std::string& path, const std::string& body) {
  const Response response = call(emulator, "POST", path, body);
  INFO(response.body);
  REQUIRE(response.status == 201);
  return result_of(response);
}

json::value answered(Emulator& emulator, const std::string& method, const std::string& path,
                     const std::string& body = {}) {
  const Response response = call(emulator, method, path, body);
  INFO(response.body);
  REQUIRE(response.status == 200);
  return result_of(response);
}

std::string upload_form(const std::string& key) {
  return "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + key +
         "\"\r\nContent-Type: text/markdown\r\n\r\n# " + key + "\r\n--B--\r\n";
}

Response upload(Emulator& emulator, const std::string& instance, const std::string& key) {
  Request request{.method = "POST", .path = instance + "/items", .body = upload_form(key)};
  request.headers["authorization"] = "Bearer tok";
  request.headers["content-type"] = "multipart/form-data; boundary=B";
  return emulator.handle(request);
}

std::vector<std::string> item_keys(Emulator& emulator, const std::string& instance) {
  std::vector<std::string> keys;
  const json::value items = answered(emulator, "GET", instance + "/items");
  for (const json::value& item : items.as_array()) {
    keys.emplace_back(item.at("key").as_string());
  }
  return keys;
}

struct Refusal {
  std::string method;
  std::string path;
  std::string body;
  int status;
  std::string message;
};

void check_refusals(Emulator& emulator, const std::vector<Refusal>& rows) {
  const std::string state = json::serialize(emulator.state());
  for (const Refusal& row : rows) {
    CAPTURE(row.method);
    CAPTURE(row.path);
    CAPTURE(row.body);
    const Response response = call(emulator, row.method, row.path, row.body);
    CHECK(response.status == row.status);
    CHECK(error_of(response) == row.message);
  }
  // A refused request changes nothing.
  CHECK(json::serialize(emulator.state()) == state);
}

TEST_CASE("namespaces: create, get, list, update and delete, with the spec's answers") {
  Emulator emulator = make_with_docs();
  const json::value made =
      created(emulator, k_namespaces,
              R"({"name": "prod", "description": "Production",)"
              R"( "public_endpoint_params": {"enabled": true, "custom_domains": ["s.example.com"],)"
              R"( "rate_limit": {"period_ms": 60000, "requests": 10, "technique": "sliding"}}})");
  CHECK(fields_of(made) ==
        std::set<std::string>{"name", "description", "created_at", "public_endpoint_params"});
  CHECK(made.at("name") == "prod");
  CHECK(made.at("description") == "Production");
  CHECK(made.at("public_endpoint_params").at("custom_domains") == json::array{"s.example.com"});
  CHECK(answered(emulator, "GET", k_namespaces + "/prod") == made);

  // The list shows each namespace in full.
  const json::value listed = answered(emulator, "GET", k_namespaces);
  REQUIRE(listed.as_array().size() == 3);
  CHECK(listed.at(2) == made);
  const json::value docs = answered(emulator, "GET", k_docs);
  CHECK(fields_of(docs) == std::set<std::string>{"name", "description", "created_at"});
  CHECK(docs.at("description").is_null());

  // public_endpoint_params is replaced wholesale, but its custom domains stay when the PUT
  // leaves them out, and the answer shows them as null.
  const json::value updated = answered(emulator, "PUT", k_namespaces + "/prod",
                                       R"({"public_endpoint_params": {"enabled": false}})");
  CHECK(updated.at("description") == "Production");
  CHECK(updated.at("public_endpoint_params") ==
        json::parse(R"({"enabled": false, "custom_domains": null})"));
  CHECK(answered(emulator, "GET", k_namespaces + "/prod").at("public_endpoint_params") ==
        json::parse(R"({"enabled": false, "custom_domains": ["s.example.com"]})"));
  // Supplied, they are replaced and echoed.
  const json::value domains =
      answered(emulator, "PUT", k_namespaces + "/prod",
               R"({"description": null, "public_endpoint_params": {"custom_domains": []}})");
  CHECK(domains.at("description").is_null());
  CHECK(domains.at("public_endpoint_params") == json::parse(R"({"custom_domains": []})"));
  // Null removes the public endpoint.
  const json::value removed =
      answered(emulator, "PUT", k_namespaces + "/prod", R"({"public_endpoint_params": null})");
  CHECK_FALSE(removed.as_object().contains("public_endpoint_params"));

  CHECK(answered(emulator, "DELETE", k_namespaces + "/prod") == json::object());
  const Response gone = call(emulator, "GET", k_namespaces + "/prod");
  CHECK(gone.status == 404);
  CHECK(error_of(gone) == "Namespace not found.");
}

TEST_CASE("namespace refusals: each kind of invalid body, a taken name, unknown instances") {
  Emulator emulator = make_with_docs();
  const std::string long_text(257, 'x');
  const std::string eleven = R"(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"])";
  check_refusals(
      emulator,
      {
          {"POST", k_namespaces, "not json", 400,
           "Invalid request body: a JSON object is required"},
          {"POST", k_namespaces, "{}", 400, "Invalid request body: name is required"},
          {"POST", k_namespaces, R"({"name": "Docs"})", 400,
           "Invalid request body: name must be 1 to 28 lowercase letters, digits and hyphens, "
           "starting and ending with a letter or digit (^[a-z0-9]([a-z0-9-]{0,26}[a-z0-9])?$), "
           "got \"Docs\""},
          {"POST", k_namespaces, R"({"name": "a", "description": ")" + long_text + "\"}", 400,
           "Invalid request body: description must be at most 256 characters long, got 257"},
          {"POST", k_namespaces, R"({"name": "a", "description": 5})", 400,
           "Invalid request body: description must be a string or null, got a number"},
          {"POST", k_namespaces, R"({"name": "a", "owner": "me"})", 400,
           "Invalid request body: the body has an unknown field \"owner\""},
          {"POST", k_namespaces, R"({"name": "a", "public_endpoint_params": null})", 400,
           "Invalid request body: public_endpoint_params must be an object, got null"},
          {"POST", k_namespaces,
           R"({"name": "a", "public_endpoint_params": {"rate_limit": {"period_ms": 1000}}})", 400,
           "Invalid request body: public_endpoint_params.rate_limit.period_ms must be an integer "
           "from 60000 to 3600000, got 1000"},
          {"POST", k_namespaces,
           R"({"name": "a", "public_endpoint_params": {"rate_limit": {"requests": 0}}})", 400,
           "Invalid request body: public_endpoint_params.rate_limit.requests must be an integer "
           "of at least 1, got 0"},
          {"POST", k_namespaces,
           R"({"name": "a", "public_endpoint_params": {"rate_limit": {"technique": "leaky"}}})",
           400,
           "Invalid request body: public_endpoint_params.rate_limit.technique must be one of "
           "\"fixed\", \"sliding\", got \"leaky\""},
          {"POST", k_namespaces,
           R"({"name": "a", "public_endpoint_params": {"custom_domains": ["a.com", "b.com"]}})",
           400,
           "Invalid request body: public_endpoint_params.custom_domains must hold at most 1 item, "
           "got 2"},
          {"POST", k_namespaces,
           R"({"name": "a", "public_endpoint_params": {"instances_allowed": )" + eleven + "}}", 400,
           "Invalid request body: public_endpoint_params.instances_allowed must hold at most 10 "
           "items, got 11"},
          {"POST", k_namespaces,
           R"({"name": "a", "public_endpoint_params": {"mcp": {"disabled": "no"}}})", 400,
           "Invalid request body: public_endpoint_params.mcp.disabled must be a boolean, got a "
           "string"},
          {"POST", k_namespaces,
           R"({"name": "a", "public_endpoint_params": {"search": {"disabled": true}}})", 400,
           "Invalid request body: public_endpoint_params has an unknown field \"search\""},
          {"POST", k_namespaces, R"({"name": "docs"})", 409, "Namespace already exists."},
          {"POST", k_namespaces,
           R"({"name": "a", "public_endpoint_params": {"instances_allowed": ["kb"]}})", 400,
           "Instances allowed contains unknown instances: \"kb\" is not an instance of namespace "
           "\"a\"."},
          {"PUT", k_docs, R"({"public_endpoint_params": {"instances_allowed": ["kb"]}})", 400,
           "Instances allowed contains unknown instances: \"kb\" is not an instance of namespace "
           "\"docs\"."},
          {"PUT", k_docs, R"({"name": "other"})", 400,
           "Invalid request body: the body has an unknown field \"name\""},
          {"PUT", k_namespaces + "/nowhere", R"({"description": "x"})", 404,
           "Namespace not found."},
          {"DELETE", k_namespaces + "/nowhere", "", 404, "Namespace not found."},
      });
  // An instance of the namespace may be exposed.
  created(emulator, k_docs + "/instances", R"({"id": "kb"})");
  const json::value exposed = answered(
      emulator, "PUT", k_docs, R"({"public_endpoint_params": {"instances_allowed": ["kb"]}})");
  CHECK(exposed.at("public_endpoint_params").at("instances_allowed") == json::array{"kb"});
}

TEST_CASE("the default namespace keeps its description, changes its endpoint, is never deleted") {
  Emulator emulator = make();
  const std::string path = k_namespaces + "/default";
  check_refusals(emulator, {{"PUT", path, R"({"description": "Mine"})", 400,
                             "The default namespace's description cannot be modified."},
                            {"DELETE", path, "", 400, "The default namespace cannot be deleted."}});
  // Its public endpoint can change, and a description it already has can be sent.
  const json::value updated =
      answered(emulator, "PUT", path,
               R"({"description": null, "public_endpoint_params": {"enabled": true}})");
  CHECK(updated.at("public_endpoint_params").at("enabled") == true);
  CHECK(updated.at("description").is_null());
}

TEST_CASE("a namespace with instances is not deleted until they are gone") {
  Emulator emulator = make_with_docs();
  created(emulator, k_docs + "/instances", R"({"id": "kb"})");
  created(emulator, k_docs + "/instances", R"({"id": "faq"})");
  check_refusals(emulator, {{"DELETE", k_docs, "", 400,
                             "Namespace not empty: it holds 2 instances; delete them or move them "
                             "to another namespace first."}});
  answered(emulator, "DELETE", k_kb);
  check_refusals(emulator, {{"DELETE", k_docs, "", 400,
                             "Namespace not empty: it holds 1 instance; delete it or move it to "
                             "another namespace first."}});
  answered(emulator, "PATCH", k_docs + "/instances/faq", R"({"new_namespace": "default"})");
  CHECK(answered(emulator, "DELETE", k_docs) == json::object());
}

TEST_CASE("instances: create, get, list, update, move and delete, with the spec's defaults") {
  Emulator emulator = make_with_docs();
  const json::value made = created(emulator, k_docs + "/instances", R"({"id": "kb"})");
  std::set<std::string> expected;
  for (const std::string& field : k_single_fields) {
    if (!k_left_out.contains(field)) expected.insert(field);
  }
  CHECK(fields_of(made) == expected);
  CHECK(made.at("id") == "kb");
  CHECK(made.at("namespace") == "docs");
  CHECK(made.at("engine_version") == 3);
  CHECK(made.at("enable") == true);
  CHECK(made.at("paused") == false);
  CHECK(made.at("status") == "ready");
  CHECK(made.at("type").is_null());
  CHECK(made.at("source").is_null());
  CHECK(made.at("ai_search_model").is_null());
  CHECK(made.at("cache") == true);
  CHECK(made.at("cache_threshold") == "close_enough");
  CHECK(made.at("cache_ttl") == 172800);
  CHECK(made.at("chunk_overlap") == 10);
  CHECK(made.at("score_threshold") == 0.4);
  CHECK(made.at("max_num_results") == 10);
  CHECK(made.at("sync_interval") == 21600);
  CHECK(made.at("fusion_method") == "rrf");
  CHECK(made.at("index_method") == json::parse(R"({"keyword": false, "vector": true})"));
  CHECK(made.at("hybrid_search_enabled") == false);
  CHECK(made.at("created_at") == made.at("modified_at"));
  CHECK(made.at("last_activity").is_null());
  CHECK(answered(emulator, "GET", k_kb) == made);

  // The list has every field of its schema: null where nothing is set.
  const json::value listed = answered(emulator, "GET", k_docs + "/instances").at(0);
  CHECK(listed.as_object().size() == 45);
  CHECK(listed.at("chunk_size").is_null());
  CHECK(listed.at("token_id").is_null());
  CHECK(listed.at("chunk") == true);
  CHECK(listed.at("summarization") == false);
  CHECK(listed.at("system_prompt_ai_search").is_null());

  // Every field set: the single results show them all, and only those their schema has.
  const std::string token = "0b3e8fb6-8a39-4c4b-9f0a-6bd3e3b7a2f1";
  const json::value full = created(
      emulator, k_docs + "/instances",
      R"({"id": "full_1-a", "type": "r2", "source": "bucket", "token_id": ")" + token +
          R"(", "source_params": {"prefix": "docs/", "include_items": ["/docs/**"]},)"
          R"( "ai_gateway_id": "gw", "ai_search_model": "openai/gpt-5", "embedding_model": "",)"
          R"( "rewrite_model": null, "reranking_model": "@cf/baai/bge-reranker-base",)"
          R"( "cache": false, "cache_threshold": "anything_goes", "cache_ttl": 600,)"
          R"( "chunk": false, "chunk_size": 512, "chunk_overlap": 0,)"
          R"( "custom_metadata": [{"field_name": "team", "data_type": "text"}],)"
          R"( "fusion_method": "max", "hybrid_search_enabled": true,)"
          R"( "index_method": {"keyword": true, "vector": true},)"
          R"( "indexing_options": {"keyword_tokenizer": "trigram"}, "max_num_results": 50,)"
          R"( "metadata": {"worker_domain": "w.example.com"},)"
          R"( "public_endpoint_params": {"enabled": true, "custom_domains": ["s.example.com"]},)"
          R"( "reranking": true, "retrieval_options": {"keyword_match_mode": "or"},)"
          R"( "rewrite_query": true, "score_threshold": 1, "sync_interval": 900})");
  CHECK(fields_of(full) == k_single_fields);
  CHECK(full.at("engine_version") == 2);  // not managed: it has a type and a source
  CHECK(full.at("token_id").as_string() == token);
  CHECK(full.at("chunk_size") == 512);
  CHECK(full.at("embedding_model") == "");
  CHECK(full.at("rewrite_model").is_null());
  CHECK(full.at("public_endpoint_params").at("custom_domains") == json::array{"s.example.com"});
  // chunk is kept, and shown only where the schema has it: in the list.
  CHECK(answered(emulator, "GET", k_docs + "/instances").at(0).at("chunk") == false);

  // PUT: what it sends changes, and modified_at moves on; update-only fields are kept but
  // shown only in the list.
  const json::value updated = answered(
      emulator, "PUT", k_kb,
      R"({"paused": true, "max_num_results": 20, "summarization": true,)"
      R"( "summarization_model": "openai/gpt-5-mini", "system_prompt_rewrite_query": "Be brief"})");
  CHECK(updated.at("paused") == true);
  CHECK(updated.at("max_num_results") == 20);
  CHECK_FALSE(updated.as_object().contains("summarization"));
  CHECK(updated.at("modified_at") != made.at("modified_at"));
  CHECK(updated.at("created_at") == made.at("created_at"));
  const json::value relisted = answered(emulator, "GET", k_docs + "/instances").at(1);
  CHECK(relisted.at("id") == "kb");
  CHECK(relisted.at("summarization") == true);
  CHECK(relisted.at("summarization_model") == "openai/gpt-5-mini");
  CHECK(relisted.at("system_prompt_rewrite_query") == "Be brief");

  // PATCH moves it: {} is the answer, and it is found in its new namespace only.
  CHECK(answered(emulator, "PATCH", k_kb, R"({"new_namespace": "default"})") == json::object());
  CHECK(call(emulator, "GET", k_kb).status == 404);
  const std::string moved = k_namespaces + "/default/instances/kb";
  const json::value after = answered(emulator, "GET", moved);
  CHECK(after.at("namespace") == "default");
  CHECK(after.at("max_num_results") == 20);
  CHECK(after.at("created_at") == made.at("created_at"));

  // DELETE answers with the instance as it was.
  const json::value deleted = answered(emulator, "DELETE", moved);
  CHECK(deleted.at("id") == "kb");
  CHECK(deleted.at("namespace") == "default");
  CHECK(deleted.at("max_num_results") == 20);
  const Response gone = call(emulator, "GET", moved);
  CHECK(gone.status == 404);
  CHECK(error_of(gone) == "Ai search not found.");
}

TEST_CASE("instance refusals: each kind of invalid body, taken ids, missing namespaces") {
  Emulator emulator = make_with_docs();
  created(emulator, k_docs + "/instances", R"({"id": "kb"})");
  created(emulator, k_namespaces + "/default/instances", R"({"id": "kb"})");
  const std::string create = k_docs + "/instances";
  const std::string bad = "Invalid request body: ";
  auto body = [](const std::string& fields) { return R"({"id": "new", )" + fields + "}"; };
  check_refusals(
      emulator,
      {
          {"POST", create, "[]", 400, bad + "a JSON object is required"},
          {"POST", create, "{}", 400, bad + "id is required"},
          {"POST", create, R"({"id": "Bad-ID"})", 400,
           bad + "id must be lowercase letters, digits and underscores, in groups joined by "
                 "single hyphens (^[a-z0-9_]+(?:-[a-z0-9_]+)*$), got \"Bad-ID\""},
          {"POST", create, R"({"id": "a--b"})", 400,
           bad + "id must be lowercase letters, digits and underscores, in groups joined by "
                 "single hyphens (^[a-z0-9_]+(?:-[a-z0-9_]+)*$), got \"a--b\""},
          {"POST", create, R"({"id": ")" + std::string(65, 'a') + "\"}", 400,
           bad + "id must be from 1 to 64 characters long, got 65"},
          {"POST", create, body(R"("type": "s3")"), 400,
           bad + "type must be one of \"r2\", \"web-crawler\" or null, got \"s3\""},
          {"POST", create, body(R"("reranking_model": "x")"), 400,
           bad + "reranking_model must be one of \"@cf/baai/bge-reranker-base\", \"\" or null, "
                 "got \"x\""},
          {"POST", create, body(R"("cache": null)"), 400,
           bad + "cache must be a boolean, got null"},
          {"POST", create, body(R"("chunk_size": "big")"), 400,
           bad + "chunk_size must be an integer, got a string"},
          {"POST", create, body(R"("chunk_size": 32)"), 400,
           bad + "chunk_size must be an integer of at least 64, got 32"},
          {"POST", create, body(R"("chunk_overlap": 31)"), 400,
           bad + "chunk_overlap must be an integer from 0 to 30, got 31"},
          {"POST", create, body(R"("max_num_results": 0)"), 400,
           bad + "max_num_results must be an integer from 1 to 50, got 0"},
          {"POST", create, body(R"("score_threshold": 1.5)"), 400,
           bad + "score_threshold must be a number from 0 to 1, got 1.5"},
          {"POST", create, body(R"("cache_ttl": 5)"), 400,
           bad + "cache_ttl must be one of 600, 1800, 3600, 7200, 21600, 43200, 86400, 172800, "
                 "259200, 518400, got 5"},
          {"POST", create, body(R"("sync_interval": 60)"), 400,
           bad + "sync_interval must be one of 900, 1800, 3600, 7200, 14400, 21600, 43200, "
                 "86400, got 60"},
          {"POST", create, body(R"("cache_threshold": "loose")"), 400,
           bad + "cache_threshold must be one of \"super_strict_match\", \"close_enough\", "
                 "\"flexible_friend\", \"anything_goes\", got \"loose\""},
          {"POST", create, body(R"("fusion_method": "sum")"), 400,
           bad + "fusion_method must be one of \"max\", \"rrf\", got \"sum\""},
          {"POST", create,
           body(
               R"("custom_metadata": [{"field_name": "a", "data_type": "text"},)"
               R"( {"field_name": "b", "data_type": "text"}, {"field_name": "c", "data_type": "text"},)"
               R"( {"field_name": "d", "data_type": "text"}, {"field_name": "e", "data_type": "text"},)"
               R"( {"field_name": "f", "data_type": "text"}])"),
           400, bad + "custom_metadata must hold at most 5 items, got 6"},
          {"POST", create, body(R"("custom_metadata": [{"field_name": "a", "data_type": "list"}])"),
           400,
           bad + "custom_metadata[0].data_type must be one of \"text\", \"number\", \"boolean\", "
                 "\"datetime\", got \"list\""},
          {"POST", create, body(R"("custom_metadata": [{"field_name": "a"}])"), 400,
           bad + "custom_metadata[0].data_type is required"},
          {"POST", create, body(R"("index_method": {"vector": true})"), 400,
           bad + "index_method.keyword is required"},
          {"POST", create, body(R"("indexing_options": {"keyword_tokenizer": "ngram"})"), 400,
           bad + "indexing_options.keyword_tokenizer must be one of \"porter\", \"trigram\", got "
                 "\"ngram\""},
          {"POST", create, body(R"("retrieval_options": {"boost_by": [{"field": ""}]})"), 400,
           bad + "retrieval_options.boost_by[0].field must be from 1 to 64 characters long, got 0"},
          {"POST", create, body(R"("token_id": "abc")"), 400,
           bad + "token_id must be a uuid, got \"abc\""},
          {"POST", create,
           body(
               R"("source_params": {"web_crawler": {"parse_options": {"specific_sitemaps": ["sitemap.xml"]}}})"),
           400,
           bad + "source_params.web_crawler.parse_options.specific_sitemaps[0] must be an absolute "
                 "URI, got \"sitemap.xml\""},
          {"POST", create,
           body(R"("source_params": {"web_crawler": {"parse_options": {"include_headers": )"
                R"({"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6"}}}})"),
           400,
           bad + "source_params.web_crawler.parse_options.include_headers must have at most 5 "
                 "members, got 6"},
          {"POST", create,
           body(R"("source_params": {"web_crawler": {"discover_options": {"depth": 0}}})"), 400,
           bad + "source_params.web_crawler.discover_options.depth must be a number from 1 to "
                 "100000, got 0"},
          {"POST", create, body(R"("public_endpoint_params": {"instances_allowed": []})"), 400,
           bad + "public_endpoint_params has an unknown field \"instances_allowed\""},
          {"POST", create, body(R"("chunking": true)"), 400,
           bad + "the body has an unknown field \"chunking\""},
          {"POST", create, body(R"("paused": true)"), 400,
           bad + "paused can only be set by an update (PUT)"},
          {"POST", create, R"({"id": "kb"})", 400, "Ai search with this name already exist."},
          {"POST", k_namespaces + "/nowhere/instances", R"({"id": "kb"})", 404,
           "Namespace not found."},
          {"PUT", k_kb, R"({"type": "r2"})", 400,
           bad + "type can only be set when the instance is created"},
          {"PUT", k_kb, R"({"id": "other"})", 400, bad + "the body has an unknown field \"id\""},
          {"PUT", k_docs + "/instances/none", "{}", 404, "Ai search not found."},
          {"GET", k_docs + "/instances/none", "", 404, "Ai search not found."},
          {"DELETE", k_docs + "/instances/none", "", 404, "Ai search not found."},
          {"PATCH", k_docs + "/instances/none", R"({"new_namespace": "default"})", 404,
           "Ai search not found."},
          {"PATCH", k_kb, "{}", 400, bad + "new_namespace is required"},
          {"PATCH", k_kb, R"({"new_namespace": "-x"})", 400,
           bad + "new_namespace must be 1 to 28 lowercase letters, digits and hyphens, starting "
                 "and ending with a letter or digit (^[a-z0-9]([a-z0-9-]{0,26}[a-z0-9])?$), got "
                 "\"-x\""},
          {"PATCH", k_kb, R"({"new_namespace": "nowhere"})", 404, "Namespace not found."},
          {"PATCH", k_kb, R"({"new_namespace": "default"})", 400,
           "Ai search with this name already exist."},
          {"PATCH", k_kb, R"({"new_namespace": "docs"})", 400,
           "Ai search with this name already exist."},
      });
}

TEST_CASE("managed instances have no type and no source, and take uploads") {
  Emulator emulator = make_with_docs();
  const std::string instances = k_docs + "/instances";
  for (const char* body :
       {R"({"id": "plain"})", R"({"id": "nulls", "type": null, "source": null})"}) {
    CAPTURE(body);
    const std::string id(json::parse(body).at("id").as_string());
    CHECK(created(emulator, instances, body).at("engine_version") == 3);
    CHECK(upload(emulator, instances + "/" + id, "a.md").status == 200);
  }
  for (const char* body :
       {R"({"id": "bucket", "type": "r2", "source": "docs-bucket"})",
        R"({"id": "site", "type": "web-crawler", "source": "example.com"})",
        R"({"id": "typed", "type": "r2"})", R"({"id": "sourced", "source": "docs-bucket"})"}) {
    CAPTURE(body);
    const std::string id(json::parse(body).at("id").as_string());
    CHECK(created(emulator, instances, body).at("engine_version") == 2);
    const Response refused = upload(emulator, instances + "/" + id, "a.md");
    CHECK(refused.status == 400);
    CHECK(error_of(refused) == "This operation requires a managed instance.");
  }
}

TEST_CASE("a moved instance takes its items, a deleted one takes them away") {
  Emulator emulator = make_with_docs();
  created(emulator, k_docs + "/instances", R"({"id": "kb"})");
  REQUIRE(upload(emulator, k_kb, "a.md").status == 200);
  REQUIRE(upload(emulator, k_kb, "b.md").status == 200);
  CHECK(item_keys(emulator, k_kb) == std::vector<std::string>{"a.md", "b.md"});

  answered(emulator, "PATCH", k_kb, R"({"new_namespace": "default"})");
  const std::string moved = k_namespaces + "/default/instances/kb";
  CHECK(item_keys(emulator, moved) == std::vector<std::string>{"a.md", "b.md"});
  const json::value items = answered(emulator, "GET", moved + "/items");
  for (const json::value& item : items.as_array()) {
    CHECK(item.at("namespace") == "default");
  }
  CHECK(answered(emulator, "GET", moved).at("last_activity").is_string());
  CHECK(call(emulator, "GET", k_kb + "/items").status == 404);

  answered(emulator, "DELETE", moved);
  created(emulator, k_namespaces + "/default/instances", R"({"id": "kb"})");
  CHECK(item_keys(emulator, moved).empty());
}

TEST_CASE("a queued item delete ends on time in a moved instance, where another one stood") {
  StoppedClock clock;
  Emulator emulator = make_with_docs({.item_delete_delay_ms = 1000}, clock.clock());
  const std::string there = k_namespaces + "/default/instances/kb";
  // An instance that stood where the moved one goes, its items listed, then deleted.
  created(emulator, k_namespaces + "/default/instances", R"({"id": "kb"})");
  CHECK(item_keys(emulator, there).empty());
  answered(emulator, "DELETE", there);

  created(emulator, k_docs + "/instances", R"({"id": "kb"})");
  const json::value item = result_of(upload(emulator, k_kb, "a.md"));
  answered(emulator, "DELETE", k_kb + "/items/" + std::string(item.at("id").as_string()));
  answered(emulator, "PATCH", k_kb, R"({"new_namespace": "default"})");
  CHECK(item_keys(emulator, there) == std::vector<std::string>{"a.md"});
  clock.advance(1000);
  CHECK(item_keys(emulator, there).empty());
}

TEST_CASE("--instance-ready-ms: a new instance waits, then is ready, and takes uploads then") {
  StoppedClock clock;
  Emulator emulator = make_with_docs({.instance_ready_ms = 5000}, clock.clock());
  CHECK(created(emulator, k_docs + "/instances", R"({"id": "kb"})").at("status") == "waiting");
  clock.advance(4999);
  CHECK(answered(emulator, "GET", k_kb).at("status") == "waiting");
  CHECK(answered(emulator, "GET", k_docs + "/instances").at(0).at("status") == "waiting");
  const Response early = upload(emulator, k_kb, "a.md");
  CHECK(early.status == 409);
  CHECK(error_of(early) ==
        "Ai search instance is not ready yet: its status is waiting. Retry once it is ready.");
  CHECK(item_keys(emulator, k_kb).empty());
  clock.advance(1);
  CHECK(answered(emulator, "GET", k_kb).at("status") == "ready");
  CHECK(upload(emulator, k_kb, "a.md").status == 200);

  // By default, ready at once.
  Emulator prompt = make_with_docs();
  CHECK(created(prompt, k_docs + "/instances", R"({"id": "kb"})").at("status") == "ready");
}

TEST_CASE("--instance-put: fields a PUT leaves out keep their values, or go back to defaults") {
  const std::string made =
      R"({"id": "kb", "chunk_size": 128, "cache": false, "hybrid_search_enabled": true,)"
      R"( "public_endpoint_params": {"enabled": true, "custom_domains": ["s.example.com"]},)"
      R"( "retrieval_options": {"keyword_match_mode": "or"}})";
  const std::string put = R"({"max_num_results": 5, "public_endpoint_params": {"enabled": false},)"
                          R"( "retrieval_options": {"boost_by": [{"field": "timestamp"}]}})";
  SUBCASE("keep (the default)") {
    Emulator emulator = make_with_docs();
    created(emulator, k_docs + "/instances", made);
    const json::value updated = answered(emulator, "PUT", k_kb, put);
    CHECK(updated.at("max_num_results") == 5);
    CHECK(updated.at("chunk_size") == 128);
    CHECK(updated.at("cache") == false);
    CHECK(updated.at("hybrid_search_enabled") == true);
  }
  SUBCASE("reset") {
    Emulator emulator = make_with_docs({.instance_put = "reset"});
    created(emulator, k_docs + "/instances", made);
    const json::value updated = answered(emulator, "PUT", k_kb, put);
    CHECK(updated.at("max_num_results") == 5);
    CHECK_FALSE(updated.as_object().contains("chunk_size"));
    CHECK(updated.at("cache") == true);
    // What an update cannot send stays.
    CHECK(updated.at("hybrid_search_enabled") == true);
    // An empty PUT resets everything it can.
    const json::value emptied = answered(emulator, "PUT", k_kb, "{}");
    CHECK(emptied.at("max_num_results") == 10);
    CHECK(emptied.at("retrieval_options").is_null());
    CHECK_FALSE(emptied.as_object().contains("public_endpoint_params"));
  }
}

TEST_CASE(
    "an instance PUT keeps unsent custom domains and keyword_match_mode, whatever the switch") {
  for (const char* mode : {"keep", "reset"}) {
    CAPTURE(mode);
    Emulator emulator = make_with_docs({.instance_put = mode});
    created(
        emulator, k_docs + "/instances",
        R"({"id": "kb", "public_endpoint_params": {"enabled": true, "custom_domains": ["s.example.com"]},)"
        R"( "retrieval_options": {"keyword_match_mode": "or"}})");
    const json::value updated =
        answered(emulator, "PUT", k_kb,
                 R"({"public_endpoint_params": {"enabled": false},)"
                 R"( "retrieval_options": {"boost_by": [{"field": "timestamp"}]}})");
    // Replaced wholesale, but the domains stay; the answer shows them as null.
    CHECK(updated.at("public_endpoint_params") ==
          json::parse(R"({"enabled": false, "custom_domains": null})"));
    CHECK(updated.at("retrieval_options") ==
          json::parse(R"({"boost_by": [{"field": "timestamp"}], "keyword_match_mode": "or"})"));
    const json::value read = answered(emulator, "GET", k_kb);
    CHECK(read.at("public_endpoint_params") ==
          json::parse(R"({"enabled": false, "custom_domains": ["s.example.com"]})"));
    // Sent, they change and are echoed.
    const json::value cleared = answered(
        emulator, "PUT", k_kb,
        R"({"public_endpoint_params": {"custom_domains": null}, "retrieval_options": null})");
    CHECK(cleared.at("public_endpoint_params") == json::parse(R"({"custom_domains": null})"));
    CHECK(cleared.at("retrieval_options").is_null());
  }
}

TEST_CASE("namespaces and instances are kept by the state file") {
  test::TempDir dir;
  const auto state = dir.path() / "state.json";
  json::value instance;
  {
    Emulator emulator = make(state);
    created(emulator, k_namespaces, R"({"name": "docs", "description": "Docs"})");
    instance = created(emulator, k_docs + "/instances", R"({"id": "kb", "chunk_size": 128})");
    REQUIRE(upload(emulator, k_kb, "a.md").status == 200);
    answered(emulator, "PUT", k_kb, R"({"paused": true})");
  }
  Emulator reloaded = make(state);
  CHECK(answered(reloaded, "GET", k_docs).at("description") == "Docs");
  const json::value read = answered(reloaded, "GET", k_kb);
  CHECK(read.at("chunk_size") == 128);
  CHECK(read.at("paused") == true);
  CHECK(read.at("created_at") == instance.at("created_at"));
  CHECK(item_keys(reloaded, k_kb) == std::vector<std::string>{"a.md"});
}

TEST_CASE("fixture instances read as before: managed ones v3, the others an R2 bucket") {
  test::TempDir dir;
  const auto fixture = dir.write(
      "fixture.json",
      R"({"ai_search":{"instances":[{"id":"support-docs"},{"id":"crawler","managed":false}]}})");
  Emulator emulator({.token = "tok", .accounts = {k_account}, .fixture_file = fixture}, ticking());
  const std::string instances = k_namespaces + "/default/instances";
  const json::value managed = answered(emulator, "GET", instances + "/support-docs");
  CHECK(managed.at("engine_version") == 3);
  CHECK(managed.at("type").is_null());
  CHECK(managed.at("status") == "ready");
  const json::value crawler = answered(emulator, "GET", instances + "/crawler");
  CHECK(crawler.at("engine_version") == 2);
  CHECK(crawler.at("type") == "r2");
  CHECK(crawler.at("source") == "crawler");
  // They can be changed like any other.
  CHECK(answered(emulator, "PUT", instances + "/crawler", R"({"chunk_size": 64})").at("source") ==
        "crawler");
}

}  // namespace
}  // namespace cfsync::emulator
