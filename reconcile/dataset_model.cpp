#include "reconcile/dataset_model.hpp"

#include <array>

namespace cfsync {

namespace {
constexpr std::array<std::string_view, 6> k_upload_status_names = {
    "empty", "uploading", "pending", "processing", "failed", "complete"};
}  // namespace

std::string_view to_string(DatasetKind kind) {
  return kind == DatasetKind::word_list ? "word_list" : "edm";
}

std::string_view to_string(UploadStatus status) {
  return k_upload_status_names.at(static_cast<std::size_t>(status));
}

std::optional<UploadStatus> parse_upload_status(std::string_view text) {
  for (std::size_t i = 0; i < k_upload_status_names.size(); ++i) {
    if (k_upload_status_names[i] == text) return static_cast<UploadStatus>(i);
  }
  return std::nullopt;
}

bool is_final(UploadStatus status) {
  return status == UploadStatus::complete || status == UploadStatus::failed;
}

}  // namespace cfsync
