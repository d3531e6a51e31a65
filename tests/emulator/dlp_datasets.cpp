// DLP datasets (API.md §5): custom word lists and EDMv1 (one body per version), and multi-column
// EDMv2 (columns defined per version, one body per column). Spec: dlp-datasets-*; results
// dlp_Dataset, dlp_DatasetCreation, dlp_DatasetNewVersion, dlp_DatasetColumn.
//
// Stored per dataset: its fields, and "versions": [{"version", "num_cells", "upload"}] for word
// lists, [{"version", "columns": [{"entry_id", "header_name", "num_cells", "upload"}]}] for EDMv2,
// where "upload" is null until a body arrives, then {"since_ms", "fails"}. Bodies are not kept.
// Statuses are computed when asked, from the time of the upload: uploading for the first half
// of --dataset-delay-ms, processing for the second, then complete (or failed, when a cell matched
// --dataset-fail-pattern). Where the spec leaves a dataset behaviour open, a switch picks the
// answer: --dataset-omit-case-sensitive, --dataset-put-without-case-sensitive.
#include "tests/emulator/dlp_store.hpp"
#include "tests/emulator/emulator.hpp"
#include "tests/emulator/envelope.hpp"
#include "tests/emulator/families.hpp"
#include "tests/emulator/json_body.hpp"

#include <fnmatch.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <simdjson.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <variant>

namespace cfsync::emulator {

namespace {

namespace json = boost::json;

// The emulator's choice: the spec gives no number, and Cloudflare's documented limits
// (100,000 EDM cells per spreadsheet) would stop the benchmark's large uploads. Not enforced.
constexpr std::int64_t k_max_cells = 1'000'000'000;
constexpr std::int64_t k_multi_column = 2;  // encoding_version of EDMv2
constexpr std::size_t k_secret_bytes = 24;
// A name taken, or a version that already has its body: as AI Search's "already exist".
constexpr int k_code_conflict = 7008;

// From least to most advanced; "failed" and "pending" are not on this scale.
constexpr std::array<std::string_view, 4> k_progress = {"empty", "uploading", "processing",
                                                        "complete"};

// Created with the account (init_dlp_datasets), so that it never moves the profile and entry
// lists while a handler holds them (dlp_store.cpp).
json::array& datasets_of(json::object& account) {
  json::value& dlp = account["dlp"];
  if (!dlp.is_object()) dlp = json::object();
  json::value& datasets = dlp.as_object()["datasets"];
  if (!datasets.is_array()) datasets = json::array();
  return datasets.as_array();
}

// The item of `all` whose string field `key` is `value`.
json::object* find_by(json::array& all, std::string_view key, std::string_view value) {
  for (json::value& item : all) {
    if (item.as_object().at(key).as_string() == value) return &item.as_object();
  }
  return nullptr;
}

json::array& versions_of(json::object& dataset) { return dataset.at("versions").as_array(); }

bool is_multi_column(const json::object& dataset) {
  return dataset.at("encoding_version").to_number<std::int64_t>() == k_multi_column;
}

std::int64_t integer_of(const json::value& value) { return value.to_number<std::int64_t>(); }

// Where one uploaded body is now.
std::string_view upload_status(const json::value& upload, const Context& context) {
  if (!upload.is_object()) return "empty";
  // Not below 0: a clock that went back (a restart) must not hold an upload back.
  const std::int64_t elapsed =
      std::max<std::int64_t>(0, context.now_ms - integer_of(upload.at("since_ms")));
  const std::int64_t delay = context.options.dataset_delay_ms;
  if (elapsed < delay / 2) return "uploading";
  if (elapsed < delay) return "processing";
  return upload.at("fails").as_bool() ? "failed" : "complete";
}

int progress_rank(std::string_view status) {
  return static_cast<int>(std::find(k_progress.begin(), k_progress.end(), status) -
                          k_progress.begin());
}

struct Summary {
  std::string_view status;
  std::int64_t num_cells = 0;
};

// A version's status and size. EDMv2: failed if a column failed, else its least advanced column;
// the cells of all its columns.
Summary summary_of(const json::object& version, const Context& context) {
  const json::value* columns = version.if_contains("columns");
  if (columns == nullptr) {
    return {upload_status(version.at("upload"), context), integer_of(version.at("num_cells"))};
  }
  if (columns->as_array().empty()) return {"empty", 0};
  Summary summary{"complete", 0};
  bool failed = false;
  for (const json::value& item : columns->as_array()) {
    const std::string_view status = upload_status(item.at("upload"), context);
    summary.num_cells += integer_of(item.at("num_cells"));
    failed = failed || status == "failed";
    if (!failed && progress_rank(status) < progress_rank(summary.status)) summary.status = status;
  }
  if (failed) summary.status = "failed";
  return summary;
}

json::object column_json(const json::object& column, const Context& context) {
  return {{"entry_id", column.at("entry_id")},
          {"header_name", column.at("header_name")},
          {"num_cells", column.at("num_cells")},
          {"upload_status", upload_status(column.at("upload"), context)}};
}

json::array columns_json(const json::object& version, const Context& context) {
  json::array out;
  if (const json::value* columns = version.if_contains("columns")) {
    for (const json::value& column : columns->as_array()) {
      out.push_back(column_json(column.as_object(), context));
    }
  }
  return out;
}

// dlp_Dataset: the latest version's status, cells and columns; every version in uploads.
json::object dataset_json(const json::object& stored, const Context& context) {
  const json::array& versions = stored.at("versions").as_array();
  json::array uploads;
  for (const json::value& item : versions) {
    const Summary summary = summary_of(item.as_object(), context);
    uploads.push_back(json::object{{"version", item.at("version")},
                                   {"status", summary.status},
                                   {"num_cells", summary.num_cells}});
  }
  const json::object& latest = versions.back().as_object();
  const Summary summary = summary_of(latest, context);
  json::object out{{"id", stored.at("id")},
                   {"name", stored.at("name")},
                   {"description", stored.at("description")},
                   {"secret", stored.at("secret")},
                   {"case_sensitive", stored.at("case_sensitive")},
                   {"encoding_version", stored.at("encoding_version")},
                   {"num_cells", summary.num_cells},
                   {"status", summary.status},
                   {"created_at", stored.at("created_at")},
                   {"updated_at", stored.at("updated_at")},
                   {"uploads", std::move(uploads)},
                   {"columns", columns_json(latest, context)}};
  // dlp_Dataset does not list case_sensitive as required.
  if (context.options.dataset_omit_case_sensitive) out.erase("case_sensitive");
  return out;
}

// A version waiting for its body (word lists) or its columns' bodies (EDMv2).
json::object empty_version(std::int64_t number, const json::object& dataset, json::array columns) {
  if (is_multi_column(dataset)) return {{"version", number}, {"columns", std::move(columns)}};
  return {{"version", number}, {"num_cells", 0}, {"upload", nullptr}};
}

bool has_upload(const json::object& version) {
  if (const json::value* columns = version.if_contains("columns")) {
    return std::any_of(columns->as_array().begin(), columns->as_array().end(),
                       [](const json::value& column) { return column.at("upload").is_object(); });
  }
  return version.at("upload").is_object();
}

// A uuid made from text, so that the fixture's datasets and columns keep their ids across
// restarts and accounts differ: SHA-256, version 8 ("custom"), RFC 9562 variant.
std::string derived_uuid(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x80);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += k_hex[digest[i] >> 4];
    out += k_hex[digest[i] & 0xF];
  }
  return out;
}

// The EDM encoder's secret: random, shown once, never stored.
std::string new_secret() {
  std::array<unsigned char, k_secret_bytes> bytes{};
  RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
  std::array<unsigned char, k_secret_bytes / 3 * 4 + 1> text{};
  EVP_EncodeBlock(text.data(), bytes.data(), static_cast<int>(bytes.size()));
  return reinterpret_cast<const char*>(text.data());
}

struct Cells {
  std::int64_t count = 0;
  bool fails = false;  // a cell matches --dataset-fail-pattern
};

// Cells are the non-empty lines of the body: split on LF, a CR before the LF dropped ("newline
// (NL or CRNL) separated"). Null when the body is not UTF-8. Reads the body in place: it may be
// hundreds of MiB.
std::optional<Cells> cells_of(std::string_view body, const std::string& fail_pattern) {
  if (!simdjson::validate_utf8(body.data(), body.size())) return std::nullopt;
  Cells cells;
  std::string cell;  // fnmatch wants a terminated string
  while (!body.empty()) {
    const void* newline = std::memchr(body.data(), '\n', body.size());
    const std::size_t length =
        newline == nullptr
            ? body.size()
            : static_cast<std::size_t>(static_cast<const char*>(newline) - body.data());
    std::string_view line = body.substr(0, length);
    body.remove_prefix(newline == nullptr ? length : length + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    ++cells.count;
    if (fail_pattern.empty() || cells.fails) continue;
    cell.assign(line);
    cells.fails = ::fnmatch(fail_pattern.c_str(), cell.c_str(), 0) == 0;
  }
  return cells;
}

Response dataset_missing(const std::string& id) { return dlp::not_found("dataset", id); }

Response name_taken(std::string_view name) {
  return failure(409, k_code_conflict,
                 "a dataset named \"" + std::string(name) + "\" already exists");
}

Response wrong_kind(const json::object& dataset) {
  const std::string id(dataset.at("id").as_string());
  if (is_multi_column(dataset)) {
    return failure(400, code::invalid_body,
                   "dataset " + id +
                       " has encoding_version 2: define its columns with /versions/{version} "
                       "and upload each with /versions/{version}/entries/{entry_id}");
  }
  return failure(400, code::invalid_body,
                 "dataset " + id +
                     " is a single-column dataset (encoding_version 1): upload it with "
                     "/upload/{version}");
}

Response already_uploaded(const json::object& dataset, std::int64_t number) {
  return failure(409, k_code_conflict,
                 "version " + std::to_string(number) + " of dataset " +
                     std::string(dataset.at("id").as_string()) +
                     " already has an upload; make a new version with POST /upload");
}

Response not_utf8() { return invalid_body("the dataset must be UTF-8 text"); }

// The spec marks both upload bodies required (Prism answers an empty one with 422).
Response no_body() { return invalid_body("a body is required: the cells, one per line"); }

// The version named by {version}: 400 when it is not a number, 404 when it does not exist.
std::variant<json::object*, Response> version_of(Context& context, json::object& dataset) {
  const std::string& text = context.params.at("version");
  std::int64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return failure(400, code::invalid_body, "version must be an integer, got \"" + text + "\"");
  }
  for (json::value& item : versions_of(dataset)) {
    if (integer_of(item.at("version")) == number) return &item.as_object();
  }
  return failure(404, code::not_found,
                 "version " + text + " of dataset " + std::string(dataset.at("id").as_string()) +
                     " not found");
}

// The dataset and version a version route names, of the kind the route is for.
struct Target {
  json::object& dataset;
  json::object& version;
};
std::variant<Target, Response> target_of(Context& context, bool multi_column) {
  const std::string& id = context.params.at("dataset_id");
  json::object* dataset = find_by(datasets_of(context.account), "id", id);
  if (dataset == nullptr) return dataset_missing(id);
  if (is_multi_column(*dataset) != multi_column) return wrong_kind(*dataset);
  auto found = version_of(context, *dataset);
  if (auto* response = std::get_if<Response>(&found)) return std::move(*response);
  return Target{*dataset, *std::get<json::object*>(found)};
}

// Fields of the create and update bodies. The update's name may be null (keep it).
std::optional<std::string> fields_problem(const json::object& body, bool update) {
  if (!update) {
    if (auto p = check_required(body, "", {"name"})) return p;
  }
  if (auto p = check_string(body, "name", "name", update)) return p;
  if (const json::value* name = provided(body, "name");
      name != nullptr && name->get_string().empty()) {
    return std::string("name must not be empty");
  }
  if (auto p = check_string(body, "description", "description", true)) return p;
  if (auto p = check_bool(body, "case_sensitive", "case_sensitive", false)) return p;
  if (update) return std::nullopt;
  if (auto p = check_bool(body, "secret", "secret", false)) return p;
  // The spec: int32, minimum 0. 0 reads as 1; the emulator knows no format above 2.
  return check_integer(body, "encoding_version", "encoding_version", 0, k_multi_column, false);
}

bool bool_or(const json::object& body, std::string_view key, bool fallback) {
  const json::value* value = provided(body, key);
  return value != nullptr ? value->as_bool() : fallback;
}

Response list(Context& context) {
  json::array out;
  for (const json::value& item : datasets_of(context.account)) {
    out.push_back(dataset_json(item.as_object(), context));
  }
  return success(std::move(out));
}

Response create(Context& context) {
  auto parsed = object_body(context.request);
  if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
  const json::object& body = std::get<json::object>(parsed);
  if (auto problem = fields_problem(body, false)) return invalid_body(*problem);
  const bool secret = bool_or(body, "secret", false);
  const bool case_sensitive = bool_or(body, "case_sensitive", true);
  // "Cannot be set to false if `secret` is true or undefined"
  if (!case_sensitive && (provided(body, "secret") == nullptr || secret)) {
    return invalid_body("case_sensitive can be false only with secret: false");
  }
  json::array& all = datasets_of(context.account);
  const std::string_view name = body.at("name").as_string();
  if (find_by(all, "name", name) != nullptr) return name_taken(name);
  const json::value* version = provided(body, "encoding_version");
  const std::int64_t encoding = std::max<std::int64_t>(1, version ? integer_of(*version) : 0);

  json::object dataset{{"id", context.new_id()},
                       {"name", name},
                       {"description", provided(body, "description") ? body.at("description")
                                                                     : json::value(nullptr)},
                       {"secret", secret},
                       {"case_sensitive", case_sensitive},
                       {"encoding_version", encoding},
                       {"created_at", context.now},
                       {"updated_at", context.now}};
  // Creation reserves version 1 for the first upload.
  dataset["versions"] = json::array{empty_version(1, dataset, json::array())};
  json::object result{{"dataset", dataset_json(dataset, context)},
                      {"version", 1},
                      {"max_cells", k_max_cells},
                      {"encoding_version", encoding}};
  if (secret) result["secret"] = new_secret();
  all.push_back(std::move(dataset));
  context.changed = true;
  return success(std::move(result));
}

Response get(Context& context) {
  const std::string& id = context.params.at("dataset_id");
  json::object* dataset = find_by(datasets_of(context.account), "id", id);
  if (dataset == nullptr) return dataset_missing(id);
  return success(dataset_json(*dataset, context));
}

// Only what the body provides changes; null keeps the value.
Response update(Context& context) {
  const std::string& id = context.params.at("dataset_id");
  json::array& all = datasets_of(context.account);
  json::object* stored = find_by(all, "id", id);
  if (stored == nullptr) return dataset_missing(id);
  auto parsed = object_body(context.request);
  if (auto* response = std::get_if<Response>(&parsed)) return std::move(*response);
  const json::object& body = std::get<json::object>(parsed);
  if (auto problem = fields_problem(body, true)) return invalid_body(*problem);
  json::object& dataset = *stored;
  if (const json::value* name = provided(body, "name")) {
    const json::object* other = find_by(all, "name", name->get_string());
    if (other != nullptr && other != &dataset) return name_taken(name->get_string());
  }
  if (!bool_or(body, "case_sensitive", true) && dataset.at("secret").as_bool()) {
    return invalid_body("case_sensitive cannot be false on a secret dataset");
  }
  // "Only required for custom word lists": what a word list's PUT without it does is open.
  const std::string& without = context.options.dataset_put_without_case_sensitive;
  const bool word_list = !is_multi_column(dataset) && !dataset.at("secret").as_bool();
  const bool missing = word_list && provided(body, "case_sensitive") == nullptr;
  if (missing && without == "refuse") {
    return invalid_body("case_sensitive is required for custom word lists");
  }
  for (std::string_view key : {"name", "description", "case_sensitive"}) {
    if (const json::value* value = provided(body, key)) dataset[key] = *value;
  }
  if (missing && without == "false") dataset["case_sensitive"] = false;
  dataset["updated_at"] = context.now;
  context.changed = true;
  return success(dataset_json(dataset, context));
}

// "This deletes all versions of the dataset." The spec declares no content: an empty body.
Response remove(Context& context) {
  const std::string& id = context.params.at("dataset_id");
  json::array& all = datasets_of(context.account);
  const auto it = std::find_if(all.begin(), all.end(), [&](const json::value& item) {
    return item.as_object().at("id").as_string() == id;
  });
  if (it == all.end()) return dataset_missing(id);
  all.erase(it);
  context.changed = true;
  return {.status = 200, .content_type = ""};
}

// POST …/upload: the next version, empty. An EDMv2 one starts with the latest version's columns
// (their ids and headers, no cells), which define-columns may then change.
Response new_version(Context& context) {
  const std::string& id = context.params.at("dataset_id");
  json::object* stored = find_by(datasets_of(context.account), "id", id);
  if (stored == nullptr) return dataset_missing(id);
  json::object& dataset = *stored;
  json::array& versions = versions_of(dataset);
  const json::object& latest = versions.back().as_object();
  const std::int64_t number = integer_of(latest.at("version")) + 1;
  json::array columns;
  if (const json::value* previous = latest.if_contains("columns")) {
    for (const json::value& column : previous->as_array()) {
      columns.push_back(json::object{{"entry_id", column.at("entry_id")},
                                     {"header_name", column.at("header_name")},
                                     {"num_cells", 0},
                                     {"upload", nullptr}});
    }
  }
  versions.push_back(empty_version(number, dataset, std::move(columns)));
  dataset["updated_at"] = context.now;
  context.changed = true;
  json::object result{{"version", number},
                      {"max_cells", k_max_cells},
                      {"encoding_version", dataset.at("encoding_version")}};
  // Optional in dlp_DatasetNewVersion too.
  if (!context.options.dataset_omit_case_sensitive) {
    result["case_sensitive"] = dataset.at("case_sensitive");
  }
  if (is_multi_column(dataset))
    result["columns"] = columns_json(versions.back().as_object(), context);
  return success(std::move(result));
}

// POST …/upload/{version}: the body of a word list or EDMv1 version.
Response upload_version(Context& context) {
  auto found = target_of(context, false);
  if (auto* response = std::get_if<Response>(&found)) return std::move(*response);
  auto [dataset, version] = std::get<Target>(found);
  if (has_upload(version)) return already_uploaded(dataset, integer_of(version.at("version")));
  if (context.request.body.empty()) return no_body();
  const auto cells = cells_of(context.request.body, context.options.dataset_fail_pattern);
  if (!cells) return not_utf8();
  version["num_cells"] = cells->count;
  version["upload"] = json::object{{"since_ms", context.now_ms}, {"fails", cells->fails}};
  dataset["updated_at"] = context.now;
  context.changed = true;
  return success(dataset_json(dataset, context));
}

// One item of the define-columns body: header_name, num_cells, and entry_id (an existing column
// of the dataset) or entry_name (a new column).
std::optional<std::string> column_problem(const json::value& item, const std::string& path,
                                          const std::set<std::string_view>& known_ids) {
  if (!item.is_object()) return path + " must be an object";
  const json::object& column = item.as_object();
  if (auto p = check_required(column, path, {"header_name", "num_cells"})) return p;
  if (auto p = check_string(column, "header_name", path + ".header_name", false)) return p;
  if (column.at("header_name").as_string().empty()) return path + ".header_name must not be empty";
  if (auto p = check_integer(column, "num_cells", path + ".num_cells", 0,
                             std::numeric_limits<std::int64_t>::max(), false)) {
    return p;
  }
  if (!column.contains("entry_id") && !column.contains("entry_name")) {
    return path + " needs entry_id (an existing column) or entry_name (a new column)";
  }
  if (column.contains("entry_name")) {
    if (auto p = check_string(column, "entry_name", path + ".entry_name", false)) return p;
  }
  if (!column.contains("entry_id")) return std::nullopt;
  if (auto p = check_uuid(column, "entry_id", path + ".entry_id")) return p;
  if (!known_ids.contains(column.at("entry_id").as_string())) {
    return path + ".entry_id " + std::string(column.at("entry_id").as_string()) +
           " is not a column of this dataset";
  }
  return std::nullopt;
}

std::optional<std::string> columns_problem(const json::value& body,
                                           const std::set<std::string_view>& known_ids) {
  if (!body.is_array()) return std::string("expected a JSON array of columns");
  if (body.as_array().empty()) return std::string("at least one column is required");
  std::set<std::string_view> headers;
  std::set<std::string_view> ids;
  for (std::size_t i = 0; i < body.as_array().size(); ++i) {
    const std::string path = "[" + std::to_string(i) + "]";
    const json::value& item = body.as_array()[i];
    if (auto p = column_problem(item, path, known_ids)) return p;
    const std::string_view header = item.at("header_name").as_string();
    if (!headers.insert(header).second) {
      return path + ".header_name \"" + std::string(header) + "\" is given twice";
    }
    const json::value* id = item.as_object().if_contains("entry_id");
    if (id != nullptr && !ids.insert(id->as_string()).second) {
      return path + ".entry_id " + std::string(id->as_string()) + " is given twice";
    }
  }
  return std::nullopt;
}

// POST …/versions/{version}: the listed columns become exactly that version's columns, in the
// order given, each waiting for its body.
Response define_columns(Context& context) {
  auto found = target_of(context, true);
  if (auto* response = std::get_if<Response>(&found)) return std::move(*response);
  auto [dataset, version] = std::get<Target>(found);
  if (has_upload(version)) return already_uploaded(dataset, integer_of(version.at("version")));

  if (context.request.body.empty()) return invalid_body("a JSON array of columns is required");
  boost::system::error_code ec;
  const json::value body = json::parse(context.request.body, ec);
  if (ec) return invalid_body("not valid JSON (" + ec.message() + ")");
  std::set<std::string_view> known_ids;
  for (const json::value& item : versions_of(dataset)) {
    for (const json::value& column : item.at("columns").as_array()) {
      known_ids.insert(column.at("entry_id").as_string());
    }
  }
  if (auto problem = columns_problem(body, known_ids)) return invalid_body(*problem);

  json::array columns;
  for (const json::value& item : body.as_array()) {
    const json::object& declared = item.as_object();
    const json::value* entry_id = declared.if_contains("entry_id");
    columns.push_back(json::object{
        {"entry_id", entry_id != nullptr ? json::value(*entry_id) : json::value(context.new_id())},
        {"header_name", declared.at("header_name")},
        {"num_cells", declared.at("num_cells")},
        {"upload", nullptr}});
  }
  version["columns"] = std::move(columns);
  dataset["updated_at"] = context.now;
  context.changed = true;
  return success(columns_json(version, context));
}

// POST …/versions/{version}/entries/{entry_id}: one column's cells; the count replaces the one
// declared when the columns were defined.
Response upload_column(Context& context) {
  auto found = target_of(context, true);
  if (auto* response = std::get_if<Response>(&found)) return std::move(*response);
  auto [dataset, version] = std::get<Target>(found);
  const std::string& id = context.params.at("dataset_id");
  const std::string& entry_id = context.params.at("entry_id");
  json::object* column = find_by(version.at("columns").as_array(), "entry_id", entry_id);
  const std::string version_text = std::to_string(integer_of(version.at("version")));
  if (column == nullptr) {
    return failure(
        404, code::not_found,
        "column " + entry_id + " is not in version " + version_text + " of dataset " + id);
  }
  if (column->at("upload").is_object()) {
    return failure(409, k_code_conflict,
                   "column " + entry_id + " of version " + version_text + " of dataset " + id +
                       " already has an upload; make a new version with POST /upload");
  }
  if (context.request.body.empty()) return no_body();
  const auto cells = cells_of(context.request.body, context.options.dataset_fail_pattern);
  if (!cells) return not_utf8();
  (*column)["num_cells"] = cells->count;
  (*column)["upload"] = json::object{{"since_ms", context.now_ms}, {"fails", cells->fails}};
  dataset["updated_at"] = context.now;
  context.changed = true;
  return success(column_json(*column, context));
}

// Fixture: {"dlp": {"datasets": [{name, encoding_version?, columns?, secret?, description?}]}}.
std::optional<std::string> fixture_dataset_problem(const json::value& item,
                                                   const std::string& path) {
  if (!item.is_object()) return path + " must be an object";
  const json::object& dataset = item.as_object();
  constexpr std::array<std::string_view, 5> k_fields = {"name", "encoding_version", "columns",
                                                        "secret", "description"};
  for (const auto& field : dataset) {
    if (std::find(k_fields.begin(), k_fields.end(), field.key()) == k_fields.end()) {
      return path + " has an unknown field \"" + std::string(field.key()) +
             "\" (known: name, encoding_version, columns, secret, description)";
    }
  }
  const json::value* name = dataset.if_contains("name");
  if (name == nullptr || !name->is_string() || name->as_string().empty()) {
    return path + ".name must be a non-empty string";
  }
  if (auto p = check_integer(dataset, "encoding_version", path + ".encoding_version", 0,
                             k_multi_column, false)) {
    return p;
  }
  if (auto p = check_bool(dataset, "secret", path + ".secret", false)) return p;
  if (auto p = check_string(dataset, "description", path + ".description", true)) return p;
  const json::value* version = dataset.if_contains("encoding_version");
  const bool multi_column = version != nullptr && integer_of(*version) == k_multi_column;
  const json::value* columns = dataset.if_contains("columns");
  if (!multi_column) {
    if (columns != nullptr) return path + ".columns are only for encoding_version 2";
    return std::nullopt;
  }
  const std::string problem = path + ".columns must be a non-empty list of distinct names";
  if (columns == nullptr || !columns->is_array() || columns->as_array().empty()) return problem;
  std::set<std::string_view> seen;
  for (const json::value& column : columns->as_array()) {
    if (!column.is_string() || column.as_string().empty() ||
        !seen.insert(column.as_string()).second) {
      return problem;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> dlp_fixture_problem(const json::object& fixture) {
  const json::value* dlp = fixture.if_contains("dlp");
  if (dlp == nullptr) return std::nullopt;
  const json::value* datasets =
      dlp->is_object() ? dlp->as_object().if_contains("datasets") : nullptr;
  if (datasets == nullptr || !datasets->is_array())
    return std::string("dlp.datasets must be a list");
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < datasets->as_array().size(); ++i) {
    const std::string path = "dlp.datasets[" + std::to_string(i) + "]";
    const json::value& item = datasets->as_array()[i];
    if (auto p = fixture_dataset_problem(item, path)) return p;
    if (!names.insert(item.at("name").as_string()).second) {
      return path + ".name \"" + std::string(item.at("name").as_string()) + "\" is given twice";
    }
  }
  return std::nullopt;
}

void init_dlp_datasets(json::object& account, std::string_view account_id,
                       const json::object& fixture, const std::string& now) {
  json::array& all = datasets_of(account);
  const json::value* dlp = fixture.if_contains("dlp");
  if (dlp == nullptr) return;
  for (const json::value& value : dlp->at("datasets").as_array()) {
    const json::object& declared = value.as_object();
    const std::string_view name = declared.at("name").as_string();
    if (find_by(all, "name", name) != nullptr) continue;  // the state has it, with uploads
    const json::value* version = declared.if_contains("encoding_version");
    const json::value* description = declared.if_contains("description");
    const json::value* secret = declared.if_contains("secret");
    // NUL-separated, so that no two (account, name, column) triples hash the same text.
    const std::string seed = std::string(account_id) + '\0' + std::string(name);
    json::object dataset{
        {"id", derived_uuid(seed)},
        {"name", name},
        {"description", description != nullptr ? *description : json::value(nullptr)},
        {"secret", secret != nullptr && secret->as_bool()},
        {"case_sensitive", true},
        {"encoding_version", std::max<std::int64_t>(1, version ? integer_of(*version) : 0)},
        {"created_at", now},
        {"updated_at", now}};
    json::array columns;
    if (const json::value* names = declared.if_contains("columns")) {
      for (const json::value& column : names->as_array()) {
        columns.push_back(
            json::object{{"entry_id", derived_uuid(seed + '\0' + std::string(column.as_string()))},
                         {"header_name", column},
                         {"num_cells", 0},
                         {"upload", nullptr}});
      }
    }
    dataset["versions"] = json::array{empty_version(1, dataset, std::move(columns))};
    all.push_back(std::move(dataset));
  }
}

void add_dlp_datasets_routes(Router& router) {
  const std::string base = "/accounts/{account_id}/dlp/datasets";
  router.add("GET", base, list);
  router.add("POST", base, create);
  router.add("GET", base + "/{dataset_id}", get);
  router.add("PUT", base + "/{dataset_id}", update);
  router.add("DELETE", base + "/{dataset_id}", remove);
  router.add("POST", base + "/{dataset_id}/upload", new_version);
  router.add("POST", base + "/{dataset_id}/upload/{version}", upload_version);
  router.add("POST", base + "/{dataset_id}/versions/{version}", define_columns);
  router.add("POST", base + "/{dataset_id}/versions/{version}/entries/{entry_id}", upload_column);
}

}  // namespace cfsync::emulator
