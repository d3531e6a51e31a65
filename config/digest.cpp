#include "config/digest.hpp"

#include <array>

namespace cfsync::config {

const EVP_MD* Digest::algorithm_named(std::string_view name) {
  if (name == "md5") return EVP_md5();
  if (name == "sha1") return EVP_sha1();
  if (name == "sha256") return EVP_sha256();
  return nullptr;
}

Digest::Digest(const EVP_MD* algorithm) : m_context(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
  EVP_DigestInit_ex(m_context.get(), algorithm, nullptr);
}

void Digest::update(std::string_view bytes) {
  EVP_DigestUpdate(m_context.get(), bytes.data(), bytes.size());
}

std::string Digest::hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(m_context.get(), digest.data(), &length);
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += k_digits[digest[i] >> 4];
    out += k_digits[digest[i] & 0xF];
  }
  return out;
}

}  // namespace cfsync::config
