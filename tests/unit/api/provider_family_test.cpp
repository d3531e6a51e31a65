// CloudflareProvider's parts: one per resource family, none for a family that does not exist.
#include "api/provider_family.hpp"

#include "reconcile/family.hpp"

#include <doctest/doctest.h>

#include <algorithm>

namespace cfsync::api {
namespace {

TEST_CASE("every resource family has exactly one provider part") {
  for (const reconcile::Family* family : reconcile::families()) {
    const auto parts = family_providers();
    CHECK_MESSAGE(std::count_if(parts.begin(), parts.end(),
                                [&](const FamilyProviderEntry& entry) {
                                  return entry.family == family->name;
                                }) == 1,
                  family->name);
  }
  CHECK(family_providers().size() == reconcile::families().size());
}

}  // namespace
}  // namespace cfsync::api
