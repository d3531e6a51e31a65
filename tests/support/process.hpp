// Running the real binaries from tests: to completion, or in the background.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace cfsync::test {

using Environment = std::map<std::string, std::string>;

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
  // What the child cost: user + system CPU, its peak resident set, and the wall clock.
  double cpu_seconds = 0;
  long peak_rss_kib = 0;
  double wall_seconds = 0;
};

// The child gets this process's environment without any CLOUDFLARE_* variable, plus `env`, and
// CFSYNC_LOCK_DIR set to a directory of this test process unless `env` names one.
// It is killed when it outlives `timeout`.
[[nodiscard]] ProcessResult run(const std::vector<std::string>& argv, const Environment& env = {},
                                std::chrono::seconds timeout = std::chrono::seconds(60));

class BackgroundProcess {
 public:
  // `merge_stderr`: stderr goes to the same pipe as stdout (read_line and finish see both).
  BackgroundProcess(const std::vector<std::string>& argv, const Environment& env = {},
                    bool merge_stderr = false);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // The next line of stdout, without the newline; throws after `timeout`.
  [[nodiscard]] std::string read_line(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL if it does not exit within a few seconds; returns the exit code.
  int stop();
  void signal(int number) const;
  // Waits for the process to exit by itself (SIGKILL after `timeout`): its exit code, the rest
  // of its output in `out`, and the wall time from this call.
  ProcessResult finish(std::chrono::seconds timeout);
  [[nodiscard]] pid_t pid() const { return m_pid; }

 private:
  pid_t m_pid = -1;
  int m_stdout = -1;
  std::string m_pending;
};

// Paths handed over by CMake.
[[nodiscard]] std::string binary(const std::string& name);  // build/bin/<name>
[[nodiscard]] std::string source_dir();

// A TCP port on 127.0.0.1 that was free a moment ago (for tools that cannot take port 0).
[[nodiscard]] int free_port();

// Whether something accepts TCP connections on 127.0.0.1:port.
[[nodiscard]] bool accepts_connections(int port);

}  // namespace cfsync::test
