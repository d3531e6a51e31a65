// Dataset files read once, in chunks, before anything is sent: checked (UTF-8, CSV shape) and
// summarised (SHA-256, cell counts per column). Memory does not grow with the file.
#pragma once

#include "reconcile/dataset_model.hpp"
#include "reconcile/result.hpp"

#include <filesystem>
#include <string>

namespace cfsync::config {

// A malformed file is ErrorKind::config with a message that names the line ("line 7: 3 cells,
// the header has 2"); one that cannot be read is ErrorKind::io. Messages never quote content.
[[nodiscard]] Result<DatasetFile> scan_dataset(const std::filesystem::path& path,
                                               std::string display, DatasetKind kind);

}  // namespace cfsync::config
