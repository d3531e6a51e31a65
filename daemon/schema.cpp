#include "daemon/schema.hpp"

#include "config/load.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace cfsync::daemon {

namespace json = boost::json;

namespace {

// What is not any section's: the document around them, and the types several share.
constexpr std::string_view k_document = R"json({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://github.com/cfsync/cfsync/config.schema.json",
  "title": "cfsync configuration",
  "description": "Desired state of a Cloudflare account's DLP and AI Search configuration (README, Configuration).",
  "type": "object",
  "additionalProperties": false,
  "properties": {},
  "$defs": {
    "uuid": {"type": "string", "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"}
  }
})json";

// A value short enough stays on one line; a longer object or array gets one member per line.
constexpr std::size_t k_line_width = 96;

// On one line, with a space after each ',' and ':' as a reader's eye wants (Boost.JSON writes
// none).
void print_inline(const json::value& value, std::string& out) {
  if (value.is_object()) {
    out += "{";
    bool first = true;
    for (const auto& [key, member] : value.as_object()) {
      out += (first ? "" : ", ") + json::serialize(json::value(key)) + ": ";
      print_inline(member, out);
      first = false;
    }
    out += "}";
  } else if (value.is_array()) {
    out += "[";
    bool first = true;
    for (const json::value& item : value.as_array()) {
      out += first ? "" : ", ";
      print_inline(item, out);
      first = false;
    }
    out += "]";
  } else {
    out += json::serialize(value);
  }
}

void print(const json::value& value, std::size_t indent, std::string& out) {
  std::string line;
  print_inline(value, line);
  if ((!value.is_object() && !value.is_array()) || indent + line.size() <= k_line_width) {
    out += line;
    return;
  }
  const std::string inner(indent + 2, ' ');
  const bool object = value.is_object();
  out += object ? "{\n" : "[\n";
  bool first = true;
  if (object) {
    for (const auto& [key, member] : value.as_object()) {
      out += (first ? "" : ",\n") + inner + json::serialize(json::value(key)) + ": ";
      print(member, indent + 2, out);
      first = false;
    }
  } else {
    for (const json::value& item : value.as_array()) {
      out += (first ? "" : ",\n") + inner;
      print(item, indent + 2, out);
      first = false;
    }
  }
  out += "\n" + std::string(indent, ' ') + (object ? "}" : "]");
}

std::string compose() {
  json::value document = json::parse(k_document);
  json::object& root = document.as_object();
  json::object& defs = root["$defs"].as_object();
  for (const config::SchemaPart& part : config::schema_parts()) {
    json::object* into = &root["properties"].as_object();
    if (!part.group.empty()) {
      json::value& group = (*into)[part.group];
      if (!group.is_object()) {
        group = json::object{
            {"type", "object"}, {"additionalProperties", false}, {"properties", json::object{}}};
      }
      into = &group.as_object()["properties"].as_object();
    }
    (*into)[part.key] = json::parse(part.schema);
    if (part.defs.empty()) continue;
    const json::value parsed = json::parse(part.defs);
    for (const auto& [name, definition] : parsed.as_object()) defs[name] = definition;
  }
  std::string out;
  print(document, 0, out);
  return out + "\n";
}

}  // namespace

const std::string& config_schema() {
  static const std::string schema = compose();
  return schema;
}

}  // namespace cfsync::daemon
