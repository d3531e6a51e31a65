#include "config/state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace cfsync::config {

namespace fs = std::filesystem;

Result<void> write_atomically(const fs::path& file, std::string_view text, std::string_view what) {
  auto failed = [&](const fs::path& at, const std::string& why) {
    return Error(ErrorKind::io,
                 "cannot write " + std::string(what) + " \"" + at.string() + "\": " + why);
  };
  std::error_code ec;
  // A bare file name ("plan.json") is in the working directory, which exists.
  if (file.has_parent_path()) {
    fs::create_directories(file.parent_path(), ec);
    if (ec) return failed(file.parent_path(), ec.message());
  }

  const fs::path temporary = file.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return failed(temporary, std::strerror(errno));
  // From here on a failure leaves nothing behind: the old file stays, the temporary goes.
  auto abandoned = [&](const fs::path& at, int error) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    return failed(at, std::strerror(error));
  };
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      const int error = errno;
      ::close(fd);
      return abandoned(temporary, error);
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    return abandoned(temporary, error);
  }
  if (::close(fd) != 0) return abandoned(temporary, errno);
  fs::rename(temporary, file, ec);
  if (ec) return abandoned(file, ec.value());
  return {};
}

}  // namespace cfsync::config
