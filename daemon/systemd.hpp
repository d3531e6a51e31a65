// What cfsync tells systemd (libsystemd's sd_notify), and whether it runs under it. Outside
// systemd every call does nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace cfsync::daemon::systemd {

// "READY=1", "STATUS=…", "RELOADING=1", "STOPPING=1", "WATCHDOG=1".
void notify(const std::string& state);

// How often to send WATCHDOG=1: half of WatchdogSec=, when systemd asks for it.
[[nodiscard]] std::optional<std::chrono::milliseconds> watchdog_interval();

// Whether stderr is connected to the journal (JOURNAL_STREAM names stderr's device and inode).
[[nodiscard]] bool stderr_is_journal();

}  // namespace cfsync::daemon::systemd
