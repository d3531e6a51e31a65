// Internal to api/: the workers that carry out a plan's changes, up to `workers` at once, in the
// order Schedule allows (reconcile/schedule.hpp).
#pragma once

#include "api/provider.hpp"
#include "reconcile/plan.hpp"

#include <atomic>
#include <cstddef>
#include <functional>

namespace spdlog {
class logger;
}

namespace cfsync::api {

// Runs `run` for each change the schedule lets start, on up to `workers` threads (the calling
// one included). The changes of a lane after a failed create are not attempted, nor, once `stop`
// is set, any change not yet started. `applied` sees each outcome as it is known, one at a time.
[[nodiscard]] ApplyReport run_changes(const Plan& plan, std::size_t workers,
                                      const std::function<ChangeOutcome(std::size_t index)>& run,
                                      const std::function<void(const ChangeOutcome&)>& applied,
                                      const std::atomic<bool>* stop, spdlog::logger& log);

}  // namespace cfsync::api
