// What `cfsync export` reads beyond populate: every AI Search instance of the account, and the
// content of uploaded items.
#include "api/ai_search.hpp"
#include "api/json_read.hpp"
#include "api/provider.hpp"
#include "api/provider_family.hpp"
#include "api/side_by_side.hpp"

#include <spdlog/spdlog.h>

#include <functional>

namespace cfsync::api {

namespace {

// Every name of a paginated listing, page after page.
Result<std::vector<std::string>> all_names(
    const std::function<Result<HttpResponse>(int page)>& fetch, std::string_view field) {
  std::vector<std::string> names;
  for (int page = 1;; ++page) {
    CFSYNC_TRY(HttpResponse response, fetch(page));
    CFSYNC_TRY(NamePage listed, parse_names_page(response, field));
    const std::size_t page_size = listed.names.size();
    for (std::string& name : listed.names) names.push_back(std::move(name));
    if (is_last_page(page_size, names.size(), listed.total_count, k_listing_per_page)) {
      return names;
    }
  }
}

}  // namespace

Result<std::vector<DesiredInstance>> CloudflareProvider::list_instances() {
  Transport& transport = m_context->transport;
  const std::string& account_id = m_context->account_id;
  auto namespaces = all_names(
      [&](int page) { return transport.send(list_namespaces_request(account_id, page)); }, "name");
  if (!namespaces) {
    return namespaces.error().context("listing AI Search namespaces: ");
  }
  // The namespaces' instances, side by side.
  std::vector<std::vector<std::string>> ids(namespaces->size());
  CFSYNC_TRY_VOID(
      side_by_side(namespaces->size(), m_max_in_flight, [&](std::size_t i) -> Result<void> {
        const std::string& namespace_name = (*namespaces)[i];
        auto listed = all_names(
            [&](int page) {
              return transport.send(list_instances_request(account_id, namespace_name, page));
            },
            "id");
        if (!listed) {
          return listed.error().context("listing the AI Search instances of namespace " +
                                        namespace_name + ": ");
        }
        ids[i] = std::move(*listed);
        return {};
      }));
  std::vector<DesiredInstance> instances;
  for (std::size_t i = 0; i < namespaces->size(); ++i) {
    for (std::string& id : ids[i]) {
      instances.push_back({.namespace_name = (*namespaces)[i], .id = std::move(id)});
    }
  }
  m_context->logger->debug("{} AI Search instances in {} namespaces", instances.size(),
                           namespaces->size());
  return instances;
}

Result<std::string> CloudflareProvider::download_item(const std::string& namespace_name,
                                                      const std::string& instance_id,
                                                      const std::string& item_id) {
  CFSYNC_TRY(HttpResponse response,
             m_context->transport.send(download_item_request(m_context->account_id, namespace_name,
                                                             instance_id, item_id)));
  if (response.status / 100 != 2) {
    // The failure is a JSON envelope like any other; reading it gives the API's errors.
    simdjson::dom::parser parser;
    CFSYNC_TRY_VOID(read_envelope(parser, response));
    return unexpected("status " + std::to_string(response.status) + " for a download");
  }
  return std::move(response.body);
}

}  // namespace cfsync::api
