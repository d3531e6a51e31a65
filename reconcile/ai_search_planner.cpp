// AI Search documents: desired files + live items -> uploads, replaces and deletes.
#include "reconcile/planner.hpp"

#include "reconcile/ai_search_stack.hpp"
#include "reconcile/family.hpp"
#include "reconcile/match.hpp"

#include <fmt/ranges.h>

#include <charconv>
#include <cmath>
#include <map>
#include <set>

namespace cfsync::reconcile {

namespace {

FieldValue shown(const MetadataValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* flag = std::get_if<bool>(&value)) return *flag;
  const double number = std::get<double>(value);
  if (std::trunc(number) == number && std::abs(number) < 9.0e15) {
    return static_cast<std::int64_t>(number);
  }
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, number).ptr;
  return std::string(text, end);
}

// An item's content as plans show every content: a keyed digest of its checksum, and its size.
Content item_content(const LiveItem& item) { return {item.checksum, item.file_size}; }

// A document's: its digest in the algorithm of the item's checksum when that is known, so that
// the two sides compare; its size alone otherwise.
Content document_content(const DesiredDocument& document,
                         const std::optional<std::string>& digest) {
  return {digest.value_or(""), document.size};
}

// Declared keys are compared; a key cfsync set at the last upload (the record says which) and
// the configuration no longer declares is taken away. Other live keys are the server's (built-in,
// or retained from a source) and never count.
std::vector<FieldChange> metadata_changes(const Metadata& desired, const Metadata& live,
                                          const ItemRecord* record) {
  std::vector<FieldChange> out;
  for (const auto& [key, value] : desired) {
    const auto found = live.find(key);
    if (found != live.end() && found->second == value) continue;
    out.push_back({"metadata." + key, found == live.end() ? FieldValue{} : shown(found->second),
                   shown(value)});
  }
  if (record == nullptr) return out;
  for (const std::string& key : record->metadata_keys) {
    const auto found = live.find(key);
    if (desired.contains(key) || found == live.end()) continue;
    out.push_back({"metadata." + key, shown(found->second), {}});
  }
  return out;
}

// The digest of the document in the algorithm of the item's checksum, if it was computed.
std::optional<std::string> matching_digest(const DesiredDocument& document, const LiveItem& item) {
  if (!document.digests) return std::nullopt;
  const auto algorithm = digest_algorithm_for(item.checksum);
  if (!algorithm) return std::nullopt;
  const auto found = document.digests->find(*algorithm);
  if (found == document.digests->end()) return std::nullopt;
  return found->second;
}

std::vector<FieldChange> creation_fields(const DesiredDocument& document) {
  std::vector<FieldChange> fields = {{"content", {}, document_content(document, std::nullopt)}};
  for (FieldChange& change : metadata_changes(document.metadata, {}, nullptr)) {
    change.before = std::monostate{};
    fields.push_back(std::move(change));
  }
  return fields;
}

// Whether an item holds its document's content, and how that is known.
struct ContentCheck {
  bool same = false;
  std::optional<FieldChange> field;  // what differs, when it shows
  std::string reason;                // why it is uploaded again, when no field says
};

// By the API's size and hex checksum when it gives them; else by what this machine recorded
// when it uploaded the item; else unknown, which uploads once more (and records). Nothing when
// the document's digests, which the comparison needs, were not computed.
std::optional<ContentCheck> compare_content(const DesiredDocument& document, const LiveItem& item) {
  if (item.file_size && *item.file_size != document.size) {
    return ContentCheck{
        false,
        FieldChange{"content", item_content(item), document_content(document, std::nullopt)},
        {}};
  }
  if (!document.digests) return std::nullopt;
  if (auto digest = matching_digest(document, item)) {
    if (*digest == item.checksum) return ContentCheck{true, {}, {}};
    return ContentCheck{
        false, FieldChange{"content", item_content(item), document_content(document, digest)}, {}};
  }
  const auto sha256 = document.digests->find("sha256");
  if (sha256 == document.digests->end()) return std::nullopt;
  const std::string why =
      item.file_size ? "its checksum is not a hex digest" : "the API gives no size for it";
  if (item.record) {
    if (item.record->size == document.size && item.record->sha256 == sha256->second) {
      return ContentCheck{true, {}, {}};
    }
    return ContentCheck{false, {}, why + ", and the file changed since this machine uploaded it"};
  }
  return ContentCheck{false,
                      {},
                      why +
                          ", and no upload of it is recorded in the state directory: uploaded "
                          "once more, and recorded"};
}

void plan_instance(const DesiredInstance& desired, const LiveInstance& live, Plan& plan,
                   std::vector<std::string>& problems) {
  const std::string label = desired.label();
  // Deleted, its key not yet freed: gone as far as the plan is concerned.
  const auto matching = match(
      desired.documents, live.items, [](const DesiredDocument& document) { return document.key; },
      [](const LiveItem& item) { return item.key; },
      [](const LiveItem& item) { return !item.deleting; });
  for (const auto& ambiguous : matching.ambiguous) {
    std::vector<std::string_view> ids;
    for (const LiveItem* item : ambiguous.live) ids.push_back(item->id);
    problems.push_back(
        "AI Search instance " + label + " lists " +
        (ambiguous.live.size() == 2 ? std::string("two") : std::to_string(ambiguous.live.size())) +
        " uploaded items with key \"" + ambiguous.key + "\" (ids " +
        fmt::format("{}", fmt::join(ids, " and ")) + "); cfsync will not guess which one is meant");
  }
  for (const auto& [declared, identity, found] : matching.declared) {
    if (identity == Identity::ambiguous) continue;  // reported
    const DesiredDocument& document = *declared;
    const UploadItem upload{desired.namespace_name, desired.id, document};
    if (identity == Identity::desired_only) {
      plan.changes.push_back({.kind = ResourceKind::ai_search_item,
                              .name = document.key,
                              .parent = label,
                              .action = Action::create,
                              .fields = creation_fields(document),
                              .payload = upload});
      continue;
    }
    const LiveItem& item = *found;
    const std::optional<ContentCheck> content = compare_content(document, item);
    if (!content) {
      problems.push_back("AI Search instance " + label + ": the content of \"" + document.key +
                         "\" was not hashed before planning");
      continue;
    }
    std::vector<FieldChange> fields;
    if (content->field) fields.push_back(*content->field);
    const ItemRecord* record = item.record ? &*item.record : nullptr;
    for (FieldChange& change : metadata_changes(document.metadata, item.metadata, record)) {
      fields.push_back(std::move(change));
    }
    if (content->same && fields.empty()) continue;
    plan.changes.push_back(
        {.kind = ResourceKind::ai_search_item,
         .name = document.key,
         .parent = label,
         .id = item.id,
         .action = Action::replace,
         .fields = std::move(fields),
         .reason = content->same ? std::string() : content->reason,
         .payload = ReplaceItem{{desired.namespace_name, desired.id, item.id, item.key}, upload}});
  }
  for (const LiveItem* undeclared : matching.live_only) {
    const LiveItem& item = *undeclared;
    if (!desired.prune) {
      plan.unmanaged.push_back({ResourceKind::ai_search_item, item.key, item.id, label});
      continue;
    }
    plan.changes.push_back(
        {.kind = ResourceKind::ai_search_item,
         .name = item.key,
         .parent = label,
         .id = item.id,
         .action = Action::delete_,
         .fields = {{"content", item_content(item), {}}},
         .payload = DeleteItem{desired.namespace_name, desired.id, item.id, item.key}});
  }
}

}  // namespace

void plan_ai_search(const DesiredState& desired, const std::vector<LiveInstance>& live, Plan& plan,
                    std::vector<std::string>& problems, const LiveAiSearchStack* stack) {
  for (std::size_t i = 0; i < desired.ai_search_instances.size(); ++i) {
    const DesiredInstance& instance = desired.ai_search_instances[i];
    if (starts_empty(instance, live.at(i), stack)) {
      plan_instance(instance, LiveInstance{instance.namespace_name, instance.id, {}, false}, plan,
                    problems);
      continue;
    }
    plan_instance(instance, live.at(i), plan, problems);
  }
}

std::vector<DigestNeed> digests_needed(const DesiredState& desired,
                                       const std::vector<LiveInstance>& live) {
  // Every document: its SHA-256 is what an upload records, and the fallback of a comparison;
  // with a live item, also the digest its checksum is made with.
  std::vector<DigestNeed> out;
  for (std::size_t i = 0; i < desired.ai_search_instances.size(); ++i) {
    std::map<std::string_view, const LiveItem*> by_key;
    for (const LiveItem& item : live.at(i).items) {
      if (!item.deleting) by_key.emplace(item.key, &item);
    }
    const std::vector<DesiredDocument>& documents = desired.ai_search_instances[i].documents;
    for (std::size_t j = 0; j < documents.size(); ++j) {
      const auto found = by_key.find(documents[j].key);
      out.push_back({i, j, found == by_key.end() ? std::string() : found->second->checksum});
    }
  }
  return out;
}

}  // namespace cfsync::reconcile

namespace cfsync::reconcile {

namespace {

SafetyCount count_items(const DesiredState& desired, const LiveState& live) {
  SafetyCount out;
  for (const DesiredInstance& instance : desired.ai_search_instances) {
    out.desired += instance.documents.size();
  }
  if (!live.ai_search_instances) return out;
  for (const LiveInstance& instance : *live.ai_search_instances) out.live += instance.items.size();
  return out;
}

constexpr KindTraits k_kinds[] = {
    {.kind = ResourceKind::ai_search_item,
     .name = "ai_search_item",
     .noun = "document",
     .parent_noun = "AI Search instance",
     .count = count_items,
     .left_alone_hint = "set prune: true on the instance to delete them"},
};

Result<void> plan_step(const DesiredState& desired, const LiveState& live, Plan& plan,
                       std::vector<std::string>& problems) {
  if (desired.ai_search_instances.empty()) return {};
  if (!live.ai_search_instances ||
      live.ai_search_instances->size() != desired.ai_search_instances.size()) {
    return Error(ErrorKind::plan,
                 "AI Search instances are declared but were not read from the account");
  }
  plan_ai_search(desired, *live.ai_search_instances, plan, problems,
                 live.ai_search_stack ? &*live.ai_search_stack : nullptr);
  return {};
}

// After the namespaces' and instances' creates, updates and moves (stages 0 and 1), before their
// deletes (ai_search_stack_planner.cpp).
constexpr int k_stage = 2;

constexpr PlanStep k_steps[] = {{.stage = k_stage, .run = plan_step}};

// Items do not depend on DLP: their own track. Changes to one item run one after the other, and
// wait for their instance's changes.
Placement place(const Change& change) {
  return {.stage = k_stage,
          .lane = "item\n" + change.parent + "\n" + change.name,
          .after = instance_lane(change.parent)};
}

void declared(const DesiredState& desired, std::vector<std::string>& parts) {
  if (desired.ai_search_instances.empty()) return;
  parts.push_back(std::to_string(desired.ai_search_instances.size()) + " AI Search instance(s)");
}

}  // namespace

// Listed in families.cpp: name, track, kinds, plan steps, place, declared.
extern constexpr Family k_ai_search_family{"ai_search", 1, k_kinds, k_steps, place, declared};

}  // namespace cfsync::reconcile
