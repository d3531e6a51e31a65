#include "reconcile/file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace cfsync {

Result<std::string> read_file(const std::filesystem::path& file) {
  const auto failed = [&] {
    return Error(ErrorKind::io, "cannot read \"" + file.string() + "\": " + std::strerror(errno));
  };
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) return failed();
  std::string text{std::istreambuf_iterator<char>(in), {}};
  if (in.bad()) return failed();
  return text;
}

}  // namespace cfsync
