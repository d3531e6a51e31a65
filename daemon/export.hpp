// `cfsync export`: read everything cfsync manages from an account and write it as a
// configuration (to standard output, or into a directory with the files it refers to).
#pragma once

#include "daemon/commands.hpp"

#include <iosfwd>
#include <memory>

namespace spdlog {
class logger;
}

namespace cfsync::daemon {

// Exit code: 0 written (what could not be declared is logged as warnings), 1 error.
[[nodiscard]] int export_command(const Options& options, const Environment& environment,
                                 std::ostream& out, const std::shared_ptr<spdlog::logger>& logger);

}  // namespace cfsync::daemon
