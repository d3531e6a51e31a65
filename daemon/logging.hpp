// The process's logger: made here, passed down to the modules that log.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace cfsync::daemon {

enum class LogFormat { text, json };

// Logs to stderr. Text: "level: message". JSON: one object per line with time, level, message.
// `level` is a spdlog level name (trace, debug, info, warn, error, off). When `terminal` (stderr
// is one) and the format is text, the logger keeps a status line below the log lines.
// When `journal` (stderr goes to systemd's journal), text logs go to the journal with their
// priority and fields (SYSLOG_IDENTIFIER=cfsync, CODE_FILE, …) instead.
// `program`: text lines start with "program: " ("cfsync: error: …", as the command line's own
// errors), for one-shot commands; the daemon's lines are a log and keep "level: message".
[[nodiscard]] std::shared_ptr<spdlog::logger> make_logger(LogFormat format, std::string_view level,
                                                          bool terminal = false,
                                                          bool journal = false,
                                                          std::string_view program = {});

// The last line of a terminal, redrawn in place; log lines scroll above it.
class StatusLine {
 public:
  virtual ~StatusLine() = default;
  // Replaces the line; "" clears it.
  virtual void show(const std::string& text) = 0;
};

// The logger's status line, or null when it has none (not a terminal, or JSON logs).
[[nodiscard]] StatusLine* status_line_of(const spdlog::logger& logger);

}  // namespace cfsync::daemon
