// Every example loads to exactly the desired state pinned in tests/unit/config/golden/: a change
// of parser, or of a reader, cannot quietly change what a user's file means.
// CFSYNC_WRITE_GOLDEN=1 writes the goldens instead (then review the diff).
#include "config/load.hpp"

#include "tests/support/printers.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/config/desired_dump.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cfsync::config {
namespace {

namespace fs = std::filesystem;

// Loads every configuration directory below `parent` and compares it with its golden file.
std::size_t check_all(const fs::path& parent, const fs::path& goldens) {
  const bool write = std::getenv("CFSYNC_WRITE_GOLDEN") != nullptr;
  std::size_t checked = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(parent)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    CAPTURE(name);
    const auto config = load({.path = entry.path()});
    REQUIRE_MESSAGE(config.has_value(), (config ? "" : config.error().describe()));
    const std::string dump = testing::dump_desired(config->desired, fs::canonical(entry.path()));
    const fs::path golden = goldens / (name + ".json");
    if (write) std::ofstream(golden, std::ios::binary) << dump;
    std::ifstream in(golden, std::ios::binary);
    REQUIRE_MESSAGE(in, "no golden file " << golden.string());
    std::ostringstream expected;
    expected << in.rdbuf();
    CHECK(dump == expected.str());
    ++checked;
  }
  return checked;
}

TEST_CASE("every example loads to the desired state its golden file pins") {
  const fs::path goldens = fs::path(test::source_dir()) / "tests/unit/config/golden";
  // basic, profiles, datasets, ai-search: a new example needs a golden file too.
  CHECK(check_all(fs::path(test::source_dir()) / "examples", goldens) == 4);
}

TEST_CASE("flow and block styles, quoting, escapes, anchors and merged files load as pinned") {
  const fs::path goldens = fs::path(test::source_dir()) / "tests/unit/config/golden";
  CHECK(check_all(goldens / "inputs", goldens) == 1);
}

}  // namespace
}  // namespace cfsync::config
