// Internal to api/: reading Cloudflare responses with simdjson. Exposes simdjson; included only
// by api/ sources and their unit tests.
#pragma once

#include "api/http.hpp"
#include "reconcile/result.hpp"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cfsync::api {

// ErrorKind::protocol, "unexpected response: <message>": the API answered something cfsync
// cannot read.
[[nodiscard]] Error unexpected(std::string message);

// The envelope of a response that succeeded. Both envelope styles are read: DLP (success,
// errors, messages, result) and AI Search (errors and messages may be missing). A non-2xx
// status or `success: false` becomes ErrorKind::http with the status and the API's errors[].
[[nodiscard]] Result<simdjson::dom::object> read_envelope(simdjson::dom::parser& parser,
                                                          const HttpResponse& response);

// The envelope's `result` (which may be null), for responses that must carry one.
[[nodiscard]] Result<simdjson::dom::element> open_envelope(simdjson::dom::parser& parser,
                                                           const HttpResponse& response);

// The envelope's `result`, which must be an object: the prologue of most single-object answers.
[[nodiscard]] Result<simdjson::dom::object> result_object(simdjson::dom::parser& parser,
                                                          const HttpResponse& response);

// The result object of `response` read by `read(object, "result")`.
template <class Read>
[[nodiscard]] auto read_result(const HttpResponse& response, Read&& read)
    -> decltype(read(std::declval<simdjson::dom::object>(), std::string_view())) {
  simdjson::dom::parser parser;
  CFSYNC_TRY(simdjson::dom::object result, result_object(parser, response));
  return read(result, "result");
}

// Typed members of a result object; `where` names the object in messages ("result").
[[nodiscard]] Result<simdjson::dom::object> object_at(simdjson::dom::element element,
                                                      std::string_view where);
[[nodiscard]] Result<bool> bool_member(simdjson::dom::object object, std::string_view key,
                                       std::string_view where);
// Missing or null read as nothing.
[[nodiscard]] Result<std::optional<std::string>> optional_string_member(
    simdjson::dom::object object, std::string_view key, std::string_view where);
[[nodiscard]] Result<std::string> string_member(simdjson::dom::object object, std::string_view key,
                                                std::string_view where);
[[nodiscard]] Result<std::int64_t> int_member(simdjson::dom::object object, std::string_view key,
                                              std::string_view where);
// Missing or null read as `fallback` (the spec's default).
[[nodiscard]] Result<bool> optional_bool_member(simdjson::dom::object object, std::string_view key,
                                                std::string_view where, bool fallback);
// An array of strings; missing or null read as empty.
[[nodiscard]] Result<std::vector<std::string>> string_array_member(simdjson::dom::object object,
                                                                   std::string_view key,
                                                                   std::string_view where);
// An array of objects; missing or null read as empty.
[[nodiscard]] Result<std::vector<simdjson::dom::object>> object_array_member(
    simdjson::dom::object object, std::string_view key, std::string_view where);

// A list's `result` array; `what` names its elements in the message ("of items").
[[nodiscard]] Result<simdjson::dom::array> result_array(simdjson::dom::object envelope,
                                                        std::string_view what);
// A list's result_info.total_count, when the API gave one.
[[nodiscard]] std::optional<std::int64_t> total_count_of(simdjson::dom::object envelope);

}  // namespace cfsync::api
