// The process's logger: made here, passed down to the modules that log.
#pragma once

#include <memory>
#include <string_view>

namespace spdlog {
class logger;
}

namespace cfsync::daemon {

enum class LogFormat { text, json };

// Logs to stderr. Text: "level: message". JSON: one object per line with time, level, message.
// `level` is a spdlog level name (trace, debug, info, warn, error, off).
[[nodiscard]] std::shared_ptr<spdlog::logger> make_logger(LogFormat format, std::string_view level);

}  // namespace cfsync::daemon
