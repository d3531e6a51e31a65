#include "reconcile/ai_search_model.hpp"

#include <algorithm>
#include <array>

namespace cfsync {

namespace {
constexpr std::array<std::string_view, 6> k_status_names = {"queued", "running", "completed",
                                                            "error",  "skipped", "outdated"};
}  // namespace

bool is_namespace_name(std::string_view name) {
  if (name.empty() || name.size() > 28) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool is_instance_id(std::string_view id) {
  if (id.empty() || id.size() > 64 || id.front() == '-' || id.back() == '-') return false;
  if (id.find("--") != std::string_view::npos) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool is_builtin_metadata(std::string_view key) {
  return key == "filename" || key == "folder" || key == "timestamp";
}

std::string_view to_string(ItemStatus status) {
  return k_status_names.at(static_cast<std::size_t>(status));
}

std::optional<ItemStatus> parse_item_status(std::string_view text) {
  for (std::size_t i = 0; i < k_status_names.size(); ++i) {
    if (k_status_names[i] == text) return static_cast<ItemStatus>(i);
  }
  return std::nullopt;
}

bool is_final(ItemStatus status) {
  return status == ItemStatus::completed || status == ItemStatus::error ||
         status == ItemStatus::skipped;
}

std::optional<std::string> digest_algorithm_for(std::string_view checksum) {
  const bool hex = std::all_of(checksum.begin(), checksum.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  if (!hex) return std::nullopt;
  switch (checksum.size()) {
    case 32:
      return "md5";
    case 40:
      return "sha1";
    case 64:
      return "sha256";
    default:
      return std::nullopt;
  }
}

}  // namespace cfsync
