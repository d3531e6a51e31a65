#include "reconcile/plan.hpp"

#include "reconcile/family.hpp"

#include <algorithm>

namespace cfsync {

std::string_view to_string(ResourceKind kind) { return reconcile::traits_of(kind).name; }

std::string_view to_string(Action action) {
  switch (action) {
    case Action::create:
      return "create";
    case Action::update:
      return "update";
    case Action::replace:
      return "replace";
    case Action::move:
      return "move";
    case Action::delete_:
      return "delete";
  }
  return "unknown";
}

Protected Protected::words(const WordList& words) {
  std::string lines;
  for (const std::string& word : words) {
    if (!lines.empty()) lines += '\n';
    lines += word;
  }
  return {Form::words, Sensitive(std::move(lines))};
}

std::size_t Protected::size() const {
  const std::string& text = value.reveal();
  if (form == Form::text) return text.size();
  if (text.empty()) return 0;
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

void PlanSummary::add(Action action) {
  switch (action) {
    case Action::create:
      ++create;
      return;
    case Action::update:
      ++update;
      return;
    case Action::replace:
      ++replace;
      return;
    case Action::move:
      ++move;
      return;
    case Action::delete_:
      ++delete_;
      return;
  }
}

PlanSummary Plan::summary() const {
  PlanSummary summary;
  for (const Change& change : changes) summary.add(change.action);
  return summary;
}

}  // namespace cfsync
