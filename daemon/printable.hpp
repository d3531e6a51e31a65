// Text from the API or the configuration, made safe to print on a terminal: a name, an error
// text or a log line must not move the cursor, retitle the window or hide what follows.
#pragma once

#include <string>
#include <string_view>

namespace cfsync::daemon {

// `text` with every control character written out: C0 controls (newlines and tabs included)
// and DEL as \xNN, C1 controls (U+0080 to U+009F) as \uNNNN, and each byte that is not part of
// valid UTF-8 as \xNN. Everything else, non-ASCII letters included, is kept as it is.
[[nodiscard]] std::string printable(std::string_view text);

}  // namespace cfsync::daemon
