// The registry of the pass parts, one line per family that keeps state or takes options; and
// what they share.
#include "daemon/pass_family.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cfsync::daemon {

// Each defined in its pass_<family>.cpp.
std::unique_ptr<PassFamily> make_dlp_profiles_pass(const std::filesystem::path& state_dir,
                                                   spdlog::logger& log);
std::unique_ptr<PassFamily> make_dlp_datasets_pass(const std::filesystem::path& state_dir,
                                                   spdlog::logger& log);
std::unique_ptr<PassFamily> make_ai_search_pass(const std::filesystem::path& state_dir,
                                                spdlog::logger& log);
std::unique_ptr<PassFamily> make_ai_search_stack_pass(const std::filesystem::path& state_dir,
                                                      spdlog::logger& log);

namespace {

constexpr PassFamilyEntry k_families[] = {
    {"dlp_profiles", make_dlp_profiles_pass},
    {"dlp_datasets", make_dlp_datasets_pass},
    {"ai_search_stack", make_ai_search_stack_pass},
    {"ai_search", make_ai_search_pass},
};

}  // namespace

std::vector<std::pair<std::string_view, std::unique_ptr<PassFamily>>> make_pass_families(
    const std::filesystem::path& state_dir, spdlog::logger& log) {
  std::vector<std::pair<std::string_view, std::unique_ptr<PassFamily>>> out;
  for (const PassFamilyEntry& entry : k_families) {
    out.emplace_back(entry.family, entry.make(state_dir, log));
  }
  return out;
}

void StateErrors::note(const Error& error) {
  if (std::find(m_messages.begin(), m_messages.end(), error.message()) != m_messages.end()) {
    return;
  }
  m_log.error("{}", error.message());
  m_messages.push_back(error.message());
}

Error state_refusal(const Error& cause) {
  Error refused(ErrorKind::state,
                "refusing to apply: the state directory cannot be written, and cfsync records "
                "each upload there (without the record every run would upload again)");
  refused.details.push_back(cause.message());
  return refused;
}

}  // namespace cfsync::daemon
