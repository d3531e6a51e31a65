// The key of the digests that stand for secret values in plans (regexes, word lists, the
// payload-logging key, dataset contents): a digest anyone could compute would let a reader of
// a plan test guesses offline (a 5-letter word falls in seconds), so it is an HMAC-SHA256 under
// a random key that lives only in the state directory.
#pragma once

#include "reconcile/result.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace cfsync::daemon {

class MaskKey {
 public:
  // The key in `state_dir`/mask.key, made (32 random bytes, mode 0600) when missing.
  [[nodiscard]] static Result<MaskKey> load_or_create(const std::filesystem::path& state_dir);
  // A key for this run only, when the state directory cannot keep one: digests within one plan
  // still compare, but a saved plan cannot be checked later.
  [[nodiscard]] static MaskKey ephemeral();
  // A given key (tests).
  [[nodiscard]] static MaskKey of(std::string bytes) { return MaskKey(std::move(bytes), true); }

  // HMAC-SHA256 of `bytes`, in hex.
  [[nodiscard]] std::string digest(std::string_view bytes) const;
  // Names the key without revealing it (16 hex digits), so that a saved plan can say it was
  // made with another state directory's key.
  [[nodiscard]] std::string id() const;
  [[nodiscard]] bool persistent() const { return m_persistent; }

 private:
  MaskKey(std::string bytes, bool persistent)
      : m_bytes(std::move(bytes)), m_persistent(persistent) {}
  std::string m_bytes;
  bool m_persistent = false;
};

}  // namespace cfsync::daemon
