// Field tables: a family's scalar fields, one line each, walked by the diff, the plan's field
// list, the request body and the check of the API's answer, so that a field's name is written
// once. Each field's path is the same in the configuration, in plans and in the API's JSON
// ("payload_logging.masking_level"); its type says how a plan shows it (a Sensitive masked) and
// how it is sent.
#pragma once

#include "reconcile/model.hpp"
#include "reconcile/plan.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>

namespace cfsync::reconcile {

// The values an integer field may be declared with (the API's request bounds).
struct Bounds {
  int min;
  int max;
};

// A field declared in `Desired` (unset: left alone), read in `Live`, and, when the write sends
// every field, carried in `Payload` (the declared value, else the live one). The configuration
// reads, exports and describes it in the JSON Schema by its type (config/fields.hpp), except a
// Sensitive one, whose family reads it (a key can also be given by file).
template <class Desired, class Live, class T, class Payload = Desired>
struct ScalarField {
  using Type = T;
  std::string_view path;
  std::optional<T> Desired::*desired;
  T Live::*live;
  T Payload::*sent = nullptr;
  std::optional<Bounds> bounds = std::nullopt;
};

// A field's mapping in the configuration ("payload_logging" for "payload_logging.masking_level",
// "" at the top) and its key there ("masking_level").
constexpr std::string_view field_group(std::string_view path) {
  const auto dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
}
constexpr std::string_view field_key(std::string_view path) {
  const auto dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

// Calls `visit(field)` for each field of `table` (a tuple of ScalarFields), in order.
template <class Table, class Visit>
void for_each_field(const Table& table, Visit&& visit) {
  std::apply([&](const auto&... field) { (visit(field), ...); }, table);
}

// The names the configuration and the API give an enum's values, in their order.
inline std::span<const std::string_view> names_of(MaskingLevel) { return masking_level_names(); }
inline std::span<const std::string_view> names_of(Confidence) { return confidence_names(); }

// How a plan shows a field's value.
inline FieldValue shown_field(bool value) { return value; }
inline FieldValue shown_field(int value) { return static_cast<std::int64_t>(value); }
inline FieldValue shown_field(MaskingLevel value) { return std::string(to_string(value)); }
inline FieldValue shown_field(Confidence value) { return std::string(to_string(value)); }
// Text: empty is null, as the API reads it.
inline FieldValue shown_field(const std::string& value) {
  if (value.empty()) return std::monostate{};
  return value;
}
inline FieldValue shown_field(const Sensitive& value) {
  if (value.empty()) return std::monostate{};
  return Masked{value};
}

// What the API's JSON carries for a field's value; monostate is null.
using SentValue = std::variant<std::monostate, bool, std::int64_t, std::string>;
inline SentValue sent_field(bool value) { return value; }
inline SentValue sent_field(int value) { return static_cast<std::int64_t>(value); }
inline SentValue sent_field(MaskingLevel value) { return std::string(to_string(value)); }
inline SentValue sent_field(Confidence value) { return std::string(to_string(value)); }
// Text: empty is null, as the API reads it.
inline SentValue sent_field(const std::string& value) {
  if (value.empty()) return std::monostate{};
  return value;
}
// A key: "" disables payload logging, where null would mean "unchanged" to a PATCH.
inline SentValue sent_field(const Sensitive& value) { return value.reveal(); }

// The declared fields of `desired` that differ from `live`, as the plan shows them.
template <class Table, class Desired, class Live>
std::vector<FieldChange> field_changes(const Table& table, const Desired& desired,
                                       const Live& live) {
  std::vector<FieldChange> out;
  for_each_field(table, [&](const auto& field) {
    const auto& value = desired.*field.desired;
    if (value && *value != live.*field.live) {
      out.push_back({std::string(field.path), shown_field(live.*field.live), shown_field(*value)});
    }
  });
  return out;
}

// Every declared field of `desired`, as a plan shows an object about to be created.
template <class Table, class Desired>
void declared_fields(const Table& table, const Desired& desired, std::vector<FieldChange>& out) {
  for_each_field(table, [&](const auto& field) {
    if (const auto& value = desired.*field.desired) {
      out.push_back({std::string(field.path), {}, shown_field(*value)});
    }
  });
}

// Sets every field of `body`, for a write that sends them all: the declared value, else the live
// one.
template <class Table, class Desired, class Live>
void fill_fields(const Table& table, const Desired& desired, const Live& live, Desired& body) {
  for_each_field(table, [&](const auto& field) {
    body.*field.desired = (desired.*field.desired).value_or(live.*field.live);
  });
}

// The paths of the fields whose value in `sent` the API's `answer` does not hold.
template <class Table, class Payload, class Live>
std::vector<std::string_view> fields_not_applied(const Table& table, const Payload& sent,
                                                 const Live& answer) {
  std::vector<std::string_view> out;
  for_each_field(table, [&](const auto& field) {
    if (sent.*field.sent != answer.*field.live) out.push_back(field.path);
  });
  return out;
}

}  // namespace cfsync::reconcile
