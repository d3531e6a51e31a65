#include "daemon/mask_key.hpp"

#include "config/state_file.hpp"
#include "reconcile/digest.hpp"
#include "reconcile/file.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace cfsync::daemon {

namespace {

constexpr std::size_t k_key_bytes = 32;

std::string random_bytes() {
  std::string bytes(k_key_bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) !=
      1) {
    throw std::runtime_error("OpenSSL's random generator failed");  // no entropy: nothing is safe
  }
  return bytes;
}

}  // namespace

Result<MaskKey> MaskKey::load_or_create(const std::filesystem::path& state_dir) {
  const std::filesystem::path file = state_dir / "mask.key";
  if (Result<std::string> read = read_file(file)) {
    std::string bytes = std::move(*read);
    if (bytes.size() == k_key_bytes) return MaskKey(std::move(bytes), true);
    return Error(ErrorKind::io, file.string() + " is not a key cfsync wrote (" +
                                    std::to_string(bytes.size()) +
                                    " bytes); remove it, and plans saved with it can no longer be "
                                    "applied");
  }
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  std::string bytes = random_bytes();
  CFSYNC_TRY_VOID(config::write_atomically(file, bytes, "the plan masking key"));
  return MaskKey(std::move(bytes), true);
}

MaskKey MaskKey::ephemeral() { return MaskKey(random_bytes(), false); }

std::string MaskKey::digest(std::string_view bytes) const {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), m_bytes.data(), static_cast<int>(m_bytes.size()),
       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out.data(), &length);
  return to_hex({out.data(), length});
}

std::string MaskKey::id() const { return digest("cfsync mask key id").substr(0, 16); }

}  // namespace cfsync::daemon
