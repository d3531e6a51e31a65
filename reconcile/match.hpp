// Identity: which live object each declared one is, by the key that names both (a profile's
// name, a document's key, a dataset's name), as octoDNS's Zone.changes pairs records. Every
// planner starts from it, then diffs the matched pairs, creates what is declared only, and
// deletes or leaves alone what is live only. A key that several live objects hold is ambiguous:
// the planner decides whether that stops it (it would have to guess) or not.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace cfsync::reconcile {

// How a declared object stands against the live ones.
enum class Identity {
  matched,       // one live object has its key
  desired_only,  // none: to create
  ambiguous,     // several: which one is meant cannot be told
};

template <class Desired, class Live>
struct Matching {
  struct Declared {
    const Desired* desired;
    Identity identity;
    const Live* live;  // when matched
  };
  // A key held by several live objects, with the declared object of that key if any.
  struct Ambiguous {
    std::string key;
    const Desired* desired = nullptr;
    std::vector<const Live*> live;  // in live order
  };

  std::vector<Declared> declared;      // every declared object, in declared order
  std::vector<const Live*> live_only;  // live objects no declared one names, in live order
  std::vector<Ambiguous> ambiguous;    // in key order, declared or not

  [[nodiscard]] const Ambiguous* ambiguous_named(const std::string& key) const {
    for (const Ambiguous& candidate : ambiguous) {
      if (candidate.key == key) return &candidate;
    }
    return nullptr;
  }
};

// Pairs `desired` and `live` by `desired_key(d)` == `live_key(l)`. Declared keys are unique (the
// configuration loader refuses a name given twice). Live objects for which `counts(l)` is false
// are passed over (a deleted item still listed).
template <class Desired, class Live, class DesiredKey, class LiveKey, class Counts>
[[nodiscard]] Matching<Desired, Live> match(const std::vector<Desired>& desired,
                                            const std::vector<Live>& live, DesiredKey desired_key,
                                            LiveKey live_key, Counts counts) {
  Matching<Desired, Live> out;
  std::map<std::string, std::vector<const Live*>> by_key;
  for (const Live& object : live) {
    if (counts(object)) by_key[std::string(live_key(object))].push_back(&object);
  }
  std::map<std::string, const Desired*> declared;
  for (const Desired& object : desired) {
    const std::string key(desired_key(object));
    declared.emplace(key, &object);
    const auto found = by_key.find(key);
    if (found == by_key.end()) {
      out.declared.push_back({&object, Identity::desired_only, nullptr});
    } else if (found->second.size() == 1) {
      out.declared.push_back({&object, Identity::matched, found->second.front()});
    } else {
      out.declared.push_back({&object, Identity::ambiguous, nullptr});
    }
  }
  for (const auto& [key, objects] : by_key) {
    if (objects.size() < 2) continue;
    const auto found = declared.find(key);
    out.ambiguous.push_back({key, found == declared.end() ? nullptr : found->second, objects});
  }
  for (const Live& object : live) {
    if (!counts(object)) continue;
    const std::string key(live_key(object));
    if (!declared.contains(key) && by_key.at(key).size() == 1) out.live_only.push_back(&object);
  }
  return out;
}

template <class Desired, class Live, class DesiredKey, class LiveKey>
[[nodiscard]] Matching<Desired, Live> match(const std::vector<Desired>& desired,
                                            const std::vector<Live>& live, DesiredKey desired_key,
                                            LiveKey live_key) {
  return match(desired, live, desired_key, live_key, [](const Live&) { return true; });
}

}  // namespace cfsync::reconcile
