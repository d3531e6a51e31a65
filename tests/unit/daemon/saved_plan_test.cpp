// The digest that pins a saved plan and the drift record to a configuration.
#include "daemon/saved_plan.hpp"

#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

namespace cfsync::daemon {
namespace {

TEST_CASE("the configuration's digest follows its files' content and fails when one is gone") {
  test::TempDir dir;
  config::Config config;
  config.root = dir.path();
  config.files = {dir.write("cfsync.yaml", "account_id: x\n"), dir.path() / "documents"};
  std::filesystem::create_directory(dir.path() / "documents");
  const auto first = desired_digest(config);
  REQUIRE(first);
  CHECK(first->size() == 64);
  dir.write("cfsync.yaml", "account_id: y\n");
  const auto second = desired_digest(config);
  REQUIRE(second);
  CHECK(*second != *first);
  std::filesystem::remove(dir.path() / "cfsync.yaml");
  const auto gone = desired_digest(config);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().message().find("cfsync.yaml") != std::string::npos);
}

}  // namespace
}  // namespace cfsync::daemon
