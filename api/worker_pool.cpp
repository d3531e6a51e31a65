#include "api/worker_pool.hpp"

#include "api/provider_family.hpp"
#include "reconcile/schedule.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace cfsync::api {

ApplyReport run_changes(const Plan& plan, std::size_t workers,
                        const std::function<ChangeOutcome(std::size_t index)>& run,
                        const std::function<void(const ChangeOutcome&)>& applied,
                        const std::atomic<bool>* stop, spdlog::logger& log) {
  ApplyReport report;
  report.outcomes.resize(plan.changes.size());
  Schedule schedule(plan);
  std::mutex mutex;  // guards schedule and report, and serialises `applied`
  std::condition_variable changed;
  const auto note = [&](ChangeOutcome outcome) {
    if (applied) applied(outcome);
    report.outcomes[outcome.change] = std::move(outcome);
  };
  const auto finished = [&](ChangeOutcome outcome) {
    const Change& change = plan.changes[outcome.change];
    for (std::size_t skipped : schedule.finish(outcome.change, !outcome.error)) {
      const Change& later = plan.changes[skipped];
      ChangeOutcome not_attempted{.change = skipped};
      not_attempted.error = Error(ErrorKind::apply, "not attempted: it needs " + subject(change) +
                                                        ", which could not be created");
      log.error("{} {} {}: {}", to_string(later.action), to_string(later.kind), subject(later),
                not_attempted.error->message());
      note(std::move(not_attempted));
    }
    note(std::move(outcome));
  };
  // Each worker takes the next change the schedule allows and runs it without the lock.
  const auto work = [&] {
    std::unique_lock lock(mutex);
    while (!schedule.done()) {
      if (stop != nullptr && stop->load()) {
        for (std::size_t left : schedule.cancel()) {
          ChangeOutcome not_attempted{.change = left};
          not_attempted.error = Error(ErrorKind::apply, "not attempted: cfsync is stopping");
          note(std::move(not_attempted));
        }
        if (schedule.done()) break;
        changed.wait(lock);  // for the changes still running
        continue;
      }
      const std::optional<std::size_t> next = schedule.next();
      if (!next) {
        changed.wait(lock);
        continue;
      }
      lock.unlock();
      ChangeOutcome outcome = run(*next);
      lock.lock();
      finished(std::move(outcome));
      changed.notify_all();
    }
    changed.notify_all();
  };
  const std::size_t count = std::min(std::max<std::size_t>(1, workers), plan.changes.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < count; ++i) threads.emplace_back(work);
  work();
  for (std::thread& thread : threads) thread.join();
  return report;
}

}  // namespace cfsync::api
