// The emulator over HTTP/1.1 (Beast), on one thread.
#pragma once

#include "tests/emulator/emulator.hpp"

#include <cstddef>
#include <string>

namespace cfsync::emulator {

// Listens on `listen` ("127.0.0.1:0" picks a free port), prints exactly
// "listening on http://HOST:PORT" as the first line on stdout, and serves until SIGINT or
// SIGTERM. A request whose body is over `max_body_bytes` closes its connection. Answers are sent
// as the emulator says (Response::delay_ms on a timer, Response::delivery for faults). Returns
// the process exit code.
int serve(Emulator& emulator, const std::string& listen, std::size_t max_body_bytes);

}  // namespace cfsync::emulator
