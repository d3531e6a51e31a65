// AI Search items of managed instances (API.md §7.3): list with pagination and filters, upload
// (multipart), get, delete, sync. Instances come from the fixture file, as the dashboard would
// have made them. Indexing is emulated from the time of upload: queued, running, then completed
// (or error, for keys matching --index-error-pattern).
#include "tests/emulator/emulator.hpp"
#include "tests/emulator/families.hpp"
#include "tests/emulator/json_body.hpp"
#include "tests/emulator/multipart.hpp"

#include <fnmatch.h>
#include <openssl/evp.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>

namespace cfsync::emulator {

namespace {

namespace json = boost::json;

constexpr std::size_t k_max_key_characters = 128;
constexpr std::size_t k_max_file_bytes = 4u << 20;
constexpr int k_max_per_page = 50;
constexpr int k_min_per_page = 5;  // the response schema's minimum
constexpr std::array<std::string_view, 6> k_statuses = {"queued", "running", "completed",
                                                        "error",  "skipped", "outdated"};

// Error codes: the ones seen for AI Search (API.md §1), and two of the emulator's own.
constexpr int k_code_invalid = 7001;
constexpr int k_code_not_found = 7002;
constexpr int k_code_conflict = 7008;
constexpr int k_code_too_large = 7013;

// AI Search envelopes carry no errors or messages on success (API.md §1).
Response ai_success(json::value result, std::optional<json::object> result_info = std::nullopt) {
  json::object body{{"success", true}, {"result", std::move(result)}};
  if (result_info) body["result_info"] = std::move(*result_info);
  return {.status = 200, .body = json::serialize(body)};
}

Response ai_failure(int status, int code, std::string_view message) {
  json::object body{{"success", false},
                    {"errors", json::array{json::object{{"code", code}, {"message", message}}}}};
  return {.status = status, .body = json::serialize(body)};
}

std::string instance_key(std::string_view namespace_name, std::string_view id) {
  return std::string(namespace_name) + "/" + std::string(id);
}

json::object& instances_of(json::object& account) {
  json::value& ai_search = account["ai_search"];
  if (!ai_search.is_object()) ai_search = json::object();
  json::value& instances = ai_search.as_object()["instances"];
  if (!instances.is_object()) instances = json::object();
  return instances.as_object();
}

json::object* instance_of(Context& context) {
  json::object& instances = instances_of(context.account);
  const auto it = instances.find(instance_key(context.params.at("name"), context.params.at("id")));
  return it == instances.end() ? nullptr : &it->value().as_object();
}

bool is_managed(const json::object& instance) { return instance.at("managed") == true; }

Response instance_missing() { return ai_failure(404, k_code_not_found, "Ai search not found."); }
Response not_managed() {
  return ai_failure(400, k_code_invalid, "This operation requires a managed instance.");
}

std::size_t utf8_characters(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string checksum_of(std::string_view content, const std::string& algorithm) {
  const EVP_MD* md = algorithm == "sha256" ? EVP_sha256()
                     : algorithm == "sha1" ? EVP_sha1()
                                           : EVP_md5();
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(content.data(), content.size(), digest.data(), &length, md, nullptr);
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += k_hex[digest[i] >> 4];
    hex += k_hex[digest[i] & 0xF];
  }
  return hex;
}

// Where an item is in its indexing, from the time indexing started.
std::string_view status_of(const json::object& item, const Context& context) {
  const std::int64_t since = item.at("emulator").at("since_ms").as_int64();
  const std::int64_t delay = context.options.index_delay_ms;
  const std::int64_t elapsed = context.now_ms - since;
  if (elapsed < delay / 2) return "queued";
  if (elapsed < delay) return "running";
  const std::string& pattern = context.options.index_error_pattern;
  const std::string key(item.at("key").as_string());
  if (!pattern.empty() && ::fnmatch(pattern.c_str(), key.c_str(), 0) == 0) return "error";
  return "completed";
}

// The item as the API shows it: the state of its indexing now, the emulator's notes left out.
json::object item_json(const json::object& stored, const Context& context) {
  json::object item = stored;
  item.erase("emulator");
  const std::string_view status = status_of(stored, context);
  item["status"] = status;
  item["next_action"] = status == "queued" ? json::value("INDEX") : json::value(nullptr);
  if (status == "completed") {
    const double size = stored.at("file_size").to_number<double>();
    item["chunks_count"] = std::max<std::int64_t>(1, static_cast<std::int64_t>(size / 1024));
  }
  if (status == "error") item["error"] = "the document could not be parsed (an emulated error)";
  return item;
}

json::array& items_of(json::object& instance) { return instance["items"].as_array(); }

json::object* find_item(json::object& instance, std::string_view item_id) {
  for (json::value& item : items_of(instance)) {
    if (item.as_object().at("id").as_string() == item_id) return &item.as_object();
  }
  return nullptr;
}

json::object* find_key(json::object& instance, std::string_view key) {
  for (json::value& item : items_of(instance)) {
    json::object& object = item.as_object();
    if (object.at("key").as_string() == key && object.at("source_id") == "builtin") return &object;
  }
  return nullptr;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    int value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr ==
            text.data() + i + 3) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> query_of(const Request& request) {
  std::map<std::string, std::string> out;
  std::string_view query = request.query;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t equals = pair.find('=');
    out[percent_decoded(pair.substr(0, equals))] =
        equals == std::string_view::npos ? "" : percent_decoded(pair.substr(equals + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::optional<int> integer(const std::map<std::string, std::string>& query, const char* name,
                           int fallback, int min, int max) {
  const auto it = query.find(name);
  if (it == query.end()) return fallback;
  int value = 0;
  const auto [end, ec] =
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (ec != std::errc() || end != it->second.data() + it->second.size() || value < min ||
      value > max) {
    return std::nullopt;
  }
  return value;
}

int status_rank(std::string_view status) {
  const auto it = std::find(k_statuses.begin(), k_statuses.end(), status);
  return static_cast<int>(it - k_statuses.begin());
}

Response list_items(Context& context) {
  json::object* instance = instance_of(context);
  if (instance == nullptr) return instance_missing();
  const auto query = query_of(context.request);
  const auto page = integer(query, "page", 1, 1, 1'000'000);
  const auto per_page = integer(query, "per_page", 20, 0, k_max_per_page);
  if (!page || !per_page) {
    return ai_failure(400, k_code_invalid, "page must be 1 or more, per_page from 0 to 50");
  }
  const std::string sort_by = query.contains("sort_by") ? query.at("sort_by") : "status";
  if (sort_by != "status" && sort_by != "modified_at") {
    return ai_failure(400, k_code_invalid, "sort_by must be status or modified_at");
  }
  const auto wanted = [&](const char* name) -> std::optional<std::string> {
    const auto it = query.find(name);
    return it == query.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  // Filter and sort light rows; only the page asked for is rendered.
  struct Row {
    const json::object* item;
    std::string_view key;
    std::string_view seen;
    std::string_view status;
  };
  const bool by_status = sort_by == "status";
  std::vector<Row> rows;
  for (const json::value& value : items_of(*instance)) {
    const json::object& item = value.as_object();
    const Row row{&item, item.at("key").as_string(), item.at("last_seen_at").as_string(),
                  by_status || query.contains("status") ? status_of(item, context) : ""};
    const json::value& source = item.at("source_id");
    if (auto s = wanted("source"); s && !(source.is_string() && source.as_string() == *s)) continue;
    if (auto k = wanted("key"); k && row.key != *k) continue;
    if (auto i = wanted("item_id"); i && item.at("id").as_string() != *i) continue;
    if (auto t = wanted("status"); t && row.status != *t) continue;
    if (auto q = wanted("search"); q && row.key.find(*q) == std::string_view::npos) continue;
    rows.push_back(row);
  }
  // Ties are broken by key, so that pages never overlap.
  std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    if (by_status) {
      const int left = status_rank(a.status);
      const int right = status_rank(b.status);
      if (left != right) return left < right;
    } else if (a.seen != b.seen) {
      return a.seen > b.seen;  // modified_at: the latest first
    }
    return a.key < b.key;
  });
  const std::size_t size = static_cast<std::size_t>(std::max(*per_page, k_min_per_page));
  const std::size_t first = std::min(rows.size(), (static_cast<std::size_t>(*page) - 1) * size);
  const std::size_t last = std::min(rows.size(), first + size);
  json::array result;
  for (std::size_t i = first; i < last; ++i) result.push_back(item_json(*rows[i].item, context));
  json::object info{
      {"count", result.size()}, {"page", *page}, {"per_page", size}, {"total_count", rows.size()}};
  return ai_success(std::move(result), std::move(info));
}

std::optional<json::object> metadata_of(const FormData& form) {
  const FormPart* part = form.find("metadata");
  if (part == nullptr) return json::object();
  boost::system::error_code ec;
  json::value value = json::parse(part->body, ec);
  if (ec || !value.is_object()) return std::nullopt;
  for (const auto& field : value.as_object()) {
    if (!field.value().is_string() && !field.value().is_number() && !field.value().is_bool()) {
      return std::nullopt;
    }
  }
  return std::move(value.as_object());
}

Response upload_item(Context& context) {
  json::object* instance = instance_of(context);
  if (instance == nullptr) return instance_missing();
  if (!is_managed(*instance)) return not_managed();
  const std::string* content_type = context.request.header("content-type");
  const FormData form = parse_form_data(content_type ? *content_type : "", context.request.body);
  if (!form.problem.empty()) {
    return ai_failure(400, k_code_invalid, "Invalid request body: " + form.problem);
  }
  const FormPart* file = form.find("file");
  if (file == nullptr || !file->filename || file->filename->empty()) {
    return ai_failure(400, k_code_invalid, "file is required, with a filename");
  }
  const std::string& key = *file->filename;
  if (utf8_characters(key) > k_max_key_characters) {
    return ai_failure(400, k_code_invalid, "Filename must not exceed 128 characters.");
  }
  if (file->body.size() > k_max_file_bytes) {
    return ai_failure(413, k_code_too_large, "File exceeds maximum size.");
  }
  auto metadata = metadata_of(form);
  if (!metadata) return ai_failure(400, k_code_invalid, "Invalid metadata format.");
  if (find_key(*instance, key) != nullptr) {
    return ai_failure(409, k_code_conflict, "Item key already exist.");
  }
  const FormPart* wait = form.find("wait_for_completion");
  const bool waited = wait != nullptr && wait->body == "true";
  json::object item{
      {"id", context.new_id()},
      {"key", key},
      {"checksum", checksum_of(file->body, context.options.item_checksum)},
      {"file_size", file->body.size()},
      {"metadata", std::move(*metadata)},
      {"source_id", "builtin"},
      {"namespace", context.params.at("name")},
      {"chunks_count", nullptr},
      {"created_at", context.now},
      {"last_seen_at", context.now},
      // "wait_for_completion" answers once indexing is done: as if it started long ago.
      {"emulator",
       json::object{{"since_ms",
                     waited ? context.now_ms - context.options.index_delay_ms : context.now_ms}}}};
  items_of(*instance).push_back(item);
  context.changed = true;
  return ai_success(item_json(item, context));
}

Response get_item(Context& context) {
  json::object* instance = instance_of(context);
  if (instance == nullptr) return instance_missing();
  json::object* item = find_item(*instance, context.params.at("item_id"));
  if (item == nullptr) return ai_failure(404, k_code_not_found, "Item not found.");
  return ai_success(item_json(*item, context));
}

Response delete_item(Context& context) {
  json::object* instance = instance_of(context);
  if (instance == nullptr) return instance_missing();
  if (!is_managed(*instance)) return not_managed();
  json::array& items = items_of(*instance);
  const std::string& id = context.params.at("item_id");
  const auto it = std::find_if(items.begin(), items.end(), [&](const json::value& item) {
    return item.as_object().at("id").as_string() == id;
  });
  if (it == items.end()) return ai_failure(404, k_code_not_found, "Item not found.");
  json::object result{{"key", it->as_object().at("key")}};
  items.erase(it);
  context.changed = true;
  return ai_success(std::move(result));
}

// PATCH …/items/{item_id} and PUT …/items: index again what is stored.
Response reindex(Context& context, json::object& item) {
  auto parsed = object_body(context.request);
  if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
  const json::object& body = std::get<json::object>(parsed);
  if (body.if_contains("next_action") == nullptr || body.at("next_action") != "INDEX") {
    return ai_failure(400, k_code_invalid, "next_action must be INDEX");
  }
  const bool waited =
      body.if_contains("wait_for_completion") != nullptr && body.at("wait_for_completion") == true;
  item["emulator"] = json::object{
      {"since_ms", waited ? context.now_ms - context.options.index_delay_ms : context.now_ms}};
  item["last_seen_at"] = context.now;
  context.changed = true;
  return ai_success(item_json(item, context));
}

}  // namespace

void init_ai_search(json::object& account, const json::object& fixture) {
  const json::value* ai_search = fixture.if_contains("ai_search");
  if (ai_search == nullptr) return;
  json::object& instances = instances_of(account);
  for (const json::value& value : ai_search->at("instances").as_array()) {
    const json::object& declared = value.as_object();
    const json::value* name = declared.if_contains("namespace");
    const std::string namespace_name = name ? std::string(name->as_string()) : "default";
    const std::string id(declared.at("id").as_string());
    json::value& instance = instances[instance_key(namespace_name, id)];
    if (instance.is_object()) continue;  // the state file has it, with its items
    const json::value* managed = declared.if_contains("managed");
    instance = json::object{{"namespace", namespace_name},
                            {"id", id},
                            {"managed", managed ? managed->as_bool() : true},
                            {"items", json::array()}};
  }
}

void add_ai_search_routes(Router& router) {
  const std::string items =
      "/accounts/{account_id}/ai-search/namespaces/{name}/instances/{id}/items";
  router.add("GET", items, list_items);
  router.add("POST", items, upload_item);
  router.add("PUT", items, [](Context& context) {
    json::object* instance = instance_of(context);
    if (instance == nullptr) return instance_missing();
    auto parsed = object_body(context.request);
    if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
    const json::value* key = std::get<json::object>(parsed).if_contains("key");
    if (key == nullptr || !key->is_string())
      return ai_failure(400, k_code_invalid, "key is required");
    if (utf8_characters(key->as_string()) > k_max_key_characters) {
      return ai_failure(400, k_code_invalid, "Filename exceeds maximum length.");
    }
    json::object* item = find_key(*instance, key->as_string());
    if (item == nullptr) return ai_failure(404, k_code_not_found, "Item not found.");
    return reindex(context, *item);
  });
  router.add("GET", items + "/{item_id}", get_item);
  router.add("PATCH", items + "/{item_id}", [](Context& context) {
    json::object* instance = instance_of(context);
    if (instance == nullptr) return instance_missing();
    json::object* item = find_item(*instance, context.params.at("item_id"));
    if (item == nullptr) return ai_failure(404, k_code_not_found, "Item not found.");
    return reindex(context, *item);
  });
  router.add("DELETE", items + "/{item_id}", delete_item);
}

}  // namespace cfsync::emulator
