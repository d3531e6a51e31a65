// A stateful stand-in for the Cloudflare API endpoints cfsync uses, with no sockets: requests in,
// responses out. server.cpp puts it behind HTTP.
#pragma once

#include "tests/emulator/http_types.hpp"
#include "tests/emulator/router.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace cfsync::emulator {

struct Options {
  // Credentials accepted: a bearer token, and/or an email with a global API key.
  std::optional<std::string> token;
  std::optional<std::string> email;
  std::optional<std::string> key;
  std::vector<std::string> accounts;  // accounts that exist (created if the state lacks them)
  std::optional<std::filesystem::path> state_file;  // loaded at start, saved on every change
};

// Now as RFC 3339 UTC with milliseconds: "2026-11-23T19:12:00.123Z".
[[nodiscard]] std::string utc_now();

class Emulator {
 public:
  using Clock = std::function<std::string()>;

  // Throws std::runtime_error when the state file exists but cannot be used.
  explicit Emulator(Options options, Clock clock = utc_now);

  [[nodiscard]] Response handle(const Request& request);

  [[nodiscard]] const boost::json::object& state() const { return m_state; }

 private:
  [[nodiscard]] std::optional<Response> authenticate(const Request& request) const;
  [[nodiscard]] Response serve_api(const Request& request, std::string_view path);
  [[nodiscard]] Response serve_hook(const Request& request, std::string_view path);
  void record(const Request& request, std::string_view path, const Response& response);
  void save() const;
  [[nodiscard]] std::string new_id();

  Options m_options;
  Clock m_clock;
  Router m_router;
  boost::json::object m_state;  // {"accounts": {"<id>": {...}}}
  boost::json::array m_log;     // requests in arrival order, hooks excluded
  std::mt19937_64 m_random{std::random_device{}()};
};

}  // namespace cfsync::emulator
