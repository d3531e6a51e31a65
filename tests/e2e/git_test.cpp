// End to end: `cfsync run --git-url` beyond file:// (daemon_test has the pushes, broken commits
// and force-pushes): signed commits checked against an allowed-signers file and an OpenPGP
// keyring, smart HTTP through `git http-backend` with a token, and ssh:// to an sshd on
// loopback whose host key is checked against a known_hosts file.
#include "tests/e2e/daemon_support.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/process.hpp"
#include "tests/support/receiver.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>

namespace cfsync::test {
namespace {

using namespace std::chrono_literals;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// `cfsync run --git-url URL --git-path cfsync`, polling every second, its log in `log`.
class GitDaemon {
 public:
  GitDaemon(const EmulatorProcess& api, const TempDir& dir, const std::string& url,
            const std::vector<std::string>& extra)
      : m_port(free_port()), m_log(dir.path() / "cfsync.log") {
    std::vector<std::string> argv = {"/bin/sh",
                                     "-c",
                                     "log=$1; shift; exec \"$@\" 2>>\"$log\"",
                                     "sh",
                                     m_log.string(),
                                     binary("cfsync"),
                                     "run",
                                     "--git-url",
                                     url,
                                     "--git-path",
                                     "cfsync",
                                     "--git-interval",
                                     "1s",
                                     "--state-dir",
                                     (dir.path() / "state").string(),
                                     "--api-url",
                                     api.url(),
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(m_port),
                                     "--interval",
                                     "10m",
                                     "--debounce",
                                     "100ms",
                                     "--log-level",
                                     "debug"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    m_process =
        std::make_unique<BackgroundProcess>(argv, Environment{{"CLOUDFLARE_API_TOKEN", k_token}});
    REQUIRE(eventually([&] { return accepts_connections(m_port); }));
  }
  [[nodiscard]] std::string readyz() const { return http_request(m_port, "GET", "/readyz").body; }
  [[nodiscard]] bool enforcing(const std::string& commit) const {
    return readyz().find("revision: main@sha1:" + commit) != std::string::npos;
  }
  // A sample of /metrics, e.g. cfsync_source_fetch_total{result="refused"}; -1 when absent.
  [[nodiscard]] double metric(const std::string& name) const {
    std::istringstream lines(http_request(m_port, "GET", "/metrics").body);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with(name + " ")) return std::stod(line.substr(name.size() + 1));
    }
    return -1;
  }
  [[nodiscard]] std::string log() const { return read_file(m_log); }
  int stop() { return m_process->stop(); }

 private:
  int m_port;
  std::filesystem::path m_log;
  std::unique_ptr<BackgroundProcess> m_process;
};

const std::string k_refused = "cfsync_source_fetch_total{result=\"refused\"}";

// An ed25519 key without a passphrase: `path` and `path`.pub.
std::string ssh_key(const std::filesystem::path& path) {
  tool({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", path.string()});
  return read_file(path.string() + ".pub");
}

std::vector<std::string> ssh_signed(const std::filesystem::path& key) {
  return {"gpg.format=ssh", "user.signingkey=" + key.string()};
}

TEST_CASE("run --git-url --git-verify-allowed-signers: only commits signed by an allowed key") {
  TempDir dir;
  EmulatorProcess api;
  const Origin origin(dir);
  const std::string allowed_key = ssh_key(dir.path() / "allowed");
  (void)ssh_key(dir.path() / "stranger");
  const std::filesystem::path signers =
      dir.write("allowed_signers", "t@example.com " + allowed_key);
  const std::vector<std::string> verify = {"--git-verify-allowed-signers", signers.string()};
  Receiver receiver;  // where the refusals are notified
  std::vector<std::string> notified = verify;
  notified.insert(notified.end(), {"--notify", receiver.url("/hook")});

  const std::string first = origin.commit(settings_yaml(true), ssh_signed(dir.path() / "allowed"));
  auto daemon = std::make_unique<GitDaemon>(api, dir, origin.url(), notified);
  REQUIRE(eventually([&] { return daemon->enforcing(first) && live_ocr(api.port()); }));
  CHECK(daemon->log().find("fetched main@sha1:" + first + ", signed by t@example.com (SSH)") !=
        std::string::npos);

  // Unsigned: refused, counted, said once with the commit and why; the first stays enforced.
  const std::string unsigned_commit = origin.commit(settings_yaml(false));
  REQUIRE(eventually([&] { return daemon->metric(k_refused) >= 1; }, 10s));
  CHECK(eventually([&] {
    return daemon->log().find("refused main@sha1:" + unsigned_commit + ": it is not signed") !=
           std::string::npos;
  }));
  CHECK(daemon->enforcing(first));
  CHECK(live_ocr(api.port()));
  CHECK_FALSE(
      std::filesystem::exists(dir.path() / "state" / "git" / "checkouts" / unsigned_commit));
  // Notified once: the commit and why.
  auto refusals = [&] {
    std::vector<std::string> bodies;
    for (const Receiver::Request& request : receiver.requests()) {
      if (request.body.find("\"event\":\"revision_refused\"") != std::string::npos) {
        bodies.push_back(request.body);
      }
    }
    return bodies;
  };
  REQUIRE(eventually([&] { return refusals().size() == 1; }));
  CHECK(refusals()[0].find("main@sha1:" + unsigned_commit) != std::string::npos);
  CHECK(refusals()[0].find("it is not signed") != std::string::npos);

  // Signed by a key the file does not name: refused too.
  const std::string stranger =
      origin.commit(settings_yaml(false), ssh_signed(dir.path() / "stranger"));
  REQUIRE(eventually([&] {
    return daemon->log().find("refused main@sha1:" + stranger +
                              ": its SSH signature is not made by a key of " + signers.string()) !=
           std::string::npos;
  }));
  CHECK(daemon->enforcing(first));
  CHECK(live_ocr(api.port()));

  // Restarted with the refused commit on top: the verified checkout is enforced.
  CHECK(daemon->stop() == 0);
  daemon = std::make_unique<GitDaemon>(api, dir, origin.url(), verify);
  REQUIRE(eventually([&] { return daemon->enforcing(first); }));
  CHECK(daemon->metric(k_refused) >= 1);

  // Signed by the allowed key: applied.
  const std::string second =
      origin.commit(settings_yaml(false), ssh_signed(dir.path() / "allowed"));
  REQUIRE(eventually([&] { return daemon->enforcing(second) && !live_ocr(api.port()); }));
  CHECK(daemon->log().find("fetched main@sha1:" + second + ", signed by t@example.com (SSH)") !=
        std::string::npos);
  CHECK(daemon->stop() == 0);
}

TEST_CASE(
    "run --git-url --git-verify-allowed-signers: an unsigned commit and no verified one "
    "before stop the start") {
  TempDir dir;
  EmulatorProcess api;
  const Origin origin(dir);
  const std::string allowed_key = ssh_key(dir.path() / "allowed");
  const std::filesystem::path signers =
      dir.write("allowed_signers", "t@example.com " + allowed_key);
  const std::string commit = origin.commit(settings_yaml(true));
  const ProcessResult started =
      run({binary("cfsync"), "run", "--once", "--git-url", origin.url(), "--git-path", "cfsync",
           "--git-verify-allowed-signers", signers.string(), "--state-dir",
           (dir.path() / "state").string(), "--api-url", api.url()},
          {{"CLOUDFLARE_API_TOKEN", k_token}});
  CHECK(started.exit_code == 1);
  CHECK(started.err.find("refused main@sha1:" + commit +
                         ": it is not signed; no verified revision checked out before") !=
        std::string::npos);
  CHECK_FALSE(live_ocr(api.port()));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "state" / "git" / "checkouts" / commit));
}

TEST_CASE("run --git-url --git-verify-gpg-keyring: only commits signed by a key of the keyring") {
  if (run({"/bin/sh", "-c", "command -v gpg && command -v gpgv"}).exit_code != 0) {
    MESSAGE("skipped: gpg or gpgv is not installed (Debian: gnupg, gpgv)");
    return;
  }
  TempDir dir;
  EmulatorProcess api;
  const Origin origin(dir);
  const std::filesystem::path home = dir.path() / "gnupg";
  std::filesystem::create_directories(home);
  std::filesystem::permissions(home, std::filesystem::perms::owner_all);
  const Environment gnupg = {{"GNUPGHOME", home.string()}};
  tool({"gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key",
        "cfsync test <t@example.com>", "ed25519", "sign", "never"},
       gnupg);
  const std::filesystem::path keyring = dir.path() / "trusted.gpg";
  tool({"gpg", "--batch", "--quiet", "--output", keyring.string(), "--export", "t@example.com"},
       gnupg);
  struct AgentStop {
    Environment env;
    ~AgentStop() { (void)run({"gpgconf", "--kill", "gpg-agent"}, env); }
  } agent{gnupg};
  const std::vector<std::string> gpg_signed = {"gpg.format=openpgp",
                                               "user.signingkey=t@example.com"};

  const std::string first = origin.commit(settings_yaml(true), gpg_signed, gnupg);
  GitDaemon daemon(api, dir, origin.url(), {"--git-verify-gpg-keyring", keyring.string()});
  REQUIRE(eventually([&] { return daemon.enforcing(first) && live_ocr(api.port()); }));

  const std::string unsigned_commit = origin.commit(settings_yaml(false));
  REQUIRE(eventually([&] {
    return daemon.log().find("refused main@sha1:" + unsigned_commit + ": it is not signed") !=
           std::string::npos;
  }));
  CHECK(daemon.metric(k_refused) >= 1);
  CHECK(daemon.enforcing(first));
  CHECK(live_ocr(api.port()));

  const std::string second = origin.commit(settings_yaml(false), gpg_signed, gnupg);
  REQUIRE(eventually([&] { return daemon.enforcing(second) && !live_ocr(api.port()); }));
  CHECK(daemon.log().find("signed by OpenPGP key ") != std::string::npos);
  CHECK(daemon.stop() == 0);
}

TEST_CASE("run --git-url over smart HTTP: a commit is applied, the token goes as basic auth") {
  TempDir dir;
  EmulatorProcess api;
  const Origin origin(dir);
  const std::string first = origin.commit(settings_yaml(true));
  const std::string token = "git-token-5d1e0c7a";
  const std::filesystem::path token_file = dir.write("token", token + "\n");
  const std::filesystem::path served = dir.path() / "served.log";
  BackgroundProcess server({"/usr/bin/python3", source_dir() + "/tests/support/git_http_server.py",
                            "--root", dir.path().string(), "--token", token, "--log",
                            served.string()});
  const std::string port = server.read_line(10s);
  const std::string url = "http://127.0.0.1:" + port + "/origin.git";

  GitDaemon daemon(api, dir, url, {"--git-token-file", token_file.string()});
  REQUIRE(eventually([&] { return daemon.enforcing(first) && live_ocr(api.port()); }));
  const std::string second = origin.commit(settings_yaml(false));
  REQUIRE(eventually([&] { return daemon.enforcing(second) && !live_ocr(api.port()); }));
  CHECK(daemon.stop() == 0);
  // The server asked (401) and the token came, as the password of HTTP basic auth.
  const std::string requests = read_file(served);
  CHECK(requests.find("401 /origin.git/info/refs") != std::string::npos);
  CHECK(requests.find("authorized /origin.git/git-upload-pack") != std::string::npos);
  // Never in cfsync's output, at the debug level either.
  CHECK(daemon.log().find("fetched main@sha1:" + second) != std::string::npos);
  CHECK(daemon.log().find(token) == std::string::npos);

  // Without the token, or with a wrong one: refused by the server, said, and nothing applied.
  TempDir other;
  EmulatorProcess other_api;
  auto once = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = {binary("cfsync"),
                                     "run",
                                     "--once",
                                     "--git-url",
                                     url,
                                     "--git-path",
                                     "cfsync",
                                     "--state-dir",
                                     (other.path() / "state").string(),
                                     "--api-url",
                                     other_api.url()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
  };
  const ProcessResult tokenless = once({});
  CHECK(tokenless.exit_code == 1);
  CHECK_MESSAGE(tokenless.err.find("fetching " + url) != std::string::npos, tokenless.err);
  const std::string wrong = "wrong-token-81f2";
  const ProcessResult refused =
      once({"--git-token-file", dir.write("wrong", wrong + "\n").string()});
  CHECK(refused.exit_code == 1);
  CHECK_MESSAGE(
      refused.err.find("fetching " + url + ": the server refused the token") != std::string::npos,
      refused.err);
  CHECK(refused.err.find(wrong) == std::string::npos);
  CHECK_FALSE(live_ocr(other_api.port()));
}

// sshd on a free port of 127.0.0.1, as this user, with a host key of its own and one key
// authorized to log in.
class Sshd {
 public:
  Sshd(const TempDir& dir, const std::string& authorized_key) : m_port(free_port()) {
    const std::filesystem::path host_key = dir.path() / "sshd_host_key";
    m_host_key = ssh_key(host_key);
    const std::filesystem::path authorized = dir.write("authorized_keys", authorized_key);
    const std::filesystem::path config = dir.write(
        "sshd_config", "Port " + std::to_string(m_port) + "\nListenAddress 127.0.0.1\nHostKey " +
                           host_key.string() + "\nAuthorizedKeysFile " + authorized.string() +
                           "\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n"
                           "KbdInteractiveAuthentication no\nPidFile none\n");
    // Privilege separation needs its directory when sshd runs as root.
    std::error_code ec;
    std::filesystem::create_directories("/run/sshd", ec);
    m_process = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"/usr/sbin/sshd", "-D", "-e", "-f", config.string()});
    REQUIRE(eventually([&] { return accepts_connections(m_port); }));
  }
  [[nodiscard]] int port() const { return m_port; }
  // "ssh-ed25519 AAAA… test": the host's public key, as a known_hosts line wants it.
  [[nodiscard]] const std::string& host_key() const { return m_host_key; }
  [[nodiscard]] std::string fingerprint(const TempDir& dir) const {
    const std::string line = tool(
        {"ssh-keygen", "-l", "-E", "sha256", "-f", (dir.path() / "sshd_host_key.pub").string()});
    std::istringstream fields(line);
    std::string bits;
    std::string fingerprint;
    fields >> bits >> fingerprint;
    return fingerprint;
  }

 private:
  int m_port;
  std::string m_host_key;
  std::unique_ptr<BackgroundProcess> m_process;
};

std::string user_name() {
  const passwd* entry = ::getpwuid(::getuid());
  REQUIRE(entry != nullptr);
  return entry->pw_name;
}

TEST_CASE("run --git-url over ssh: a known host key is applied, an unknown one is refused") {
  if (!std::filesystem::exists("/usr/sbin/sshd")) {
    MESSAGE("skipped: /usr/sbin/sshd is not installed (Debian: openssh-server)");
    return;
  }
  TempDir dir;
  EmulatorProcess api;
  const Origin origin(dir);
  const std::string first = origin.commit(settings_yaml(true));
  const std::string client_key = ssh_key(dir.path() / "client_key");
  const Sshd sshd(dir, client_key);
  const std::string host = "[127.0.0.1]:" + std::to_string(sshd.port());
  const std::string url =
      "ssh://" + user_name() + "@127.0.0.1:" + std::to_string(sshd.port()) + origin.bare().string();
  auto once = [&](const std::filesystem::path& known_hosts, const std::string& key = "client_key") {
    return run({binary("cfsync"), "run", "--once", "--git-url", url, "--git-path", "cfsync",
                "--git-ssh-key-file", (dir.path() / key).string(), "--git-known-hosts",
                known_hosts.string(), "--state-dir", (dir.path() / "refused-state").string(),
                "--api-url", api.url()},
               {{"CLOUDFLARE_API_TOKEN", k_token}});
  };

  // Not in the file: refused, with the host and the key's fingerprint; nothing applied.
  const std::filesystem::path other_hosts =
      dir.write("other_hosts", "example.com " + sshd.host_key());
  const ProcessResult unknown = once(other_hosts);
  CHECK(unknown.exit_code == 1);
  CHECK_MESSAGE(unknown.err.find("the host key of " + host + " (" + sshd.fingerprint(dir) +
                                 ") is not in " + other_hosts.string()) != std::string::npos,
                unknown.err);
  // Another key for the host: refused too.
  const std::string stranger = ssh_key(dir.path() / "stranger");
  const std::filesystem::path wrong_hosts = dir.write("wrong_hosts", host + " " + stranger);
  const ProcessResult mismatch = once(wrong_hosts);
  CHECK(mismatch.exit_code == 1);
  CHECK_MESSAGE(
      mismatch.err.find("the host key of " + host + " (" + sshd.fingerprint(dir) + ") is not one " +
                        wrong_hosts.string() + " lists for it") != std::string::npos,
      mismatch.err);
  CHECK_FALSE(live_ocr(api.port()));

  // Known: fetched over ssh and applied, and each push after it. (A key the server does not take
  // first: said so.)
  const std::filesystem::path known_hosts = dir.write("known_hosts", host + " " + sshd.host_key());
  const ProcessResult unauthorized = once(known_hosts, "stranger");
  CHECK(unauthorized.exit_code == 1);
  CHECK_MESSAGE(unauthorized.err.find("the server refused the SSH key (--git-ssh-key-file)") !=
                    std::string::npos,
                unauthorized.err);
  // Host names hashed, as HashKnownHosts writes them.
  tool({"ssh-keygen", "-q", "-H", "-f", known_hosts.string()});
  REQUIRE(read_file(known_hosts).starts_with("|1|"));
  GitDaemon daemon(api, dir, url,
                   {"--git-ssh-key-file", (dir.path() / "client_key").string(), "--git-known-hosts",
                    known_hosts.string()});
  REQUIRE(eventually([&] { return daemon.enforcing(first) && live_ocr(api.port()); }));
  const std::string second = origin.commit(settings_yaml(false));
  REQUIRE(eventually([&] { return daemon.enforcing(second) && !live_ocr(api.port()); }));
  CHECK(daemon.stop() == 0);
  // The private key never shows: not a line of it.
  const std::string private_key = read_file(dir.path() / "client_key");
  const std::string log = daemon.log();
  std::istringstream lines(private_key);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("-----") || line.empty()) continue;
    CHECK(log.find(line) == std::string::npos);
  }
}

TEST_CASE("run --git-url: an SSH repository without a key or known hosts is refused at once") {
  const ProcessResult keyless =
      run({binary("cfsync"), "run", "--git-url", "git@example.com:team/config.git", "--state-dir",
           "/tmp/x", "--api-url", "http://127.0.0.1:1"},
          {{"CLOUDFLARE_API_TOKEN", k_token}, {"CREDENTIALS_DIRECTORY", ""}});
  CHECK(keyless.exit_code == 1);
  CHECK(keyless.err.find("an SSH repository needs a key: --git-ssh-key-file") != std::string::npos);
  const TempDir dir;
  const std::filesystem::path key = dir.write("key", "not a key");
  const ProcessResult hostless =
      run({binary("cfsync"), "run", "--git-url", "ssh://git@example.com:2222/team/config.git",
           "--git-ssh-key-file", key.string(), "--state-dir", "/tmp/x", "--api-url",
           "http://127.0.0.1:1"},
          {{"CLOUDFLARE_API_TOKEN", k_token}, {"HOME", dir.path().string()}});
  CHECK(hostless.exit_code == 1);
  CHECK(hostless.err.find("an SSH repository needs the host keys to trust") != std::string::npos);
}

TEST_CASE("run --git-url: a verification file that cannot be read is named at once") {
  const ProcessResult started =
      run({binary("cfsync"), "run", "--git-url", "file:///nowhere.git", "--state-dir", "/tmp/x",
           "--api-url", "http://127.0.0.1:1", "--git-verify-allowed-signers",
           "/nonexistent/allowed_signers"},
          {{"CLOUDFLARE_API_TOKEN", k_token}});
  CHECK(started.exit_code == 1);
  CHECK(
      started.err.find("--git-verify-allowed-signers: cannot read /nonexistent/allowed_signers") !=
      std::string::npos);
}

}  // namespace
}  // namespace cfsync::test
