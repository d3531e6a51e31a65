// What the AI Search handler files share: the envelopes, the error codes, and the account's
// namespaces and instances.
#pragma once

#include "tests/emulator/http_types.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
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
                                  std::optional<boost::json::object> result_info = std::nullopt);
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

// Whether the instance's items can be uploaded and deleted.
[[nodiscard]] bool is_managed(const boost::json::object& instance);

}  // namespace cfsync::emulator
