// A family's field table (reconcile/fields.hpp) as the configuration sees it: the keys a mapping
// takes, how each field's value is read, and its part of the JSON Schema. Export writes the same
// table (config/export.cpp).
#pragma once

#include "config/document.hpp"
#include "reconcile/fields.hpp"

#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace cfsync::config {

template <class T>
inline constexpr bool k_read_by_family = std::is_same_v<T, Sensitive>;

inline std::optional<bool> read_value(const yaml::Node& node, std::string_view path, Reader& reader,
                                      std::optional<bool>*,
                                      const std::optional<reconcile::Bounds>&) {
  return reader.boolean(node, path);
}
inline std::optional<int> read_value(const yaml::Node& node, std::string_view path, Reader& reader,
                                     std::optional<int>*,
                                     const std::optional<reconcile::Bounds>& bounds) {
  return reader.integer(node, path, bounds->min, bounds->max);
}
// Text: null declares it empty.
inline std::optional<std::string> read_value(const yaml::Node& node, std::string_view path,
                                             Reader& reader, std::optional<std::string>*,
                                             const std::optional<reconcile::Bounds>&) {
  if (node.is_null()) return std::string();
  return reader.string(node, path);
}
template <class Enum>
requires std::is_enum_v<Enum> std::optional<Enum> read_value(
    const yaml::Node& node, std::string_view path, Reader& reader, std::optional<Enum>*,
    const std::optional<reconcile::Bounds>&) {
  auto index = reader.one_of(node, path, reconcile::names_of(Enum{}));
  if (!index) return std::nullopt;
  return static_cast<Enum>(*index);
}

// Reads the fields of `table` that `mapping` (at `path`, the table's `group`) declares into
// `out`; false when one is invalid (reported).
template <class Table, class Desired>
bool read_fields(const Table& table, std::string_view group, const yaml::Node& mapping,
                 std::string_view path, Reader& reader, Desired& out) {
  bool valid = true;
  reconcile::for_each_field(table, [&](const auto& field) {
    using T = typename std::remove_cvref_t<decltype(field)>::Type;
    if constexpr (!k_read_by_family<T>) {
      if (reconcile::field_group(field.path) != group) return;
      const std::string_view key = reconcile::field_key(field.path);
      if (const yaml::Node node = mapping[std::string(key)]) {
        auto& value = out.*field.desired;
        value = read_value(node, join_path(path, key), reader, &value, field.bounds);
        valid = valid && value.has_value();
      }
    }
  });
  return valid;
}

// The keys of a mapping: `before`, the table's fields of `group`, then `after`.
template <class Table>
std::vector<std::string_view> keys_with_fields(std::initializer_list<std::string_view> before,
                                               const Table& table, std::string_view group,
                                               std::initializer_list<std::string_view> after) {
  std::vector<std::string_view> keys(before);
  reconcile::for_each_field(table, [&](const auto& field) {
    if (reconcile::field_group(field.path) == group)
      keys.push_back(reconcile::field_key(field.path));
  });
  keys.insert(keys.end(), after);
  return keys;
}

// A field's value in the JSON Schema.
inline std::string schema_of(bool*, const std::optional<reconcile::Bounds>&) {
  return R"({"type": "boolean"})";
}
inline std::string schema_of(int*, const std::optional<reconcile::Bounds>& bounds) {
  return R"({"type": "integer", "minimum": )" + std::to_string(bounds->min) + R"(, "maximum": )" +
         std::to_string(bounds->max) + "}";
}
inline std::string schema_of(std::string*, const std::optional<reconcile::Bounds>&) {
  return R"({"type": ["string", "null"]})";
}
template <class Enum>
requires std::is_enum_v<Enum> std::string schema_of(Enum*,
                                                    const std::optional<reconcile::Bounds>&) {
  std::string names;
  for (std::string_view name : reconcile::names_of(Enum{})) {
    names += std::string(names.empty() ? "" : ", ") + "\"" + std::string(name) + "\"";
  }
  return R"({"enum": [)" + names + "]}";
}

// The JSON Schema properties of the table's fields of `group`, each followed by a comma: spliced
// into a section's schema text before the properties its family writes.
template <class Table>
std::string field_properties(const Table& table, std::string_view group) {
  std::string out;
  reconcile::for_each_field(table, [&](const auto& field) {
    using T = typename std::remove_cvref_t<decltype(field)>::Type;
    if constexpr (!k_read_by_family<T>) {
      if (reconcile::field_group(field.path) != group) return;
      out += "\"" + std::string(reconcile::field_key(field.path)) +
             "\": " + schema_of(static_cast<T*>(nullptr), field.bounds) + ",\n";
    }
  });
  return out;
}

}  // namespace cfsync::config
