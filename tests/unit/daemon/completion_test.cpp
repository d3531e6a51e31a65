#include "daemon/completion.hpp"
#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

#include <algorithm>

namespace cfsync::daemon {
namespace {

const OptionSpec* find_option(const std::vector<OptionSpec>& options, const std::string& name) {
  for (const OptionSpec& option : options) {
    if (std::find(option.names.begin(), option.names.end(), name) != option.names.end()) {
      return &option;
    }
  }
  return nullptr;
}

const CommandSpec& command_of(const CommandLineSpec& spec, const std::string& name) {
  const auto found = std::find_if(spec.commands.begin(), spec.commands.end(),
                                  [&](const CommandSpec& command) { return command.name == name; });
  REQUIRE(found != spec.commands.end());
  return *found;
}

TEST_CASE("the command line's tables are read from the parser") {
  const CommandLineSpec spec = command_line_spec();
  const OptionSpec* config = find_option(spec.global, "--config");
  REQUIRE(config != nullptr);
  CHECK(config->names == std::vector<std::string>{"-c", "--config"});
  CHECK(config->value == "PATH");
  CHECK(config->path);
  const OptionSpec* output = find_option(spec.global, "--output");
  REQUIRE(output != nullptr);
  CHECK(output->value == "FORMAT");
  CHECK(std::find(output->choices.begin(), output->choices.end(), "json") != output->choices.end());
  CHECK(find_option(spec.global, "--insecure-http")->value.empty());
  CHECK(find_option(spec.global, "--api-url")->env == "CLOUDFLARE_BASE_URL");
  const CommandSpec& plan = command_of(spec, "plan");
  CHECK(find_option(plan.options, "--detailed-exitcode") != nullptr);
  CHECK(find_option(plan.options, "--config") == nullptr);  // global, listed once
  const CommandSpec& apply = command_of(spec, "apply");
  CHECK(find_option(apply.options, "--auto-approve") != nullptr);
  REQUIRE(apply.positionals.size() == 1);
  CHECK(apply.positionals.front().path);
  const CommandSpec& completion = command_of(spec, "completion");
  REQUIRE(completion.positionals.size() == 1);
  CHECK(completion.positionals.front().choices == completion_shells());
  // Hidden options stay hidden.
  CHECK(find_option(command_of(spec, "run").options, "--debounce") == nullptr);
}

TEST_CASE("every command and option is in each completion script and the man page") {
  const CommandLineSpec spec = command_line_spec();
  std::vector<std::string> scripts;
  for (const std::string& shell : completion_shells()) {
    scripts.push_back(completion_script(spec, shell));
  }
  for (const CommandSpec& command : spec.commands) {
    CAPTURE(command.name);
    for (const std::string& script : scripts) CHECK(script.find(command.name) != std::string::npos);
    for (const OptionSpec& option : command.options) {
      CAPTURE(option.names.back());
      CHECK(scripts.at(0).find(option.names.back()) != std::string::npos);
    }
  }
  const std::string page = man_page(spec);
  CHECK(page.starts_with(".TH CFSYNC 1 "));
  CHECK(page.find(".SS apply\n") != std::string::npos);
  CHECK(page.find("\\fB\\-c\\fR, \\fB\\-\\-config\\fR \\fIPATH\\fR") != std::string::npos);
  CHECK(completion_script(spec, "tcsh").empty());
}

TEST_CASE("fish offers the commands until one of them is on the line") {
  const CommandLineSpec spec = command_line_spec();
  std::string names;
  for (const CommandSpec& command : spec.commands)
    names += (names.empty() ? "" : " ") + command.name;
  const std::string script = completion_script(spec, "fish");
  // Not __fish_use_subcommand: it takes a global option's value (`cfsync -c dir pl`) for the
  // command and offers none.
  CHECK(script.find("__fish_use_subcommand") == std::string::npos);
  CHECK(script.find("complete -c cfsync -n 'not __fish_seen_subcommand_from " + names +
                    "' -a plan -d ") != std::string::npos);
}

}  // namespace
}  // namespace cfsync::daemon
