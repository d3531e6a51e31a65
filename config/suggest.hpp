// "did you mean" for misspelt keys and enum values.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace cfsync::config {

// The closest candidate within a small edit distance (adjacent swaps count as one edit), or
// nothing when no candidate is plausibly what was meant.
[[nodiscard]] std::optional<std::string_view> closest_match(
    std::string_view word, std::span<const std::string_view> candidates);

}  // namespace cfsync::config
