// End to end: the command line as people meet it (issue 20): apply's question on a terminal,
// did-you-mean, help, the version, completions and the man page.
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
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

// Types WORDS and <TAB> in an interactive zsh on a pseudo-terminal (zsh/zpty) that loaded the
// completion script, and prints the matches zsh's completion found, one a line, sorted. Every
// compadd call is watched: `compadd -O` gives what it would add, filtered by what was typed.
constexpr const char* k_zsh_driver = R"(script=$1 dir=$2 words=$3
zmodload zsh/zpty || exit 1
zpty cz zsh -f -i || exit 1
setup='PS1= PROMPT_EOL_MARK=; autoload -Uz compinit && compinit -u -d '$dir'/zcompdump
source '$script'
compadd() {
  if [[ ${(j: :)@[1,(i)--]} == *-[OAD]* ]]; then builtin compadd "$@"; return; fi
  local -a __hits; builtin compadd -O __hits "$@"
  (( $#__hits )) && print -rl -- $__hits >>'$dir'/matches
  builtin compadd "$@"
}
finished() { print done >'$dir'/done; }
comppostfuncs=(finished)
bindkey "^I" complete-word'
zpty -w cz "$setup"
zpty -w -n cz "$words"$'\t'
for i in {1..100}; do [[ -e $dir/done ]] && break; sleep 0.1; done
zpty -d cz
[[ -e $dir/done ]] || { print -u2 "no completion within 10 s"; exit 1; }
[[ -e $dir/matches ]] && sort -u $dir/matches
exit 0
)";

// The test set-up installs both shells (deploy/install-deps.sh --tests).
TEST_CASE("completion fish and zsh: valid, and complete commands, options and their values") {
  const ProcessResult fish = cfsync({"completion", "fish"});
  REQUIRE(fish.exit_code == 0);
  const ProcessResult zsh = cfsync({"completion", "zsh"});
  REQUIRE(zsh.exit_code == 0);
  CHECK(zsh.out.starts_with("#compdef cfsync\n"));
  CHECK(cfsync({"completion", "tcsh"}).exit_code == 1);
  TempDir dir;
  const std::string fish_script = dir.write("cfsync.fish", fish.out).string();
  const std::string zsh_script = dir.write("cfsync.zsh", zsh.out).string();
  const ProcessResult fish_syntax = run({"/usr/bin/fish", "--no-config", "-n", fish_script});
  CHECK_MESSAGE(fish_syntax.exit_code == 0, fish_syntax.err);
  const ProcessResult zsh_syntax = run({"/usr/bin/zsh", "-f", "-n", zsh_script});
  CHECK_MESSAGE(zsh_syntax.exit_code == 0, zsh_syntax.err);

  // fish: what `complete -C` lists for the line, without the descriptions. The script loads
  // without a word on stderr (fish says what it could not read there, and goes on).
  auto fish_complete = [&](const std::string& line) {
    const ProcessResult done =
        run({"/usr/bin/fish", "--no-config", "-c",
             "source $argv[1]; complete -C $argv[2] | cut -f1", fish_script, line});
    CHECK_MESSAGE(done.exit_code == 0, done.err);
    CHECK_MESSAGE(done.err.empty(), done.err);
    return done.out;
  };
  CHECK(fish_complete("cfsync pl") == "plan\n");
  CHECK(fish_complete("cfsync plan --detailed") == "--detailed-exitcode\n");
  CHECK(fish_complete("cfsync plan --conf") == "--config\n");
  CHECK(fish_complete("cfsync apply --output ") == "json\nmarkdown\ntext\n");
  CHECK(fish_complete("cfsync completion ") == "bash\nfish\nzsh\n");
  // A global option's value before the command is not taken for the command.
  CHECK(fish_complete("cfsync -c cfsync.yaml pl") == "plan\n");
  CHECK(fish_complete("cfsync --output json pl") == "plan\n");
  // A command's options only after that command.
  CHECK(fish_complete("cfsync apply --auto") == "--auto-approve\n");
  CHECK(fish_complete("cfsync plan --auto").empty());

  // zsh: the function is defined and registered for cfsync by compinit's compdef.
  const ProcessResult registered =
      run({"/usr/bin/zsh", "-f", "-c",
           "autoload -Uz compinit && compinit -u -d \"$1/zcompdump\"; source \"$2\"; "
           "print -r -- ${+functions[_cfsync]} $_comps[cfsync]",
           "zsh", dir.path().string(), zsh_script});
  CHECK_MESSAGE(registered.exit_code == 0, registered.err);
  CHECK(registered.out == "1 _cfsync\n");
  const std::string driver = dir.write("complete.zsh", k_zsh_driver).string();
  int line_number = 0;
  auto zsh_complete = [&](const std::string& line) {
    const std::filesystem::path work = dir.path() / ("zsh-" + std::to_string(++line_number));
    std::filesystem::create_directories(work);
    const ProcessResult done = run({"/usr/bin/zsh", "-f", driver, zsh_script, work.string(), line},
                                   {}, std::chrono::seconds(30));
    CHECK_MESSAGE(done.exit_code == 0, done.err);
    return done.out;
  };
  CHECK(zsh_complete("cfsync pl") == "plan\n");
  CHECK(zsh_complete("cfsync plan --detailed") == "--detailed-exitcode\n");
  CHECK(zsh_complete("cfsync plan --conf") == "--config\n");
  CHECK(zsh_complete("cfsync apply --output ") == "json\nmarkdown\ntext\n");
  CHECK(zsh_complete("cfsync completion ") == "bash\nfish\nzsh\n");
  CHECK(zsh_complete("cfsync -c cfsync.yaml pl") == "plan\n");
  CHECK(zsh_complete("cfsync --output json pl") == "plan\n");
  CHECK(zsh_complete("cfsync apply --auto") == "--auto-approve\n");
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
