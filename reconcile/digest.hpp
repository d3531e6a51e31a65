// Message digests (MD5, SHA-1, SHA-256) as lower-case hex, for every module: file contents,
// what populate read, saved plans. OpenSSL does the work and stays out of this header.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cfsync {

class Digest {
 public:
  // "md5", "sha1" or "sha256"; nothing for any other name.
  [[nodiscard]] static std::optional<Digest> named(std::string_view algorithm);
  [[nodiscard]] static Digest sha256();

  Digest(Digest&& other) noexcept;
  Digest& operator=(Digest&& other) noexcept;
  ~Digest();

  void update(std::string_view bytes);
  // The digest of everything fed; call once.
  [[nodiscard]] std::string hex();

 private:
  struct Context;
  explicit Digest(std::unique_ptr<Context> context);
  std::unique_ptr<Context> m_context;
};

// SHA-256 of `bytes`, as hex.
[[nodiscard]] std::string sha256_hex(std::string_view bytes);
// Bytes as lower-case hex.
[[nodiscard]] std::string to_hex(std::span<const unsigned char> bytes);

}  // namespace cfsync
