// A DesiredState as indented JSON, every field, for golden files: what an example declares is
// pinned, whatever parser reads it. Secrets (regexes, word lists, the payload key) appear as
// sha256 digests; paths relative to the configuration root.
#pragma once

#include "reconcile/model.hpp"

#include <filesystem>
#include <string>

namespace cfsync::config::testing {

[[nodiscard]] std::string dump_desired(const DesiredState& desired,
                                       const std::filesystem::path& root);

}  // namespace cfsync::config::testing
