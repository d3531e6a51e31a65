#include "daemon/webhook.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <utility>

namespace cfsync::daemon {

namespace {

constexpr double k_burst = 10;
constexpr double k_seconds_per_request = 3;

std::string hex_of(const unsigned char* bytes, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    hex += digits[bytes[i] >> 4];
    hex += digits[bytes[i] & 0xf];
  }
  return hex;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac.data(), &size);
  return hex_of(mac.data(), size);
}

// In time that does not depend on where they differ.
bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

WebhookVerdict answer(int status, std::string body, std::string why, bool fetch = false) {
  return {.answer = {.status = status, .body = body + "\n"}, .fetch = fetch, .why = std::move(why)};
}

// The signature's form and whether it holds; nullopt when the request carries none.
std::optional<bool> signed_by(const HttpRequest& request, std::string_view secret) {
  if (const std::string_view github = request.header("x-hub-signature-256"); !github.empty()) {
    return same_secret(lower(github), "sha256=" + hmac_sha256_hex(secret, request.body));
  }
  if (const std::string_view gitlab = request.header("x-gitlab-token"); !gitlab.empty()) {
    return same_secret(gitlab, secret);
  }
  if (const std::string_view generic = request.header("x-signature-256"); !generic.empty()) {
    std::string given = lower(generic);
    if (given.starts_with("sha256=")) given.erase(0, 7);
    return same_secret(given, hmac_sha256_hex(secret, request.body));
  }
  return std::nullopt;
}

// The "ref" a push payload names ("refs/heads/main"), or "" when it names none or is not JSON.
std::string pushed_ref(std::string_view body) {
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::ondemand::document document;
  if (parser.iterate(padded).get(document) != simdjson::SUCCESS) return {};
  simdjson::ondemand::object object;
  if (document.get_object().get(object) != simdjson::SUCCESS) return {};
  std::string_view ref;
  if (object.find_field_unordered("ref").get_string().get(ref) != simdjson::SUCCESS) return {};
  return std::string(ref);
}

bool follows(std::string_view ref, std::string_view followed) {
  return followed.empty() || ref == followed || ref == "refs/heads/" + std::string(followed) ||
         ref == "refs/tags/" + std::string(followed);
}

}  // namespace

GitWebhook::GitWebhook(std::string secret) : m_secret(std::move(secret)), m_tokens(k_burst) {}

bool GitWebhook::take_token(Clock::time_point now, int& retry_after) {
  std::lock_guard lock(m_mutex);
  if (m_refilled) {
    const double seconds = std::chrono::duration<double>(now - *m_refilled).count();
    m_tokens = std::min(k_burst, m_tokens + std::max(0.0, seconds) / k_seconds_per_request);
  }
  m_refilled = now;
  if (m_tokens >= 1) {
    m_tokens -= 1;
    return true;
  }
  retry_after = static_cast<int>(std::ceil((1 - m_tokens) * k_seconds_per_request));
  return false;
}

WebhookVerdict GitWebhook::handle(const HttpRequest& request, std::string_view followed,
                                  Clock::time_point now) {
  if (int retry_after = 0; !take_token(now, retry_after)) {
    WebhookVerdict limited = answer(429, "too many requests", "rate-limited");
    limited.answer.headers.emplace_back("Retry-After", std::to_string(retry_after));
    return limited;
  }
  const std::optional<bool> valid = signed_by(request, m_secret);
  if (!valid) {
    return answer(401, "missing signature: X-Hub-Signature-256, X-Gitlab-Token or X-Signature-256",
                  "refused: no signature");
  }
  if (!*valid) return answer(401, "signature does not match", "refused: a wrong signature");

  const std::string_view github_event = request.header("x-github-event");
  if (github_event == "ping") return answer(200, "pong", "a GitHub ping");
  const std::string_view gitlab_event = request.header("x-gitlab-event");
  if ((!github_event.empty() && github_event != "push") ||
      (!gitlab_event.empty() && gitlab_event != "Push Hook" && gitlab_event != "Tag Push Hook")) {
    const std::string event(github_event.empty() ? gitlab_event : github_event);
    return answer(202, "ignored: a " + event + " event", "ignored: a " + event + " event");
  }
  if (request.header("content-type").starts_with("application/x-www-form-urlencoded")) {
    return answer(415, "send the payload as application/json", "refused: a form-encoded payload");
  }
  const std::string ref = pushed_ref(request.body);
  if (!ref.empty() && !follows(ref, followed)) {
    const std::string why = "ignored: a push to " + ref + "; following " + std::string(followed);
    return answer(202, why, why);
  }
  return answer(202, "fetching", ref.empty() ? "fetching" : "fetching: a push to " + ref, true);
}

}  // namespace cfsync::daemon
