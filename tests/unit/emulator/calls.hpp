// Helpers for emulator tests: an emulator with one account, and authorised calls to it.
#pragma once

#include "tests/emulator/emulator.hpp"

#include <boost/json/parse.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace cfsync::emulator::testing {

inline constexpr const char* k_account = "023e105f4ecef8ad9ca31a8372d0c353";
inline const std::string k_dlp = std::string("/accounts/") + k_account + "/dlp";

inline constexpr std::int64_t k_start_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

// A clock that moves one second per reading.
inline Emulator::Clock ticking() {
  auto now = std::make_shared<std::int64_t>(k_start_ms);
  return [now] {
    const std::int64_t reading = *now;
    *now += 1000;
    return reading;
  };
}

// A clock that stands still until the test moves it.
struct StoppedClock {
  std::shared_ptr<std::int64_t> now = std::make_shared<std::int64_t>(k_start_ms);

  [[nodiscard]] Emulator::Clock clock() const {
    return [now = now] { return *now; };
  }
  void advance(std::int64_t ms) const { *now += ms; }
};

inline Emulator make(std::optional<std::filesystem::path> state = std::nullopt) {
  return Emulator({.token = "tok",
                   .email = "a@example.com",
                   .key = "global",
                   .accounts = {k_account},
                   .state_file = std::move(state)},
                  ticking());
}

inline Response call(Emulator& emulator, std::string method, std::string path,
                     std::string body = {}) {
  Request request{.method = std::move(method), .path = std::move(path), .body = std::move(body)};
  request.headers["authorization"] = "Bearer tok";
  return emulator.handle(request);
}

inline boost::json::value result_of(const Response& response) {
  return boost::json::parse(response.body).as_object().at("result");
}

inline std::string error_of(const Response& response) {
  return std::string(
      boost::json::parse(response.body).at("errors").at(0).at("message").as_string());
}

}  // namespace cfsync::emulator::testing
