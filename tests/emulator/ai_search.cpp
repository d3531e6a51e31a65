// AI Search (API.md §7): the namespace and instance lists; and the items of managed instances
// (§7.3): list with pagination and filters, upload (multipart), get, download, delete, sync.
// Namespaces and instances are made, changed, moved and deleted by ai_search_instances.cpp; the
// fixture file adds instances as the dashboard would have made them, and "default" always exists.
// Indexing is emulated from the time of upload: queued, running, then completed (or error, for
// keys matching --index-error-pattern).
//
// Stored per account: "ai_search": {"namespaces": {"<name>": {"description", "created_at",
// "public_endpoint_params"?}}, "instances": {"<namespace>/<id>": {"namespace", "id", "managed",
// "created_at", "modified_at"?, "ready_at_ms"?, "config", "items"}}}. "config" holds the fields
// a create or update set, as sent (ai_search_instances.cpp shows them with the spec's defaults);
// "managed" is decided when the instance is made. Each item keeps its private notes in
// "emulator" ({"since_ms", "content"}, the content base64 so that the state stays JSON), which
// clients never see. Beside the state, never saved, each instance keeps its last listing,
// sorted, to cut the next pages from (InstanceIndex); it is dropped when the instance moves or
// goes.
#include "tests/emulator/ai_search.hpp"
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
#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

namespace cfsync::emulator {

namespace {

namespace json = boost::json;

constexpr std::size_t k_max_key_characters = 128;
constexpr std::size_t k_max_file_bytes = 4u << 20;
constexpr int k_max_per_page = 50;
constexpr int k_min_per_page = 5;  // the response schema's minimum
// Namespace and instance lists: the spec's bounds and default page size.
constexpr int k_max_list_per_page = 100;
constexpr int k_default_per_page = 20;
constexpr int k_max_page = std::numeric_limits<int>::max();
constexpr std::array<std::string_view, 6> k_statuses = {"queued", "running", "completed",
                                                        "error",  "skipped", "outdated"};

// The namespace and instance lists declare their 400 as an input validation error, whose errors
// must name the offending parameter.
Response invalid_parameter(std::string_view parameter, std::string_view message) {
  json::object error{
      {"code", ai_code::invalid}, {"message", message}, {"path", json::array{"query", parameter}}};
  json::object body{{"success", false}, {"errors", json::array{std::move(error)}}};
  return {.status = 400, .body = json::serialize(body)};
}

// The object member `name` of `parent`, made when missing. Looked up first: Boost 1.81's
// json::object::operator[] makes room for one more member even when the key exists, which can
// move the others while a caller holds them.
json::object& object_member(json::object& parent, std::string_view name) {
  json::value* existing = parent.if_contains(name);
  if (existing != nullptr && existing->is_object()) return existing->as_object();
  json::value& made = parent[name];
  made = json::object();
  return made.as_object();
}

// The object `name` of the account's "ai_search", made when missing.
json::object& ai_search_part(json::object& account, std::string_view name) {
  return object_member(object_member(account, "ai_search"), name);
}

json::array& items_of(json::object& instance) { return instance["items"].as_array(); }

// A listing of an instance's items, filtered and sorted once; its pages are cut from it while it
// holds, so that listing every page costs one sort and the pages, not one sort per page (20,000
// items in pages of 50 took 13 CPU-s).
struct Listing {
  std::uint64_t state_version = 0;               // made when the state was at this version
  std::map<std::string, std::string> selection;  // the query without page and per_page
  // When the listing sorts or filters by status: the span of time in which no item changes
  // status (--index-delay-ms), from included to until excluded.
  std::int64_t valid_from_ms = std::numeric_limits<std::int64_t>::min();
  std::int64_t valid_until_ms = std::numeric_limits<std::int64_t>::max();
  std::vector<const json::object*> rows;  // into the state's items
};

// What an instance's item handlers keep beside the state, derived from it and never saved.
struct InstanceIndex {
  // The earliest time a deleted item is due to go (--item-delete-delay-ms; the largest value
  // when none is deleted), unknown until the items are first looked through: requests look
  // through the items only when one is due, not on every request.
  std::optional<std::int64_t> purge_due_ms;
  // The last listing made (one: a client reads the pages of one listing, then the next). It is
  // made anew once the state changes: every handler that changes it sets `changed` (it must, for
  // the state to be saved), and the version moves on. Chosen over ordered sets kept up to date by
  // every write: a std::set cannot jump to the first row of a page, and the status order moves
  // with the clock, without any write.
  std::optional<Listing> listing;
};

// One emulator's, by "<account>/<namespace>/<id>"; an instance's goes when it moves or is deleted.
using ItemIndex = std::map<std::string, InstanceIndex, std::less<>>;

struct Instance {
  json::object& stored;
  InstanceIndex& index;
};

// Drops the deleted items whose key has been held long enough (--item-delete-delay-ms).
void purge_deleted(Instance instance, Context& context) {
  std::optional<std::int64_t>& due = instance.index.purge_due_ms;
  if (due && context.now_ms < *due) return;
  json::array& list = items_of(instance.stored);
  const auto due_at = [&](const json::value& item) -> std::optional<std::int64_t> {
    const json::value* at =
        item.as_object().at("emulator").as_object().if_contains("deleted_at_ms");
    if (at == nullptr) return std::nullopt;
    return at->as_int64() + context.options.item_delete_delay_ms;
  };
  const auto gone = std::remove_if(list.begin(), list.end(), [&](const json::value& item) {
    const auto at = due_at(item);
    return at && context.now_ms >= *at;
  });
  due = std::numeric_limits<std::int64_t>::max();
  for (auto it = list.begin(); it != gone; ++it) {
    if (const auto at = due_at(*it)) due = std::min(*due, *at);
  }
  if (gone == list.end()) return;
  list.erase(gone, list.end());
  context.changed = true;
}

// The instance the path names, without the deleted items that are due; none if it does not exist.
std::optional<Instance> instance_of(Context& context, ItemIndex& indexes) {
  json::object& instances = instances_of(context.account);
  const std::string key = instance_key(context.params.at("name"), context.params.at("id"));
  const auto it = instances.find(key);
  if (it == instances.end()) return std::nullopt;
  const Instance instance{it->value().as_object(),
                          indexes[context.params.at("account_id") + "/" + key]};
  purge_deleted(instance, context);
  return instance;
}

Response not_managed() {
  return ai_failure(400, ai_code::invalid, "This operation requires a managed instance.");
}

// Item content is kept base64 in the state file, which is JSON: uploads may be any bytes.
std::string base64_encoded(std::string_view bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');  // EVP_EncodeBlock adds a NUL
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(length));
  return text;
}

// The item's checksum: a hex digest, or (`opaque`, which the spec allows: it only says string)
// the base64 of an MD5 digest, as some stores make ETags.
std::string checksum_of(std::string_view content, const std::string& algorithm) {
  const EVP_MD* md = algorithm == "sha256" ? EVP_sha256()
                     : algorithm == "sha1" ? EVP_sha1()
                                           : EVP_md5();
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(content.data(), content.size(), digest.data(), &length, md, nullptr);
  if (algorithm == "opaque") {
    return base64_encoded(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += k_hex[digest[i] >> 4];
    hex += k_hex[digest[i] & 0xF];
  }
  return hex;
}

// The inverse of base64_encoded. EVP_DecodeBlock counts the padding as zero bytes, which are
// not content: one less per trailing '='.
std::string base64_decoded(std::string_view text) {
  std::string bytes(3 * (text.size() / 4), '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     static_cast<int>(text.size()));
  const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  bytes.resize(length < 0 ? 0 : static_cast<std::size_t>(length) - padding);
  return bytes;
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

// A deleted item that still holds its key (--item-delete-delay-ms).
bool is_deleting(const json::object& item) {
  return item.at("emulator").as_object().contains("deleted_at_ms");
}

// The item as the API shows it: the state of its indexing now, the emulator's notes left out.
json::object item_json(const json::object& stored, const Context& context) {
  json::object item = stored;
  item.erase("emulator");
  const std::string_view status = status_of(stored, context);
  item["status"] = status;
  item["next_action"] = is_deleting(stored)  ? json::value("DELETE")
                        : status == "queued" ? json::value("INDEX")
                                             : json::value(nullptr);
  if (context.options.item_null_sizes) item["file_size"] = nullptr;
  if (status == "completed") {
    const double size = stored.at("file_size").to_number<double>();
    item["chunks_count"] = std::max<std::int64_t>(1, static_cast<std::int64_t>(size / 1024));
  }
  if (status == "error") item["error"] = "the document could not be parsed (an emulated error)";
  return item;
}

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

struct Page {
  std::size_t number = 1;
  std::size_t size = k_default_per_page;
};

// One page of `rows`, rendered, with the result_info every AI Search list carries.
template <typename Row, typename Render>
Response paged(const std::vector<Row>& rows, Page page, Render render) {
  const std::size_t first = std::min(rows.size(), (page.number - 1) * page.size);
  const std::size_t last = std::min(rows.size(), first + page.size);
  json::array result;
  for (std::size_t i = first; i < last; ++i) result.push_back(render(rows[i]));
  json::object info{{"count", result.size()},
                    {"page", page.number},
                    {"per_page", page.size},
                    {"total_count", rows.size()}};
  return ai_success(std::move(result), std::move(info));
}

// `page` and `per_page` of the namespace and instance lists, with the spec's bounds.
std::variant<Page, Response> list_page(const std::map<std::string, std::string>& query) {
  const auto page = integer(query, "page", 1, 1, k_max_page);
  if (!page) return invalid_parameter("page", "page must be an integer, 1 or more");
  const auto per_page = integer(query, "per_page", k_default_per_page, 1, k_max_list_per_page);
  if (!per_page) return invalid_parameter("per_page", "per_page must be an integer from 1 to 100");
  return Page{static_cast<std::size_t>(*page), static_cast<std::size_t>(*per_page)};
}

// The lists' `search`: a case-insensitive substring.
bool contains_folded(std::string_view text, std::string_view part) {
  const auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  return std::search(text.begin(), text.end(), part.begin(), part.end(), same) != text.end();
}

// The span of time around now in which no item of `items` changes status.
std::pair<std::int64_t, std::int64_t> status_span(const json::array& items,
                                                  const Context& context) {
  std::int64_t from = std::numeric_limits<std::int64_t>::min();
  std::int64_t until = std::numeric_limits<std::int64_t>::max();
  const std::int64_t delay = context.options.index_delay_ms;
  for (const json::value& item : items) {
    const std::int64_t since = item.at("emulator").at("since_ms").as_int64();
    // status_of: queued until since + delay / 2, running until since + delay.
    for (const std::int64_t change : {since + delay / 2, since + delay}) {
      if (change <= context.now_ms) {
        from = std::max(from, change);
      } else {
        until = std::min(until, change);
      }
    }
  }
  return {from, until};
}

// The instance's items that `selection` asks for, in its order (sort_by is status or modified_at).
Listing make_listing(const json::array& items, std::map<std::string, std::string> selection,
                     const Context& context) {
  const auto wanted = [&](const char* name) -> std::optional<std::string> {
    const auto it = selection.find(name);
    return it == selection.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  const bool by_status = wanted("sort_by").value_or("status") == "status";
  const bool with_status = by_status || selection.contains("status");
  // Filter and sort light rows.
  struct Row {
    const json::object* item;
    std::string_view key;
    std::string_view seen;
    std::string_view status;
  };
  std::vector<Row> rows;
  for (const json::value& value : items) {
    const json::object& item = value.as_object();
    const Row row{&item, item.at("key").as_string(), item.at("last_seen_at").as_string(),
                  with_status ? status_of(item, context) : ""};
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
  Listing listing{.state_version = context.state_version, .selection = std::move(selection)};
  if (with_status)
    std::tie(listing.valid_from_ms, listing.valid_until_ms) = status_span(items, context);
  listing.rows.reserve(rows.size());
  for (const Row& row : rows) listing.rows.push_back(row.item);
  return listing;
}

// The listing `selection` asks for: the last one made if it still holds, else a new one.
const Listing& listing_of(Instance instance, std::map<std::string, std::string> selection,
                          const Context& context) {
  const std::optional<Listing>& last = instance.index.listing;
  if (!last || last->state_version != context.state_version || context.changed ||
      last->selection != selection || context.now_ms < last->valid_from_ms ||
      context.now_ms >= last->valid_until_ms) {
    instance.index.listing = make_listing(items_of(instance.stored), std::move(selection), context);
  }
  return *instance.index.listing;
}

Response list_items(Context& context, ItemIndex& indexes) {
  const auto instance = instance_of(context, indexes);
  if (!instance) return instance_missing();
  auto query = query_of(context.request);
  const auto page = integer(query, "page", 1, 1, 1'000'000);
  const auto per_page = integer(query, "per_page", 20, 0, k_max_per_page);
  if (!page || !per_page) {
    return ai_failure(400, ai_code::invalid, "page must be 1 or more, per_page from 0 to 50");
  }
  const auto sort_by = query.find("sort_by");
  if (sort_by != query.end() && sort_by->second != "status" && sort_by->second != "modified_at") {
    return ai_failure(400, ai_code::invalid, "sort_by must be status or modified_at");
  }
  query.erase("page");
  query.erase("per_page");
  const Listing& listing = listing_of(*instance, std::move(query), context);
  const Page shown{static_cast<std::size_t>(*page),
                   static_cast<std::size_t>(std::max(*per_page, k_min_per_page))};
  return paged(listing.rows, shown,
               [&](const json::object* item) { return item_json(*item, context); });
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

Response upload_item(Context& context, ItemIndex& indexes) {
  const auto instance = instance_of(context, indexes);
  if (!instance) return instance_missing();
  if (!is_managed(instance->stored)) return not_managed();
  if (!is_ready(instance->stored, context)) {
    return ai_failure(409, ai_code::conflict,
                      "Ai search instance is not ready yet: its status is waiting. Retry once it "
                      "is ready.");
  }
  const std::string* content_type = context.request.header("content-type");
  const FormData form = parse_form_data(content_type ? *content_type : "", context.request.body);
  if (!form.problem.empty()) {
    return ai_failure(400, ai_code::invalid, "Invalid request body: " + form.problem);
  }
  const FormPart* file = form.find("file");
  if (file == nullptr || !file->filename || file->filename->empty()) {
    return ai_failure(400, ai_code::invalid, "file is required, with a filename");
  }
  const std::string& key = *file->filename;
  if (utf8_characters(key) > k_max_key_characters) {
    return ai_failure(400, ai_code::invalid, "Filename must not exceed 128 characters.");
  }
  if (file->body.size() > k_max_file_bytes) {
    return ai_failure(413, ai_code::too_large, "File exceeds maximum size.");
  }
  auto metadata = metadata_of(form);
  if (!metadata) return ai_failure(400, ai_code::invalid, "Invalid metadata format.");
  if (context.options.item_builtin_metadata) {
    // The documented built-in attributes, set by the server at upload.
    const std::size_t slash = key.rfind('/');
    (*metadata)["filename"] = key;
    (*metadata)["folder"] = slash == std::string::npos ? "" : key.substr(0, slash + 1);
    (*metadata)["timestamp"] = context.now_ms;
  }
  if (find_key(instance->stored, key) != nullptr) {
    return ai_failure(409, ai_code::conflict, "Item key already exist.");
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
       json::object{
           {"since_ms", waited ? context.now_ms - context.options.index_delay_ms : context.now_ms},
           {"content", base64_encoded(file->body)}}}};
  items_of(instance->stored).push_back(item);
  context.changed = true;
  return ai_success(item_json(item, context));
}

Response get_item(Context& context, ItemIndex& indexes) {
  const auto instance = instance_of(context, indexes);
  if (!instance) return instance_missing();
  json::object* item = find_item(instance->stored, context.params.at("item_id"));
  if (item == nullptr) return ai_failure(404, ai_code::not_found, "Item not found.");
  return ai_success(item_json(*item, context));
}

// The bytes as uploaded. Only uploads ("builtin") are stored by AI Search; items of external
// sources live in their bucket or site.
Response download_item(Context& context, ItemIndex& indexes) {
  const auto instance = instance_of(context, indexes);
  if (!instance) return instance_missing();
  json::object* item = find_item(instance->stored, context.params.at("item_id"));
  if (item == nullptr) return ai_failure(404, ai_code::not_found, "Item not found.");
  if (item->at("source_id") != "builtin") {
    return ai_failure(400, ai_code::invalid,
                      "Content download not available for external source items.");
  }
  // Items of a state file written before content was kept have none to give.
  const json::value* content = item->at("emulator").as_object().if_contains("content");
  if (content == nullptr) return ai_failure(404, ai_code::not_found, "Item content not found.");
  return {.status = 200,
          .body = base64_decoded(content->as_string()),
          .content_type = "application/octet-stream"};
}

Response delete_item(Context& context, ItemIndex& indexes) {
  const auto instance = instance_of(context, indexes);
  if (!instance) return instance_missing();
  if (!is_managed(instance->stored)) return not_managed();
  json::array& items = items_of(instance->stored);
  const std::string& id = context.params.at("item_id");
  const auto it = std::find_if(items.begin(), items.end(), [&](const json::value& item) {
    return item.as_object().at("id").as_string() == id;
  });
  if (it == items.end()) return ai_failure(404, ai_code::not_found, "Item not found.");
  json::object result{{"key", it->as_object().at("key")}};
  if (context.options.item_delete_delay_ms > 0) {
    // Queued: the item stays, holding its key, until purge_deleted drops it.
    json::object& notes = it->as_object().at("emulator").as_object();
    if (!notes.contains("deleted_at_ms")) {
      notes["deleted_at_ms"] = context.now_ms;
      std::optional<std::int64_t>& due = instance->index.purge_due_ms;  // known: instance_of
      due = std::min(*due, context.now_ms + context.options.item_delete_delay_ms);
    }
  } else {
    items.erase(it);
  }
  context.changed = true;
  return ai_success(std::move(result));
}

// PATCH …/items/{item_id} and PUT …/items: index again what is stored.
Response reindex(Context& context, json::object& item) {
  auto parsed = object_body(context.request);
  if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
  const json::object& body = std::get<json::object>(parsed);
  if (body.if_contains("next_action") == nullptr || body.at("next_action") != "INDEX") {
    return ai_failure(400, ai_code::invalid, "next_action must be INDEX");
  }
  const bool waited =
      body.if_contains("wait_for_completion") != nullptr && body.at("wait_for_completion") == true;
  // Only the indexing starts again: the notes keep the content.
  item["emulator"].as_object()["since_ms"] =
      waited ? context.now_ms - context.options.index_delay_ms : context.now_ms;
  item["last_seen_at"] = context.now;
  context.changed = true;
  return ai_success(item_json(item, context));
}

Response list_namespaces(Context& context) {
  const auto query = query_of(context.request);
  const auto page = list_page(query);
  if (const auto* refused = std::get_if<Response>(&page)) return *refused;
  const std::string search = query.contains("search") ? query.at("search") : "";
  std::vector<const json::key_value_pair*> rows;
  for (const json::key_value_pair& entry : namespaces_of(context.account)) {
    const json::value& description = entry.value().at("description");
    if (contains_folded(entry.key(), search) ||
        (description.is_string() && contains_folded(description.as_string(), search))) {
      rows.push_back(&entry);
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto* a, const auto* b) { return a->key() < b->key(); });
  return paged(rows, std::get<Page>(page), [](const json::key_value_pair* entry) {
    return namespace_json(entry->key(), entry->value().as_object());
  });
}

Response list_instances(Context& context) {
  const std::string_view name = context.params.at("name");
  if (!namespaces_of(context.account).contains(name)) {
    return ai_failure(404, ai_code::not_found, "Namespace not found.");
  }
  const auto query = query_of(context.request);
  const auto page = list_page(query);
  if (const auto* refused = std::get_if<Response>(&page)) return *refused;
  const std::string search = query.contains("search") ? query.at("search") : "";
  std::vector<const json::object*> rows;
  for (const json::key_value_pair& entry : instances_of(context.account)) {
    const json::object& instance = entry.value().as_object();
    if (instance.at("namespace").as_string() == name &&
        contains_folded(instance.at("id").as_string(), search)) {
      rows.push_back(&instance);
    }
  }
  std::sort(rows.begin(), rows.end(), [](const json::object* a, const json::object* b) {
    return a->at("id").as_string() < b->at("id").as_string();
  });
  return paged(rows, std::get<Page>(page), [&](const json::object* instance) {
    return listed_instance_json(*instance, context);
  });
}

// The fixture's instances that the account lacks, made now.
void add_fixture_instances(json::object& instances, const json::object& fixture,
                           const std::string& now) {
  const json::value* ai_search = fixture.if_contains("ai_search");
  if (ai_search == nullptr) return;
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
                            {"created_at", now},
                            {"items", json::array()}};
  }
}

// A non-managed instance of the fixture reads as one that indexes an R2 bucket named after it;
// a managed one has no type and no source, as one made through the API with neither.
json::object fixture_config(const json::object& instance) {
  if (is_managed(instance)) return {};
  return {{"type", "r2"}, {"source", instance.at("id")}};
}

}  // namespace

Response ai_success(json::value result, std::optional<json::object> result_info, int status) {
  json::object body{{"success", true}, {"result", std::move(result)}};
  if (result_info) body["result_info"] = std::move(*result_info);
  return {.status = status, .body = json::serialize(body)};
}

Response ai_failure(int status, int code, std::string_view message) {
  json::object body{{"success", false},
                    {"errors", json::array{json::object{{"code", code}, {"message", message}}}}};
  return {.status = status, .body = json::serialize(body)};
}

bool is_managed(const json::object& instance) { return instance.at("managed") == true; }

Response instance_missing() { return ai_failure(404, ai_code::not_found, "Ai search not found."); }

json::object& namespaces_of(json::object& account) { return ai_search_part(account, "namespaces"); }

json::object& instances_of(json::object& account) { return ai_search_part(account, "instances"); }

std::string instance_key(std::string_view namespace_name, std::string_view id) {
  return std::string(namespace_name) + "/" + std::string(id);
}

std::size_t utf8_characters(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void init_ai_search(json::object& account, const json::object& fixture, const std::string& now) {
  // Both parts are made before references to them are taken: adding one to "ai_search" may
  // move the other.
  instances_of(account);
  json::object& namespaces = namespaces_of(account);
  json::object& instances = instances_of(account);
  add_fixture_instances(instances, fixture, now);
  // "default" always exists; other namespaces exist once an instance names them. Their
  // creation times, once set, are kept by the state file.
  const auto add_namespace = [&](std::string_view name) {
    if (!namespaces.contains(name)) {
      namespaces[name] = json::object{{"description", nullptr}, {"created_at", now}};
    }
  };
  add_namespace("default");
  for (json::key_value_pair& entry : instances) {
    json::object& instance = entry.value().as_object();
    // A state file from before creation times were kept: the instance is made now.
    if (!instance.contains("created_at")) instance["created_at"] = now;
    // The fixture's instances, and those of a state file from before instances had one.
    if (!instance.contains("config")) instance["config"] = fixture_config(instance);
    add_namespace(instance.at("namespace").as_string());
  }
}

void add_ai_search_routes(Router& router) {
  const std::string namespaces = "/accounts/{account_id}/ai-search/namespaces";
  router.add("GET", namespaces, list_namespaces);
  router.add("GET", namespaces + "/{name}/instances", list_instances);
  const std::string items = namespaces + "/{name}/instances/{id}/items";
  // The routes of one emulator share what its instances' item handlers keep beside its state.
  const auto indexes = std::make_shared<ItemIndex>();
  add_ai_search_instance_routes(router, [indexes](const std::string& key) { indexes->erase(key); });
  const auto with_index = [&indexes](Response (*handler)(Context&, ItemIndex&)) {
    return [indexes, handler](Context& context) { return handler(context, *indexes); };
  };
  router.add("GET", items, with_index(list_items));
  router.add("POST", items, with_index(upload_item));
  router.add("PUT", items, [indexes](Context& context) {
    const auto instance = instance_of(context, *indexes);
    if (!instance) return instance_missing();
    auto parsed = object_body(context.request);
    if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
    const json::value* key = std::get<json::object>(parsed).if_contains("key");
    if (key == nullptr || !key->is_string())
      return ai_failure(400, ai_code::invalid, "key is required");
    if (utf8_characters(key->as_string()) > k_max_key_characters) {
      return ai_failure(400, ai_code::invalid, "Filename exceeds maximum length.");
    }
    json::object* item = find_key(instance->stored, key->as_string());
    if (item == nullptr) return ai_failure(404, ai_code::not_found, "Item not found.");
    return reindex(context, *item);
  });
  router.add("GET", items + "/{item_id}", with_index(get_item));
  router.add("GET", items + "/{item_id}/download", with_index(download_item));
  router.add("PATCH", items + "/{item_id}", [indexes](Context& context) {
    const auto instance = instance_of(context, *indexes);
    if (!instance) return instance_missing();
    json::object* item = find_item(instance->stored, context.params.at("item_id"));
    if (item == nullptr) return ai_failure(404, ai_code::not_found, "Item not found.");
    return reindex(context, *item);
  });
  router.add("DELETE", items + "/{item_id}", with_index(delete_item));
}

}  // namespace cfsync::emulator
