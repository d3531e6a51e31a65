#include "config/json_shape.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace cfsync::config {

namespace json = boost::json;

namespace {

std::string shown(const json::value& value) { return json::serialize(value); }

std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string listed_values(const std::vector<json::value>& values) {
  std::string out;
  for (const json::value& value : values) out += (out.empty() ? "" : ", ") + shown(value);
  return out;
}

// The values an `enum`, or an `anyOf` of one-value enums (the spec's sync_interval), allows.
std::vector<json::value> allowed_values(const json::object& schema) {
  std::vector<json::value> out;
  if (const json::value* values = schema.if_contains("enum")) {
    for (const json::value& value : values->as_array()) out.push_back(value);
  }
  if (const json::value* alternatives = schema.if_contains("anyOf")) {
    for (const json::value& alternative : alternatives->as_array()) {
      if (const json::value* values = alternative.as_object().if_contains("enum")) {
        for (const json::value& value : values->as_array()) out.push_back(value);
      }
    }
  }
  return out;
}

std::string_view type_of(const json::object& schema) {
  if (const json::value* type = schema.if_contains("type")) return type->as_string();
  if (const json::value* alternatives = schema.if_contains("anyOf")) {
    for (const json::value& alternative : alternatives->as_array()) {
      if (const json::value* type = alternative.as_object().if_contains("type")) {
        return type->as_string();
      }
    }
  }
  return "";
}

bool nullable(const json::object& schema) {
  const json::value* flag = schema.if_contains("nullable");
  if (flag != nullptr && flag->as_bool()) return true;
  const std::vector<json::value> values = allowed_values(schema);
  return std::any_of(values.begin(), values.end(),
                     [](const json::value& value) { return value.is_null(); });
}

std::optional<double> bound(const json::object& schema, std::string_view key) {
  const json::value* value = schema.if_contains(key);
  if (value == nullptr) return std::nullopt;
  return value->to_number<double>();
}

std::string number_text(double number) {
  if (std::trunc(number) == number) return std::to_string(static_cast<std::int64_t>(number));
  return shown(json::value(number));
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::optional<json::value> read_number(const yaml::Node& node, const json::object& schema,
                                       std::string_view type, const std::string& path,
                                       Reader& reader) {
  const std::string expected = type == "integer" ? "an integer" : "a number";
  if (!node.is_scalar() || !node.plain()) {
    reader.error(node, path + ": expected " + expected + ", got " + describe(node),
                 Problem::wrong_type);
    return std::nullopt;
  }
  const std::string& text = node.scalar();
  double number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(number) ||
      (type == "integer" && std::trunc(number) != number)) {
    reader.error(node, path + ": expected " + expected + ", got " + describe(node),
                 Problem::wrong_type);
    return std::nullopt;
  }
  const auto minimum = bound(schema, "minimum");
  const auto maximum = bound(schema, "maximum");
  if ((minimum && number < *minimum) || (maximum && number > *maximum)) {
    std::string range = minimum && maximum
                            ? "from " + number_text(*minimum) + " to " + number_text(*maximum)
                        : minimum ? "at least " + number_text(*minimum)
                                  : "at most " + number_text(*maximum);
    reader.error(node, path + ": expected " + expected + " " + range + ", got " + text);
    return std::nullopt;
  }
  if (std::trunc(number) == number && std::abs(number) < 9.0e15) {
    return json::value(static_cast<std::int64_t>(number));
  }
  return json::value(number);
}

std::optional<json::value> read_object(const yaml::Node& node, const json::object& schema,
                                       const std::string& path, Reader& reader) {
  if (!node.is_map()) {
    reader.error(node, path + ": expected a mapping, got " + describe(node), Problem::wrong_type);
    return std::nullopt;
  }
  const json::value* properties = schema.if_contains("properties");
  json::object out;
  if (properties == nullptr || properties->as_object().empty()) {
    // A free-form object (parse_options.include_headers): names to text.
    for (const auto& [key, value] : node.entries()) {
      auto text = reader.string(value, join_path(path, key.scalar()));
      if (!text) return std::nullopt;
      out[key.scalar()] = *text;
    }
    return json::value(std::move(out));
  }
  std::vector<std::string_view> keys;
  for (const auto& entry : properties->as_object()) keys.push_back(entry.key());
  reader.mapping(node, path, keys);
  bool valid = true;
  for (const auto& [key, value] : node.entries()) {
    const json::value* child = properties->as_object().if_contains(key.scalar());
    if (child == nullptr) {
      valid = false;  // reported by mapping()
      continue;
    }
    auto read = read_by_schema(value, child->as_object(), join_path(path, key.scalar()), reader);
    if (!read) {
      valid = false;
      continue;
    }
    out[key.scalar()] = std::move(*read);
  }
  if (!valid) return std::nullopt;
  return json::value(std::move(out));
}

std::optional<json::value> read_array(const yaml::Node& node, const json::object& schema,
                                      const std::string& path, Reader& reader) {
  if (!node.is_sequence()) {
    reader.error(node, path + ": expected a list, got " + describe(node), Problem::wrong_type);
    return std::nullopt;
  }
  if (const json::value* most = schema.if_contains("maxItems");
      most != nullptr && node.size() > most->to_number<std::size_t>()) {
    reader.error(
        node, path + ": at most " + shown(*most) + " allowed, got " + std::to_string(node.size()));
    return std::nullopt;
  }
  const json::object empty;
  const json::value* items = schema.if_contains("items");
  json::array out;
  bool valid = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    auto item = read_by_schema(node[i], items != nullptr ? items->as_object() : empty,
                               path + "[" + std::to_string(i) + "]", reader);
    valid = valid && item.has_value();
    if (item) out.push_back(std::move(*item));
  }
  if (!valid) return std::nullopt;
  return json::value(std::move(out));
}

std::optional<json::value> read_string(const yaml::Node& node, const json::object& schema,
                                       const std::string& path, Reader& reader) {
  auto text = reader.string(node, path);
  if (!text) return std::nullopt;
  if (const json::value* most = schema.if_contains("maxLength");
      most != nullptr && utf8_length(*text) > most->to_number<std::size_t>()) {
    reader.error(node, path + ": at most " + shown(*most) + " characters, got " +
                           std::to_string(utf8_length(*text)));
    return std::nullopt;
  }
  if (const json::value* format = schema.if_contains("format");
      format != nullptr && format->as_string() == "uuid" && !is_uuid(*text)) {
    reader.error(node, path + ": expected a uuid, got " + describe(node));
    return std::nullopt;
  }
  return json::value(json::string(*text));
}

}  // namespace

std::optional<json::value> read_by_schema(const yaml::Node& node, const json::object& schema,
                                          const std::string& path, Reader& reader) {
  const std::string_view type = type_of(schema);
  if (node.is_null()) {
    if (nullable(schema)) return json::value(nullptr);
    reader.error(node, path + ": null is not allowed here", Problem::wrong_type);
    return std::nullopt;
  }
  std::optional<json::value> value;
  if (type == "boolean") {
    if (auto flag = reader.boolean(node, path)) value = json::value(*flag);
  } else if (type == "integer" || type == "number") {
    value = read_number(node, schema, type, path, reader);
  } else if (type == "object") {
    value = read_object(node, schema, path, reader);
  } else if (type == "array") {
    value = read_array(node, schema, path, reader);
  } else {
    value = read_string(node, schema, path, reader);
  }
  if (!value) return std::nullopt;
  const std::vector<json::value> allowed = allowed_values(schema);
  if (!allowed.empty() && std::none_of(allowed.begin(), allowed.end(), [&](const json::value& a) {
        return a == *value || (a.is_number() && value->is_number() &&
                               a.to_number<double>() == value->to_number<double>());
      })) {
    reader.error(node,
                 path + ": expected one of " + listed_values(allowed) + ", got " + describe(node));
    return std::nullopt;
  }
  return value;
}

}  // namespace cfsync::config
