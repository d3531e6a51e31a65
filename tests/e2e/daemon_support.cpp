#include "tests/e2e/daemon_support.hpp"

#include "tests/support/emulator_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace cfsync::test {

using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

std::string settings_yaml(bool ocr) {
  return std::string("account_id: ") + k_account +
         "\ndlp:\n  settings:\n    ocr: " + (ocr ? "true" : "false") + "\n";
}

bool live_ocr(int port) {
  const HttpReply reply =
      http_request(port, "GET", std::string("/accounts/") + k_account + "/dlp/settings",
                   {{"authorization", std::string("Bearer ") + k_token}});
  return reply.body.find("\"ocr\":true") != std::string::npos;
}

void set_live_ocr(int port, bool ocr) {
  const HttpReply reply = http_request(
      port, "PATCH", std::string("/accounts/") + k_account + "/dlp/settings",
      {{"authorization", std::string("Bearer ") + k_token}, {"content-type", "application/json"}},
      std::string("{\"ocr\":") + (ocr ? "true" : "false") + "}");
  REQUIRE(reply.status == 200);
}

std::map<std::string, double> metrics(int port, const TempDir& dir) {
  const HttpReply reply = http_request(port, "GET", "/metrics");
  REQUIRE(reply.status == 200);
  const std::string file = dir.write("metrics.txt", reply.body).string();
  const ProcessResult parsed =
      run({"/usr/bin/python3", "-c",
           "import sys\n"
           "from prometheus_client.parser import text_string_to_metric_families\n"
           "for family in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
           "  for s in family.samples:\n"
           "    labels = ','.join(f'{k}=\"{v}\"' for k, v in sorted(s.labels.items()))\n"
           "    print(f'{s.name}{{{labels}}} {s.value}')\n",
           file});
  REQUIRE_MESSAGE(parsed.exit_code == 0, parsed.err);
  std::map<std::string, double> samples;
  std::istringstream lines(parsed.out);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t space = line.rfind(' ');
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

double sample(const std::map<std::string, double>& samples, const std::string& name) {
  const auto found = samples.find(name);
  return found == samples.end() ? -1 : found->second;
}

std::string tool(const std::vector<std::string>& argv, const Environment& env) {
  const ProcessResult result = run(argv, env);
  REQUIRE_MESSAGE(result.exit_code == 0, argv.front() << ": " << result.err);
  return result.out;
}

Origin::Origin(const TempDir& dir)
    : m_bare(dir.path() / "origin.git"), m_work(dir.path() / "work") {
  tool({"git", "init", "--quiet", "--bare", "--initial-branch=main", m_bare.string()});
  tool({"git", "init", "--quiet", "--initial-branch=main", m_work.string()});
  tool({"git", "-C", m_work.string(), "remote", "add", "origin", m_bare.string()});
}

std::string Origin::commit(const std::string& yaml, const std::vector<std::string>& sign,
                           const Environment& env) const {
  std::filesystem::create_directories(m_work / "cfsync");
  std::ofstream(m_work / "cfsync" / "cfsync.yaml") << yaml;
  tool({"git", "-C", m_work.string(), "add", "-A"});
  std::vector<std::string> argv = {"git",         "-C", m_work.string(),           "-c",
                                   "user.name=t", "-c", "user.email=t@example.com"};
  for (const std::string& setting : sign) {
    argv.push_back("-c");
    argv.push_back(setting);
  }
  argv.insert(argv.end(), {"commit", "--quiet", "--allow-empty", "-m", "change"});
  if (!sign.empty()) argv.push_back("-S");
  tool(argv, env);
  tool({"git", "-C", m_work.string(), "push", "--quiet", "--force", "origin", "HEAD:main"});
  return tool({"git", "-C", m_work.string(), "rev-parse", "HEAD"}).substr(0, 40);
}

void Origin::force_push(const std::string& commit) const {
  tool({"git", "-C", m_work.string(), "push", "--quiet", "--force", "origin", commit + ":main"});
}

}  // namespace cfsync::test
