// End to end: what cfsync guarantees when a second writer, the disk or a signal gets in the way
// (README, "Reliability"). Locks are taken in a directory of the test's own (CFSYNC_LOCK_DIR).
#include "tests/support/emulator_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

namespace cfsync::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* k_other_account = "0123456789abcdef0123456789abcdef";

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

// `profiles` custom profiles P1..Pn with one entry each, and `datasets` word lists W1..Wn.
std::string config_yaml(int profiles, int datasets, const char* account = k_account) {
  std::string yaml = std::string("account_id: ") + account + "\ndlp:\n";
  if (profiles > 0) yaml += "  profiles:\n";
  for (int n = 1; n <= profiles; ++n) {
    const std::string i = std::to_string(n);
    yaml += "    - name: P" + i + "\n      entries:\n        - name: E" + i +
            "\n          regex: 'ID-" + i + "-[0-9]{4}'\n";
  }
  if (datasets > 0) yaml += "  datasets:\n";
  for (int n = 1; n <= datasets; ++n) {
    const std::string i = std::to_string(n);
    yaml += "    - name: W" + i + "\n      kind: word_list\n      file: data/w" + i + ".txt\n";
  }
  return yaml;
}

std::size_t count_of(const std::vector<LoggedRequest>& requests, const std::string& method,
                     const std::string& path_part) {
  return static_cast<std::size_t>(
      std::count_if(requests.begin(), requests.end(), [&](const LoggedRequest& request) {
        return request.method == method && request.path.find(path_part) != std::string::npos;
      }));
}

// The live custom profiles' names, one per profile (duplicates show twice).
std::vector<std::string> live_profile_names(int port) {
  const HttpReply reply =
      http_request(port, "GET", std::string("/accounts/") + k_account + "/dlp/profiles",
                   {{"Authorization", std::string("Bearer ") + k_token}});
  REQUIRE(reply.status == 200);
  std::vector<std::string> names;
  for (std::size_t at = reply.body.find("\"name\":\"P"); at != std::string::npos;
       at = reply.body.find("\"name\":\"P", at + 1)) {
    const std::size_t start = at + 8;
    names.push_back(reply.body.substr(start, reply.body.find('"', start) - start));
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A configuration repository, its state directories and a lock directory, against one emulator.
class Workspace {
 public:
  explicit Workspace(std::vector<std::string> switches = {}) : m_emulator(std::move(switches)) {}

  void config(const std::string& yaml) const { m_dir.write("repo/cfsync.yaml", yaml); }
  void file(const std::string& name, const std::string& text) const {
    m_dir.write("repo/data/" + name, text);
  }
  [[nodiscard]] fs::path state(const std::string& name = "state") const {
    return m_dir.path() / name;
  }
  [[nodiscard]] fs::path lock_dir() const { return m_dir.path() / "locks"; }
  EmulatorProcess& emulator() { return m_emulator; }

  [[nodiscard]] std::vector<std::string> argv(std::vector<std::string> args,
                                              const std::string& state_name = "state") const {
    std::vector<std::string> out = {binary("cfsync")};
    out.insert(out.end(), args.begin(), args.end());
    out.insert(out.end(), {"-c", (m_dir.path() / "repo").string(), "--api-url", m_emulator.url(),
                           "--state-dir", state(state_name).string()});
    return out;
  }
  [[nodiscard]] Environment env() const {
    return {{"CLOUDFLARE_API_TOKEN", k_token}, {"CFSYNC_LOCK_DIR", lock_dir().string()}};
  }
  ProcessResult cfsync(std::vector<std::string> args,
                       const std::string& state_name = "state") const {
    return run(argv(std::move(args), state_name), env());
  }
  // The same, with a file size limit of 0: every write to a regular file fails (EFBIG), as on a
  // full disk, for cfsync and nothing else.
  ProcessResult cfsync_on_full_disk(std::vector<std::string> args) const {
    std::vector<std::string> shell = {"/bin/sh", "-c", "ulimit -f 0; trap '' XFSZ; exec \"$@\"",
                                      "sh"};
    const std::vector<std::string> command = argv(std::move(args));
    shell.insert(shell.end(), command.begin(), command.end());
    return run(shell, env());
  }

 private:
  TempDir m_dir;
  EmulatorProcess m_emulator;
};

// Holds the account's lock, as another cfsync would.
class HeldLock {
 public:
  explicit HeldLock(const fs::path& dir) {
    fs::create_directories(dir);
    m_fd = ::open((dir / (std::string(k_account) + ".lock")).c_str(), O_RDWR | O_CREAT | O_CLOEXEC,
                  0644);
    REQUIRE(m_fd >= 0);
    REQUIRE(::flock(m_fd, LOCK_EX) == 0);
    const std::string pid = std::to_string(::getpid()) + "\n";
    REQUIRE(::pwrite(m_fd, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size()));
  }
  ~HeldLock() { release(); }
  HeldLock(const HeldLock&) = delete;
  HeldLock& operator=(const HeldLock&) = delete;
  void release() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
  }

 private:
  int m_fd = -1;
};

std::vector<std::string> leftover_temporaries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() == ".tmp") out.push_back(entry.path().string());
  }
  return out;
}

TEST_CASE("two writers with different state directories: the account's lock lets one write") {
  Workspace workspace({"--latency-ms", "30"});
  workspace.config(config_yaml(8, 0));

  // Another cfsync holds the account: an apply with a state directory of its own still waits,
  // then gives up naming the holder, before any request.
  {
    HeldLock held(workspace.lock_dir());
    const ProcessResult refused = workspace.cfsync({"apply"}, "state-b");
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("another cfsync (pid " + std::to_string(::getpid()) +
                           ") is writing to account " + k_account) != std::string::npos);
    CHECK(workspace.emulator().requests().empty());
  }

  // Two applies at once, each with its own state directory: the second waits for the first,
  // then finds nothing to do. Every profile exists once.
  BackgroundProcess first(workspace.argv({"apply"}, "state-a"), workspace.env(), true);
  REQUIRE(eventually([&] { return !writes(workspace.emulator().requests()).empty(); }));
  const ProcessResult second = workspace.cfsync({"apply", "--lock-timeout", "60s"}, "state-b");
  CHECK_MESSAGE(second.exit_code == 0, second.err);
  CHECK(second.out.find("No changes.") != std::string::npos);
  const ProcessResult first_done = first.finish(60s);
  CHECK_MESSAGE(first_done.exit_code == 0, first_done.out);
  CHECK(count_of(workspace.emulator().requests(), "POST", "/dlp/profiles/custom") == 8);
  CHECK(live_profile_names(workspace.emulator().port()) ==
        std::vector<std::string>{"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"});
}

TEST_CASE("a state directory of another account is refused before any request") {
  Workspace workspace;
  workspace.config(config_yaml(1, 0));
  REQUIRE(workspace.cfsync({"apply"}).exit_code == 0);
  CHECK(fs::exists(workspace.state() / "account"));
  CHECK(fs::exists(workspace.state() / ".gitignore"));
  // Never committed with the configuration: git sees nothing of the whole directory.
  const fs::path repository = workspace.state().parent_path();
  REQUIRE(run({"git", "init", "--quiet", repository.string()}).exit_code == 0);
  const ProcessResult status =
      run({"git", "-C", repository.string(), "status", "--porcelain", "--untracked-files=all"});
  CHECK(status.out.find(workspace.state().filename().string()) == std::string::npos);

  workspace.config(config_yaml(1, 0, k_other_account));
  workspace.emulator().reset_log();
  for (const char* command : {"plan", "apply"}) {
    CAPTURE(command);
    const ProcessResult refused = workspace.cfsync({command});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("the state directory " + workspace.state().string() +
                           " belongs to account " + k_account + " (") != std::string::npos);
    CHECK(refused.err.find("not " + std::string(k_other_account)) != std::string::npos);
  }
  CHECK(workspace.emulator().requests().empty());
}

TEST_CASE("a full state directory: apply refuses to upload what it could not record") {
  Workspace workspace;
  workspace.config(config_yaml(0, 2));
  workspace.file("w1.txt", "alpha\nbeta\n");
  workspace.file("w2.txt", "gamma\n");
  REQUIRE(workspace.cfsync({"apply"}).exit_code == 0);

  // A changed file would go up as a new version; its record could not be written, so every
  // later run would upload it again. Refused before the upload, with the reason at the default
  // log level, and no temporary file left.
  workspace.file("w1.txt", "alpha\nbeta\ndelta\n");
  workspace.emulator().reset_log();
  const ProcessResult refused = workspace.cfsync_on_full_disk({"apply"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("refusing to apply: the state directory cannot be written") !=
        std::string::npos);
  CHECK(refused.err.find("the dataset upload records") != std::string::npos);
  CHECK(writes(workspace.emulator().requests()).empty());
  CHECK(leftover_temporaries(workspace.state()).empty());

  // With room again: one upload, then nothing.
  workspace.emulator().reset_log();
  const ProcessResult applied = workspace.cfsync({"apply"});
  CHECK_MESSAGE(applied.exit_code == 0, applied.err);
  CHECK(count_of(writes(workspace.emulator().requests()), "POST", "/upload/") == 1);
  CHECK(workspace.cfsync({"plan", "--detailed-exitcode"}).exit_code == 0);
}

TEST_CASE("run: a failed pass is not ready, is logged at error, and a failed state write counts") {
  Workspace workspace;
  workspace.config(config_yaml(0, 1));
  workspace.file("w1.txt", "alpha\n");
  REQUIRE(workspace.cfsync({"plan"}).exit_code == 0);  // the state directory exists, claimed
  const int port = free_port();
  std::vector<std::string> shell = {"/bin/sh", "-c", "ulimit -f 0; trap '' XFSZ; exec \"$@\"",
                                    "sh"};
  const std::vector<std::string> daemon =
      workspace.argv({"run", "--interval", "1h", "--listen", "127.0.0.1:" + std::to_string(port)});
  shell.insert(shell.end(), daemon.begin(), daemon.end());
  BackgroundProcess running(shell, workspace.env(), true);
  REQUIRE(eventually([&] { return accepts_connections(port); }));
  // The default log level (warn) shows why.
  std::string line;
  while (line.find("refusing to apply") == std::string::npos) line = running.read_line(20s);
  CHECK(line.starts_with("error: "));
  // The pass is recorded a moment after its error is logged.
  REQUIRE(eventually([&] {
    const HttpReply ready = http_request(port, "GET", "/readyz");
    return ready.status == 503 && ready.body.find("the last reconcile failed") != std::string::npos;
  }));
  CHECK(http_request(port, "GET", "/metrics").body.find("cfsync_state_write_errors_total 1") !=
        std::string::npos);
  CHECK(writes(workspace.emulator().requests()).empty());
  CHECK(running.stop() == 0);
}

TEST_CASE("run: a pass that cannot take the lock says so at error, and /readyz is 503") {
  Workspace workspace;
  workspace.config(config_yaml(1, 0));
  HeldLock held(workspace.lock_dir());
  const int port = free_port();
  // The first retry after 200 ms instead of 5 s (a hidden option): the test waits for it.
  BackgroundProcess running(workspace.argv({"run", "--interval", "1h", "--first-retry", "200ms",
                                            "--listen", "127.0.0.1:" + std::to_string(port)}),
                            workspace.env(), true);
  std::string line;
  while (line.find("is writing to account") == std::string::npos) line = running.read_line(20s);
  CHECK(line.starts_with("error: "));
  // The pass is recorded a moment after its error is logged.
  REQUIRE(eventually([&] {
    const HttpReply ready = http_request(port, "GET", "/readyz");
    return ready.status == 503 && ready.body.find("the last reconcile failed") != std::string::npos;
  }));
  // Let go: the retry applies, and the daemon is ready.
  held.release();
  CHECK(eventually([&] { return http_request(port, "GET", "/readyz").status == 200; }, 60s));
  CHECK(live_profile_names(workspace.emulator().port()) == std::vector<std::string>{"P1"});
  CHECK(running.stop() == 0);
}

TEST_CASE("apply: SIGTERM starts no new change, lists those not started, exits 1") {
  Workspace workspace({"--latency-ms", "100"});
  workspace.config(config_yaml(8, 4));
  for (int n = 1; n <= 4; ++n) workspace.file("w" + std::to_string(n) + ".txt", "word\n");
  // One change at a time, each taking a few round trips: most are still to come at the signal.
  BackgroundProcess apply(workspace.argv({"apply", "--max-in-flight", "1"}), workspace.env(), true);
  REQUIRE(eventually([&] { return !writes(workspace.emulator().requests()).empty(); }));
  apply.signal(SIGTERM);
  const ProcessResult stopped = apply.finish(60s);
  INFO(stopped.out);
  CHECK(stopped.exit_code == 1);
  CHECK(stopped.out.find("SIGTERM: stopping; no new change starts") != std::string::npos);
  CHECK(stopped.out.find("not attempted: cfsync is stopping") != std::string::npos);

  // The next apply makes the rest: every dataset was created and uploaded to exactly once.
  const ProcessResult rest = workspace.cfsync({"apply"});
  CHECK_MESSAGE(rest.exit_code == 0, rest.err);
  const std::vector<LoggedRequest> made = writes(workspace.emulator().requests());
  CHECK(count_of(made, "POST", "/dlp/datasets") - count_of(made, "POST", "/upload/") == 4);
  CHECK(count_of(made, "POST", "/upload/") == 4);
  CHECK(count_of(made, "POST", "/dlp/profiles/custom") == 8);
  CHECK(workspace.cfsync({"plan", "--detailed-exitcode"}).exit_code == 0);
}

TEST_CASE("apply: a second signal exits at once") {
  Workspace workspace({"--latency-ms", "300"});
  workspace.config(config_yaml(8, 0));
  BackgroundProcess apply(
      workspace.argv({"apply", "--max-in-flight", "1", "--shutdown-timeout", "1h"}),
      workspace.env(), true);
  REQUIRE(eventually([&] { return !writes(workspace.emulator().requests()).empty(); }));
  apply.signal(SIGINT);
  std::string line;
  while (line.find("SIGINT: stopping") == std::string::npos) line = apply.read_line(20s);
  apply.signal(SIGINT);
  const ProcessResult stopped = apply.finish(60s);
  INFO(stopped.out);
  CHECK(stopped.exit_code == 128 + SIGINT);
  CHECK(stopped.out.find("SIGINT again: exiting now") != std::string::npos);
}

}  // namespace
}  // namespace cfsync::test
