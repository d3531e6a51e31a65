// What the two AI Search files share: ai_search.cpp (the lists, the items, the fixture) and
// ai_search_instances.cpp (namespaces and instances: create, read, update, move, delete).
#pragma once

#include "tests/emulator/http_types.hpp"
#include "tests/emulator/router.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cfsync::emulator {

// Error codes: the ones seen for AI Search (API.md §1), and two of the emulator's own.
namespace ai_code {
inline constexpr int invalid = 7001;
inline constexpr int not_found = 7002;
inline constexpr int conflict = 7008;
inline constexpr int too_large = 7013;
}  // namespace ai_code

// AI Search envelopes carry no errors or messages on success (API.md §1).
[[nodiscard]] Response ai_success(boost::json::value result,
                                  std::optional<boost::json::object> result_info = std::nullopt,
                                  int status = 200);
[[nodiscard]] Response ai_failure(int status, int code, std::string_view message);
// 404 "Ai search not found.", for an instance the path names that does not exist.
[[nodiscard]] Response instance_missing();

// The account's "ai_search" parts, made when missing: {"<name>": {...}} and
// {"<namespace>/<id>": {...}}.
boost::json::object& namespaces_of(boost::json::object& account);
boost::json::object& instances_of(boost::json::object& account);
[[nodiscard]] std::string instance_key(std::string_view namespace_name, std::string_view id);

// Characters, as JSON Schema's maxLength counts them (code points of UTF-8 text).
[[nodiscard]] std::size_t utf8_characters(std::string_view text);

// A namespace as the API shows it (GET, the list, create).
[[nodiscard]] boost::json::object namespace_json(std::string_view name,
                                                 const boost::json::object& stored);
// An instance as the list shows it: every field of its schema, null where nothing is set.
[[nodiscard]] boost::json::object listed_instance_json(const boost::json::object& stored,
                                                       const Context& context);
// Whether the instance's items can be uploaded and deleted: decided when it is made (no type and
// no source), or by the fixture.
[[nodiscard]] bool is_managed(const boost::json::object& instance);
// False while a new instance is "waiting" (--instance-ready-ms).
[[nodiscard]] bool is_ready(const boost::json::object& instance, const Context& context);

// The namespace and instance routes. `forget` drops what the item handlers keep beside the
// state for an instance, by "<account>/<namespace>/<id>", when one moves or goes.
using ForgetInstance = std::function<void(const std::string&)>;
void add_ai_search_instance_routes(Router& router, ForgetInstance forget);

}  // namespace cfsync::emulator
