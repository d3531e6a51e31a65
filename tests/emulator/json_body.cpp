#include "tests/emulator/json_body.hpp"

#include "tests/emulator/envelope.hpp"

#include <openssl/evp.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

namespace cfsync::emulator {

namespace {

std::optional<std::string> check(const boost::json::object& object, std::string_view key,
                                 std::string_view path, bool nullable, boost::json::kind expected,
                                 std::string_view expected_text) {
  const auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  const boost::json::value& value = it->value();
  if (value.kind() == expected || (nullable && value.is_null())) return std::nullopt;
  return std::string(path) + " must be " + std::string(expected_text) +
         (nullable ? " or null" : "") + ", got " + kind_of(value);
}

}  // namespace

std::string kind_of(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return value.get_bool() ? "true" : "false";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

std::variant<boost::json::object, Response> object_body(const Request& request) {
  if (request.body.empty()) return invalid_body("a JSON object is required");
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(request.body, ec);
  if (ec) return invalid_body("not valid JSON (" + ec.message() + ")");
  if (!value.is_object()) return invalid_body("expected a JSON object, got " + kind_of(value));
  return std::move(value.as_object());
}

Response invalid_body(std::string_view problem) {
  return failure(400, code::invalid_body, "Invalid request body: " + std::string(problem));
}

std::optional<std::string> check_bool(const boost::json::object& object, std::string_view key,
                                      std::string_view path, bool nullable) {
  return check(object, key, path, nullable, boost::json::kind::bool_, "a boolean");
}

std::optional<std::string> check_string(const boost::json::object& object, std::string_view key,
                                        std::string_view path, bool nullable) {
  return check(object, key, path, nullable, boost::json::kind::string, "a string");
}

std::optional<std::string> check_object(const boost::json::object& object, std::string_view key,
                                        std::string_view path, bool nullable) {
  return check(object, key, path, nullable, boost::json::kind::object, "an object");
}

std::optional<std::string> check_enum(const boost::json::object& object, std::string_view key,
                                      std::string_view path,
                                      std::span<const std::string_view> values, bool nullable) {
  std::string listed;
  for (std::string_view value : values) listed += (listed.empty() ? "" : ", ") + std::string(value);
  if (auto problem =
          check(object, key, path, nullable, boost::json::kind::string, "one of " + listed)) {
    return problem;
  }
  const boost::json::value* value = provided(object, key);
  if (value == nullptr) return std::nullopt;
  const std::string_view text = value->get_string();
  if (std::find(values.begin(), values.end(), text) != values.end()) return std::nullopt;
  return std::string(path) + " must be one of " + listed + ", got " +
         boost::json::serialize(*value);
}

std::optional<std::string> check_integer(const boost::json::object& object, std::string_view key,
                                         std::string_view path, std::int64_t min, std::int64_t max,
                                         bool nullable) {
  const auto it = object.find(key);
  if (it == object.end() || (nullable && it->value().is_null())) return std::nullopt;
  const boost::json::value& value = it->value();
  const std::string expected = std::string(path) + " must be an integer from " +
                               std::to_string(min) + " to " + std::to_string(max) +
                               (nullable ? " or null" : "") + ", got ";
  if (!value.is_int64() && !value.is_uint64()) return expected + kind_of(value);
  const std::int64_t number =
      value.is_int64() ? value.get_int64() : static_cast<std::int64_t>(value.get_uint64());
  if (number < min || number > max) return expected + std::to_string(number);
  return std::nullopt;
}

std::optional<std::string> check_array(const boost::json::object& object, std::string_view key,
                                       std::string_view path, bool nullable) {
  return check(object, key, path, nullable, boost::json::kind::array, "an array");
}

std::optional<std::string> check_uuid(const boost::json::object& object, std::string_view key,
                                      std::string_view path) {
  if (auto problem = check_string(object, key, path, false)) return problem;
  const boost::json::value* value = provided(object, key);
  if (value == nullptr || !is_uuid(value->get_string())) {
    return std::string(path) + " must be a uuid";
  }
  return std::nullopt;
}

std::optional<std::string> check_uuid_array(const boost::json::object& object, std::string_view key,
                                            std::string_view path) {
  if (auto problem = check_array(object, key, path, true)) return problem;
  const boost::json::value* value = provided(object, key);
  if (value == nullptr) return std::nullopt;
  for (const boost::json::value& item : value->get_array()) {
    if (!item.is_string() || !is_uuid(item.get_string())) {
      return std::string(path) + " must hold uuids";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_required(const boost::json::object& object, std::string_view path,
                                          std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    if (!object.contains(key)) {
      return (path.empty() ? std::string() : std::string(path) + ".") + std::string(key) +
             " is required";
    }
  }
  return std::nullopt;
}

const boost::json::value* provided(const boost::json::object& object, std::string_view key) {
  const auto it = object.find(key);
  if (it == object.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

bool is_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return false;
  std::vector<unsigned char> decoded(text.size());
  return EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(text.data()),
                         static_cast<int>(text.size())) >= 0 &&
         text.find_first_of(" \t\r\n") == std::string_view::npos;
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : std::isxdigit(static_cast<unsigned char>(text[i])) == 0) {
      return false;
    }
  }
  return true;
}

}  // namespace cfsync::emulator
