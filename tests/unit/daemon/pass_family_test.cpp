// The pass parts: each belongs to a resource family that exists, and to one only.
#include "daemon/pass_family.hpp"

#include "reconcile/family.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <set>

namespace cfsync::daemon {
namespace {

TEST_CASE("every pass part is for one existing resource family") {
  test::TempDir dir;
  spdlog::logger log("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  std::set<std::string_view> families;
  for (const reconcile::Family* family : reconcile::families()) families.insert(family->name);
  std::set<std::string_view> seen;
  for (const auto& [name, part] : make_pass_families(dir.path(), log)) {
    CHECK_MESSAGE(families.contains(name), name);
    CHECK(seen.insert(name).second);
    CHECK(part != nullptr);
  }
}

}  // namespace
}  // namespace cfsync::daemon
