// RFC 3339 timestamps as the API writes them (created_at): "2026-11-30T09:05:17.123456Z",
// "…+01:00". Only ordering is needed, so they are read into one instant each.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace cfsync::reconcile {

using Instant = std::chrono::sys_time<std::chrono::nanoseconds>;

// The instant `text` names, or nothing when it is not an RFC 3339 date-time.
[[nodiscard]] std::optional<Instant> parse_instant(std::string_view text);

}  // namespace cfsync::reconcile
