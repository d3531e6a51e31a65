#include "reconcile/model.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace cfsync {

namespace {
constexpr std::array<std::string_view, 4> k_masking_level_names = {"full", "partial", "clear",
                                                                   "default"};
}  // namespace

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string_view to_string(MaskingLevel level) {
  return k_masking_level_names.at(static_cast<std::size_t>(level));
}

std::optional<MaskingLevel> parse_masking_level(std::string_view text) {
  for (std::size_t i = 0; i < k_masking_level_names.size(); ++i) {
    if (k_masking_level_names[i] == text) return static_cast<MaskingLevel>(i);
  }
  return std::nullopt;
}

std::span<const std::string_view> masking_level_names() { return k_masking_level_names; }

}  // namespace cfsync
