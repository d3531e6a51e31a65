#include "api/dlp_datasets.hpp"

#include "api/json_read.hpp"
#include "api/json_write.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace cfsync::api {

namespace {

namespace dom = simdjson::dom;
namespace json = boost::json;

constexpr std::string_view k_octet_stream = "application/octet-stream";

std::string dataset_path(std::string_view account_id, std::string_view id) {
  return dlp_path(account_id) + "/datasets/" + path_segment(id);
}

Result<UploadStatus> status_member(dom::object object, std::string_view key,
                                   std::string_view where) {
  CFSYNC_TRY(std::string text, string_member(object, key, where));
  auto status = parse_upload_status(text);
  if (!status) {
    return unexpected(std::string(where) + "." + std::string(key) + " \"" + text +
                      "\" is not a known upload status");
  }
  return *status;
}

Result<LiveDatasetColumn> read_column(dom::object object, std::string_view where) {
  LiveDatasetColumn column;
  CFSYNC_TRY(column.entry_id, string_member(object, "entry_id", where));
  CFSYNC_TRY(column.header_name, string_member(object, "header_name", where));
  CFSYNC_TRY(column.num_cells, int_member(object, "num_cells", where));
  CFSYNC_TRY(column.upload_status, status_member(object, "upload_status", where));
  return column;
}

Result<LiveDataset> read_dataset(dom::object object, std::string_view where) {
  LiveDataset dataset;
  CFSYNC_TRY(dataset.id, string_member(object, "id", where));
  CFSYNC_TRY(dataset.name, string_member(object, "name", where));
  CFSYNC_TRY(dataset.description, optional_string_member(object, "description", where));
  CFSYNC_TRY(dataset.secret, bool_member(object, "secret", where));
  bool case_sensitive = false;
  if (object["case_sensitive"].get_bool().get(case_sensitive) == simdjson::SUCCESS) {
    dataset.case_sensitive = case_sensitive;
  }
  CFSYNC_TRY(std::int64_t encoding, int_member(object, "encoding_version", where));
  dataset.encoding_version = static_cast<int>(encoding);
  CFSYNC_TRY(dataset.num_cells, int_member(object, "num_cells", where));
  CFSYNC_TRY(dataset.status, status_member(object, "status", where));

  const std::string uploads_at = std::string(where) + ".uploads[]";
  CFSYNC_TRY(auto uploads, object_array_member(object, "uploads", where));
  for (dom::object upload : uploads) {
    CFSYNC_TRY(std::int64_t version, int_member(upload, "version", uploads_at));
    CFSYNC_TRY(UploadStatus status, status_member(upload, "status", uploads_at));
    CFSYNC_TRY(std::int64_t cells, int_member(upload, "num_cells", uploads_at));
    dataset.uploads.push_back({version, status, cells});
    if (!dataset.latest_version || version > *dataset.latest_version) {
      dataset.latest_version = version;
      dataset.latest_status = status;
    }
  }
  const std::string columns_at = std::string(where) + ".columns[]";
  CFSYNC_TRY(auto columns, object_array_member(object, "columns", where));
  for (dom::object column : columns) {
    CFSYNC_TRY(LiveDatasetColumn read, read_column(column, columns_at));
    dataset.columns.push_back(std::move(read));
  }
  return dataset;
}

// A result that is an array of objects, each read by `read`; `what` names them in errors.
template <class T, class Read>
Result<std::vector<T>> parse_array(const HttpResponse& response, std::string_view what, Read read) {
  dom::parser parser;
  CFSYNC_TRY(dom::element result, open_envelope(parser, response));
  dom::array items;
  if (result.get_array().get(items) != simdjson::SUCCESS) {
    return unexpected("result is not an array of " + std::string(what));
  }
  std::vector<T> out;
  for (dom::element element : items) {
    CFSYNC_TRY(dom::object object, object_at(element, "result[]"));
    CFSYNC_TRY(T item, read(object, "result[]"));
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

HttpRequest list_datasets_request(std::string_view account_id) {
  return {.method = Method::get, .target = dlp_path(account_id) + "/datasets"};
}

HttpRequest read_dataset_request(std::string_view account_id, std::string_view id) {
  return {.method = Method::get, .target = dataset_path(account_id, id)};
}

HttpRequest create_dataset_request(std::string_view account_id, const DesiredDataset& dataset) {
  json::object body{{"name", dataset.name}, {"secret", false}, {"encoding_version", 1}};
  if (dataset.description) body["description"] = *dataset.description;
  if (dataset.case_sensitive) body["case_sensitive"] = *dataset.case_sensitive;
  return json_request(Method::post, dlp_path(account_id) + "/datasets", body, false);
}

HttpRequest update_dataset_request(std::string_view account_id, const UpdateDataset& update) {
  json::object body;
  if (update.description) body["description"] = *update.description;
  if (update.case_sensitive) body["case_sensitive"] = *update.case_sensitive;
  return json_request(Method::put, dataset_path(account_id, update.id), body, true);
}

HttpRequest delete_dataset_request(std::string_view account_id, const DeleteDataset& remove) {
  return {.method = Method::delete_, .target = dataset_path(account_id, remove.id)};
}

HttpRequest new_version_request(std::string_view account_id, std::string_view id) {
  return {.method = Method::post,
          .target = dataset_path(account_id, id) + "/upload",
          .idempotent = false};
}

HttpRequest upload_version_request(std::string_view account_id, std::string_view id,
                                   std::int64_t version, const DatasetFile& file) {
  return {.method = Method::post,
          .target = dataset_path(account_id, id) + "/upload/" + std::to_string(version),
          .content_type = std::string(k_octet_stream),
          .streamed_body = StreamedBody{"", file_source(file.path, file.size), ""},
          .idempotent = false};
}

HttpRequest define_columns_request(std::string_view account_id, std::string_view id,
                                   std::int64_t version, const DatasetFile& file,
                                   const std::vector<std::string>& entry_ids) {
  json::array body;
  const std::vector<DatasetColumn>& columns = file.columns;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    json::object item{{"header_name", columns[i].name},
                      {"num_cells", static_cast<std::int64_t>(columns[i].cells)}};
    const std::string& entry_id = i < entry_ids.size() ? entry_ids[i] : "";
    if (entry_id.empty()) {
      item["entry_name"] = columns[i].name;
    } else {
      item["entry_id"] = entry_id;
    }
    body.push_back(std::move(item));
  }
  // Sent twice, the second definition replaces the first: nothing is made twice.
  return json_request(Method::post,
                      dataset_path(account_id, id) + "/versions/" + std::to_string(version), body,
                      true);
}

HttpRequest upload_column_request(std::string_view account_id, std::string_view id,
                                  std::int64_t version, std::string_view entry_id,
                                  const DatasetFile& file, std::size_t column) {
  return {
      .method = Method::post,
      .target = dataset_path(account_id, id) + "/versions/" + std::to_string(version) +
                "/entries/" + path_segment(entry_id),
      .content_type = std::string(k_octet_stream),
      .streamed_body =
          StreamedBody{"", csv_column_source(file.path, column, file.columns.at(column).bytes), ""},
      .idempotent = false};
}

Result<std::vector<LiveDataset>> parse_datasets_response(const HttpResponse& response) {
  return parse_array<LiveDataset>(response, "datasets", read_dataset);
}

Result<LiveDataset> parse_dataset_response(const HttpResponse& response) {
  return read_result(response, read_dataset);
}

Result<DatasetCreation> parse_creation_response(const HttpResponse& response) {
  dom::parser parser;
  CFSYNC_TRY(dom::object result, result_object(parser, response));
  DatasetCreation creation;
  CFSYNC_TRY(creation.version, int_member(result, "version", "result"));
  dom::element dataset;
  if (result["dataset"].get(dataset) != simdjson::SUCCESS) {
    return unexpected("result.dataset is missing");
  }
  CFSYNC_TRY(dom::object object, object_at(dataset, "result.dataset"));
  CFSYNC_TRY(creation.dataset, read_dataset(object, "result.dataset"));
  return creation;
}

Result<std::int64_t> parse_new_version_response(const HttpResponse& response) {
  return read_result(response, [](dom::object result, std::string_view where) {
    return int_member(result, "version", where);
  });
}

Result<std::vector<LiveDatasetColumn>> parse_columns_response(const HttpResponse& response) {
  return parse_array<LiveDatasetColumn>(response, "columns", read_column);
}

Result<LiveDatasetColumn> parse_column_response(const HttpResponse& response) {
  return read_result(response, read_column);
}

}  // namespace cfsync::api
