// Which changes wake the daemon: only those to what the configuration reads. The watcher is
// driven through real inotify on a temporary directory (events are queued by the time a write
// returns, so nothing waits); the rate limit on passes that find nothing is a pure gate.
#include "daemon/watch.hpp"

#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>

namespace cfsync::daemon {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using namespace std::chrono_literals;

constexpr const char* k_account_line = "account_id: 023e105f4ecef8ad9ca31a8372d0c353\n";

// A configuration directory with a key file and a documents tree, loaded.
struct Checkout {
  TempDir dir;
  fs::path repo;
  config::Config config;

  Checkout() : repo(fs::canonical(dir.path()) / "repo") {
    dir.write("repo/keys/payload.pub", "c2VjcmV0LWtleQ==\n");
    dir.write("repo/docs/guide.md", "# guide\n");
    dir.write("repo/docs/drafts/wip.md", "# wip\n");
    dir.write("repo/cfsync.yaml", std::string(k_account_line) + R"(dlp:
  settings:
    payload_logging: {public_key_file: keys/payload.pub}
ai_search:
  instances:
    - id: support-docs
      documents:
        - dir: docs
          include: ["**/*.md"]
          exclude: ["drafts/**"]
)");
    auto loaded = config::load({.path = repo});
    REQUIRE_MESSAGE(loaded.has_value(), (loaded ? "" : loaded.error().describe()));
    config = std::move(*loaded);
  }
  [[nodiscard]] WatchSet set() const { return WatchSet::of(repo, &config, repo / ".cfsync-state"); }
};

TEST_CASE("what matters: the files read, new YAML beside them, documents the filters keep") {
  const Checkout checkout;
  const WatchSet set = checkout.set();
  const fs::path& repo = checkout.repo;
  CHECK(matters(set, repo / "cfsync.yaml", false));
  CHECK(matters(set, repo / "keys" / "payload.pub", false));
  CHECK(matters(set, repo / "docs" / "guide.md", false));
  CHECK(matters(set, repo / "more.yaml", false));  // merged when it appears
  CHECK(matters(set, repo / "more.yml", false));
  CHECK(matters(set, repo / "docs" / "new" / "page.md", false));
  CHECK(matters(set, repo, true));           // -c replaced (git-sync's flip)
  CHECK(matters(set, repo / "docs", true));  // the tree itself
  CHECK(matters(set, repo / "keys", true));  // a directory of a file read
  // Not read by this configuration:
  CHECK_FALSE(matters(set, repo / "cfsync.log", false));
  CHECK_FALSE(matters(set, repo / "notes.txt", false));
  CHECK_FALSE(matters(set, repo / ".cfsync.yaml.swp", false));
  CHECK_FALSE(matters(set, repo / "cfsync.yaml~", false));
  CHECK_FALSE(matters(set, repo / "keys" / "other.pub", false));
  CHECK_FALSE(matters(set, repo / "docs" / "image.png", false));
  CHECK_FALSE(matters(set, repo / "docs" / "drafts" / "next.md", false));
  CHECK_FALSE(matters(set, repo / "docs" / ".hidden" / "x.md", false));
  CHECK_FALSE(matters(set, repo / "docs" / "empty", true));
  CHECK_FALSE(matters(set, repo / "sub", true));
  CHECK_FALSE(matters(set, repo / "sub" / "more.yaml", false));  // not read: not at the top
  CHECK_FALSE(matters(set, repo / ".cfsync-state" / "digests.json", false));
  CHECK_FALSE(matters(set, repo / ".cfsync-state", true));
}

TEST_CASE("before any configuration loaded, the -c file or directory alone") {
  TempDir dir;
  const fs::path repo = fs::canonical(dir.path());
  const WatchSet file = WatchSet::of(repo / "cfsync.yaml", nullptr, {});
  CHECK(matters(file, repo / "cfsync.yaml", false));
  CHECK_FALSE(matters(file, repo / "other.yaml", false));
  const WatchSet directory = WatchSet::of(repo, nullptr, {});
  CHECK(matters(directory, repo / "other.yaml", false));
  CHECK_FALSE(matters(directory, repo / "cfsync.log", false));
}

TEST_CASE("the watcher: a log or a note beside the configuration is quiet, an edit is not") {
  Checkout checkout;
  auto watcher = ConfigWatcher::open();
  REQUIRE(watcher);
  watcher->watch(checkout.set());
  CHECK_FALSE(watcher->drain());

  std::ofstream(checkout.repo / "cfsync.log", std::ios::app) << "info: reconcile\n";
  checkout.dir.write("repo/notes.txt", "remember\n");
  checkout.dir.write("repo/.cfsync-state/digests.json", "{}\n");
  checkout.dir.write("repo/docs/drafts/other.md", "# excluded\n");
  checkout.dir.write("repo/docs/logo.png", "png");
  CHECK_FALSE(watcher->drain());

  checkout.dir.write("repo/cfsync.yaml", std::string(k_account_line));
  CHECK(watcher->drain() == checkout.repo / "cfsync.yaml");
  checkout.dir.write("repo/extra.yaml", "prune: {profiles: false}\n");
  CHECK(watcher->drain() == checkout.repo / "extra.yaml");
  checkout.dir.write("repo/keys/payload.pub", "a2V5\n");
  CHECK(watcher->drain() == checkout.repo / "keys" / "payload.pub");
}

TEST_CASE("the watcher: a new directory in a document tree is looked into and watched") {
  Checkout checkout;
  auto watcher = ConfigWatcher::open();
  REQUIRE(watcher);
  watcher->watch(checkout.set());
  // Created empty: nothing yet, but it is watched from now on.
  fs::create_directories(checkout.repo / "docs" / "new" / "deeper");
  CHECK_FALSE(watcher->drain());
  checkout.dir.write("repo/docs/new/deeper/notes.txt", "not a document\n");
  CHECK_FALSE(watcher->drain());
  checkout.dir.write("repo/docs/new/deeper/page.md", "# page\n");
  CHECK(watcher->drain() == checkout.repo / "docs" / "new" / "deeper" / "page.md");

  // Moved in with a document already inside: seen through the walk.
  checkout.dir.write("outside/section/intro.md", "# intro\n");
  fs::rename(checkout.dir.path() / "outside" / "section", checkout.repo / "docs" / "section");
  CHECK(watcher->drain().has_value());

  // After the pass that reads it (the daemon then watches what that configuration reads), the
  // directory, holding a document that was read, moved away.
  auto reloaded = config::load({.path = checkout.repo});
  REQUIRE(reloaded.has_value());
  checkout.config = std::move(*reloaded);
  watcher->watch(checkout.set());
  fs::rename(checkout.repo / "docs" / "section", checkout.dir.path() / "gone");
  CHECK(watcher->drain().has_value());
}

TEST_CASE("the watcher: watching again keeps what both sets need, and a directory made again") {
  Checkout checkout;
  auto watcher = ConfigWatcher::open();
  REQUIRE(watcher);
  watcher->watch(checkout.set());
  // Watching the same set again leaves no moment unwatched: a change right after is seen.
  watcher->watch(checkout.set());
  checkout.dir.write("repo/keys/payload.pub", "a2V5\n");
  CHECK(watcher->drain() == checkout.repo / "keys" / "payload.pub");

  // The keys directory removed and made again (a checkout rewritten): watched again.
  fs::remove_all(checkout.repo / "keys");
  CHECK(watcher->drain().has_value());
  checkout.dir.write("repo/keys/payload.pub", "c2VjcmV0LWtleQ==\n");
  (void)watcher->drain();
  watcher->watch(checkout.set());
  checkout.dir.write("repo/keys/payload.pub", "a2V5\n");
  CHECK(watcher->drain() == checkout.repo / "keys" / "payload.pub");
}

TEST_CASE("passes for changes that find nothing are limited after three in a row") {
  using Clock = ChangeGate::Clock;
  ChangeGate gate(3, 1min);
  const Clock::time_point t0 = Clock::time_point() + 1h;
  CHECK(gate.when(t0) == t0);
  gate.finished(t0, 0, true);
  gate.finished(t0 + 5s, 0, true);
  CHECK(gate.when(t0 + 10s) == t0 + 10s);  // two in a row: still at once
  gate.finished(t0 + 10s, 0, true);
  CHECK(gate.empty_in_a_row() == 3);
  CHECK(gate.when(t0 + 12s) == t0 + 70s);  // a minute after the last one started
  CHECK(gate.when(t0 + 80s) == t0 + 80s);
  gate.finished(t0 + 80s, 0, false);  // a failure counts neither way
  CHECK(gate.empty_in_a_row() == 3);
  gate.finished(t0 + 140s, 2, true);  // a change that did something: free again
  CHECK(gate.empty_in_a_row() == 0);
  CHECK(gate.when(t0 + 141s) == t0 + 141s);
}

}  // namespace
}  // namespace cfsync::daemon
