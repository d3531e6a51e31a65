// POST /hooks/git: a push webhook makes `cfsync run --git-url` fetch at once instead of at the
// next --git-interval. The request must prove it knows the shared secret, in one of three forms:
//   GitHub:  X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>
//   GitLab:  X-Gitlab-Token: <the secret>
//   generic: X-Signature-256: sha256=<hex HMAC-SHA256 of the body> (or the bare hex)
// Nothing else is trusted from the body: a push only says "fetch now", and what is enforced is
// still what the fetch finds (and, with verification, what is signed).
#pragma once

#include "daemon/http_listener.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace cfsync::daemon {

// The largest push payload read; GitHub's are a few KiB per commit.
inline constexpr std::uint64_t k_webhook_max_body_bytes = 1024 * 1024;

struct WebhookVerdict {
  HttpAnswer answer;
  bool fetch = false;  // the request asks for a fetch, and may
  std::string why;     // for the log: what was decided and why, never the secret
};

class GitWebhook {
 public:
  using Clock = std::chrono::steady_clock;

  explicit GitWebhook(std::string secret);

  // What a POST /hooks/git gets. `followed` is the ref the source follows (a branch or tag name,
  // or a commit id; empty when not known yet). Rate-limited: a burst of 10 requests, then one
  // every 3 s; more get 429 with Retry-After, whether signed or not.
  [[nodiscard]] WebhookVerdict handle(const HttpRequest& request, std::string_view followed,
                                      Clock::time_point now);

 private:
  // False when the bucket is empty; `retry_after` is then the seconds until a request may pass.
  bool take_token(Clock::time_point now, int& retry_after);

  std::string m_secret;
  std::mutex m_mutex;
  double m_tokens;
  std::optional<Clock::time_point> m_refilled;
};

}  // namespace cfsync::daemon
