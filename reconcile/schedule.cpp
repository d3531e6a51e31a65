#include "reconcile/schedule.hpp"

#include "reconcile/family.hpp"

#include <algorithm>
#include <set>

namespace cfsync {

Schedule::Schedule(const Plan& plan) {
  m_slots.reserve(plan.changes.size());
  std::map<std::string, std::size_t, std::less<>> last_of_lane;
  // Per lane: the last change of each lane that waits for it, since that lane's last change.
  std::map<std::string, std::map<std::string, std::size_t>, std::less<>> dependents;
  for (const Change& change : plan.changes) {
    const reconcile::Family& family = reconcile::family_of(change.kind);
    reconcile::Placement placement = family.place(change);
    Slot slot{.track = family.track,
              .stage = placement.stage,
              .lane = std::move(placement.lane),
              .create = change.action == Action::create};
    if (const auto it = last_of_lane.find(placement.after); it != last_of_lane.end()) {
      slot.after = it->second;
    }
    if (const auto it = dependents.find(slot.lane); it != dependents.end()) {
      for (const auto& [lane, index] : it->second) slot.after_dependents.push_back(index);
      dependents.erase(it);
    }
    if (!placement.after.empty()) dependents[placement.after][slot.lane] = m_slots.size();
    last_of_lane[slot.lane] = m_slots.size();
    ++m_unfinished[{slot.track, slot.stage}];
    m_slots.push_back(std::move(slot));
  }
}

bool Schedule::stage_clear(const Slot& slot) const {
  for (auto it = m_unfinished.lower_bound({slot.track, 0});
       it != m_unfinished.end() && it->first.first == slot.track && it->first.second < slot.stage;
       ++it) {
    if (it->second > 0) return false;
  }
  return true;
}

std::optional<std::size_t> Schedule::next() {
  while (m_first_waiting < m_slots.size() &&
         m_slots[m_first_waiting].state != Slot::State::waiting) {
    ++m_first_waiting;
  }
  std::set<std::string_view> passed;  // lanes with an earlier change still waiting
  for (std::size_t i = m_first_waiting; i < m_slots.size(); ++i) {
    Slot& slot = m_slots[i];
    if (slot.state != Slot::State::waiting) continue;
    if (!passed.insert(slot.lane).second) continue;
    if (m_busy_lanes.contains(slot.lane) || !stage_clear(slot)) continue;
    // Lanes run in plan order: when the last change before it finished, all of that lane did.
    if (slot.after && m_slots[*slot.after].state != Slot::State::finished) continue;
    if (std::any_of(slot.after_dependents.begin(), slot.after_dependents.end(),
                    [&](std::size_t d) { return m_slots[d].state != Slot::State::finished; })) {
      continue;
    }
    slot.state = Slot::State::running;
    m_busy_lanes.emplace(slot.lane, i);
    ++m_running;
    return i;
  }
  return std::nullopt;
}

std::vector<std::size_t> Schedule::finish(std::size_t change, bool ok) {
  Slot& slot = m_slots.at(change);
  slot.state = Slot::State::finished;
  m_busy_lanes.erase(slot.lane);
  --m_running;
  ++m_finished;
  --m_unfinished[{slot.track, slot.stage}];
  std::vector<std::size_t> skipped;
  if (ok || !slot.create) return skipped;
  // The rest of its lane, and what waits for a change skipped or failed here.
  std::set<std::size_t> gone = {change};
  for (std::size_t i = change + 1; i < m_slots.size(); ++i) {
    const Slot& later = m_slots[i];
    if (later.state != Slot::State::waiting) continue;
    if (later.lane == slot.lane || (later.after && gone.contains(*later.after))) {
      skip(i, skipped);
      gone.insert(i);
    }
  }
  return skipped;
}

void Schedule::skip(std::size_t index, std::vector<std::size_t>& skipped) {
  Slot& slot = m_slots[index];
  slot.state = Slot::State::finished;
  ++m_finished;
  --m_unfinished[{slot.track, slot.stage}];
  skipped.push_back(index);
}

std::vector<std::size_t> Schedule::cancel() {
  std::vector<std::size_t> cancelled;
  for (std::size_t i = 0; i < m_slots.size(); ++i) {
    if (m_slots[i].state == Slot::State::waiting) skip(i, cancelled);
  }
  return cancelled;
}

}  // namespace cfsync
