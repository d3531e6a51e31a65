// AI Search namespaces and instances (API.md §7.1, §7.2): create, read, update, move, delete.
// Bodies are checked against the spec's request schemas (types, enums, bounds, required fields;
// fields the schema does not declare are refused) before anything changes. Answers carry the
// fields of the spec's result schemas and no others: what a request set, else the spec's default,
// else null where the schema allows it; a field with none of these is left out. An instance made
// with no type and no source is managed (its items can be uploaded); what the spec leaves open
// is a switch (README.md): how long a new instance waits (--instance-ready-ms) and what an
// instance PUT does with the fields it leaves out (--instance-put).
#include "tests/emulator/ai_search.hpp"
#include "tests/emulator/emulator.hpp"
#include "tests/emulator/json_body.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cfsync::emulator {

namespace {

namespace json = boost::json;

// ---- What a request body must be, as the spec's request schemas declare it.

enum class Kind { boolean, integer, number, string, object, array };

// String formats: the spec's, and the patterns API.md gives where the spec's copy lost them.
enum class Format { none, uuid, uri, instance_id, namespace_name };

struct Schema;

struct Member {
  std::string_view name;
  const Schema* schema;
  bool required = false;
};

struct Schema {
  Kind kind;
  bool nullable = false;
  // The bounds of an integer's or a number's value, a string's characters, an array's items, an
  // object's members.
  std::optional<double> min;
  std::optional<double> max;
  std::span<const std::string_view> choices;  // a string's enum
  std::span<const double> numbers;            // a number's enum
  std::span<const Member> members;            // an object's members; others are refused
  const Schema* each = nullptr;  // an array's items; an object's members, when it has no `members`
  Format format = Format::none;
};

constexpr Schema k_boolean{.kind = Kind::boolean};
constexpr Schema k_string{.kind = Kind::string};
constexpr Schema k_nullable_string{.kind = Kind::string, .nullable = true};
constexpr Schema k_uuid{.kind = Kind::string, .format = Format::uuid};
constexpr Schema k_namespace_name{.kind = Kind::string, .format = Format::namespace_name};
constexpr Schema k_instance_id{
    .kind = Kind::string, .min = 1, .max = 64, .format = Format::instance_id};

// public_endpoint_params: one schema for instances, and the same with instances_allowed for
// namespaces.
constexpr Schema k_hosts{.kind = Kind::array, .each = &k_string};
constexpr Schema k_domain{.kind = Kind::string, .min = 1, .max = 253};
constexpr Schema k_domains{.kind = Kind::array, .nullable = true, .max = 1, .each = &k_domain};
constexpr Member k_toggle_members[] = {{"disabled", &k_boolean}};
constexpr Schema k_toggle{.kind = Kind::object, .members = k_toggle_members};
constexpr Member k_mcp_members[] = {{"description", &k_string}, {"disabled", &k_boolean}};
constexpr Schema k_mcp{.kind = Kind::object, .members = k_mcp_members};
constexpr Schema k_period_ms{.kind = Kind::integer, .min = 60'000, .max = 3'600'000};
constexpr Schema k_requests{.kind = Kind::integer, .min = 1};
constexpr std::string_view k_techniques[] = {"fixed", "sliding"};
constexpr Schema k_technique{.kind = Kind::string, .choices = k_techniques};
constexpr Member k_rate_limit_members[] = {
    {"period_ms", &k_period_ms}, {"requests", &k_requests}, {"technique", &k_technique}};
constexpr Schema k_rate_limit{.kind = Kind::object, .members = k_rate_limit_members};
constexpr Member k_instance_endpoint_members[] = {
    {"authorized_hosts", &k_hosts}, {"chat_completions_endpoint", &k_toggle},
    {"custom_domains", &k_domains}, {"default_domain_enabled", &k_boolean},
    {"enabled", &k_boolean},        {"mcp", &k_mcp},
    {"rate_limit", &k_rate_limit},  {"search_endpoint", &k_toggle}};
constexpr Schema k_instance_endpoint{.kind = Kind::object, .members = k_instance_endpoint_members};
constexpr Schema k_allowed_id{.kind = Kind::string, .min = 1, .max = 64};
constexpr Schema k_instances_allowed{.kind = Kind::array, .max = 10, .each = &k_allowed_id};
constexpr Member k_namespace_endpoint_members[] = {{"authorized_hosts", &k_hosts},
                                                   {"chat_completions_endpoint", &k_toggle},
                                                   {"custom_domains", &k_domains},
                                                   {"default_domain_enabled", &k_boolean},
                                                   {"enabled", &k_boolean},
                                                   {"instances_allowed", &k_instances_allowed},
                                                   {"mcp", &k_mcp},
                                                   {"rate_limit", &k_rate_limit},
                                                   {"search_endpoint", &k_toggle}};
constexpr Schema k_namespace_endpoint{.kind = Kind::object,
                                      .members = k_namespace_endpoint_members};
// A namespace PUT may send null: no public endpoint.
constexpr Schema k_namespace_endpoint_update{
    .kind = Kind::object, .nullable = true, .members = k_namespace_endpoint_members};

// The namespace bodies, and the move's.
constexpr Schema k_description{.kind = Kind::string, .nullable = true, .max = 256};
constexpr Member k_namespace_create_members[] = {{"name", &k_namespace_name, true},
                                                 {"description", &k_description},
                                                 {"public_endpoint_params", &k_namespace_endpoint}};
constexpr Schema k_namespace_create{.kind = Kind::object, .members = k_namespace_create_members};
constexpr Member k_namespace_update_members[] = {
    {"description", &k_description}, {"public_endpoint_params", &k_namespace_endpoint_update}};
constexpr Schema k_namespace_update{.kind = Kind::object, .members = k_namespace_update_members};
constexpr Member k_move_members[] = {{"new_namespace", &k_namespace_name, true}};
constexpr Schema k_move{.kind = Kind::object, .members = k_move_members};

// source_params.
constexpr Schema k_glob{.kind = Kind::string, .max = 500};
constexpr Schema k_globs{.kind = Kind::array, .max = 10, .each = &k_glob};
constexpr Schema k_crawl_count{.kind = Kind::number, .min = 1, .max = 100'000};
constexpr Schema k_max_age{.kind = Kind::number, .min = 0, .max = 604'800};
constexpr std::string_view k_discover_sources[] = {"all", "sitemaps", "links"};
constexpr Schema k_discover_source{.kind = Kind::string, .choices = k_discover_sources};
constexpr Member k_discover_members[] = {{"depth", &k_crawl_count},
                                         {"include_external_links", &k_boolean},
                                         {"include_subdomains", &k_boolean},
                                         {"limit", &k_crawl_count},
                                         {"max_age", &k_max_age},
                                         {"source", &k_discover_source}};
constexpr Schema k_discover{.kind = Kind::object, .members = k_discover_members};
constexpr Schema k_selector_part{.kind = Kind::string, .min = 1, .max = 200};
constexpr Member k_selector_members[] = {{"path", &k_selector_part, true},
                                         {"selector", &k_selector_part, true}};
constexpr Schema k_selector{.kind = Kind::object, .members = k_selector_members};
constexpr Schema k_selectors{.kind = Kind::array, .min = 1, .max = 10, .each = &k_selector};
constexpr Schema k_header_value{.kind = Kind::string, .max = 8192};
// "Up to 5 custom HTTP headers".
constexpr Schema k_headers{.kind = Kind::object, .max = 5, .each = &k_header_value};
constexpr Schema k_sitemap{.kind = Kind::string, .format = Format::uri};
constexpr Schema k_sitemaps{.kind = Kind::array, .max = 10, .each = &k_sitemap};
constexpr Member k_parse_members[] = {{"content_selector", &k_selectors},
                                      {"include_headers", &k_headers},
                                      {"include_images", &k_boolean},
                                      {"specific_sitemaps", &k_sitemaps},
                                      {"use_browser_rendering", &k_boolean}};
constexpr Schema k_parse{.kind = Kind::object, .members = k_parse_members};
constexpr std::string_view k_parse_types[] = {"sitemap", "discover"};
constexpr Schema k_parse_type{.kind = Kind::string, .choices = k_parse_types};
constexpr Member k_crawler_members[] = {
    {"discover_options", &k_discover}, {"parse_options", &k_parse}, {"parse_type", &k_parse_type}};
constexpr Schema k_crawler{.kind = Kind::object, .members = k_crawler_members};
constexpr Member k_source_members[] = {{"exclude_items", &k_globs},
                                       {"include_items", &k_globs},
                                       {"prefix", &k_string},
                                       {"r2_jurisdiction", &k_string},
                                       {"web_crawler", &k_crawler}};
constexpr Schema k_source_params{
    .kind = Kind::object, .nullable = true, .members = k_source_members};

// Models: each enum also holds "" and null.
constexpr std::string_view k_chat_models[] = {"@cf/meta/llama-3.3-70b-instruct-fp8-fast",
                                              "@cf/zai-org/glm-4.7-flash",
                                              "@cf/meta/llama-3.1-8b-instruct-fast",
                                              "@cf/meta/llama-3.1-8b-instruct-fp8",
                                              "@cf/meta/llama-4-scout-17b-16e-instruct",
                                              "@cf/qwen/qwen3-30b-a3b-fp8",
                                              "@cf/deepseek-ai/deepseek-r1-distill-qwen-32b",
                                              "@cf/moonshotai/kimi-k2-instruct",
                                              "@cf/google/gemma-3-12b-it",
                                              "@cf/google/gemma-4-26b-a4b-it",
                                              "@cf/moonshotai/kimi-k2.5",
                                              "anthropic/claude-3-7-sonnet",
                                              "anthropic/claude-sonnet-4",
                                              "anthropic/claude-opus-4",
                                              "anthropic/claude-3-5-haiku",
                                              "cerebras/qwen-3-235b-a22b-instruct",
                                              "cerebras/qwen-3-235b-a22b-thinking",
                                              "cerebras/llama-3.3-70b",
                                              "cerebras/llama-4-maverick-17b-128e-instruct",
                                              "cerebras/llama-4-scout-17b-16e-instruct",
                                              "cerebras/gpt-oss-120b",
                                              "google-ai-studio/gemini-2.5-flash",
                                              "google-ai-studio/gemini-2.5-pro",
                                              "grok/grok-4",
                                              "groq/llama-3.3-70b-versatile",
                                              "groq/llama-3.1-8b-instant",
                                              "openai/gpt-5",
                                              "openai/gpt-5-mini",
                                              "openai/gpt-5-nano",
                                              ""};
constexpr Schema k_chat_model{.kind = Kind::string, .nullable = true, .choices = k_chat_models};
constexpr std::string_view k_embedding_models[] = {"@cf/qwen/qwen3-embedding-0.6b",
                                                   "@cf/qwen/qwen3-vl-embedding-2b",
                                                   "@cf/baai/bge-m3",
                                                   "@cf/baai/bge-large-en-v1.5",
                                                   "@cf/google/embeddinggemma-300m",
                                                   "google-ai-studio/gemini-embedding-001",
                                                   "google-ai-studio/gemini-embedding-2-preview",
                                                   "google-ai-studio/gemini-embedding-2",
                                                   "openai/text-embedding-3-small",
                                                   "openai/text-embedding-3-large",
                                                   ""};
constexpr Schema k_embedding_model{
    .kind = Kind::string, .nullable = true, .choices = k_embedding_models};
constexpr std::string_view k_reranking_models[] = {"@cf/baai/bge-reranker-base", ""};
constexpr Schema k_reranking_model{
    .kind = Kind::string, .nullable = true, .choices = k_reranking_models};

// The other instance fields.
constexpr std::string_view k_types[] = {"r2", "web-crawler"};
constexpr Schema k_type{.kind = Kind::string, .nullable = true, .choices = k_types};
constexpr std::string_view k_cache_thresholds[] = {"super_strict_match", "close_enough",
                                                   "flexible_friend", "anything_goes"};
constexpr Schema k_cache_threshold{.kind = Kind::string, .choices = k_cache_thresholds};
constexpr double k_cache_ttls[] = {600,   1800,  3600,   7200,   21600,
                                   43200, 86400, 172800, 259200, 518400};
constexpr Schema k_cache_ttl{.kind = Kind::number, .numbers = k_cache_ttls};
constexpr double k_sync_intervals[] = {900, 1800, 3600, 7200, 14400, 21600, 43200, 86400};
constexpr Schema k_sync_interval{.kind = Kind::number, .numbers = k_sync_intervals};
constexpr Schema k_chunk_size{.kind = Kind::integer, .min = 64};
constexpr Schema k_chunk_overlap{.kind = Kind::integer, .min = 0, .max = 30};
constexpr Schema k_max_num_results{.kind = Kind::integer, .min = 1, .max = 50};
constexpr Schema k_score_threshold{.kind = Kind::number, .min = 0, .max = 1};
constexpr std::string_view k_data_types[] = {"text", "number", "boolean", "datetime"};
constexpr Schema k_data_type{.kind = Kind::string, .choices = k_data_types};
constexpr Schema k_field_name{.kind = Kind::string, .min = 1, .max = 64};
constexpr Member k_custom_field_members[] = {{"data_type", &k_data_type, true},
                                             {"field_name", &k_field_name, true}};
constexpr Schema k_custom_field{.kind = Kind::object, .members = k_custom_field_members};
constexpr Schema k_custom_metadata{.kind = Kind::array, .max = 5, .each = &k_custom_field};
constexpr std::string_view k_fusion_methods[] = {"max", "rrf"};
constexpr Schema k_fusion_method{.kind = Kind::string, .choices = k_fusion_methods};
constexpr Member k_index_method_members[] = {{"keyword", &k_boolean, true},
                                             {"vector", &k_boolean, true}};
constexpr Schema k_index_method{.kind = Kind::object, .members = k_index_method_members};
constexpr std::string_view k_tokenizers[] = {"porter", "trigram"};
constexpr Schema k_tokenizer{.kind = Kind::string, .choices = k_tokenizers};
constexpr Member k_indexing_members[] = {{"keyword_tokenizer", &k_tokenizer}};
constexpr Schema k_indexing_options{
    .kind = Kind::object, .nullable = true, .members = k_indexing_members};
constexpr std::string_view k_directions[] = {"asc", "desc", "exists", "not_exists"};
constexpr Schema k_direction{.kind = Kind::string, .choices = k_directions};
constexpr Member k_boost_members[] = {{"direction", &k_direction}, {"field", &k_field_name, true}};
constexpr Schema k_boost{.kind = Kind::object, .members = k_boost_members};
constexpr Schema k_boost_by{.kind = Kind::array, .max = 3, .each = &k_boost};
constexpr std::string_view k_match_modes[] = {"and", "or"};
constexpr Schema k_match_mode{.kind = Kind::string, .choices = k_match_modes};
constexpr Member k_retrieval_members[] = {{"boost_by", &k_boost_by},
                                          {"keyword_match_mode", &k_match_mode}};
constexpr Schema k_retrieval_options{
    .kind = Kind::object, .nullable = true, .members = k_retrieval_members};
constexpr Member k_metadata_members[] = {{"created_from_aisearch_wizard", &k_boolean},
                                         {"worker_domain", &k_string}};
constexpr Schema k_metadata{.kind = Kind::object, .members = k_metadata_members};

// ---- An instance's configuration fields: which body may send each, where it is shown, and
// the spec's default.

enum Sent : unsigned { on_create = 1, on_update = 2 };
constexpr unsigned k_create_and_update = on_create | on_update;

// The list's result schema has every field; the others' (GET, POST, PUT, DELETE) lack some.
enum class Shown { everywhere, in_lists };

struct Field {
  std::string_view name;
  const Schema* schema;
  unsigned sent;
  Shown shown;
  std::string_view initial;  // the spec's default as JSON; empty: it gives none
};

constexpr Field k_fields[] = {
    {"type", &k_type, on_create, Shown::everywhere, ""},
    {"source", &k_nullable_string, k_create_and_update, Shown::everywhere, ""},
    {"source_params", &k_source_params, k_create_and_update, Shown::everywhere, ""},
    {"token_id", &k_uuid, k_create_and_update, Shown::everywhere, ""},
    {"ai_gateway_id", &k_nullable_string, k_create_and_update, Shown::everywhere, ""},
    {"cache", &k_boolean, k_create_and_update, Shown::everywhere, "true"},
    {"cache_threshold", &k_cache_threshold, k_create_and_update, Shown::everywhere,
     R"("close_enough")"},
    {"cache_ttl", &k_cache_ttl, k_create_and_update, Shown::everywhere, "172800"},
    {"summarization", &k_boolean, on_update, Shown::in_lists, "false"},
    {"rewrite_query", &k_boolean, k_create_and_update, Shown::everywhere, "false"},
    {"reranking", &k_boolean, k_create_and_update, Shown::everywhere, "false"},
    {"index_method", &k_index_method, k_create_and_update, Shown::everywhere,
     R"({"keyword": false, "vector": true})"},
    {"hybrid_search_enabled", &k_boolean, on_create, Shown::everywhere, "false"},
    {"fusion_method", &k_fusion_method, k_create_and_update, Shown::everywhere, R"("rrf")"},
    {"indexing_options", &k_indexing_options, k_create_and_update, Shown::everywhere, ""},
    {"retrieval_options", &k_retrieval_options, k_create_and_update, Shown::everywhere, ""},
    {"summarization_model", &k_chat_model, on_update, Shown::in_lists, ""},
    {"embedding_model", &k_embedding_model, k_create_and_update, Shown::everywhere, ""},
    {"rewrite_model", &k_chat_model, k_create_and_update, Shown::everywhere, ""},
    {"ai_search_model", &k_chat_model, k_create_and_update, Shown::everywhere, ""},
    {"reranking_model", &k_reranking_model, k_create_and_update, Shown::everywhere, ""},
    {"system_prompt_ai_search", &k_nullable_string, on_update, Shown::in_lists, ""},
    {"system_prompt_index_summarization", &k_nullable_string, on_update, Shown::in_lists, ""},
    {"system_prompt_rewrite_query", &k_nullable_string, on_update, Shown::in_lists, ""},
    {"chunk", &k_boolean, k_create_and_update, Shown::in_lists, "true"},
    {"chunk_size", &k_chunk_size, k_create_and_update, Shown::everywhere, ""},
    {"chunk_overlap", &k_chunk_overlap, k_create_and_update, Shown::everywhere, "10"},
    {"score_threshold", &k_score_threshold, k_create_and_update, Shown::everywhere, "0.4"},
    {"max_num_results", &k_max_num_results, k_create_and_update, Shown::everywhere, "10"},
    {"public_endpoint_params", &k_instance_endpoint, k_create_and_update, Shown::everywhere, ""},
    {"paused", &k_boolean, on_update, Shown::everywhere, "false"},
    {"metadata", &k_metadata, k_create_and_update, Shown::everywhere, ""},
    {"custom_metadata", &k_custom_metadata, k_create_and_update, Shown::everywhere, ""},
    {"sync_interval", &k_sync_interval, k_create_and_update, Shown::everywhere, "21600"},
};

const Field* field_named(std::string_view name) {
  const auto it = std::find_if(std::begin(k_fields), std::end(k_fields),
                               [&](const Field& field) { return field.name == name; });
  return it == std::end(k_fields) ? nullptr : &*it;
}

// ---- Checking a value against a schema: the first problem, in the words of json_body.hpp.

std::string kind_text(Kind kind) {
  switch (kind) {
    case Kind::boolean:
      return "a boolean";
    case Kind::integer:
      return "an integer";
    case Kind::number:
      return "a number";
    case Kind::string:
      return "a string";
    case Kind::object:
      return "an object";
    case Kind::array:
      return "an array";
  }
  return "a value";
}

// 60000 rather than 6E4, 0.4 rather than 4E-1.
std::string number_text(double number) {
  if (std::trunc(number) == number && std::fabs(number) < 1e15) {
    return std::to_string(static_cast<std::int64_t>(number));
  }
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, number).ptr;
  return std::string(text, end);
}

std::string value_text(const json::value& value) {
  if (value.is_number()) return number_text(value.to_number<double>());
  return "\"" + std::string(value.as_string()) + "\"";
}

// "from 1 to 64", "at least 64", "at most 256".
std::string bounds_text(const Schema& schema) {
  if (schema.min && schema.max) {
    return "from " + number_text(*schema.min) + " to " + number_text(*schema.max);
  }
  if (schema.min) return "at least " + number_text(*schema.min);
  return "at most " + number_text(*schema.max);
}

bool outside(double value, const Schema& schema) {
  return (schema.min && value < *schema.min) || (schema.max && value > *schema.max);
}

bool is_instance_id(std::string_view text) {
  // ^[a-z0-9_]+(?:-[a-z0-9_]+)*$
  if (text.empty() || text.front() == '-' || text.back() == '-') return false;
  if (text.find("--") != std::string_view::npos) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool is_namespace_name(std::string_view text) {
  // ^[a-z0-9]([a-z0-9-]{0,26}[a-z0-9])?$
  if (text.empty() || text.size() > 28 || text.front() == '-' || text.back() == '-') return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// An absolute URI: a scheme, a colon, and more.
bool is_uri(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return false;
  if (std::isalpha(static_cast<unsigned char>(text.front())) == 0) return false;
  return std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
  });
}

std::optional<std::string> format_problem(std::string_view text, Format format) {
  switch (format) {
    case Format::none:
      return std::nullopt;
    case Format::uuid:
      if (is_uuid(text)) return std::nullopt;
      return "a uuid";
    case Format::uri:
      if (is_uri(text)) return std::nullopt;
      return "an absolute URI";
    case Format::instance_id:
      if (is_instance_id(text)) return std::nullopt;
      return "lowercase letters, digits and underscores, in groups joined by single hyphens "
             "(^[a-z0-9_]+(?:-[a-z0-9_]+)*$)";
    case Format::namespace_name:
      if (is_namespace_name(text)) return std::nullopt;
      return "1 to 28 lowercase letters, digits and hyphens, starting and ending with a letter or "
             "digit (^[a-z0-9]([a-z0-9-]{0,26}[a-z0-9])?$)";
  }
  return std::nullopt;
}

std::string member_path(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
}

std::string unknown_field(std::string_view path, std::string_view key) {
  return (path.empty() ? std::string("the body") : std::string(path)) + " has an unknown field \"" +
         std::string(key) + "\"";
}

std::optional<std::string> problem_with(const json::value& value, const Schema& schema,
                                        const std::string& path);

std::optional<std::string> string_problem(const json::value& value, const Schema& schema,
                                          const std::string& path) {
  const std::string_view text = value.get_string();
  if (!schema.choices.empty()) {
    if (std::find(schema.choices.begin(), schema.choices.end(), text) != schema.choices.end()) {
      return std::nullopt;
    }
    std::string listed;
    for (std::string_view choice : schema.choices) {
      listed += (listed.empty() ? "\"" : ", \"") + std::string(choice) + "\"";
    }
    return path + " must be one of " + listed + (schema.nullable ? " or null" : "") + ", got " +
           value_text(value);
  }
  if (outside(static_cast<double>(utf8_characters(text)), schema)) {
    return path + " must be " + bounds_text(schema) + " characters long, got " +
           std::to_string(utf8_characters(text));
  }
  if (auto expected = format_problem(text, schema.format)) {
    return path + " must be " + *expected + ", got " + value_text(value);
  }
  return std::nullopt;
}

std::optional<std::string> number_problem(const json::value& value, const Schema& schema,
                                          const std::string& path) {
  const double number = value.to_number<double>();
  if (!schema.numbers.empty()) {
    if (std::find(schema.numbers.begin(), schema.numbers.end(), number) != schema.numbers.end()) {
      return std::nullopt;
    }
    std::string listed;
    for (double allowed : schema.numbers) {
      listed += (listed.empty() ? "" : ", ") + number_text(allowed);
    }
    return path + " must be one of " + listed + ", got " + value_text(value);
  }
  if (!outside(number, schema)) return std::nullopt;
  const bool range = schema.min && schema.max;
  return path + " must be " + kind_text(schema.kind) + (range ? " " : " of ") +
         bounds_text(schema) + ", got " + value_text(value);
}

std::optional<std::string> array_problem(const json::array& items, const Schema& schema,
                                         const std::string& path) {
  if (outside(static_cast<double>(items.size()), schema)) {
    return path + " must hold " + bounds_text(schema) + (schema.max == 1.0 ? " item" : " items") +
           ", got " + std::to_string(items.size());
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (auto problem = problem_with(items[i], *schema.each, path + "[" + std::to_string(i) + "]")) {
      return problem;
    }
  }
  return std::nullopt;
}

std::optional<std::string> object_problem(const json::object& object, const Schema& schema,
                                          const std::string& path) {
  if (outside(static_cast<double>(object.size()), schema)) {
    return (path.empty() ? std::string("the body") : path) + " must have " + bounds_text(schema) +
           " members, got " + std::to_string(object.size());
  }
  for (const Member& member : schema.members) {
    if (member.required && !object.contains(member.name)) {
      return member_path(path, member.name) + " is required";
    }
  }
  for (const json::key_value_pair& entry : object) {
    const Schema* expected = schema.each;
    if (expected == nullptr) {
      const auto member = std::find_if(schema.members.begin(), schema.members.end(),
                                       [&](const Member& m) { return m.name == entry.key(); });
      if (member == schema.members.end()) return unknown_field(path, entry.key());
      expected = member->schema;
    }
    if (auto problem = problem_with(entry.value(), *expected, member_path(path, entry.key()))) {
      return problem;
    }
  }
  return std::nullopt;
}

std::optional<std::string> problem_with(const json::value& value, const Schema& schema,
                                        const std::string& path) {
  if (value.is_null() && schema.nullable) return std::nullopt;
  const bool right_kind = [&] {
    switch (schema.kind) {
      case Kind::boolean:
        return value.is_bool();
      case Kind::integer:
        return value.is_int64() || value.is_uint64();
      case Kind::number:
        return value.is_number();
      case Kind::string:
        return value.is_string();
      case Kind::object:
        return value.is_object();
      case Kind::array:
        return value.is_array();
    }
    return false;
  }();
  if (!right_kind) {
    return path + " must be " + kind_text(schema.kind) + (schema.nullable ? " or null" : "") +
           ", got " + kind_of(value);
  }
  switch (schema.kind) {
    case Kind::boolean:
      return std::nullopt;
    case Kind::integer:
    case Kind::number:
      return number_problem(value, schema, path);
    case Kind::string:
      return string_problem(value, schema, path);
    case Kind::object:
      return object_problem(value.get_object(), schema, path);
    case Kind::array:
      return array_problem(value.get_array(), schema, path);
  }
  return std::nullopt;
}

// An instance body: `sent` says whether it is a create's (id required) or an update's.
std::optional<std::string> instance_body_problem(const json::object& body, Sent sent) {
  if (sent == on_create && !body.contains("id")) return "id is required";
  for (const json::key_value_pair& entry : body) {
    const std::string key(entry.key());
    if (sent == on_create && key == "id") {
      if (auto problem = problem_with(entry.value(), k_instance_id, key)) return problem;
      continue;
    }
    const Field* field = field_named(key);
    if (field == nullptr) return unknown_field("", key);
    if ((field->sent & sent) == 0) {
      return key + (sent == on_create ? " can only be set by an update (PUT)"
                                      : " can only be set when the instance is created");
    }
    if (auto problem = problem_with(entry.value(), *field->schema, key)) return problem;
  }
  return std::nullopt;
}

Response invalid(std::string_view problem) {
  return ai_failure(400, ai_code::invalid, "Invalid request body: " + std::string(problem));
}

// The body as a JSON object that `schema` accepts, or the 400 to answer.
std::variant<json::object, Response> body_of(const Request& request, const Schema* schema) {
  boost::system::error_code ec;
  json::value value = json::parse(request.body, ec);
  if (ec || !value.is_object()) return invalid("a JSON object is required");
  if (schema != nullptr) {
    if (auto problem = problem_with(value, *schema, "")) return invalid(*problem);
  }
  return std::move(value.as_object());
}

// ---- What updates keep, and what their answers echo.

// What an update keeps whatever --instance-put says, as the spec describes: a `field` sent
// without `member` keeps the stored member (public_endpoint_params.custom_domains: "omit it to
// leave domains unchanged"; retrieval_options.keyword_match_mode: "When omitted on an update,
// the existing stored value is preserved").
void keep_unsent(json::object& updated, const json::object& before, const json::object& body,
                 std::string_view field, std::string_view member) {
  const json::value* sent = body.if_contains(field);
  const json::value* stored = before.if_contains(field);
  if (sent == nullptr || !sent->is_object() || sent->as_object().contains(member)) return;
  if (stored == nullptr || !stored->is_object()) return;
  const json::value* kept = stored->as_object().if_contains(member);
  if (kept != nullptr) updated.at(field).as_object()[member] = *kept;
}

// A PUT's answer: "on update (PUT) this field [custom_domains] is only echoed back when supplied
// in the request body, otherwise it is null".
void echo_custom_domains(json::object& shown, const json::object& body) {
  json::value* params = shown.if_contains("public_endpoint_params");
  if (params == nullptr || !params->is_object()) return;
  const json::value* sent = body.if_contains("public_endpoint_params");
  const json::value* domains = sent != nullptr && sent->is_object()
                                   ? sent->as_object().if_contains("custom_domains")
                                   : nullptr;
  params->as_object()["custom_domains"] = domains != nullptr ? *domains : json::value(nullptr);
}

// ---- Namespaces.

constexpr std::string_view k_default_namespace = "default";

Response namespace_missing() { return ai_failure(404, ai_code::not_found, "Namespace not found."); }

// The spec's 400 "Instances allowed contains unknown instances.": public_endpoint_params may
// expose only instances of the namespace.
std::optional<Response> unknown_allowed(const json::object& body, json::object& account,
                                        std::string_view name) {
  const json::value* params = body.if_contains("public_endpoint_params");
  if (params == nullptr || !params->is_object()) return std::nullopt;
  const json::value* allowed = params->as_object().if_contains("instances_allowed");
  if (allowed == nullptr) return std::nullopt;
  const json::object& instances = instances_of(account);
  for (const json::value& id : allowed->as_array()) {
    if (!instances.contains(instance_key(name, id.as_string()))) {
      return ai_failure(400, ai_code::invalid,
                        "Instances allowed contains unknown instances: \"" +
                            std::string(id.as_string()) + "\" is not an instance of namespace \"" +
                            std::string(name) + "\".");
    }
  }
  return std::nullopt;
}

Response create_namespace(Context& context) {
  auto parsed = body_of(context.request, &k_namespace_create);
  if (auto* refused = std::get_if<Response>(&parsed)) return std::move(*refused);
  const json::object& body = std::get<json::object>(parsed);
  const std::string name(body.at("name").as_string());
  if (namespaces_of(context.account).contains(name)) {
    return ai_failure(409, ai_code::conflict, "Namespace already exists.");
  }
  if (auto refused = unknown_allowed(body, context.account, name)) return std::move(*refused);
  const json::value* description = body.if_contains("description");
  json::object made{{"description", description != nullptr ? *description : json::value(nullptr)},
                    {"created_at", context.now}};
  if (const json::value* params = body.if_contains("public_endpoint_params")) {
    made["public_endpoint_params"] = *params;
  }
  json::object shown = namespace_json(name, made);
  namespaces_of(context.account)[name] = std::move(made);
  context.changed = true;
  return ai_success(std::move(shown), std::nullopt, 201);
}

Response get_namespace(Context& context) {
  const std::string& name = context.params.at("name");
  const json::value* stored = namespaces_of(context.account).if_contains(name);
  if (stored == nullptr) return namespace_missing();
  return ai_success(namespace_json(name, stored->as_object()));
}

// Changes what the body sends; public_endpoint_params is replaced wholesale (null: none), bar
// its custom domains. What the body leaves out stays (--instance-put is for instances).
Response update_namespace(Context& context) {
  const std::string& name = context.params.at("name");
  if (!namespaces_of(context.account).contains(name)) return namespace_missing();
  auto parsed = body_of(context.request, &k_namespace_update);
  if (auto* refused = std::get_if<Response>(&parsed)) return std::move(*refused);
  const json::object& body = std::get<json::object>(parsed);
  if (auto refused = unknown_allowed(body, context.account, name)) return std::move(*refused);
  json::object& stored = namespaces_of(context.account).at(name).as_object();
  const json::value* description = body.if_contains("description");
  if (name == k_default_namespace && description != nullptr &&
      *description != stored.at("description")) {
    return ai_failure(400, ai_code::invalid,
                      "The default namespace's description cannot be modified.");
  }
  json::object updated = stored;
  if (description != nullptr) updated["description"] = *description;
  if (const json::value* params = body.if_contains("public_endpoint_params")) {
    if (params->is_null()) {
      updated.erase("public_endpoint_params");
    } else {
      updated["public_endpoint_params"] = *params;
      keep_unsent(updated, stored, body, "public_endpoint_params", "custom_domains");
    }
  }
  stored = std::move(updated);
  context.changed = true;
  json::object shown = namespace_json(name, stored);
  echo_custom_domains(shown, body);
  return ai_success(std::move(shown));
}

Response delete_namespace(Context& context) {
  const std::string& name = context.params.at("name");
  if (!namespaces_of(context.account).contains(name)) return namespace_missing();
  if (name == k_default_namespace) {
    return ai_failure(400, ai_code::invalid, "The default namespace cannot be deleted.");
  }
  const json::object& instances = instances_of(context.account);
  const auto held = std::count_if(instances.begin(), instances.end(), [&](const auto& entry) {
    return entry.value().at("namespace").as_string() == name;
  });
  if (held > 0) {
    const std::string them = held == 1 ? "it" : "them";
    return ai_failure(400, ai_code::invalid,
                      "Namespace not empty: it holds " + std::to_string(held) +
                          (held == 1 ? " instance" : " instances") + "; delete " + them +
                          " or move " + them + " to another namespace first.");
  }
  namespaces_of(context.account).erase(name);
  context.changed = true;
  return ai_success(json::object());
}

// ---- Instances.

enum class Form { single, listed };

// The latest upload or re-index of an instance's items, if any.
json::value last_activity(const json::object& instance) {
  json::value latest = nullptr;
  for (const json::value& item : instance.at("items").as_array()) {
    const json::string& seen = item.at("last_seen_at").as_string();
    if (latest.is_null() || seen > latest.as_string()) latest = seen;
  }
  return latest;
}

// An instance as the API shows it. The list's result schema requires all its fields and allows
// no others; the single results' lack the Shown::in_lists ones, and some of the rest cannot be
// null there, so a field nothing set and without a default is left out of them.
json::object instance_json(const json::object& stored, const Context& context, Form form) {
  const json::value& created_at = stored.at("created_at");
  const json::value* modified_at = stored.if_contains("modified_at");
  json::object shown{
      {"id", stored.at("id")},
      {"namespace", stored.at("namespace")},
      {"engine_version", is_managed(stored) ? 3 : 2},  // managed instances are v3 (API.md §7.2)
      {"enable", true},
      {"status", is_ready(stored, context) ? "ready" : "waiting"},
      {"public_endpoint_id", nullptr},
      {"created_at", created_at},
      {"created_by", nullptr},
      {"modified_at", modified_at != nullptr ? *modified_at : created_at},
      {"modified_by", nullptr},
      {"last_activity", last_activity(stored)}};
  const json::object& config = stored.at("config").as_object();
  for (const Field& field : k_fields) {
    if (form == Form::single && field.shown == Shown::in_lists) continue;
    if (const json::value* value = config.if_contains(field.name)) {
      shown[field.name] = *value;
    } else if (!field.initial.empty()) {
      shown[field.name] = json::parse(field.initial);
    } else if (form == Form::listed || field.schema->nullable) {
      shown[field.name] = nullptr;
    }
  }
  return shown;
}

json::object* stored_instance(Context& context) {
  json::value* found =
      instances_of(context.account)
          .if_contains(instance_key(context.params.at("name"), context.params.at("id")));
  return found != nullptr ? &found->as_object() : nullptr;
}

std::string index_key(const Context& context, std::string_view key) {
  return context.params.at("account_id") + "/" + std::string(key);
}

// 201 with the instance. One with no type and no source is managed: cfsync uploads to it.
Response create_instance(Context& context) {
  const std::string& name = context.params.at("name");
  if (!namespaces_of(context.account).contains(name)) return namespace_missing();
  auto parsed = body_of(context.request, nullptr);
  if (auto* refused = std::get_if<Response>(&parsed)) return std::move(*refused);
  json::object config = std::move(std::get<json::object>(parsed));
  if (auto problem = instance_body_problem(config, on_create)) return invalid(*problem);
  const std::string id(config.at("id").as_string());
  const std::string key = instance_key(name, id);
  json::object& instances = instances_of(context.account);
  if (instances.contains(key)) {
    return ai_failure(400, ai_code::conflict, "Ai search with this name already exist.");
  }
  config.erase("id");
  const bool managed = provided(config, "type") == nullptr && provided(config, "source") == nullptr;
  json::value& made = instances[key];
  made = json::object{{"namespace", name},
                      {"id", id},
                      {"managed", managed},
                      {"created_at", context.now},
                      {"modified_at", context.now},
                      {"ready_at_ms", context.now_ms + context.options.instance_ready_ms},
                      {"config", std::move(config)},
                      {"items", json::array()}};
  context.changed = true;
  return ai_success(instance_json(made.as_object(), context, Form::single), std::nullopt, 201);
}

Response get_instance(Context& context) {
  const json::object* stored = stored_instance(context);
  if (stored == nullptr) return instance_missing();
  return ai_success(instance_json(*stored, context, Form::single));
}

// The fields the body sends replace the stored ones; those it leaves out keep their values
// (--instance-put keep) or go back to the spec's defaults (reset), except the fields an update
// cannot send (type, hybrid_search_enabled) and what keep_unsent keeps.
Response update_instance(Context& context) {
  json::object* stored = stored_instance(context);
  if (stored == nullptr) return instance_missing();
  auto parsed = body_of(context.request, nullptr);
  if (auto* refused = std::get_if<Response>(&parsed)) return std::move(*refused);
  const json::object& body = std::get<json::object>(parsed);
  if (auto problem = instance_body_problem(body, on_update)) return invalid(*problem);
  const json::object& before = stored->at("config").as_object();
  json::object updated;
  for (const json::key_value_pair& entry : before) {
    const Field* field = field_named(entry.key());
    if (context.options.instance_put == "keep" ||
        (field != nullptr && (field->sent & on_update) == 0)) {
      updated[entry.key()] = entry.value();
    }
  }
  for (const json::key_value_pair& entry : body) updated[entry.key()] = entry.value();
  keep_unsent(updated, before, body, "public_endpoint_params", "custom_domains");
  keep_unsent(updated, before, body, "retrieval_options", "keyword_match_mode");
  stored->at("config") = std::move(updated);
  (*stored)["modified_at"] = context.now;
  context.changed = true;
  json::object shown = instance_json(*stored, context, Form::single);
  echo_custom_domains(shown, body);
  return ai_success(std::move(shown));
}

// PATCH: into another namespace, with its items; the answer is {}, as the spec's.
Response move_instance(Context& context, const ForgetInstance& forget) {
  if (stored_instance(context) == nullptr) return instance_missing();
  auto parsed = body_of(context.request, &k_move);
  if (auto* refused = std::get_if<Response>(&parsed)) return std::move(*refused);
  const std::string target(std::get<json::object>(parsed).at("new_namespace").as_string());
  if (!namespaces_of(context.account).contains(target)) return namespace_missing();
  json::object& instances = instances_of(context.account);
  const std::string& id = context.params.at("id");
  const std::string from = instance_key(context.params.at("name"), id);
  const std::string to = instance_key(target, id);
  if (instances.contains(to)) {
    return ai_failure(400, ai_code::conflict, "Ai search with this name already exist.");
  }
  json::object moved = std::move(instances.at(from).as_object());
  instances.erase(from);
  moved["namespace"] = target;
  moved["modified_at"] = context.now;
  for (json::value& item : moved.at("items").as_array()) item.as_object()["namespace"] = target;
  instances[to] = std::move(moved);
  forget(index_key(context, from));
  forget(index_key(context, to));
  context.changed = true;
  return ai_success(json::object());
}

// The answer is the instance as it was; its items go with it.
Response delete_instance(Context& context, const ForgetInstance& forget) {
  const json::object* stored = stored_instance(context);
  if (stored == nullptr) return instance_missing();
  json::object shown = instance_json(*stored, context, Form::single);
  const std::string key = instance_key(context.params.at("name"), context.params.at("id"));
  instances_of(context.account).erase(key);
  forget(index_key(context, key));
  context.changed = true;
  return ai_success(std::move(shown));
}

}  // namespace

json::object namespace_json(std::string_view name, const json::object& stored) {
  json::object shown{{"name", name},
                     {"description", stored.at("description")},
                     {"created_at", stored.at("created_at")}};
  if (const json::value* params = stored.if_contains("public_endpoint_params")) {
    shown["public_endpoint_params"] = *params;
  }
  return shown;
}

json::object listed_instance_json(const json::object& stored, const Context& context) {
  return instance_json(stored, context, Form::listed);
}

bool is_ready(const json::object& instance, const Context& context) {
  const json::value* ready_at = instance.if_contains("ready_at_ms");
  return ready_at == nullptr || context.now_ms >= ready_at->to_number<std::int64_t>();
}

void add_ai_search_instance_routes(Router& router, ForgetInstance forget) {
  const std::string namespaces = "/accounts/{account_id}/ai-search/namespaces";
  router.add("POST", namespaces, create_namespace);
  router.add("GET", namespaces + "/{name}", get_namespace);
  router.add("PUT", namespaces + "/{name}", update_namespace);
  router.add("DELETE", namespaces + "/{name}", delete_namespace);
  const std::string instance = namespaces + "/{name}/instances/{id}";
  router.add("POST", namespaces + "/{name}/instances", create_instance);
  router.add("GET", instance, get_instance);
  router.add("PUT", instance, update_instance);
  router.add("PATCH", instance,
             [forget](Context& context) { return move_instance(context, forget); });
  router.add("DELETE", instance,
             [forget](Context& context) { return delete_instance(context, forget); });
}

}  // namespace cfsync::emulator
