// The whole content of a small file (a token, a key, a saved plan, a state file), for every
// module: the one place outside the planners' purity where reconcile/ touches the disk.
#pragma once

#include "reconcile/result.hpp"

#include <filesystem>
#include <string>

namespace cfsync {

// ErrorKind::io, `cannot read "FILE": REASON`, when it cannot be opened or read.
[[nodiscard]] Result<std::string> read_file(const std::filesystem::path& file);

}  // namespace cfsync
