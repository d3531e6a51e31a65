// Internal to api/: a Transport that, while recording, notes each answer it passes on (its target
// and the SHA-256 of its body), as Client wraps a Transport to pace and retry. The digest of the
// notes tells whether two reads of the account saw the same: what pins a saved plan.
#pragma once

#include "api/transport.hpp"

#include <mutex>
#include <string>
#include <vector>

namespace cfsync::api {

class DigestingTransport final : public Transport {
 public:
  explicit DigestingTransport(Transport& inner) : m_inner(inner) {}

  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request) override;
  // Writes are not part of what was read: passed on as they are.
  [[nodiscard]] Result<std::optional<HttpResponse>> send_unique(const HttpRequest& request,
                                                                const Landed& landed) override;

  // Forgets what was noted and notes each answer from now on.
  void start();
  // Stops noting; the SHA-256 (hex) of the notes, sorted: reads run side by side, so the order
  // the answers came in is not part of what was read.
  [[nodiscard]] std::string finish();

 private:
  Transport& m_inner;
  std::mutex m_mutex;
  bool m_recording = false;
  std::vector<std::string> m_reads;  // "target\nsha256(body)\n" per answer
};

}  // namespace cfsync::api
