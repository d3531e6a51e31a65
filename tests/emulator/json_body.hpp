// Reading and checking JSON request bodies the way the spec declares them: a specific message
// for the first field that is wrong, and a 400 before any state changes.
#pragma once

#include "tests/emulator/http_types.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace cfsync::emulator {

// The body as a JSON object, or the 400 response to send.
[[nodiscard]] std::variant<boost::json::object, Response> object_body(const Request& request);

// A 400 envelope for an invalid body ("Invalid request body: <problem>").
[[nodiscard]] Response invalid_body(std::string_view problem);

// What a value is, for messages: "a string", "an object", "null", "true"...
[[nodiscard]] std::string kind_of(const boost::json::value& value);

// Each returns the problem with `object[key]`, if any. Absent keys are fine; null is fine when
// `nullable`. `path` names the field in the message ("payload_logging.masking_level").
[[nodiscard]] std::optional<std::string> check_bool(const boost::json::object& object,
                                                    std::string_view key, std::string_view path,
                                                    bool nullable);
[[nodiscard]] std::optional<std::string> check_string(const boost::json::object& object,
                                                      std::string_view key, std::string_view path,
                                                      bool nullable);
[[nodiscard]] std::optional<std::string> check_enum(const boost::json::object& object,
                                                    std::string_view key, std::string_view path,
                                                    std::span<const std::string_view> values,
                                                    bool nullable);
[[nodiscard]] std::optional<std::string> check_object(const boost::json::object& object,
                                                      std::string_view key, std::string_view path,
                                                      bool nullable);

[[nodiscard]] std::optional<std::string> check_integer(const boost::json::object& object,
                                                       std::string_view key, std::string_view path,
                                                       std::int64_t min, std::int64_t max,
                                                       bool nullable);
[[nodiscard]] std::optional<std::string> check_array(const boost::json::object& object,
                                                     std::string_view key, std::string_view path,
                                                     bool nullable);
// A present, non-null string that must be a uuid.
[[nodiscard]] std::optional<std::string> check_uuid(const boost::json::object& object,
                                                    std::string_view key, std::string_view path);
// Each item of an array of uuid strings.
[[nodiscard]] std::optional<std::string> check_uuid_array(const boost::json::object& object,
                                                          std::string_view key,
                                                          std::string_view path);
// The keys the body must carry.
[[nodiscard]] std::optional<std::string> check_required(
    const boost::json::object& object, std::string_view path,
    std::initializer_list<std::string_view> keys);

// Non-null and present.
[[nodiscard]] const boost::json::value* provided(const boost::json::object& object,
                                                 std::string_view key);

[[nodiscard]] bool is_base64(std::string_view text);
[[nodiscard]] bool is_uuid(std::string_view text);

}  // namespace cfsync::emulator
