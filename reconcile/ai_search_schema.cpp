#include "reconcile/ai_search_schema.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace cfsync::reconcile {

extern const char k_ai_search_schema_json[];

namespace {

const boost::json::object& root() {
  static const boost::json::object parsed = boost::json::parse(k_ai_search_schema_json).as_object();
  return parsed;
}

bool listed(std::string_view list, std::string_view key) {
  const boost::json::array& names = root().at(list).as_array();
  return std::any_of(names.begin(), names.end(),
                     [&](const boost::json::value& name) { return name.as_string() == key; });
}

}  // namespace

const boost::json::object& namespace_schema() { return root().at("namespace").as_object(); }
const boost::json::object& instance_schema() { return root().at("instance").as_object(); }

bool namespace_key_answered(std::string_view key) { return listed("namespace_answered", key); }
bool instance_key_answered(std::string_view key) { return listed("instance_answered", key); }
bool instance_key_create_only(std::string_view key) { return listed("instance_create_only", key); }

}  // namespace cfsync::reconcile
