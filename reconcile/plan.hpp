// A Plan: the changes that make the live state equal to the desired state, in the order they
// are applied, each with the field-level differences a reviewer reads.
#pragma once

#include "reconcile/model.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cfsync {

enum class ResourceKind { dlp_settings };
enum class Action { create, update, delete_ };

[[nodiscard]] std::string_view to_string(ResourceKind kind);
[[nodiscard]] std::string_view to_string(Action action);

// A value that is set but must not be shown (a key, a token, dataset content).
struct Masked {
  friend bool operator==(Masked, Masked) = default;
};

// A field's value as shown in a plan; monostate is null (not set, disabled).
using FieldValue = std::variant<std::monostate, bool, std::int64_t, std::string, Masked>;

struct FieldChange {
  std::string field;  // dotted path as in the configuration: "payload_logging.masking_level"
  FieldValue before;
  FieldValue after;

  friend bool operator==(const FieldChange&, const FieldChange&) = default;
};

// What apply sends, per kind. For settings: only the fields that differ are set.
using ChangePayload = std::variant<DesiredDlpSettings>;

struct Change {
  ResourceKind kind = ResourceKind::dlp_settings;
  std::string name;  // how people call the resource: "dlp settings", a profile's name
  std::string id;    // the live id, empty for singletons and creates
  Action action = Action::update;
  std::vector<FieldChange> fields;
  ChangePayload payload;
};

struct PlanSummary {
  int create = 0;
  int update = 0;
  int delete_ = 0;

  void add(Action action);
};

struct Plan {
  std::vector<Change> changes;

  [[nodiscard]] bool empty() const { return changes.empty(); }
  [[nodiscard]] PlanSummary summary() const;
};

}  // namespace cfsync
