#include "daemon/progress.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>

namespace cfsync::daemon {

namespace {

using namespace std::chrono_literals;

// Short applies show nothing; a status line is redrawn at most this often.
constexpr auto k_quiet_start = 1s;
constexpr auto k_redraw = 200ms;
// Off a terminal, a line this often.
constexpr auto k_log_every = 10s;

}  // namespace

std::string progress_text(std::size_t done, std::size_t total, std::chrono::milliseconds elapsed) {
  std::string text =
      "applied " + std::to_string(done) + " of " + std::to_string(total) + " changes";
  if (done == 0 || elapsed.count() <= 0) return text;
  const double rate = static_cast<double>(done) * 1000.0 / static_cast<double>(elapsed.count());
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, ", %.1f/s", rate);
  text += buffer;
  if (done < total) {
    const auto left = static_cast<long long>(std::ceil(static_cast<double>(total - done) / rate));
    text +=
        ", about " +
        (left >= 120 ? std::to_string((left + 59) / 60) + " min" : std::to_string(left) + " s") +
        " left";
  }
  return text;
}

Progress::Progress(std::size_t total, spdlog::logger& log, StatusLine* line)
    : m_total(total), m_log(log), m_line(line) {}

Progress::~Progress() {
  if (m_line != nullptr) m_line->show("");
}

void Progress::step() {
  ++m_done;
  const Clock::time_point now = Clock::now();
  if (now - m_started < k_quiet_start) return;
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - m_started);
  if (m_line != nullptr) {
    if (now - m_shown < k_redraw && m_done < m_total) return;
    m_shown = now;
    m_line->show(progress_text(m_done, m_total, elapsed));
    return;
  }
  if (now - m_shown < k_log_every) return;
  m_shown = now;
  m_log.info("{}", progress_text(m_done, m_total, elapsed));
}

}  // namespace cfsync::daemon
