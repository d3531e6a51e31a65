// The emulator's requests and responses, independent of the HTTP library.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cfsync::emulator {

struct Request {
  std::string method;                          // "GET", "PATCH", ...
  std::string path;                            // without the query
  std::string query;                           // after '?', undecoded
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::uint64_t connection = 0;  // which TCP connection it came on (1, 2, ...), for the log

  [[nodiscard]] const std::string* header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? nullptr : &it->second;
  }
};

// How the server hands a response over; injected faults (faults.hpp) pick the unusual ones.
enum class Delivery {
  send,      // the whole answer
  reset,     // no answer: the connection is reset (TCP RST)
  truncate,  // the headers with the full Content-Length, half the body, then the connection closes
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  Delivery delivery = Delivery::send;
  std::int64_t delay_ms = 0;  // how long the server waits before delivering (latency, slow)
};

}  // namespace cfsync::emulator
