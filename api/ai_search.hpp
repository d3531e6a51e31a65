// AI Search items (API.md §7.3): the requests cfsync sends and the responses it reads.
#pragma once

#include "api/http.hpp"
#include "reconcile/ai_search_model.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync::api {

// Items are listed 50 at a time (the API's maximum), uploaded files only.
inline constexpr int k_items_per_page = 50;

// GET …/items?per_page=50&source=builtin&sort_by=modified_at&page=N. Sorting by modification
// time keeps the pages stable while items are being indexed (the default sort is by status).
[[nodiscard]] HttpRequest list_items_request(std::string_view account_id,
                                             std::string_view namespace_name,
                                             std::string_view instance_id, int page);
// GET …/items?key=K&source=builtin: the one uploaded item with this key, if any.
[[nodiscard]] HttpRequest find_item_request(std::string_view account_id,
                                            std::string_view namespace_name,
                                            std::string_view instance_id, std::string_view key);

struct ItemPage {
  std::vector<LiveItem> items;
  std::optional<std::int64_t> total_count;  // as the API reported it, which may be wrong
};

[[nodiscard]] Result<ItemPage> parse_items_page(const HttpResponse& response);

// Whether the listing is complete after a page: a short (or empty) page ends it; a full page
// ends it only when the reported total agrees with what was read. A missing or wrong
// total_count costs at most one more request, never a missed page.
[[nodiscard]] bool is_last_page(std::size_t page_items, std::size_t items_read,
                                std::optional<std::int64_t> total_count,
                                int per_page = k_items_per_page);

// Namespaces and instances are listed 100 at a time (the API's maximum).
inline constexpr int k_listing_per_page = 100;

// GET /accounts/{id}/ai-search/namespaces?per_page=100&page=N
[[nodiscard]] HttpRequest list_namespaces_request(std::string_view account_id, int page);
// GET /accounts/{id}/ai-search/namespaces/{name}/instances?per_page=100&page=N
[[nodiscard]] HttpRequest list_instances_request(std::string_view account_id,
                                                 std::string_view namespace_name, int page);

// GET …/items/{item_id}/download: the item's content as stored (application/octet-stream).
[[nodiscard]] HttpRequest download_item_request(std::string_view account_id,
                                                std::string_view namespace_name,
                                                std::string_view instance_id,
                                                std::string_view item_id);

// POST …/items, multipart/form-data: a `metadata` part (a JSON string, when there is metadata)
// and the `file` part, named by the key, streamed from the file. `boundary` separates the parts
// and must not occur in the file: a random one is.
[[nodiscard]] HttpRequest upload_item_request(std::string_view account_id, const UploadItem& upload,
                                              const std::string& boundary);
[[nodiscard]] HttpRequest delete_item_request(std::string_view account_id,
                                              const DeleteItem& remove);

// The item of an upload or get response.
[[nodiscard]] Result<LiveItem> parse_item_response(const HttpResponse& response);

// The media type a file's extension suggests, for the file part.
[[nodiscard]] std::string_view media_type_of(std::string_view key);

}  // namespace cfsync::api
