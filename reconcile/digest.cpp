#include "reconcile/digest.hpp"

#include <openssl/evp.h>

#include <array>

namespace cfsync {

struct Digest::Context {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md{EVP_MD_CTX_new(), EVP_MD_CTX_free};
};

namespace {

const EVP_MD* algorithm_named(std::string_view name) {
  if (name == "md5") return EVP_md5();
  if (name == "sha1") return EVP_sha1();
  if (name == "sha256") return EVP_sha256();
  return nullptr;
}

}  // namespace

std::optional<Digest> Digest::named(std::string_view algorithm) {
  const EVP_MD* md = algorithm_named(algorithm);
  if (md == nullptr) return std::nullopt;
  auto context = std::make_unique<Context>();
  EVP_DigestInit_ex(context->md.get(), md, nullptr);
  return Digest(std::move(context));
}

Digest Digest::sha256() { return *named("sha256"); }

Digest::Digest(std::unique_ptr<Context> context) : m_context(std::move(context)) {}
Digest::Digest(Digest&& other) noexcept = default;
Digest& Digest::operator=(Digest&& other) noexcept = default;
Digest::~Digest() = default;

void Digest::update(std::string_view bytes) {
  EVP_DigestUpdate(m_context->md.get(), bytes.data(), bytes.size());
}

std::string Digest::hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(m_context->md.get(), digest.data(), &length);
  return to_hex({digest.data(), length});
}

std::string sha256_hex(std::string_view bytes) {
  Digest digest = Digest::sha256();
  digest.update(bytes);
  return digest.hex();
}

std::string to_hex(std::span<const unsigned char> bytes) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char byte : bytes) {
    out += k_digits[byte >> 4];
    out += k_digits[byte & 0x0f];
  }
  return out;
}

}  // namespace cfsync
