// Reads a YAML value by a JSON Schema of the spec (reconcile/ai_search_schema.hpp): the subset
// the spec's AI Search settings use (type, nullable, enum, anyOf of enums, minimum, maximum,
// maxLength, maxItems, format uuid, properties, items). Every value is checked as the API would
// check it, and each error names its place; the result is the JSON the API is sent.
//
// Written here because no JSON Schema validator for C++ is packaged in Debian 12, and the
// errors must point into the YAML, which a validator of the converted JSON could not.
#pragma once

#include "config/yaml_reader.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace cfsync::config {

[[nodiscard]] std::optional<boost::json::value> read_by_schema(const yaml::Node& node,
                                                               const boost::json::object& schema,
                                                               const std::string& path,
                                                               Reader& reader);

}  // namespace cfsync::config
