// The registry of resource families: one line per family.
#include "reconcile/family.hpp"

#include <cstdlib>

namespace cfsync::reconcile {

// Each defined beside its planner.
extern const Family k_dlp_settings_family;
extern const Family k_dlp_profiles_family;
extern const Family k_dlp_datasets_family;
extern const Family k_ai_search_family;
extern const Family k_ai_search_stack_family;

std::span<const Family* const> families() {
  static constexpr const Family* k_all[] = {
      &k_dlp_settings_family,    &k_dlp_profiles_family, &k_dlp_datasets_family,
      &k_ai_search_stack_family, &k_ai_search_family,
  };
  return k_all;
}

const Family& family_of(ResourceKind kind) {
  for (const Family* family : families()) {
    for (const KindTraits& traits : family->kinds) {
      if (traits.kind == kind) return *family;
    }
  }
  std::abort();  // every kind has a family: tests/unit/reconcile/family_test.cpp
}

const KindTraits& traits_of(ResourceKind kind) {
  for (const KindTraits& traits : family_of(kind).kinds) {
    if (traits.kind == kind) return traits;
  }
  std::abort();
}

const KindTraits* kind_named(std::string_view name) {
  for (const Family* family : families()) {
    for (const KindTraits& traits : family->kinds) {
      if (traits.name == name) return &traits;
    }
  }
  return nullptr;
}

std::string described(const Change& change, std::string (*quote)(std::string_view text)) {
  const KindTraits& kind = traits_of(change.kind);
  if (kind.singleton()) return change.name;
  std::string out = std::string(kind.noun) + " " + quote(change.name);
  if (!kind.parent_noun.empty())
    out += " of " + std::string(kind.parent_noun) + " " + quote(change.parent);
  return out;
}

}  // namespace cfsync::reconcile
