// Files cfsync keeps in its state directory, written so that a crash leaves either the old
// content or the new, never half of it.
#pragma once

#include "reconcile/result.hpp"

#include <filesystem>
#include <string_view>

namespace cfsync::config {

// Writes `text` to `file` through a temporary file beside it, flushed to disk and renamed over
// the old one; creates the directory. `what` names the file in errors ("the digest cache").
[[nodiscard]] Result<void> write_atomically(const std::filesystem::path& file,
                                            std::string_view text, std::string_view what);

}  // namespace cfsync::config
