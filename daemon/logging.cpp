#include "daemon/logging.hpp"

#include "daemon/printable.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <mutex>
#include <string>

namespace cfsync::daemon {

namespace {

// %* : the message as a JSON string, quoted and escaped by Boost.JSON.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string quoted =
        boost::json::serialize(boost::json::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(quoted.data(), quoted.data() + quoted.size());
  }

  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

// %& : the message with its control characters written out (printable): text from the API or the
// configuration never reaches a terminal or a log file raw.
class PrintableMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string text = printable(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }

  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PrintableMessageFlag>();
  }
};

// stderr on a terminal: each log line first erases the status line, which is drawn again below.
class TerminalSink final : public spdlog::sinks::base_sink<std::mutex>, public StatusLine {
 public:
  void show(const std::string& text) override {
    std::lock_guard lock(mutex_);
    if (!m_status.empty() || !text.empty()) {
      std::fputs("\r\033[K", stderr);
      std::fputs(text.c_str(), stderr);
      std::fflush(stderr);
    }
    m_status = text;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    if (!m_status.empty()) std::fputs("\r\033[K", stderr);
    std::fwrite(line.data(), 1, line.size(), stderr);
    if (!m_status.empty()) std::fputs(m_status.c_str(), stderr);
    std::fflush(stderr);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  std::string m_status;
};

}  // namespace

StatusLine* status_line_of(const spdlog::logger& logger) {
  for (const auto& sink : logger.sinks()) {
    if (auto* terminal = dynamic_cast<TerminalSink*>(sink.get())) return terminal;
  }
  return nullptr;
}

std::shared_ptr<spdlog::logger> make_logger(LogFormat format, std::string_view level, bool terminal,
                                            bool journal, std::string_view program) {
  spdlog::sink_ptr sink;
  if (journal && format == LogFormat::text) {
    auto logger = std::make_shared<spdlog::logger>(
        "cfsync", std::make_shared<spdlog::sinks::systemd_sink_mt>("cfsync"));
    logger->set_level(spdlog::level::from_str(std::string(level)));
    return logger;
  }
  if (terminal && format == LogFormat::text) {
    sink = std::make_shared<TerminalSink>();
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  auto logger = std::make_shared<spdlog::logger>("cfsync", std::move(sink));
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (format == LogFormat::json) {
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","message":%*})");
  } else {
    const std::string prefix = program.empty() ? "" : std::string(program) + ": ";
    formatter->add_flag<PrintableMessageFlag>('&').set_pattern(prefix + "%l: %&");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::trace);
  return logger;
}

}  // namespace cfsync::daemon
