// What the official spec says of AI Search namespaces' and instances' settings: their JSON
// Schemas (types, enums, bounds, nested objects), which keys the API answers, and which only a
// create sets. Derived from the spec by reconcile/ai_search_schema.py into ai_search_schema.json
// and built in; the config reader, the planner, export and `cfsync schema` all read it here.
#pragma once

#include <boost/json/object.hpp>

#include <string_view>

namespace cfsync::reconcile {

// {"type": "object", "properties": {…}}: description and public_endpoint_params.
[[nodiscard]] const boost::json::object& namespace_schema();
// {"type": "object", "properties": {…}}: every key of the create and update bodies but the id
// (and the deprecated hybrid_search_enabled).
[[nodiscard]] const boost::json::object& instance_schema();

// Whether a namespace's or an instance's result carries the key. One it does not (an instance's
// chunk, summarization, system prompts) cannot be compared with the account: cfsync compares it
// with what it last sent.
[[nodiscard]] bool namespace_key_answered(std::string_view key);
[[nodiscard]] bool instance_key_answered(std::string_view key);
// Keys of the create body that the update body lacks (type): changing one replaces the instance.
[[nodiscard]] bool instance_key_create_only(std::string_view key);

}  // namespace cfsync::reconcile
