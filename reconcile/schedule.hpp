// Which changes of a plan may run at the same time. Pure: apply asks it for the next change it
// may start and tells it which finished, from as many workers as it likes.
//
// Two rules keep the order where it matters:
// - stages: DLP settings first, then datasets (created or uploaded), then profiles and their
//   entries, then dataset deletes (a profile may use a dataset). AI Search items do not depend
//   on DLP and run from the start.
// - lanes: changes to one resource (a profile, an entry, a dataset, an item) run one after the
//   other in plan order. A change may also wait for another lane's earlier changes (an entry for
//   its profile's), while the changes that wait for one lane run side by side; a later change of
//   that lane waits for them in turn (a profile's delete for its entries' changes). After a failed
//   create, the rest of its lane and what waits for it are skipped, as they need what the create
//   would have made.
#pragma once

#include "reconcile/plan.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cfsync {

class Schedule {
 public:
  explicit Schedule(const Plan& plan);

  // A change that may start now, if any: every change of the earlier stages has finished and
  // its lane is idle.
  [[nodiscard]] std::optional<std::size_t> next();
  // `change` finished. Returns the changes skipped because of it (a failed create's lane).
  std::vector<std::size_t> finish(std::size_t change, bool ok);

  // Nothing more starts: the changes still waiting are finished as they are, and returned.
  std::vector<std::size_t> cancel();

  // Every change finished or skipped.
  [[nodiscard]] bool done() const { return m_finished == m_slots.size(); }
  // Changes started and not finished.
  [[nodiscard]] std::size_t running() const { return m_running; }

 private:
  struct Slot {
    int track = 0;  // stages order changes of one track only
    int stage = 0;
    std::string lane;
    // The change it waits for: the last one before it of the lane it comes after.
    std::optional<std::size_t> after;
    // The last earlier change of each lane that waits for this one's lane, since the last change
    // of this lane: plan order holds across them both ways.
    std::vector<std::size_t> after_dependents;
    bool create = false;
    enum class State { waiting, running, finished } state = State::waiting;
  };

  [[nodiscard]] bool stage_clear(const Slot& slot) const;
  // Finishes the waiting change `index` as skipped.
  void skip(std::size_t index, std::vector<std::size_t>& skipped);

  std::vector<Slot> m_slots;
  std::map<std::string, std::size_t> m_busy_lanes;  // lane -> the change running in it
  // Per track and stage: changes not yet finished.
  std::map<std::pair<int, int>, std::size_t> m_unfinished;
  std::size_t m_finished = 0;
  std::size_t m_running = 0;
  std::size_t m_first_waiting = 0;  // every change before it has started
};

}  // namespace cfsync
