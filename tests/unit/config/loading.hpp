// Helpers for config tests: write a YAML file, load it, read the problems back.
#pragma once

#include "config/load.hpp"
#include "tests/support/printers.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace cfsync::config::testing {

inline constexpr const char* k_account = "023e105f4ecef8ad9ca31a8372d0c353";
inline const std::string k_account_line = std::string("account_id: ") + k_account + "\n";

inline Result<Config> load_file(const test::TempDir& dir, const std::string& yaml,
                                std::optional<std::string> env_account = std::nullopt) {
  const auto file = dir.write("cfsync.yaml", yaml);
  return load({.path = file, .env_account_id = std::move(env_account)});
}

// `lines` with the temp directory's path taken out.
inline std::vector<std::string> relative(std::vector<std::string> lines, const test::TempDir& dir) {
  const std::string prefix = dir.path().string() + "/";
  for (std::string& line : lines) {
    for (std::size_t at; (at = line.find(prefix)) != std::string::npos;)
      line.erase(at, prefix.size());
  }
  return lines;
}

// The problems reported, with the temp directory's path taken out.
inline std::vector<std::string> problems(const Result<Config>& result, const test::TempDir& dir) {
  REQUIRE_FALSE(result);
  return relative(result.error().details, dir);
}

// What may be shown where anyone reads (/readyz): each problem's place and kind.
inline std::vector<std::string> outline(const Result<Config>& result, const test::TempDir& dir) {
  REQUIRE_FALSE(result);
  return relative(result.error().redacted_details, dir);
}

}  // namespace cfsync::config::testing
