// The DLP profiles family in a pass: only an option, --dedupe.
#include "daemon/pass_family.hpp"

namespace cfsync::daemon {

namespace {

class ProfilesPass final : public PassFamily {
 public:
  Result<void> prepare(DesiredState& /*desired*/, LiveState& live,
                       const Options& options) override {
    if (live.profiles) live.profiles->dedupe = options.dedupe;
    return {};
  }
};

}  // namespace

// Listed in pass_families.cpp.
std::unique_ptr<PassFamily> make_dlp_profiles_pass(const std::filesystem::path& /*state_dir*/,
                                                   spdlog::logger& /*log*/);

std::unique_ptr<PassFamily> make_dlp_profiles_pass(const std::filesystem::path& /*state_dir*/,
                                                   spdlog::logger& /*log*/) {
  return std::make_unique<ProfilesPass>();
}

}  // namespace cfsync::daemon
