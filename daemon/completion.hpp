// Shell completions and the man page, made from the command line's own tables (CommandLineSpec,
// read from the parser by command_line_spec()), never from lists kept by hand.
#pragma once

#include "daemon/cli.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace cfsync::daemon {

// The shells `cfsync completion SHELL` knows.
[[nodiscard]] std::vector<std::string> completion_shells();

// The completion script for `shell` (one of completion_shells()), to be sourced.
[[nodiscard]] std::string completion_script(const CommandLineSpec& spec, std::string_view shell);

// The man page, cfsync(1), in roff (man(7) macros).
[[nodiscard]] std::string man_page(const CommandLineSpec& spec);

}  // namespace cfsync::daemon
