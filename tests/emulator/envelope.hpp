// Cloudflare's response envelope, DLP style: {success, errors, messages, result}.
#pragma once

#include "tests/emulator/http_types.hpp"

#include <boost/json/value.hpp>

#include <string_view>

namespace cfsync::emulator {

// Error codes the emulator answers with. Cloudflare documents few of them; where it does not,
// these are the ones its API is seen to use (see tests/emulator/README.md).
namespace code {
inline constexpr int invalid_token = 1000;
inline constexpr int invalid_body = 1001;
inline constexpr int no_route = 7003;
inline constexpr int not_found = 7002;
inline constexpr int method_not_allowed = 7001;
inline constexpr int invalid_headers = 6003;
inline constexpr int unknown_key = 9103;
inline constexpr int missing_credentials = 9106;
inline constexpr int authentication_error = 10000;
inline constexpr int rate_limited = 971;  // Cloudflare's, with the message below
// Injected 500 and 503 (--faults): the emulator's own codes.
inline constexpr int internal_error = 10001;
inline constexpr int unavailable = 10002;
}  // namespace code

// Cloudflare's message with code 971, for its 429s.
inline constexpr std::string_view k_throttled_message =
    "Please wait and consider throttling your request speed";

[[nodiscard]] Response success(boost::json::value result, int status = 200);
[[nodiscard]] Response failure(int status, int code, std::string_view message);

}  // namespace cfsync::emulator
