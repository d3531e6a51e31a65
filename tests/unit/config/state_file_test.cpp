// Files cfsync writes whole or not at all: saved plans, records, last-apply.json.
#include "config/state_file.hpp"

#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

namespace cfsync::config {
namespace {

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_CASE("a file is written with the directories it needs, or in the working directory") {
  const test::TempDir dir;
  const auto nested = write_atomically(dir.path() / "a" / "b" / "plan.json", "{}", "the plan");
  REQUIRE_MESSAGE(nested, (nested ? "" : nested.error().describe()));
  CHECK(read(dir.path() / "a" / "b" / "plan.json") == "{}");

  // `plan --out plan.json`: a bare name, no directory to make.
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  const auto bare = write_atomically("plan.json", "[]", "the plan");
  std::filesystem::current_path(before);
  REQUIRE_MESSAGE(bare, (bare ? "" : bare.error().describe()));
  CHECK(read(dir.path() / "plan.json") == "[]");
  CHECK_FALSE(std::filesystem::exists(dir.path() / "plan.json.tmp"));
}

}  // namespace
}  // namespace cfsync::config
