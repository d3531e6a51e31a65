#include "reconcile/profile_model.hpp"

#include <algorithm>
#include <array>

namespace cfsync {

namespace {
constexpr std::array<std::string_view, 4> k_confidence_names = {"low", "medium", "high",
                                                                "very_high"};
}  // namespace

std::string_view to_string(Confidence confidence) {
  return k_confidence_names.at(static_cast<std::size_t>(confidence));
}

std::optional<Confidence> parse_confidence(std::string_view text) {
  for (std::size_t i = 0; i < k_confidence_names.size(); ++i) {
    if (k_confidence_names[i] == text) return static_cast<Confidence>(i);
  }
  return std::nullopt;
}

std::span<const std::string_view> confidence_names() { return k_confidence_names; }

WordList make_word_list(std::vector<std::string> words) {
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

}  // namespace cfsync
