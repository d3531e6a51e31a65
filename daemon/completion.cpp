#include "daemon/completion.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace cfsync::daemon {

namespace {

// Every option any command takes, with the command that owns it ("" for the global ones).
std::vector<std::pair<std::string, const OptionSpec*>> all_options(const CommandLineSpec& spec) {
  std::vector<std::pair<std::string, const OptionSpec*>> options;
  for (const OptionSpec& option : spec.global) options.emplace_back("", &option);
  for (const CommandSpec& command : spec.commands) {
    for (const OptionSpec& option : command.options) options.emplace_back(command.name, &option);
  }
  return options;
}

std::string joined(const std::vector<std::string>& words, std::string_view separator) {
  std::string out;
  for (const std::string& word : words) {
    if (!out.empty()) out += separator;
    out += word;
  }
  return out;
}

std::vector<std::string> names_of(const std::vector<OptionSpec>& options) {
  std::vector<std::string> names;
  for (const OptionSpec& option : options) {
    names.insert(names.end(), option.names.begin(), option.names.end());
  }
  return names;
}

// The first sentence of a description, short enough for a completion menu.
std::string summary(std::string_view description) {
  const std::size_t end = description.find_first_of(";(");
  std::string text(description.substr(0, end));
  while (!text.empty() && (text.back() == ' ' || text.back() == ',')) text.pop_back();
  return text;
}

// Completes the words after `cfsync`: the command, then its options and the global ones, and the
// value an option takes (a fixed set, or a file name).
std::string bash_script(const CommandLineSpec& spec) {
  std::vector<std::string> commands;
  for (const CommandSpec& command : spec.commands) commands.push_back(command.name);
  // What the word after an option is: the options that take a value, by what completes it.
  std::map<std::string, std::vector<std::string>> by_values;  // choices -> option names
  std::vector<std::string> paths;
  std::vector<std::string> other_values;
  std::set<std::string> seen;
  for (const auto& [owner, option] : all_options(spec)) {
    if (option->value.empty()) continue;
    for (const std::string& name : option->names) {
      if (!seen.insert(name).second) continue;
      if (!option->choices.empty()) {
        by_values[joined(option->choices, " ")].push_back(name);
      } else if (option->path) {
        paths.push_back(name);
      } else {
        other_values.push_back(name);
      }
    }
  }
  std::string out = fmt::format(
      "# bash completion for cfsync, made by `cfsync completion bash` from its command line.\n"
      "# Load it with: source <(cfsync completion bash)\n"
      "_cfsync() {{\n"
      "  local cur=\"${{COMP_WORDS[COMP_CWORD]}}\" prev=\"\" command=\"\" i\n"
      "  ((COMP_CWORD > 0)) && prev=\"${{COMP_WORDS[COMP_CWORD - 1]}}\"\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    case \"${{COMP_WORDS[i]}}\" in\n"
      "      {}) command=\"${{COMP_WORDS[i]}}\"; break ;;\n"
      "    esac\n"
      "  done\n"
      "  case \"$prev\" in\n",
      joined(commands, "|"));
  for (const auto& [choices, names] : by_values) {
    out += fmt::format("    {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return 0 ;;\n",
                       joined(names, "|"), choices);
  }
  if (!paths.empty()) {
    out += fmt::format("    {}) COMPREPLY=($(compgen -f -- \"$cur\")); return 0 ;;\n",
                       joined(paths, "|"));
  }
  if (!other_values.empty()) {
    out += fmt::format("    {}) COMPREPLY=(); return 0 ;;\n", joined(other_values, "|"));
  }
  out += fmt::format(
      "  esac\n"
      "  local options=\"{}\"\n"
      "  case \"$command\" in\n",
      joined(names_of(spec.global), " "));
  for (const CommandSpec& command : spec.commands) {
    if (command.options.empty()) continue;
    out += fmt::format("    {}) options+=\" {}\" ;;\n", command.name,
                       joined(names_of(command.options), " "));
  }
  out +=
      "  esac\n"
      "  if [[ \"$cur\" == -* ]]; then\n"
      "    COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))\n"
      "    return 0\n"
      "  fi\n"
      "  if [[ -z \"$command\" ]]; then\n";
  out += fmt::format("    COMPREPLY=($(compgen -W \"{}\" -- \"$cur\"))\n", joined(commands, " "));
  out +=
      "    return 0\n"
      "  fi\n"
      "  case \"$command\" in\n";
  for (const CommandSpec& command : spec.commands) {
    for (const OptionSpec& positional : command.positionals) {
      if (!positional.choices.empty()) {
        out += fmt::format("    {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")) ;;\n",
                           command.name, joined(positional.choices, " "));
      } else if (positional.path) {
        out += fmt::format("    {}) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n", command.name);
      }
    }
  }
  out +=
      "  esac\n"
      "}\n"
      "complete -o filenames -F _cfsync cfsync\n";
  return out;
}

// A word for zsh's _arguments inside single quotes: no quote, and none of the characters its
// specs give a meaning to ([ ] :).
std::string zsh_text(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else if (c == '[' || c == ']') {
      out += c == '[' ? '(' : ')';
    } else if (c == ':') {
      out += "\\:";
    } else if (c == '`') {
      continue;
    } else {
      out += c;
    }
  }
  return out;
}

std::string zsh_spec(const OptionSpec& option) {
  std::string what;
  if (!option.value.empty()) {
    what = ":" + zsh_text(option.value) + ":";
    if (!option.choices.empty()) {
      what += "(" + joined(option.choices, " ") + ")";
    } else if (option.path) {
      what += "_files";
    } else {
      what += " ";
    }
  }
  const std::string description = "[" + zsh_text(summary(option.description)) + "]";
  if (option.names.size() == 1) return "'" + option.names.front() + description + what + "'";
  return "'(" + joined(option.names, " ") + ")'{" + joined(option.names, ",") + "}'" + description +
         what + "'";
}

std::string zsh_script(const CommandLineSpec& spec) {
  std::string out =
      "#compdef cfsync\n"
      "# zsh completion for cfsync, made by `cfsync completion zsh` from its command line.\n"
      "# Load it with: source <(cfsync completion zsh), or save it as _cfsync in $fpath.\n"
      "_cfsync() {\n"
      "  local curcontext=\"$curcontext\" state line\n"
      "  local -a global commands\n"
      "  global=(\n";
  for (const OptionSpec& option : spec.global) out += "    " + zsh_spec(option) + "\n";
  out += "  )\n  commands=(\n";
  for (const CommandSpec& command : spec.commands) {
    out += "    '" + command.name + ":" + zsh_text(summary(command.description)) + "'\n";
  }
  out +=
      "  )\n"
      "  _arguments -C $global '1: :->command' '*:: :->args'\n"
      "  case $state in\n"
      "    command) _describe -t commands 'cfsync command' commands ;;\n"
      "    args)\n"
      "      case $words[1] in\n";
  for (const CommandSpec& command : spec.commands) {
    out += "        " + command.name + ") _arguments $global";
    for (const OptionSpec& option : command.options) out += " " + zsh_spec(option);
    int position = 1;
    for (const OptionSpec& positional : command.positionals) {
      std::string action = positional.choices.empty() ? (positional.path ? "_files" : " ")
                                                      : "(" + joined(positional.choices, " ") + ")";
      out +=
          " '" + std::to_string(position++) + ":" + zsh_text(positional.value) + ":" + action + "'";
    }
    out += " ;;\n";
  }
  out +=
      "      esac ;;\n"
      "  esac\n"
      "}\n"
      "compdef _cfsync cfsync 2>/dev/null || _cfsync \"$@\"\n";
  return out;
}

// Single quotes for fish: a backslash and a quote are escaped.
std::string fish_text(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string fish_option(const OptionSpec& option) {
  std::string out;
  for (const std::string& name : option.names) {
    out += name.starts_with("--") ? " -l " + name.substr(2) : " -s " + name.substr(1);
  }
  if (!option.value.empty()) {
    if (!option.choices.empty()) {
      out += " -x -a " + fish_text(joined(option.choices, " "));
    } else if (option.path) {
      out += " -r -F";
    } else {
      out += " -x";
    }
  }
  return out + " -d " + fish_text(summary(option.description));
}

std::string fish_script(const CommandLineSpec& spec) {
  std::vector<std::string> commands;
  for (const CommandSpec& command : spec.commands) commands.push_back(command.name);
  std::string out =
      "# fish completion for cfsync, made by `cfsync completion fish` from its command line.\n"
      "# Load it with: cfsync completion fish | source\n"
      "complete -c cfsync -f\n";
  // Commands until one is on the line. Not __fish_use_subcommand, which takes the value of a
  // global option before the command (`cfsync -c dir pl`) for the command.
  const std::string no_command =
      " -n 'not __fish_seen_subcommand_from " + joined(commands, " ") + "'";
  for (const CommandSpec& command : spec.commands) {
    out += "complete -c cfsync" + no_command + " -a " + command.name + " -d " +
           fish_text(summary(command.description)) + "\n";
  }
  for (const OptionSpec& option : spec.global)
    out += "complete -c cfsync" + fish_option(option) + "\n";
  for (const CommandSpec& command : spec.commands) {
    const std::string when = " -n '__fish_seen_subcommand_from " + command.name + "'";
    for (const OptionSpec& option : command.options) {
      out += "complete -c cfsync" + when + fish_option(option) + "\n";
    }
    for (const OptionSpec& positional : command.positionals) {
      if (!positional.choices.empty()) {
        out += "complete -c cfsync" + when + " -x -a " +
               fish_text(joined(positional.choices, " ")) + "\n";
      } else if (positional.path) {
        out += "complete -c cfsync" + when + " -F\n";
      }
    }
  }
  return out;
}

// Text for roff: backslashes and dashes escaped, and no line that starts as a request would.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (const char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    line_start = c == '\n';
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  return out;
}

std::string man_option(const OptionSpec& option) {
  std::vector<std::string> names;
  for (const std::string& name : option.names) names.push_back("\\fB" + roff(name) + "\\fR");
  std::string out = ".TP\n" + joined(names, ", ");
  if (!option.value.empty()) out += " \\fI" + roff(option.value) + "\\fR";
  out += "\n" + roff(option.description);
  if (!option.choices.empty()) out += " (" + roff(joined(option.choices, ", ")) + ")";
  out += ".";
  if (!option.default_text.empty()) out += " Default: " + roff(option.default_text) + ".";
  if (!option.env.empty()) out += " Environment: \\fB" + roff(option.env) + "\\fR.";
  return out + "\n";
}

std::string man(const CommandLineSpec& spec) {
  std::string out = ".TH CFSYNC 1 \"\" \"cfsync " + std::string(k_version) +
                    "\" \"User Commands\"\n"
                    ".SH NAME\n"
                    "cfsync \\- keep a Cloudflare account's DLP and AI Search configuration equal "
                    "to a repository\n"
                    ".SH SYNOPSIS\n"
                    ".B cfsync\n"
                    ".RI [ OPTIONS ]\n"
                    ".I COMMAND\n"
                    ".RI [ COMMAND-OPTIONS ]\n"
                    ".SH DESCRIPTION\n" +
                    roff(spec.description) + "\n.SH COMMANDS\n";
  for (const CommandSpec& command : spec.commands) {
    out += ".TP\n\\fB" + roff(command.name) + "\\fR";
    for (const OptionSpec& positional : command.positionals) {
      out += " \\fI" + roff(positional.value) + "\\fR";
    }
    out += "\n" + roff(command.description) + "\n";
  }
  out += ".SH GLOBAL OPTIONS\nEvery command takes these, before or after its name.\n";
  for (const OptionSpec& option : spec.global) out += man_option(option);
  out += ".SH COMMAND OPTIONS\n";
  for (const CommandSpec& command : spec.commands) {
    if (command.options.empty() && command.positionals.empty()) continue;
    out += ".SS " + roff(command.name) + "\n";
    for (const OptionSpec& positional : command.positionals) out += man_option(positional);
    for (const OptionSpec& option : command.options) out += man_option(option);
  }
  out +=
      ".SH EXIT STATUS\n"
      "0 success; 1 error (configuration, credentials, the API, a change that failed, a usage "
      "error); 2 changes pending (\\fBplan \\-\\-detailed\\-exitcode\\fR); 3 drift "
      "(\\fBplan \\-\\-drift\\-exitcode\\fR).\n"
      ".SH ENVIRONMENT\n"
      "\\fBCLOUDFLARE_API_TOKEN\\fR (or \\fBCLOUDFLARE_EMAIL\\fR and \\fBCLOUDFLARE_API_KEY\\fR), "
      "\\fBCLOUDFLARE_ACCOUNT_ID\\fR, \\fBCLOUDFLARE_BASE_URL\\fR, \\fBSTATE_DIRECTORY\\fR, "
      "\\fBCFSYNC_LOCK_DIR\\fR, \\fBNO_COLOR\\fR.\n"
      ".SH SEE ALSO\n"
      "The README of the cfsync repository.\n";
  return out;
}

}  // namespace

std::vector<std::string> completion_shells() { return {"bash", "zsh", "fish"}; }

std::string completion_script(const CommandLineSpec& spec, std::string_view shell) {
  if (shell == "bash") return bash_script(spec);
  if (shell == "zsh") return zsh_script(spec);
  if (shell == "fish") return fish_script(spec);
  return "";
}

std::string man_page(const CommandLineSpec& spec) { return man(spec); }

}  // namespace cfsync::daemon
