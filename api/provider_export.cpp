// What `cfsync export` reads beyond populate: every AI Search instance of the account, and the
// content of uploaded items.
#include "api/ai_search.hpp"
#include "api/ai_search_stack.hpp"
#include "api/json_read.hpp"
#include "api/provider.hpp"
#include "api/provider_family.hpp"
#include "api/side_by_side.hpp"

#include <spdlog/spdlog.h>

namespace cfsync::api {

Result<LiveAiSearchStack> CloudflareProvider::list_ai_search() {
  auto stack = read_ai_search_stack(m_context->transport, m_context->account_id, m_max_in_flight);
  if (!stack) return stack.error().context("listing AI Search namespaces and instances: ");
  m_context->logger->debug("{} AI Search instances in {} namespaces", stack->instances.size(),
                           stack->namespaces.size());
  return stack;
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
