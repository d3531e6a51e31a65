// The AI Search family's part of CloudflareProvider: the items of each declared instance,
// uploads (which never overwrite: a key held by another item is resolved by listing it), deletes,
// and the wait for indexing.
#include "api/ai_search.hpp"
#include "api/ai_search_stack.hpp"
#include "api/json_read.hpp"
#include "api/provider_family.hpp"
#include "reconcile/ai_search_stack.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>

namespace cfsync::api {

namespace {

// Multipart boundaries: random, so that no file contains one.
std::string random_boundary() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  char text[48];
  std::snprintf(text, sizeof text, "cfsync-%016llx%016llx",
                static_cast<unsigned long long>(random()),
                static_cast<unsigned long long>(random()));
  return text;
}

class AiSearchProvider final : public PartOf<AiSearchProvider> {
 public:
  using PartOf::PartOf;

  Result<void> populate(const DesiredState& desired, LiveState& live) override;

  Result<void> after_apply(const Plan& plan, ApplyReport& report,
                           const AfterApply& options) override {
    if (!options.wait_for_indexing) return {};
    auto indexing = wait_for_indexing(plan, report, options.timeout, *options.clock);
    if (!indexing) return indexing.error().context("waiting for indexing: ");
    if (!indexing->items.empty()) report.indexing = std::move(*indexing);
    return {};
  }

  Result<void> apply(const UploadItem& upload, ChangeOutcome& outcome);
  Result<void> apply(const DeleteItem& remove, ChangeOutcome& outcome);
  Result<void> apply(const ReplaceItem& replace, ChangeOutcome& outcome);

 private:
  // How many items each instance a plan may delete holds (those `declared` does not name).
  Result<void> count_items_of_undeclared(const DesiredState& desired,
                                         const std::vector<LiveInstance>& declared,
                                         LiveAiSearchStack& stack);
  // Every uploaded item of an instance: page 1, then the others side by side.
  Result<LiveInstance> read_instance(const std::string& namespace_name,
                                     const std::string& instance_id);
  // The items of `pages` (read already) and of the pages after them, read one by one, until the
  // page that ends the listing.
  Result<LiveInstance> walk_items(const std::string& namespace_name, const std::string& instance_id,
                                  std::vector<ItemPage> pages);
  // A 409 on upload: re-list the key and decide whether the item there is this document.
  Result<void> resolve_conflict(const UploadItem& upload, ChangeOutcome& outcome);
  // What holds the upload's key, from one listing of it: an item with this document's size and
  // metadata, and whether a deleted item (next_action "DELETE") still holds it.
  struct KeyHolders {
    std::optional<LiveItem> same;
    bool deleted = false;
    bool any = false;  // any item has the key
  };
  Result<KeyHolders> key_holders(const UploadItem& upload);
  // A replace's upload when its key is still held by the item it deleted: tried again until the
  // key is freed, within the wait timeout.
  Result<void> upload_when_key_freed(const UploadItem& upload, ChangeOutcome& outcome);
  // Polls the items `report`'s uploads made until each is completed, errored or skipped, or
  // until `timeout`.
  Result<IndexingReport> wait_for_indexing(const Plan& plan, const ApplyReport& report,
                                           std::chrono::milliseconds timeout, Clock& clock);
};

// Where a declared instance is: in its namespace, else (moving) in the one other namespace
// that holds an undeclared instance of that id; none: it does not exist.
std::optional<std::string> where_is(const LiveAiSearchStack& stack, const DesiredState& desired,
                                    const DesiredInstance& instance) {
  if (reconcile::find_instance(stack, instance.namespace_name, instance.id) != nullptr) {
    return instance.namespace_name;
  }
  std::optional<std::string> found;
  for (const LiveInstanceInfo& info : stack.instances) {
    if (info.id != instance.id) continue;
    const bool declared =
        std::any_of(desired.ai_search_instances.begin(), desired.ai_search_instances.end(),
                    [&](const DesiredInstance& other) {
                      return other.id == info.id && other.namespace_name == info.namespace_name;
                    });
    if (declared) continue;
    if (found) return std::nullopt;  // more than one: none is the declared one
    found = info.namespace_name;
  }
  return found;
}

Result<void> AiSearchProvider::populate(const DesiredState& desired, LiveState& live) {
  if (desired.ai_search_instances.empty() && !desired.manages_ai_search_stack()) return {};
  std::optional<LiveAiSearchStack> stack;
  auto read_stack = [&]() -> Result<void> {
    auto read = read_ai_search_stack(m_context.transport, account_id(), m_context.max_in_flight);
    if (!read) return read.error().context("reading AI Search namespaces and instances: ");
    stack = std::move(*read);
    return {};
  };
  if (desired.manages_ai_search_stack()) {
    CFSYNC_TRY_VOID(read_stack());
  }
  const std::vector<DesiredInstance>& declared = desired.ai_search_instances;
  std::vector<LiveInstance> instances(declared.size());
  auto read_items = [&](std::size_t i) -> Result<void> {
    const DesiredInstance& instance = declared[i];
    std::string where = instance.namespace_name;
    if (stack) {
      const std::optional<std::string> found = where_is(*stack, desired, instance);
      if (!found) {
        instances[i] = {instance.namespace_name, instance.id, {}, false};
        return {};
      }
      where = *found;
    }
    auto items = read_instance(where, instance.id);
    if (!items && !stack && items.error().kind() == ErrorKind::http &&
        items.error().http_status == 404) {
      instances[i] = {instance.namespace_name, instance.id, {}, false};  // found below
      return {};
    }
    if (!items) {
      return items.error().context("reading AI Search instance " + instance.label() + ": ");
    }
    for (const LiveItem& item : items->items) {
      if (item.odd.empty()) continue;
      log().warn(
          "AI Search instance {}: item \"{}\": {}; its content is compared by what "
          "this machine recorded when it uploaded it",
          instance.label(), item.key, item.odd);
    }
    instances[i] = std::move(*items);
    return {};
  };
  CFSYNC_TRY_VOID(side_by_side(declared.size(), read_items));
  // An instance not where it is declared, found without the listings: they say whether it
  // moved, or is to be made.
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    if (!instances[i].exists) missing.push_back(i);
  }
  if (!stack && !missing.empty()) {
    CFSYNC_TRY_VOID(read_stack());
    CFSYNC_TRY_VOID(
        side_by_side(missing.size(), [&](std::size_t j) { return read_items(missing[j]); }));
  }
  if (stack && desired.prune.ai_search_instances) {
    CFSYNC_TRY_VOID(count_items_of_undeclared(desired, instances, *stack));
  }
  live.ai_search_instances = std::move(instances);
  live.ai_search_stack = std::move(stack);
  return {};
}

// What an instance a plan may delete holds: page 1 of its items, and its total_count.
Result<void> AiSearchProvider::count_items_of_undeclared(const DesiredState& /*desired*/,
                                                         const std::vector<LiveInstance>& declared,
                                                         LiveAiSearchStack& stack) {
  std::vector<LiveInstanceInfo*> undeclared;
  for (LiveInstanceInfo& info : stack.instances) {
    const bool is_declared =
        std::any_of(declared.begin(), declared.end(), [&](const LiveInstance& instance) {
          return instance.exists && instance.namespace_name == info.namespace_name &&
                 instance.id == info.id;
        });
    if (!is_declared) undeclared.push_back(&info);
  }
  return side_by_side(undeclared.size(), [&](std::size_t i) -> Result<void> {
    LiveInstanceInfo& info = *undeclared[i];
    CFSYNC_TRY(HttpResponse response,
               send(list_items_request(account_id(), info.namespace_name, info.id, 1)));
    CFSYNC_TRY(ItemPage page, parse_items_page(response));
    info.items = page.total_count && *page.total_count >= 0
                     ? static_cast<std::size_t>(*page.total_count)
                     : page.items.size();
    return {};
  });
}

// Page 1 first; its total_count tells how many pages follow, which are read side by side. If a
// page reports another total, items moved between pages: the listing is read again, one page
// after the other. The pages are then walked as a one-by-one read would, so that the same pages
// end the listing and a wrong total_count costs what it did.
Result<LiveInstance> AiSearchProvider::read_instance(const std::string& namespace_name,
                                                     const std::string& instance_id) {
  CFSYNC_TRY(HttpResponse first_response,
             send(list_items_request(account_id(), namespace_name, instance_id, 1)));
  std::vector<ItemPage> pages(1);
  CFSYNC_TRY(pages[0], parse_items_page(first_response));
  const std::optional<std::int64_t> total = pages[0].total_count;
  if (pages[0].items.size() == static_cast<std::size_t>(k_items_per_page) && total &&
      *total > k_items_per_page) {
    pages.resize(static_cast<std::size_t>((*total + k_items_per_page - 1) / k_items_per_page));
    CFSYNC_TRY_VOID(side_by_side(pages.size() - 1, [&](std::size_t i) -> Result<void> {
      const int page = static_cast<int>(i) + 2;
      CFSYNC_TRY(HttpResponse response,
                 send(list_items_request(account_id(), namespace_name, instance_id, page)));
      CFSYNC_TRY(pages[i + 1], parse_items_page(response));
      return {};
    }));
    if (std::any_of(pages.begin(), pages.end(),
                    [&](const ItemPage& page) { return page.total_count != total; })) {
      log().debug("AI Search instance {}/{}: the item count moved while listing; listing again",
                  namespace_name, instance_id);
      pages.clear();
    }
  }
  return walk_items(namespace_name, instance_id, std::move(pages));
}

Result<LiveInstance> AiSearchProvider::walk_items(const std::string& namespace_name,
                                                  const std::string& instance_id,
                                                  std::vector<ItemPage> pages) {
  LiveInstance live{namespace_name, instance_id, {}};
  std::set<std::string> seen;  // item ids: a page that repeats them means the list shifted
  for (int page = 1;; ++page) {
    ItemPage items;
    if (static_cast<std::size_t>(page) <= pages.size()) {
      items = std::move(pages[static_cast<std::size_t>(page) - 1]);
    } else {
      CFSYNC_TRY(HttpResponse response,
                 send(list_items_request(account_id(), namespace_name, instance_id, page)));
      CFSYNC_TRY(items, parse_items_page(response));
    }
    const std::size_t page_size = items.items.size();
    bool advanced = false;
    for (LiveItem& item : items.items) {
      if (!seen.insert(item.id).second) continue;
      advanced = true;
      live.items.push_back(std::move(item));
    }
    if (page_size > 0 && !advanced) {
      return Error(ErrorKind::protocol, "unexpected response: page " + std::to_string(page) +
                                            " of the items repeats the previous ones");
    }
    if (is_last_page(page_size, live.items.size(), items.total_count)) return live;
  }
}

Result<void> AiSearchProvider::apply(const UploadItem& upload, ChangeOutcome& outcome) {
  std::optional<LiveItem> found;
  CFSYNC_TRY(std::optional<HttpResponse> response,
             send_unique(upload_item_request(account_id(), upload, random_boundary()),
                         [&]() -> Result<bool> {
                           CFSYNC_TRY(KeyHolders holders, key_holders(upload));
                           found = std::move(holders.same);
                           return found.has_value();
                         }));
  if (!response) {
    outcome.item_id = found->id;
    return {};
  }
  // Upload never overwrites: a 409 means an item has this key already. It is never retried
  // blindly; the key is listed again to see what is there.
  if (response->status == 409) return resolve_conflict(upload, outcome);
  CFSYNC_TRY(LiveItem item, parse_item_response(*response));
  if (item.key != upload.document.key ||
      (item.file_size && *item.file_size != upload.document.size)) {
    return not_applied("key or size");
  }
  outcome.item_id = item.id;
  return {};
}

Result<AiSearchProvider::KeyHolders> AiSearchProvider::key_holders(const UploadItem& upload) {
  const DesiredDocument& document = upload.document;
  CFSYNC_TRY(HttpResponse response, send(find_item_request(account_id(), upload.namespace_name,
                                                           upload.instance_id, document.key)));
  CFSYNC_TRY(ItemPage found, parse_items_page(response));
  KeyHolders holders;
  for (LiveItem& item : found.items) {
    if (item.key != document.key) continue;
    holders.any = true;
    if (item.deleting) {
      holders.deleted = true;
      continue;
    }
    if (item.file_size && *item.file_size != document.size) continue;
    const bool same_metadata =
        std::all_of(document.metadata.begin(), document.metadata.end(), [&](const auto& field) {
          const auto live = item.metadata.find(field.first);
          return live != item.metadata.end() && live->second == field.second;
        });
    if (same_metadata && !holders.same) holders.same = std::move(item);
  }
  return holders;
}

Result<void> AiSearchProvider::resolve_conflict(const UploadItem& upload, ChangeOutcome& outcome) {
  CFSYNC_TRY(KeyHolders holders, key_holders(upload));
  if (holders.same) {
    // The size and metadata are this document's: most likely an earlier attempt whose answer
    // was lost. The next plan compares checksums.
    log().info("{} / {}: already uploaded", upload.instance_id, upload.document.key);
    outcome.item_id = holders.same->id;
    return {};
  }
  // Held by a deleted item, or freed since the 409: try again.
  if (holders.deleted || !holders.any) return upload_when_key_freed(upload, outcome);
  return Error(ErrorKind::apply,
               "an item with this key appeared during the apply, with other "
               "content; it is left as it is, and the next run replaces it");
}

// Deletes may be queued (next_action "DELETE"): the deleted item keeps its key for a while, and
// an upload of that key gets 409 until it is freed. Tried again with a backoff, within the wait
// timeout.
Result<void> AiSearchProvider::upload_when_key_freed(const UploadItem& upload,
                                                     ChangeOutcome& outcome) {
  log().info("{} / {}: the deleted item still holds the key; waiting for it to be freed",
             upload.instance_id, upload.document.key);
  std::optional<Error> failed;
  CFSYNC_TRY(const bool done,
             poll_with_backoff(*m_context.clock, m_context.wait_timeout, [&]() -> Result<bool> {
               std::optional<LiveItem> landed;
               CFSYNC_TRY(std::optional<HttpResponse> answer,
                          send_unique(upload_item_request(account_id(), upload, random_boundary()),
                                      [&]() -> Result<bool> {
                                        CFSYNC_TRY(KeyHolders holders, key_holders(upload));
                                        landed = std::move(holders.same);
                                        return landed.has_value();
                                      }));
               if (!answer) {  // its answer was lost, and it landed
                 outcome.item_id = landed->id;
                 return true;
               }
               const HttpResponse& response = *answer;
               if (response.status != 409) {
                 CFSYNC_TRY(LiveItem item, parse_item_response(response));
                 if (item.key != upload.document.key ||
                     (item.file_size && *item.file_size != upload.document.size)) {
                   failed = not_applied("key or size");
                 }
                 outcome.item_id = item.id;
                 return true;
               }
               CFSYNC_TRY(KeyHolders holders, key_holders(upload));
               if (holders.same) {
                 outcome.item_id = holders.same->id;
                 return true;
               }
               if (holders.deleted || !holders.any) return false;  // not yet, or just freed
               failed = Error(ErrorKind::apply,
                              "an item with this key appeared during the apply, with other "
                              "content; it is left as it is, and the next run replaces it");
               return true;
             }));
  if (failed) return *failed;
  if (!done) {
    return Error(ErrorKind::apply,
                 "the deleted item still held the key after --wait-timeout; the next run "
                 "uploads it");
  }
  return {};
}

Result<void> AiSearchProvider::apply(const DeleteItem& remove, ChangeOutcome& /*outcome*/) {
  CFSYNC_TRY(HttpResponse response, send(delete_item_request(account_id(), remove)));
  return check_deleted(response, log(), remove.key);
}

Result<void> AiSearchProvider::apply(const ReplaceItem& replace, ChangeOutcome& outcome) {
  auto removed = apply(replace.remove, outcome);
  if (!removed) return removed.error().context("deleting the old item: ");
  auto uploaded = apply(replace.upload, outcome);
  if (!uploaded) return uploaded.error().context("uploading the new content (the old is gone): ");
  return {};
}

Result<IndexingReport> AiSearchProvider::wait_for_indexing(const Plan& plan,
                                                           const ApplyReport& report,
                                                           std::chrono::milliseconds timeout,
                                                           Clock& clock) {
  struct Pending {
    std::string namespace_name;
    std::string instance_id;
    IndexedItem item;
  };
  std::map<std::string, Pending> pending;  // by item id
  for (const ChangeOutcome& outcome : report.outcomes) {
    if (outcome.error || outcome.item_id.empty()) continue;
    const Change& change = plan.changes.at(outcome.change);
    const UploadItem* upload = std::get_if<UploadItem>(&change.payload);
    if (upload == nullptr) upload = &std::get<ReplaceItem>(change.payload).upload;
    pending.emplace(outcome.item_id,
                    Pending{upload->namespace_name,
                            upload->instance_id,
                            {change.parent, upload->document.key, ItemStatus::queued, {}}});
  }
  IndexingReport indexing;
  CFSYNC_TRY(const bool done, poll_with_backoff(clock, timeout, [&]() -> Result<bool> {
               std::set<std::pair<std::string, std::string>> instances;
               for (const auto& [id, entry] : pending) {
                 instances.emplace(entry.namespace_name, entry.instance_id);
               }
               const std::vector<std::pair<std::string, std::string>> listed(instances.begin(),
                                                                             instances.end());
               std::vector<LiveInstance> read(listed.size());
               CFSYNC_TRY_VOID(side_by_side(listed.size(), [&](std::size_t i) -> Result<void> {
                 CFSYNC_TRY(read[i], read_instance(listed[i].first, listed[i].second));
                 return {};
               }));
               for (const LiveInstance& live : read) {
                 for (const LiveItem& item : live.items) {
                   const auto found = pending.find(item.id);
                   if (found == pending.end()) continue;
                   found->second.item.status = item.status;
                   found->second.item.error = item.error;
                   if (!is_final(item.status)) continue;
                   indexing.items.push_back(std::move(found->second.item));
                   pending.erase(found);
                 }
               }
               return pending.empty();
             }));
  if (done) return indexing;
  indexing.timed_out = true;
  for (auto& [id, entry] : pending) indexing.items.push_back(std::move(entry.item));
  return indexing;
}

}  // namespace

// Listed in provider_families.cpp.
std::unique_ptr<FamilyProvider> make_ai_search_provider(ProviderContext& context);

std::unique_ptr<FamilyProvider> make_ai_search_provider(ProviderContext& context) {
  return std::make_unique<AiSearchProvider>(context);
}

}  // namespace cfsync::api
