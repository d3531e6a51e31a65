// GET /status on `cfsync run --listen`, and `cfsync status --listen ADDRESS:PORT`, which prints
// it for a person: what the daemon enforces, how its last pass went, when the next one runs.
#pragma once

#include "daemon/cli.hpp"

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

namespace cfsync::daemon {

struct DaemonStatus {
  using Time = std::chrono::system_clock::time_point;

  // --git-url: what the source follows and how its fetches go.
  struct Source {
    std::string ref;                     // what --git-ref names, or the remote's HEAD branch
    std::optional<std::string> fetched;  // the newest commit fetched, "main@sha1:…"
    std::optional<Time> last_fetch;
    std::string last_fetch_result;  // success, failure, refused
    std::string last_fetch_error;   // "" after a success
  };
  struct Pass {
    Time started;
    Time finished;
    std::string result;  // success, failure, config_error
    std::string summary;
    std::size_t planned = 0;
    std::size_t applied = 0;
    std::size_t drift = 0;
    bool suspended = false;  // planned only: the configuration says `suspend: true`
  };

  std::optional<std::string> revision;  // the commit enforced, when the configuration has one
  std::optional<Source> source;
  std::optional<Pass> last_pass;
  bool running = false;           // a pass runs now
  std::optional<Time> next_pass;  // when none runs: when the next one starts
  std::string last_error;         // the last failed pass's, or the configuration error
  std::string config_error;       // the newest configuration's problem (redacted), or ""
  bool suspended = false;         // the configuration enforced says `suspend: true`
  bool ready = false;             // what /readyz says
};

// "2026-11-30T18:00:00Z": how /status and the notifications write a time.
[[nodiscard]] std::string rfc3339(std::chrono::system_clock::time_point time);

// The JSON GET /status answers (Boost.JSON); times are RFC 3339 in UTC.
[[nodiscard]] std::string status_json(const DaemonStatus& status);

// `cfsync status`: asks the daemon at --listen and prints its status (--output json: as the daemon
// gave it). Exit code 0 when the daemon is ready, 3 when it answers but is not, 1 when it cannot
// be asked.
[[nodiscard]] int status_command(const Options& options, std::ostream& out);

}  // namespace cfsync::daemon
