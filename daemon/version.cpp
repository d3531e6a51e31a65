// Alone in its file: the build rewrites build_commit.hpp when the checkout's commit changes, and
// only this file is compiled again.
#include "daemon/version.hpp"
#include "daemon/build_commit.hpp"

namespace cfsync::daemon {

std::string version_text() {
  return "cfsync " + std::string(k_version) + " (" + CFSYNC_BUILD_COMMIT + ")";
}

}  // namespace cfsync::daemon
