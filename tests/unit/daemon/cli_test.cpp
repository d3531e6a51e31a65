// The command line as users type it.
#include "daemon/cli.hpp"
#include "daemon/commands.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace cfsync::daemon {
namespace {

std::variant<Options, int> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "cfsync");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}

Options parsed(std::vector<const char*> args) {
  auto result = parse(std::move(args));
  REQUIRE(std::holds_alternative<Options>(result));
  return std::get<Options>(result);
}

TEST_CASE("commands and the --apply alias") {
  CHECK(parsed({"validate"}).command == Command::validate);
  CHECK(parsed({"plan"}).command == Command::plan);
  CHECK(parsed({"apply"}).command == Command::apply);
  CHECK(parsed({"--apply"}).command == Command::apply);
  CHECK(parsed({"--apply", "-c", "x.yaml"}).config == "x.yaml");
  CHECK(std::get<int>(parse({"--apply", "plan"})) == 1);
  CHECK(std::get<int>(parse({})) == 1);
}

TEST_CASE("apply --auto-approve, and the --apply alias, approve beforehand") {
  CHECK_FALSE(parsed({"apply"}).auto_approve);
  CHECK(parsed({"apply", "--auto-approve"}).auto_approve);
  CHECK(parsed({"--apply"}).auto_approve);
  CHECK(std::get<int>(parse({"plan", "--auto-approve"})) == 1);
}

TEST_CASE("misspelt commands and options are usage errors") {
  CHECK(std::get<int>(parse({"plna"})) == 1);
  CHECK(std::get<int>(parse({"plan", "--conifg", "x.yaml"})) == 1);
  CHECK(std::get<int>(parse({"--conifg=x.yaml", "plan"})) == 1);
}

TEST_CASE("the accounts' locks: --lock-dir, else $CFSYNC_LOCK_DIR, else one place per user") {
  Environment root{.root = true};
  root.runtime_directory = "/run/user/0";
  CHECK(lock_dir_of(parsed({"apply"}), root) == "/run/lock/cfsync");
  Environment user;
  user.runtime_directory = "/run/user/1000";
  CHECK(lock_dir_of(parsed({"apply"}), user) == "/run/user/1000/cfsync");
  // A service without a login session (a systemd dynamic user) shares root's place.
  CHECK(lock_dir_of(parsed({"apply"}), Environment{}) == "/run/lock/cfsync");
  user.lock_directory = "/srv/locks";
  CHECK(lock_dir_of(parsed({"apply"}), user) == "/srv/locks");
  CHECK(lock_dir_of(parsed({"apply", "--lock-dir", "/tmp/l"}), user) == "/tmp/l");
  CHECK(parsed({"apply", "--shutdown-timeout", "5s"}).shutdown_timeout == std::chrono::seconds(5));
}

TEST_CASE("plan --out, -o, and Terraform's -out") {
  CHECK(parsed({"plan", "--out", "plan.json"}).plan_out == "plan.json");
  CHECK(parsed({"plan", "-o", "plan.json"}).plan_out == "plan.json");
  CHECK(parsed({"plan", "-out", "plan.json"}).plan_out == "plan.json");
  CHECK(parsed({"plan", "-out=plan.json"}).plan_out == "plan.json");
  CHECK(std::get<int>(parse({"plan", "-o"})) == 1);
}

TEST_CASE("options go before or after the command") {
  const Options before = parsed({"--config", "conf/", "--output", "json", "plan"});
  const Options after = parsed({"plan", "--config", "conf/", "--output", "json"});
  CHECK(before.config == "conf/");
  CHECK(after.config == "conf/");
  CHECK(after.output == OutputFormat::json);
  CHECK(parsed({"plan", "--detailed-exitcode"}).detailed_exitcode);
  CHECK_FALSE(parsed({"plan"}).detailed_exitcode);
}

TEST_CASE("limits take units") {
  CHECK(parsed({"plan", "--request-timeout", "5s"}).request_timeout.count() == 5000);
  CHECK(parsed({"plan", "--request-timeout", "250ms"}).request_timeout.count() == 250);
  CHECK(parsed({"plan"}).request_timeout.count() == 30000);
  CHECK(parsed({"plan", "--max-response-bytes", "2MiB"}).max_response_bytes == 2 * 1024 * 1024);
  CHECK(std::get<int>(parse({"plan", "--request-timeout", "5"})) != 0);
  CHECK(std::get<int>(parse({"plan", "--request-timeout", "0s"})) != 0);
}

TEST_CASE("run --notify: repeatable, https or loopback http, and --notify-format") {
  const Options two = parsed({"run", "--notify", "https://hooks.slack.com/services/T/B/s",
                              "--notify", "http://127.0.0.1:9/hook"});
  CHECK(two.notify == std::vector<std::string>{"https://hooks.slack.com/services/T/B/s",
                                               "http://127.0.0.1:9/hook"});
  CHECK(two.notify_format == NotifyFormat::json);
  CHECK(parsed({"run"}).notify.empty());
  CHECK(parsed({"run", "--notify", "https://a.example/x", "--notify-format", "slack"})
            .notify_format == NotifyFormat::slack);
  CHECK(std::get<int>(parse({"run", "--notify-format", "teams"})) == 1);
  // A URL that is refused is a usage error (the message is parse_notify_url's: notifier_test).
  CHECK(std::get<int>(parse({"run", "--notify", "http://example.com/secret"})) == 1);
  CHECK(std::get<int>(parse({"run", "--notify", "ftp://127.0.0.1/secret"})) == 1);
}

TEST_CASE("status asks the daemon at --listen, which it needs") {
  const Options status = parsed({"status", "--listen", "127.0.0.1:9464", "--output", "json"});
  CHECK(status.command == Command::status);
  CHECK(status.listen == "127.0.0.1:9464");
  CHECK(status.output == OutputFormat::json);
  CHECK(std::get<int>(parse({"status"})) == 1);
}

TEST_CASE("run --webhook-secret-file names the push webhook's secret") {
  const Options run = parsed({"run", "--git-url", "file:///r.git", "--listen", "127.0.0.1:1",
                              "--webhook-secret-file", "/run/credentials/cfsync/webhook-secret"});
  CHECK(run.webhook_secret_file == "/run/credentials/cfsync/webhook-secret");
}

TEST_CASE("unknown values are refused") {
  CHECK(std::get<int>(parse({"plan", "--output", "yaml"})) != 0);
  CHECK(std::get<int>(parse({"plan", "--log-level", "loud"})) != 0);
  CHECK(std::get<int>(parse({"plan", "--bogus"})) != 0);
}

TEST_CASE("run --git-url: the key, known hosts and verification files") {
  const test::TempDir dir;
  const std::string key = dir.write("key", "k").string();
  const std::string hosts = dir.write("known_hosts", "h").string();
  const std::string signers = dir.write("allowed_signers", "s").string();
  const std::string keyring = dir.write("trusted.gpg", "g").string();
  const Options options =
      parsed({"run", "--git-url", "ssh://git@example.com/r.git", "--git-ssh-key-file", key.c_str(),
              "--git-known-hosts", hosts.c_str(), "--git-verify-allowed-signers", signers.c_str(),
              "--git-verify-gpg-keyring", keyring.c_str()});
  CHECK(options.git_ssh_key_file == key);
  CHECK(options.git_known_hosts == hosts);
  CHECK(options.git_verify_allowed_signers == signers);
  CHECK(options.git_verify_gpg_keyring == keyring);
  const Options plain = parsed({"run", "--git-url", "file:///r.git"});
  CHECK_FALSE(plain.git_ssh_key_file);
  CHECK_FALSE(plain.git_known_hosts);
  CHECK_FALSE(plain.git_verify_allowed_signers);
  CHECK_FALSE(plain.git_verify_gpg_keyring);
}

TEST_CASE("run: a --git-* file that cannot be read, or without --git-url, is a usage error") {
  const test::TempDir dir;
  const std::string signers = dir.write("allowed_signers", "s").string();
  const std::string missing = (dir.path() / "missing").string();
  const std::string folder = dir.path().string();
  for (const char* option : {"--git-token-file", "--git-ssh-key-file", "--git-known-hosts",
                             "--git-verify-allowed-signers", "--git-verify-gpg-keyring"}) {
    CAPTURE(option);
    CHECK(std::get<int>(parse({"run", "--git-url", "file:///r.git", option, missing.c_str()})) ==
          1);
    CHECK(std::get<int>(parse({"run", "--git-url", "file:///r.git", option, folder.c_str()})) == 1);
    CHECK(std::get<int>(parse({"run", option, signers.c_str()})) == 1);
  }
}

}  // namespace
}  // namespace cfsync::daemon
