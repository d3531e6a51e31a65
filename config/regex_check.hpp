// Whether a DLP entry's regex will be accepted by Cloudflare's engine.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cfsync::config {

// Cloudflare's DLP regexes use the Rust regex syntax, an RE2-style dialect without look-around or
// back-references. The check compiles the pattern with Boost.Regex's Perl syntax (which reads the
// same constructs, including (?i) flags and (?P<name>...) groups) and refuses the Perl
// constructs that RE2-style engines lack. Unicode classes and code points (\p{Lu}, \x{263a}),
// which Boost cannot compile without ICU, are checked as single atoms. The problem is described
// without quoting the pattern, which may reveal what it protects.
//
// Cloudflare also refuses a pattern that can match text of unbounded length: `*`, `+` and `{n,}`
// outside a character class (lazy forms included) are refused with the bounded form to write
// instead ({0,N}, {1,N}, {n,N}).
[[nodiscard]] std::optional<std::string> regex_problem(std::string_view pattern);

}  // namespace cfsync::config
