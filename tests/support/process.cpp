#include "tests/support/process.hpp"

#include "tests/support/temp_dir.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace cfsync::test {

namespace {

using Clock = std::chrono::steady_clock;

// Each test process locks accounts in a directory of its own: tests running at once use the
// same account ids, and must not wait for each other in /run/lock/cfsync.
const std::string& lock_dir() {
  static const TempDir dir;
  static const std::string path = (dir.path() / "locks").string();
  return path;
}

std::vector<std::string> child_environment(const Environment& extra) {
  std::vector<std::string> out;
  if (!extra.contains("CFSYNC_LOCK_DIR")) out.push_back("CFSYNC_LOCK_DIR=" + lock_dir());
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::string_view name = text.substr(0, text.find('='));
    if (name.starts_with("CLOUDFLARE_") || name == "CREDENTIALS_DIRECTORY" ||
        name == "CFSYNC_LOCK_DIR" || extra.contains(std::string(name))) {
      continue;
    }
    out.emplace_back(text);
  }
  for (const auto& [name, value] : extra) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Starts argv with stdout (and stderr, when err_fd is given) on pipes; stdin is /dev/null.
// `merge_stderr`: stderr on stdout's pipe.
pid_t spawn(const std::vector<std::string>& argv, const Environment& env, int& out_fd, int* err_fd,
            bool merge_stderr = false) {
  int out_pipe[2];
  int err_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (err_fd != nullptr && ::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  if (err_fd != nullptr) posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  if (merge_stderr) posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDERR_FILENO);

  std::vector<std::string> args = argv;
  std::vector<std::string> environment = child_environment(env);
  std::vector<char*> arg_pointers = pointers(args);
  std::vector<char*> env_pointers = pointers(environment);
  pid_t pid = -1;
  const int failed = ::posix_spawnp(&pid, args.front().c_str(), &actions, nullptr,
                                    arg_pointers.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  if (err_fd != nullptr) ::close(err_pipe[1]);
  if (failed != 0) {
    ::close(out_pipe[0]);
    if (err_fd != nullptr) ::close(err_pipe[0]);
    throw std::runtime_error("cannot start " + args.front() + ": " + std::strerror(failed));
  }
  out_fd = out_pipe[0];
  if (err_fd != nullptr) *err_fd = err_pipe[0];
  return pid;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ProcessResult run(const std::vector<std::string>& argv, const Environment& env,
                  std::chrono::seconds timeout) {
  int out_fd = -1;
  int err_fd = -1;
  const auto started = Clock::now();
  const pid_t pid = spawn(argv, env, out_fd, &err_fd);
  ProcessResult result;
  const auto deadline = Clock::now() + timeout;
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 && !killed) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    if (::poll(fds, 2, killed ? 1000 : static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& fd : fds) {
    if (fd.fd >= 0) ::close(fd.fd);
  }
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  result.exit_code = exit_code_of(status);
  const auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
  };
  result.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  result.peak_rss_kib = usage.ru_maxrss;
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const Environment& env,
                                     bool merge_stderr) {
  m_pid = spawn(argv, env, m_stdout, nullptr, merge_stderr);
}

void BackgroundProcess::signal(int number) const {
  if (m_pid > 0) ::kill(m_pid, number);
}

ProcessResult BackgroundProcess::finish(std::chrono::seconds timeout) {
  ProcessResult result;
  const auto started = Clock::now();
  const auto deadline = started + timeout;
  result.out = std::exchange(m_pending, {});
  bool killed = false;
  while (m_stdout >= 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 && !killed) {
      ::kill(m_pid, SIGKILL);
      killed = true;
    }
    pollfd fd{m_stdout, POLLIN, 0};
    if (::poll(&fd, 1, killed ? 1000 : static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(m_stdout, buffer, sizeof buffer);
    if (n > 0) {
      result.out.append(buffer, static_cast<std::size_t>(n));
    } else {
      ::close(m_stdout);
      m_stdout = -1;
    }
  }
  int status = 0;
  ::waitpid(m_pid, &status, 0);
  m_pid = -1;
  result.exit_code = exit_code_of(status);
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

BackgroundProcess::~BackgroundProcess() { stop(); }

std::string BackgroundProcess::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (const std::size_t newline = m_pending.find('\n'); newline != std::string::npos) {
      std::string line = m_pending.substr(0, newline);
      m_pending.erase(0, newline + 1);
      return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) throw std::runtime_error("no line on stdout in time");
    pollfd fd{m_stdout, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(m_stdout, buffer, sizeof buffer);
    if (n <= 0) throw std::runtime_error("stdout closed before a full line");
    m_pending.append(buffer, static_cast<std::size_t>(n));
  }
}

int BackgroundProcess::stop() {
  if (m_pid <= 0) return -1;
  ::kill(m_pid, SIGTERM);
  int status = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (::waitpid(m_pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  m_pid = -1;
  if (m_stdout >= 0) ::close(m_stdout);
  m_stdout = -1;
  return exit_code_of(status);
}

std::string binary(const std::string& name) { return std::string(CFSYNC_BIN_DIR) + "/" + name; }

std::string source_dir() { return CFSYNC_SOURCE_DIR; }

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return address;
}

}  // namespace

bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in address = loopback(port);
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace cfsync::test
