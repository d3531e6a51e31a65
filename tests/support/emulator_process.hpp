// The real cfsync-emulator on a free port, for end-to-end tests.
#pragma once

#include "tests/support/process.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cfsync::test {

inline constexpr const char* k_account = "023e105f4ecef8ad9ca31a8372d0c353";
inline constexpr const char* k_token = "e2e-token-3f9c1d";

struct LoggedRequest {
  std::string method;
  std::string path;
  int status = 0;
  std::string body;
  std::int64_t connection = 0;  // the TCP connection it came on
  std::string fault;            // what the emulator did to it (--faults, --rate-limit), or ""
};

class EmulatorProcess {
 public:
  // Token k_token, account k_account, port 0; `extra` is appended to the command line.
  explicit EmulatorProcess(const std::vector<std::string>& extra = {});

  [[nodiscard]] int port() const { return m_port; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

  [[nodiscard]] std::vector<LoggedRequest> requests() const;  // GET /__emulator/requests
  void reset_log() const;                                     // POST /__emulator/reset
  [[nodiscard]] std::string state() const;                    // GET /__emulator/state
  int stop() { return m_process->stop(); }

 private:
  std::unique_ptr<BackgroundProcess> m_process;
  int m_port = 0;
};

// The request log of the emulator on 127.0.0.1:`port` (GET /__emulator/requests), also for one
// not started through EmulatorProcess.
[[nodiscard]] std::vector<LoggedRequest> logged_requests(int port);

// Requests that change state: anything but GET.
[[nodiscard]] std::vector<LoggedRequest> writes(const std::vector<LoggedRequest>& requests);

}  // namespace cfsync::test
