#include "api/ai_search.hpp"

#include "api/json_read.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace cfsync::api {

namespace {

namespace dom = simdjson::dom;

std::string items_path(std::string_view account_id, std::string_view namespace_name,
                       std::string_view instance_id) {
  return "/accounts/" + path_segment(account_id) + "/ai-search/namespaces/" +
         path_segment(namespace_name) + "/instances/" + path_segment(instance_id) + "/items";
}

std::string with_query(const std::string& path,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> query) {
  boost::urls::url url;
  url.set_encoded_path(path);
  for (const auto& [name, value] : query) url.params().append({name, value});
  return std::string(url.buffer());
}

// Page `page` of a namespace or instance list, as many a page as the API gives.
HttpRequest listing_request(const std::string& path, int page) {
  const std::string number = std::to_string(page);
  const std::string per_page = std::to_string(k_listing_per_page);
  return {.method = Method::get,
          .target = with_query(path, {{"per_page", per_page}, {"page", number}})};
}

Result<Metadata> read_metadata(dom::object item, std::string_view where) {
  Metadata metadata;
  dom::element value;
  if (item["metadata"].get(value) != simdjson::SUCCESS || value.is_null()) return metadata;
  dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return unexpected(std::string(where) + ".metadata is not an object");
  }
  for (auto [name, field] : object) {
    std::string_view text;
    bool flag = false;
    double number = 0;
    if (field.get_string().get(text) == simdjson::SUCCESS) {
      metadata.emplace(name, std::string(text));
    } else if (field.get_bool().get(flag) == simdjson::SUCCESS) {
      metadata.emplace(name, flag);
    } else if (field.get_double().get(number) == simdjson::SUCCESS) {
      metadata.emplace(name, number);
    }
    // Other types are not the custom metadata cfsync sends: nothing to compare.
  }
  return metadata;
}

Result<LiveItem> read_item(dom::object object, std::string_view where) {
  LiveItem item;
  CFSYNC_TRY(item.id, string_member(object, "id", where));
  CFSYNC_TRY(item.key, string_member(object, "key", where));
  CFSYNC_TRY(item.checksum, string_member(object, "checksum", where));
  std::transform(item.checksum.begin(), item.checksum.end(), item.checksum.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  dom::element size;
  if (object["file_size"].get(size) == simdjson::SUCCESS && !size.is_null()) {
    // The spec types it as a number: one that is not a whole count of bytes is kept out of the
    // comparison (as null is), and said.
    double bytes = 0;
    if (size.get_double().get(bytes) != simdjson::SUCCESS) {
      return unexpected(std::string(where) + ".file_size is not a number");
    }
    if (bytes >= 0 && bytes <= 9.0e15 && std::trunc(bytes) == bytes) {
      item.file_size = static_cast<std::uint64_t>(bytes);
    } else {
      item.odd = "file_size " + simdjson::minify(size) + " is not a whole number of bytes";
    }
  }
  CFSYNC_TRY(item.metadata, read_metadata(object, where));
  CFSYNC_TRY(auto status, string_member(object, "status", where));
  const auto parsed = parse_item_status(status);
  if (!parsed) return unexpected(std::string(where) + ".status \"" + status + "\" is not known");
  item.status = *parsed;
  CFSYNC_TRY(auto error, optional_string_member(object, "error", where));
  item.error = error.value_or("");
  CFSYNC_TRY(auto next_action, optional_string_member(object, "next_action", where));
  item.deleting = next_action == "DELETE";
  return item;
}

// WHATWG's multipart/form-data escapes quotes and line breaks in names.
std::string quoted_field(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') {
      out += "%22";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string metadata_json(const Metadata& metadata) {
  boost::json::object object;
  for (const auto& [name, value] : metadata) {
    if (const auto* text = std::get_if<std::string>(&value)) {
      object[name] = *text;
    } else if (const auto* flag = std::get_if<bool>(&value)) {
      object[name] = *flag;
    } else {
      const double number = std::get<double>(value);
      // Whole numbers as integers: "3", not "3E0".
      if (std::trunc(number) == number && std::abs(number) < 9.0e15) {
        object[name] = static_cast<std::int64_t>(number);
      } else {
        object[name] = number;
      }
    }
  }
  return boost::json::serialize(object);
}

}  // namespace

HttpRequest list_items_request(std::string_view account_id, std::string_view namespace_name,
                               std::string_view instance_id, int page) {
  const std::string number = std::to_string(page);
  const std::string per_page = std::to_string(k_items_per_page);
  return {.method = Method::get,
          .target = with_query(items_path(account_id, namespace_name, instance_id),
                               {{"per_page", per_page},
                                {"source", "builtin"},
                                {"sort_by", "modified_at"},
                                {"page", number}})};
}

HttpRequest find_item_request(std::string_view account_id, std::string_view namespace_name,
                              std::string_view instance_id, std::string_view key) {
  return {.method = Method::get,
          .target = with_query(items_path(account_id, namespace_name, instance_id),
                               {{"key", key}, {"source", "builtin"}})};
}

Result<ItemPage> parse_items_page(const HttpResponse& response) {
  dom::parser parser;
  CFSYNC_TRY(dom::object envelope, read_envelope(parser, response));
  CFSYNC_TRY(dom::array items, result_array(envelope, "of items"));
  ItemPage page;
  for (dom::element element : items) {
    CFSYNC_TRY(dom::object object, object_at(element, "result[]"));
    CFSYNC_TRY(LiveItem item, read_item(object, "result[]"));
    page.items.push_back(std::move(item));
  }
  page.total_count = total_count_of(envelope);
  return page;
}

bool is_last_page(std::size_t page_items, std::size_t items_read,
                  std::optional<std::int64_t> total_count, int per_page) {
  if (page_items < static_cast<std::size_t>(per_page)) return true;
  return total_count && *total_count >= 0 && static_cast<std::size_t>(*total_count) == items_read;
}

HttpRequest list_namespaces_request(std::string_view account_id, int page) {
  return listing_request("/accounts/" + path_segment(account_id) + "/ai-search/namespaces", page);
}

HttpRequest list_instances_request(std::string_view account_id, std::string_view namespace_name,
                                   int page) {
  return listing_request("/accounts/" + path_segment(account_id) + "/ai-search/namespaces/" +
                             path_segment(namespace_name) + "/instances",
                         page);
}

HttpRequest download_item_request(std::string_view account_id, std::string_view namespace_name,
                                  std::string_view instance_id, std::string_view item_id) {
  return {.method = Method::get,
          .target = items_path(account_id, namespace_name, instance_id) + "/" +
                    path_segment(item_id) + "/download",
          .accept = "application/octet-stream"};
}

HttpRequest upload_item_request(std::string_view account_id, const UploadItem& upload,
                                const std::string& boundary) {
  const DesiredDocument& document = upload.document;
  std::string head;
  if (!document.metadata.empty()) {
    head += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" +
            metadata_json(document.metadata) + "\r\n";
  }
  head += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=" +
          quoted_field(document.key) +
          "\r\nContent-Type: " + std::string(media_type_of(document.key)) + "\r\n\r\n";
  return {.method = Method::post,
          .target = items_path(account_id, upload.namespace_name, upload.instance_id),
          .content_type = "multipart/form-data; boundary=" + boundary,
          .streamed_body = StreamedBody{std::move(head), file_source(document.file, document.size),
                                        "\r\n--" + boundary + "--\r\n"},
          .idempotent = false};
}

HttpRequest delete_item_request(std::string_view account_id, const DeleteItem& remove) {
  return {.method = Method::delete_,
          .target = items_path(account_id, remove.namespace_name, remove.instance_id) + "/" +
                    path_segment(remove.item_id)};
}

Result<LiveItem> parse_item_response(const HttpResponse& response) {
  return read_result(response, read_item);
}

std::string_view media_type_of(std::string_view key) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> k_types = {{
      {".md", "text/markdown"},
      {".markdown", "text/markdown"},
      {".txt", "text/plain"},
      {".html", "text/html"},
      {".htm", "text/html"},
      {".pdf", "application/pdf"},
      {".json", "application/json"},
      {".csv", "text/csv"},
      {".xml", "application/xml"},
      {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
  }};
  for (const auto& [extension, type] : k_types) {
    if (key.size() >= extension.size() &&
        std::equal(extension.rbegin(), extension.rend(), key.rbegin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      return type;
    }
  }
  return "application/octet-stream";
}

}  // namespace cfsync::api
