// TLS against a real TLS server (openssl s_server serving files): the peer is verified against
// the trust store and the host, and a trusted certificate gets through.
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <thread>

namespace cfsync::test {
namespace {

class TlsServer {
 public:
  TlsServer() {
    const auto made = run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                           (m_dir.path() / "key.pem").string(), "-out", certificate(), "-days", "1",
                           "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"});
    REQUIRE_MESSAGE(made.exit_code == 0, made.err);
    // -WWW serves files below its working directory: the settings a GET expects.
    m_dir.write(std::string("accounts/") + k_account + "/dlp/settings",
                R"({"success":true,"errors":[],"messages":[],"result":{"ai_context_analysis":true,)"
                R"("ocr":true,"payload_logging":{"masking_level":"default","public_key":null,)"
                R"("updated_at":"2026-01-01T00:00:00Z"}}})");
    m_port = free_port();
    m_server = std::make_unique<BackgroundProcess>(std::vector<std::string>{
        "sh", "-c",
        "cd '" + m_dir.path().string() +
            "' && exec openssl s_server -quiet -WWW -accept 127.0.0.1:" + std::to_string(m_port) +
            " -cert cert.pem -key key.pem"});
    // s_server says nothing when ready with -quiet; wait until it accepts connections.
    for (int i = 0; i < 200 && !accepts_connections(m_port); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }

  [[nodiscard]] std::string certificate() const { return (m_dir.path() / "cert.pem").string(); }
  [[nodiscard]] int port() const { return m_port; }

 private:
  TempDir m_dir;
  int m_port = 0;
  std::unique_ptr<BackgroundProcess> m_server;
};

ProcessResult plan_via(const std::string& url, std::vector<std::string> extra = {}) {
  const TempDir dir;
  dir.write("cfsync.yaml",
            std::string("account_id: ") + k_account + "\ndlp:\n  settings:\n    ocr: true\n");
  std::vector<std::string> argv = {binary("cfsync"),    "plan",      "-c",
                                   dir.path().string(), "--api-url", url};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run(argv, {{"CLOUDFLARE_API_TOKEN", k_token}});
}

TEST_CASE("an untrusted certificate is refused with the reason") {
  TlsServer server;
  const ProcessResult result = plan_via("https://localhost:" + std::to_string(server.port()));
  INFO(result.err);
  CHECK_MESSAGE(result.exit_code == 1, result.err);
  CHECK(result.err.find("certificate verify failed") != std::string::npos);
  CHECK(result.err.find("self-signed certificate") != std::string::npos);
}

TEST_CASE("a trusted certificate for the host gets through") {
  TlsServer server;
  const ProcessResult result = plan_via("https://localhost:" + std::to_string(server.port()),
                                        {"--ca-file", server.certificate()});
  INFO(result.err);
  CHECK_MESSAGE(result.exit_code == 0, result.err);
  CHECK(result.out.find("No changes.") != std::string::npos);
}

TEST_CASE("a trusted certificate for another host is refused") {
  TlsServer server;
  const ProcessResult result = plan_via("https://127.0.0.1:" + std::to_string(server.port()),
                                        {"--ca-file", server.certificate()});
  INFO(result.err);
  CHECK_MESSAGE(result.exit_code == 1, result.err);
  CHECK(result.err.find("IP address mismatch") != std::string::npos);
}

}  // namespace
}  // namespace cfsync::test
