// Internal to config/: message digests of streamed bytes with OpenSSL, as lower-case hex.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace cfsync::config {

class Digest {
 public:
  // "md5", "sha1" or "sha256"; nullptr for any other name.
  [[nodiscard]] static const EVP_MD* algorithm_named(std::string_view name);

  explicit Digest(const EVP_MD* algorithm);
  void update(std::string_view bytes);
  // The digest of everything fed; call once.
  [[nodiscard]] std::string hex();

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> m_context;
};

}  // namespace cfsync::config
