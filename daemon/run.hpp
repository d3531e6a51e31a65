// `cfsync run`: the daemon. Reconciles at start, every --interval (±10%), when the configuration
// changes (inotify, debounced) and on SIGHUP; keeps the last good configuration when a new one is
// invalid; retries a failed reconcile with capped backoff; tells systemd how it is doing and
// serves /healthz, /readyz and /metrics with --listen. SIGTERM or SIGINT: no new change starts,
// those in flight get --shutdown-timeout to finish, exit 0.
#pragma once

#include "daemon/cli.hpp"
#include "daemon/commands.hpp"

#include <memory>

namespace spdlog {
class logger;
}

namespace cfsync::daemon {

// The process exit code: 0 after a clean stop (or, with --once, a reconcile that succeeded),
// 1 when it cannot start (credentials, --listen) or --once failed.
[[nodiscard]] int run_daemon(const Options& options, const Environment& environment,
                             const std::shared_ptr<spdlog::logger>& logger);

}  // namespace cfsync::daemon
