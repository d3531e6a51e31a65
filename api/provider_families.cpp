// The registry of CloudflareProvider's parts: one line per resource family.
#include "api/provider_family.hpp"

namespace cfsync::api {

// Each defined in its provider_<family>.cpp.
std::unique_ptr<FamilyProvider> make_dlp_settings_provider(ProviderContext& context);
std::unique_ptr<FamilyProvider> make_dlp_profiles_provider(ProviderContext& context);
std::unique_ptr<FamilyProvider> make_dlp_datasets_provider(ProviderContext& context);
std::unique_ptr<FamilyProvider> make_ai_search_provider(ProviderContext& context);
std::unique_ptr<FamilyProvider> make_ai_search_stack_provider(ProviderContext& context);

std::span<const FamilyProviderEntry> family_providers() {
  static constexpr FamilyProviderEntry k_all[] = {
      {"dlp_settings", make_dlp_settings_provider},
      {"dlp_profiles", make_dlp_profiles_provider},
      {"dlp_datasets", make_dlp_datasets_provider},
      {"ai_search_stack", make_ai_search_stack_provider},
      {"ai_search", make_ai_search_provider},
  };
  return k_all;
}

}  // namespace cfsync::api
