// DLP datasets (API.md §5): the requests cfsync sends and the responses it reads, as plain values.
#pragma once

#include "api/http.hpp"
#include "reconcile/dataset_model.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync::api {

// GET /dlp/datasets: every dataset, not paginated. GET /dlp/datasets/{id}: one, with the status
// of its latest upload.
[[nodiscard]] HttpRequest list_datasets_request(std::string_view account_id);
[[nodiscard]] HttpRequest read_dataset_request(std::string_view account_id, std::string_view id);

// POST /dlp/datasets: a plaintext word list (secret: false, encoding_version 1).
[[nodiscard]] HttpRequest create_dataset_request(std::string_view account_id,
                                                 const DesiredDataset& dataset);
// PUT /dlp/datasets/{id}: the fields `update` sets. The planner always sets case_sensitive for a
// custom word list, which the spec says the PUT requires.
[[nodiscard]] HttpRequest update_dataset_request(std::string_view account_id,
                                                 const UpdateDataset& update);
[[nodiscard]] HttpRequest delete_dataset_request(std::string_view account_id,
                                                 const DeleteDataset& remove);

// POST …/upload: a new version to upload into.
[[nodiscard]] HttpRequest new_version_request(std::string_view account_id, std::string_view id);
// POST …/upload/{version}: a word list's file, as it is (application/octet-stream, streamed).
[[nodiscard]] HttpRequest upload_version_request(std::string_view account_id, std::string_view id,
                                                 std::int64_t version, const DatasetFile& file);
// POST …/versions/{version}: the columns of an EDM version, one per column of the file:
// entry_id when `entry_ids` names the live column (empty: a new column), else entry_name;
// header_name and num_cells always.
[[nodiscard]] HttpRequest define_columns_request(std::string_view account_id, std::string_view id,
                                                 std::int64_t version, const DatasetFile& file,
                                                 const std::vector<std::string>& entry_ids);
// POST …/versions/{version}/entries/{entry_id}: column `column` of the file, one cell per line.
[[nodiscard]] HttpRequest upload_column_request(std::string_view account_id, std::string_view id,
                                                std::int64_t version, std::string_view entry_id,
                                                const DatasetFile& file, std::size_t column);

[[nodiscard]] Result<std::vector<LiveDataset>> parse_datasets_response(
    const HttpResponse& response);
// The dataset in a read, update or upload response.
[[nodiscard]] Result<LiveDataset> parse_dataset_response(const HttpResponse& response);

struct DatasetCreation {
  LiveDataset dataset;
  std::int64_t version = 0;  // to upload into
};
[[nodiscard]] Result<DatasetCreation> parse_creation_response(const HttpResponse& response);
// The version in a POST …/upload response.
[[nodiscard]] Result<std::int64_t> parse_new_version_response(const HttpResponse& response);
// The columns of a POST …/versions/{version} response, in the order they were sent.
[[nodiscard]] Result<std::vector<LiveDatasetColumn>> parse_columns_response(
    const HttpResponse& response);
[[nodiscard]] Result<LiveDatasetColumn> parse_column_response(const HttpResponse& response);

}  // namespace cfsync::api
