// End to end: the command line as people meet it (issue 20): apply's question on a terminal,
// did-you-mean, help, the version, completions and the man page.
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <regex>

namespace cfsync::test {
namespace {

std::string settings_config(bool ocr) {
  return std::string("account_id: ") + k_account +
         "\ndlp:\n  settings:\n    ocr: " + (ocr ? "true" : "false") + "\n";
}

// `cfsync ARGS` on a pseudo-terminal (stdin and stdout both terminals), answering `answer` to
// apply's question; out is what the terminal showed (stdout and stderr).
ProcessResult on_terminal(const std::string& answer, const std::vector<std::string>& args,
                          const Environment& env) {
  std::vector<std::string> argv = {"/usr/bin/python3", source_dir() + "/tests/e2e/pty_answer.py",
                                   answer, binary("cfsync")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, env, std::chrono::seconds(90));
}

ProcessResult cfsync(std::vector<std::string> args, const Environment& env = {}) {
  args.insert(args.begin(), binary("cfsync"));
  return run(args, env);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("apply on a terminal asks first: yes applies, anything else writes nothing") {
  EmulatorProcess emulator;
  TempDir dir;
  dir.write("cfsync.yaml", settings_config(true));
  const std::vector<std::string> apply = {"apply", "-c", dir.path().string(), "--api-url",
                                          emulator.url()};
  const Environment env = {{"CLOUDFLARE_API_TOKEN", k_token}, {"NO_COLOR", "1"}};

  const ProcessResult refused = on_terminal("no", apply, env);
  CHECK_MESSAGE(refused.exit_code == 1, refused.out);
  CHECK(has(refused.out, "~ ocr"));  // the plan, then the question
  CHECK(has(refused.out, "Do you want to apply these changes? Only 'yes' will be accepted: "));
  CHECK(has(refused.out, "cfsync: error: apply cancelled"));
  CHECK(writes(emulator.requests()).empty());

  const ProcessResult approved = on_terminal("yes", apply, env);
  CHECK_MESSAGE(approved.exit_code == 0, approved.out);
  CHECK(has(approved.out, "Apply complete: 0 created, 1 updated, 0 deleted."));
  CHECK(writes(emulator.requests()).size() == 1);

  // Nothing to do: nothing to ask.
  emulator.reset_log();
  const ProcessResult clean = on_terminal("no", apply, env);
  CHECK_MESSAGE(clean.exit_code == 0, clean.out);
  CHECK_FALSE(has(clean.out, "Do you want to apply"));

  // --auto-approve and --apply do not ask.
  dir.write("cfsync.yaml", settings_config(false));
  std::vector<std::string> approving = apply;
  approving.push_back("--auto-approve");
  const ProcessResult automatic = on_terminal("no", approving, env);
  CHECK_MESSAGE(automatic.exit_code == 0, automatic.out);
  CHECK_FALSE(has(automatic.out, "Do you want to apply"));
  CHECK(writes(emulator.requests()).size() == 1);
  dir.write("cfsync.yaml", settings_config(true));
  const ProcessResult alias =
      on_terminal("no", {"--apply", "-c", dir.path().string(), "--api-url", emulator.url()}, env);
  CHECK_MESSAGE(alias.exit_code == 0, alias.out);
  CHECK_FALSE(has(alias.out, "Do you want to apply"));
  CHECK(writes(emulator.requests()).size() == 2);
}

TEST_CASE("apply without a terminal applies as before and says once that it did not ask") {
  EmulatorProcess emulator;
  TempDir dir;
  dir.write("cfsync.yaml", settings_config(true));
  const Environment env = {{"CLOUDFLARE_API_TOKEN", k_token}};
  const ProcessResult applied =
      cfsync({"apply", "-c", dir.path().string(), "--api-url", emulator.url()}, env);
  CHECK_MESSAGE(applied.exit_code == 0, applied.err);
  const std::string note =
      "cfsync: warning: not a terminal: applying without asking (use --auto-approve to say so)\n";
  CHECK(applied.err == note);
  CHECK(writes(emulator.requests()).size() == 1);

  dir.write("cfsync.yaml", settings_config(false));
  const ProcessResult approved = cfsync(
      {"apply", "--auto-approve", "-c", dir.path().string(), "--api-url", emulator.url()}, env);
  CHECK_MESSAGE(approved.exit_code == 0, approved.err);
  CHECK(approved.err.empty());
  CHECK(writes(emulator.requests()).size() == 2);
}

TEST_CASE("a misspelt command or option gets a did-you-mean") {
  const ProcessResult command = cfsync({"plna"});
  CHECK(command.exit_code == 1);
  CHECK(
      command.err.starts_with("cfsync: error: unknown command \"plna\"; did you mean \"plan\"?\n"));
  const ProcessResult option = cfsync({"plan", "--conifg", "x.yaml"});
  CHECK(option.exit_code == 1);
  CHECK(option.err.starts_with(
      "cfsync: error: unknown option \"--conifg\"; did you mean \"--config\"?\n"));
  const ProcessResult before = cfsync({"--conifg=x.yaml", "plan"});
  CHECK(before.err.starts_with(
      "cfsync: error: unknown option \"--conifg\"; did you mean \"--config\"?\n"));
  const ProcessResult elsewhere = cfsync({"plan", "--force"});
  CHECK(elsewhere.err.starts_with(
      "cfsync: error: unknown option \"--force\" for plan (an option of apply)\n"));
  const ProcessResult unknown = cfsync({"frobnicate"});
  CHECK(unknown.err.starts_with("cfsync: error: unknown command \"frobnicate\" (commands: "));
}

TEST_CASE("usage errors and command errors share one prefix") {
  CHECK(cfsync({"plan", "--request-timeout", "0s"})
            .err.starts_with("cfsync: error: --request-timeout must be between"));
  CHECK(cfsync({"plan", "--output", "yaml"}).err.starts_with("cfsync: error: --output: "));
  TempDir dir;
  const ProcessResult missing = cfsync({"validate", "-c", (dir.path() / "none.yaml").string()});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.starts_with("cfsync: error: "));
}

TEST_CASE("a command's --help lists the global options it takes too") {
  const ProcessResult plan = cfsync({"plan", "--help"});
  CHECK(plan.exit_code == 0);
  CHECK(has(plan.out, "Usage: cfsync plan [OPTIONS]"));
  CHECK(has(plan.out, "--detailed-exitcode"));
  CHECK(has(plan.out, "Global options:"));
  for (const char* global : {"--config", "--api-url", "--token-file", "--output", "--log-level",
                             "--state-dir", "--max-in-flight"}) {
    CAPTURE(global);
    CHECK(has(plan.out, global));
  }
  const ProcessResult top = cfsync({"--help"});
  CHECK(top.exit_code == 0);
  CHECK(has(top.out, "--config"));
  CHECK(has(top.out, "plan"));
  CHECK_FALSE(has(top.out, "Global options:"));
  CHECK_FALSE(has(top.out, "--detailed-exitcode"));
}

TEST_CASE("--version and version print the version and the commit built") {
  const ProcessResult flag = cfsync({"--version"});
  const ProcessResult command = cfsync({"version"});
  CHECK(flag.exit_code == 0);
  CHECK(command.exit_code == 0);
  CHECK(flag.out == command.out);
  CHECK(std::regex_match(
      flag.out, std::regex(R"(cfsync \d+\.\d+\.\d+ \((commit [0-9a-z.-]+|unknown commit)\)\n)")));
}

TEST_CASE("completion bash: valid, and completes commands, options and their values") {
  TempDir dir;
  const std::string script = dir.write("cfsync.bash", cfsync({"completion", "bash"}).out).string();
  const ProcessResult syntax = run({"/bin/bash", "-n", script});
  CHECK_MESSAGE(syntax.exit_code == 0, syntax.err);
  // COMP_WORDS and COMP_CWORD are what bash hands the function on <TAB>.
  auto complete = [&](const std::string& words) {
    const ProcessResult done =
        run({"/bin/bash", "-c",
             "source \"$0\"; COMP_WORDS=(" + words +
                 "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _cfsync; echo \"${COMPREPLY[*]}\"",
             script});
    CHECK_MESSAGE(done.exit_code == 0, done.err);
    return done.out;
  };
  CHECK(complete("cfsync pl") == "plan\n");
  CHECK(complete("cfsync plan --detailed") == "--detailed-exitcode\n");
  CHECK(complete("cfsync plan --conf") == "--config\n");
  CHECK(complete("cfsync apply --output ''") == "text json markdown\n");
  CHECK(complete("cfsync completion ''") == "bash zsh fish\n");
}

TEST_CASE("completion fish and zsh are printed, fish checked when installed") {
  const ProcessResult fish = cfsync({"completion", "fish"});
  CHECK(fish.exit_code == 0);
  CHECK(has(fish.out, "complete -c cfsync -n __fish_use_subcommand -a plan"));
  const ProcessResult zsh = cfsync({"completion", "zsh"});
  CHECK(zsh.exit_code == 0);
  CHECK(zsh.out.starts_with("#compdef cfsync\n"));
  CHECK(cfsync({"completion", "tcsh"}).exit_code == 1);
  TempDir dir;
  for (const char* shell : {"fish", "zsh"}) {
    const std::string path = std::string("/usr/bin/") + shell;
    if (run({"/bin/sh", "-c", "test -x " + path}).exit_code != 0) continue;
    const std::string script =
        dir.write(std::string("cfsync.") + shell, std::string(shell) == "fish" ? fish.out : zsh.out)
            .string();
    const ProcessResult syntax = run({path, "-n", script});
    CHECK_MESSAGE(syntax.exit_code == 0, syntax.err);
  }
}

TEST_CASE("man prints a page that groff renders without warnings") {
  const ProcessResult page = cfsync({"man"});
  CHECK(page.exit_code == 0);
  CHECK(page.out.starts_with(".TH CFSYNC 1 "));
  CHECK(has(page.out, "\\fB\\-\\-detailed\\-exitcode\\fR"));
  if (run({"/bin/sh", "-c", "command -v groff"}).exit_code != 0) return;
  TempDir dir;
  const std::string file = dir.write("cfsync.1", page.out).string();
  const ProcessResult rendered = run({"groff", "-man", "-Tutf8", "-ww", "-z", file});
  CHECK(rendered.exit_code == 0);
  CHECK_MESSAGE(rendered.err.empty(), rendered.err);
}

}  // namespace
}  // namespace cfsync::test
