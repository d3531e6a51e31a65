// AI Search namespaces and instances (API.md §7.1, §7.2): the requests cfsync sends and the
// responses it reads. Settings are read as the JSON the API answered, for the keys of the spec's
// schemas (reconcile/ai_search_schema.hpp) that the results carry; read-only keys are left out.
#pragma once

#include "api/http.hpp"
#include "api/transport.hpp"
#include "reconcile/ai_search_model.hpp"
#include "reconcile/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync::api {

// POST …/ai-search/namespaces; PUT and DELETE …/namespaces/{name}. `body`: JSON.
[[nodiscard]] HttpRequest create_namespace_request(std::string_view account_id, std::string body);
[[nodiscard]] HttpRequest get_namespace_request(std::string_view account_id, std::string_view name);
[[nodiscard]] HttpRequest update_namespace_request(std::string_view account_id,
                                                   std::string_view name, std::string body);
[[nodiscard]] HttpRequest delete_namespace_request(std::string_view account_id,
                                                   std::string_view name);

// POST …/namespaces/{ns}/instances; GET, PUT, PATCH (move) and DELETE …/instances/{id}.
[[nodiscard]] HttpRequest create_instance_request(std::string_view account_id,
                                                  std::string_view namespace_name,
                                                  std::string body);
[[nodiscard]] HttpRequest get_instance_request(std::string_view account_id,
                                               std::string_view namespace_name,
                                               std::string_view id);
[[nodiscard]] HttpRequest update_instance_request(std::string_view account_id,
                                                  std::string_view namespace_name,
                                                  std::string_view id, std::string body);
[[nodiscard]] HttpRequest move_instance_request(std::string_view account_id, std::string_view from,
                                                std::string_view id, std::string_view to);
[[nodiscard]] HttpRequest delete_instance_request(std::string_view account_id,
                                                  std::string_view namespace_name,
                                                  std::string_view id);

struct NamespacePage {
  std::vector<LiveNamespace> namespaces;
  std::optional<std::int64_t> total_count;
};
struct InstancePage {
  std::vector<LiveInstanceInfo> instances;
  std::optional<std::int64_t> total_count;
};
// A page of GET …/namespaces, and of GET …/namespaces/{ns}/instances.
[[nodiscard]] Result<NamespacePage> parse_namespace_page(const HttpResponse& response);
[[nodiscard]] Result<InstancePage> parse_instance_page(const HttpResponse& response,
                                                       std::string_view namespace_name);
// The namespace or instance of a create, get or update answer.
[[nodiscard]] Result<LiveNamespace> parse_namespace_response(const HttpResponse& response);
[[nodiscard]] Result<LiveInstanceInfo> parse_instance_response(const HttpResponse& response,
                                                               std::string_view namespace_name);

// Every namespace, then every namespace's instances (side by side, `width` at a time).
[[nodiscard]] Result<LiveAiSearchStack> read_ai_search_stack(Transport& transport,
                                                             std::string_view account_id,
                                                             std::size_t width);

// An instance's status while it cannot take uploads yet (the spec's default, "waiting").
[[nodiscard]] bool is_waiting_status(std::string_view status);

}  // namespace cfsync::api
