// AI Search documents: desired files + live items -> uploads, replaces and deletes.
#include "reconcile/planner.hpp"

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

FieldValue size_of(std::optional<std::uint64_t> size) {
  if (!size) return std::monostate{};
  return static_cast<std::int64_t>(*size);
}

// Only declared keys count: the live metadata also holds the API's built-in keys.
std::vector<FieldChange> metadata_changes(const Metadata& desired, const Metadata& live) {
  std::vector<FieldChange> out;
  for (const auto& [key, value] : desired) {
    const auto found = live.find(key);
    if (found != live.end() && found->second == value) continue;
    out.push_back({"metadata." + key, found == live.end() ? FieldValue{} : shown(found->second),
                   shown(value)});
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
  std::vector<FieldChange> fields = {{"size", {}, size_of(document.size)}};
  for (FieldChange& change : metadata_changes(document.metadata, {})) {
    change.before = std::monostate{};
    fields.push_back(std::move(change));
  }
  return fields;
}

void plan_instance(const DesiredInstance& desired, const LiveInstance& live, Plan& plan,
                   std::vector<std::string>& problems) {
  const std::string label = desired.label();
  std::map<std::string, const LiveItem*> by_key;
  for (const LiveItem& item : live.items) {
    auto [it, inserted] = by_key.emplace(item.key, &item);
    if (!inserted) {
      problems.push_back("AI Search instance " + label + " lists two uploaded items with key \"" +
                         item.key + "\" (ids " + it->second->id + " and " + item.id +
                         "); cfsync will not guess which one is meant");
    }
  }
  std::set<std::string> declared;
  for (const DesiredDocument& document : desired.documents) {
    declared.insert(document.key);
    const UploadItem upload{desired.namespace_name, desired.id, document};
    const auto found = by_key.find(document.key);
    if (found == by_key.end()) {
      plan.changes.push_back({.kind = ResourceKind::ai_search_item,
                              .name = document.key,
                              .parent = label,
                              .action = Action::create,
                              .fields = creation_fields(document),
                              .payload = upload});
      continue;
    }
    const LiveItem& item = *found->second;
    std::vector<FieldChange> fields;
    if (item.file_size != document.size) {
      fields.push_back({"size", size_of(item.file_size), size_of(document.size)});
    } else if (!document.digests) {
      problems.push_back("AI Search instance " + label + ": the content of \"" + document.key +
                         "\" was not hashed before planning");
      continue;
    } else if (auto digest = matching_digest(document, item); !digest) {
      // Re-uploading on every run would be the alternative: say so instead.
      problems.push_back("AI Search instance " + label + ": item \"" + document.key +
                         "\" has a checksum cfsync cannot compare (\"" + item.checksum +
                         "\" is not an MD5, SHA-1 or SHA-256 hex digest)");
      continue;
    } else if (*digest != item.checksum) {
      fields.push_back({"checksum", item.checksum, *digest});
    }
    for (FieldChange& change : metadata_changes(document.metadata, item.metadata)) {
      fields.push_back(std::move(change));
    }
    if (fields.empty()) continue;
    plan.changes.push_back(
        {.kind = ResourceKind::ai_search_item,
         .name = document.key,
         .parent = label,
         .id = item.id,
         .action = Action::replace,
         .fields = std::move(fields),
         .payload = ReplaceItem{{desired.namespace_name, desired.id, item.id, item.key}, upload}});
  }
  for (const LiveItem& item : live.items) {
    if (declared.contains(item.key)) continue;
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
         .fields = {{"size", size_of(item.file_size), {}}},
         .payload = DeleteItem{desired.namespace_name, desired.id, item.id, item.key}});
  }
}

}  // namespace

void plan_ai_search(const DesiredState& desired, const std::vector<LiveInstance>& live, Plan& plan,
                    std::vector<std::string>& problems) {
  for (std::size_t i = 0; i < desired.ai_search_instances.size(); ++i) {
    plan_instance(desired.ai_search_instances[i], live.at(i), plan, problems);
  }
}

std::vector<DigestNeed> digests_needed(const DesiredState& desired,
                                       const std::vector<LiveInstance>& live) {
  std::vector<DigestNeed> out;
  for (std::size_t i = 0; i < desired.ai_search_instances.size(); ++i) {
    std::map<std::string_view, const LiveItem*> by_key;
    for (const LiveItem& item : live.at(i).items) by_key.emplace(item.key, &item);
    const std::vector<DesiredDocument>& documents = desired.ai_search_instances[i].documents;
    for (std::size_t j = 0; j < documents.size(); ++j) {
      const auto found = by_key.find(documents[j].key);
      if (found == by_key.end() || found->second->file_size != documents[j].size) continue;
      out.push_back({i, j, found->second->checksum});
    }
  }
  return out;
}

}  // namespace cfsync::reconcile
