// What the end-to-end tests of `cfsync run` share: waiting for what a daemon does, the DLP
// settings they flip, /metrics read by Prometheus's own parser, and a git origin to push to.
#pragma once

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cfsync::test {

// Polls `done` every 100 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(15));

// A configuration that manages only the account's OCR setting.
std::string settings_yaml(bool ocr);

// The emulator's OCR setting, as the API reports it, and a change of it made outside cfsync.
bool live_ocr(int port);
void set_live_ocr(int port, bool ocr);

// /metrics as samples "name{label="value",...} value", parsed by prometheus_client; `dir` holds
// the page while it is parsed.
std::map<std::string, double> metrics(int port, const TempDir& dir);
// A sample's value, -1 when there is none.
double sample(const std::map<std::string, double>& samples, const std::string& name);

// Runs a tool the test needs and returns its stdout; a failure fails the test.
std::string tool(const std::vector<std::string>& argv, const Environment& env = {});

// A bare repository on disk and a working copy that commits and pushes to it, signed or not.
class Origin {
 public:
  explicit Origin(const TempDir& dir);
  // Commits `yaml` as cfsync/cfsync.yaml (the same again is a new commit) and pushes it; `sign`
  // are git's -c settings that sign it (none: unsigned). Returns the commit's id.
  std::string commit(const std::string& yaml, const std::vector<std::string>& sign = {},
                     const Environment& env = {}) const;
  // Points main at an earlier commit: a force-push.
  void force_push(const std::string& commit) const;
  [[nodiscard]] std::string url() const { return "file://" + m_bare.string(); }
  [[nodiscard]] const std::filesystem::path& bare() const { return m_bare; }

 private:
  std::filesystem::path m_bare;
  std::filesystem::path m_work;
};

}  // namespace cfsync::test
