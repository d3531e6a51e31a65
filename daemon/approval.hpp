// Whether `apply` may write a plan that is not empty, and the question it asks on a terminal
// (like Terraform's): only "yes" approves.
#pragma once

#include "daemon/cli.hpp"

#include <iosfwd>

namespace cfsync::daemon {

enum class Approval {
  given,       // --auto-approve, --apply, or a saved plan (reviewed when it was saved)
  ask,         // a terminal: show the plan and ask
  not_asked,   // no terminal (CI): apply as before, saying once that nothing was asked
  json_needs,  // --output json on a terminal: no text plan to ask about, --auto-approve needed
};

// `interactive`: stdin and stdout are terminals.
[[nodiscard]] Approval approval_for(const Options& options, bool interactive);

// What apply says on stderr when it writes without a terminal to ask on.
inline constexpr std::string_view k_not_asked_note =
    "not a terminal: applying without asking (use --auto-approve to say so)";

// Asks on `out` and reads one line of `in`: true only for "yes" (surrounding blanks aside).
[[nodiscard]] bool ask_approval(std::istream& in, std::ostream& out);

}  // namespace cfsync::daemon
