#include "tests/support/emulator_process.hpp"

#include "tests/support/http_client.hpp"

#include <simdjson.h>

#include <stdexcept>

namespace cfsync::test {

EmulatorProcess::EmulatorProcess(const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {binary("cfsync-emulator"),
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--token",
                                   k_token,
                                   "--account",
                                   k_account};
  argv.insert(argv.end(), extra.begin(), extra.end());
  m_process = std::make_unique<BackgroundProcess>(argv);
  const std::string line = m_process->read_line(std::chrono::seconds(10));
  constexpr std::string_view prefix = "listening on http://127.0.0.1:";
  if (!line.starts_with(prefix)) throw std::runtime_error("unexpected first line: " + line);
  m_port = std::stoi(line.substr(prefix.size()));
}

std::vector<LoggedRequest> EmulatorProcess::requests() const { return logged_requests(m_port); }

std::vector<LoggedRequest> logged_requests(int port) {
  const HttpReply reply = http_request(port, "GET", "/__emulator/requests");
  simdjson::dom::parser parser;
  std::vector<LoggedRequest> out;
  for (simdjson::dom::element entry : parser.parse(reply.body)["requests"].get_array()) {
    LoggedRequest request;
    request.method = std::string(entry["method"].get_string().value());
    request.path = std::string(entry["path"].get_string().value());
    request.status = static_cast<int>(entry["status"].get_int64().value());
    request.body = std::string(entry["body"].get_string().value());
    request.connection = entry["connection"].get_int64().value();
    if (std::string_view fault; entry["fault"].get_string().get(fault) == simdjson::SUCCESS) {
      request.fault = std::string(fault);
    }
    out.push_back(std::move(request));
  }
  return out;
}

void EmulatorProcess::reset_log() const {
  if (http_request(m_port, "POST", "/__emulator/reset").status != 200) {
    throw std::runtime_error("emulator reset failed");
  }
}

std::string EmulatorProcess::state() const {
  return http_request(m_port, "GET", "/__emulator/state").body;
}

std::vector<LoggedRequest> writes(const std::vector<LoggedRequest>& requests) {
  std::vector<LoggedRequest> out;
  for (const LoggedRequest& request : requests) {
    if (request.method != "GET") out.push_back(request);
  }
  return out;
}

}  // namespace cfsync::test
