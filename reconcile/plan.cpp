#include "reconcile/plan.hpp"

namespace cfsync {

std::string_view to_string(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::dlp_settings:
      return "dlp_settings";
  }
  return "unknown";
}

std::string_view to_string(Action action) {
  switch (action) {
    case Action::create:
      return "create";
    case Action::update:
      return "update";
    case Action::delete_:
      return "delete";
  }
  return "unknown";
}

void PlanSummary::add(Action action) {
  switch (action) {
    case Action::create:
      ++create;
      return;
    case Action::update:
      ++update;
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
