// The JSON Schema that `cfsync schema` prints lists exactly the keys the configuration readers
// accept, mapping by mapping: a key added to a reader's table and not to the schema (or the
// reverse) fails here.
#include "daemon/schema.hpp"

#include "config/load.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <set>
#include <string>

namespace cfsync::daemon {
namespace {

// The object at `pointer` (RFC 6901, without escapes) in the schema.
simdjson::dom::object at(simdjson::dom::element root, std::string_view pointer) {
  simdjson::dom::element node = root;
  while (!pointer.empty()) {
    pointer.remove_prefix(1);  // '/'
    const std::size_t end = pointer.find('/');
    const std::string_view step = pointer.substr(0, end);
    REQUIRE_MESSAGE(node[step].get(node) == simdjson::SUCCESS, std::string(step));
    pointer = end == std::string_view::npos ? std::string_view() : pointer.substr(end);
  }
  simdjson::dom::object object;
  REQUIRE(node.get(object) == simdjson::SUCCESS);
  return object;
}

TEST_CASE("each mapping's keys in the schema are those its reader accepts") {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(std::string(config_schema())).get(root) == simdjson::SUCCESS);
  const std::vector<config::KeyTable> tables = config::key_tables();
  CHECK(tables.size() >= 10);
  for (const config::KeyTable& table : tables) {
    CAPTURE(table.schema_pointer);
    simdjson::dom::object properties;
    REQUIRE(at(root, table.schema_pointer)["properties"].get(properties) == simdjson::SUCCESS);
    std::set<std::string_view> in_schema;
    for (const auto field : properties) in_schema.insert(field.key);
    const std::set<std::string_view> accepted(table.keys.begin(), table.keys.end());
    const auto listed = [](const std::set<std::string_view>& keys) {
      std::string out;
      for (std::string_view key : keys)
        out += std::string(out.empty() ? "" : ", ") + std::string(key);
      return out;
    };
    CHECK(listed(in_schema) == listed(accepted));
    CHECK(accepted.size() == table.keys.size());  // no key listed twice
  }
}

}  // namespace
}  // namespace cfsync::daemon
