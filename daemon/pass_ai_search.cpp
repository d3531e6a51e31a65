// The AI Search family in a pass: the documents whose content the plan must compare are hashed
// through the digest cache, and what this machine uploaded as each item (items.json) is attached
// to the live state and kept up to date as uploads are applied.
#include "config/digest_cache.hpp"
#include "config/item_records.hpp"
#include "daemon/pass_family.hpp"
#include "reconcile/planner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cfsync::daemon {

namespace {

// Item upload records are written after this many changes, and after the apply.
constexpr std::size_t k_item_record_batch = 256;

class AiSearchPass final : public PassFamily {
 public:
  AiSearchPass(const std::filesystem::path& state_dir, spdlog::logger& log)
      : m_state_dir(state_dir), m_records(config::ItemRecordStore::open(state_dir)), m_log(log) {}

  Result<void> prepare(DesiredState& desired, LiveState& live,
                       const Options& /*options*/) override {
    if (!live.ai_search_instances) return {};
    for (LiveInstance& instance : *live.ai_search_instances) {
      for (LiveItem& item : instance.items) {
        const auto found = m_records.records().find(item.id);
        if (found != m_records.records().end()) item.record = found->second;
      }
    }
    // Every document, by the algorithm of its item's checksum and by SHA-256.
    const auto needs = reconcile::digests_needed(desired, *live.ai_search_instances);
    config::DigestCache cache = config::DigestCache::open(m_state_dir);
    CFSYNC_TRY_VOID(config::fill_digests(desired, needs, cache));
    m_log.debug("{} documents hashed, {} read from disk", needs.size(), cache.files_read());
    // A cache that cannot be written costs a re-hash next time, nothing more.
    if (auto saved = cache.save(); !saved) m_log.warn("{}", saved.error().message());
    return {};
  }

  Result<void> before_apply(const Plan& plan) override {
    if (!plan_holds<UploadItem, ReplaceItem>(plan)) return {};
    if (auto written = m_records.write(); !written) return state_refusal(written.error());
    return {};
  }

  // Remembers what each upload sent (its content's SHA-256, size and metadata keys), written in
  // batches and once more after the apply, and forgets the items cfsync deleted.
  void applied(const Change& change, const api::ChangeOutcome& outcome,
               StateErrors& errors) override {
    const UploadItem* upload = std::get_if<UploadItem>(&change.payload);
    if (const auto* replace = std::get_if<ReplaceItem>(&change.payload)) {
      m_records.erase(replace->remove.item_id);
      upload = &replace->upload;
    } else if (const auto* remove = std::get_if<DeleteItem>(&change.payload)) {
      m_records.erase(remove->item_id);
    }
    const DesiredDocument* document = upload != nullptr ? &upload->document : nullptr;
    if (document != nullptr && document->digests && !outcome.error && !outcome.item_id.empty()) {
      const auto sha256 = document->digests->find("sha256");
      if (sha256 != document->digests->end()) {
        ItemRecord record{.sha256 = sha256->second, .size = document->size};
        for (const auto& [key, value] : document->metadata) record.metadata_keys.push_back(key);
        m_records.set(outcome.item_id, std::move(record));
      }
    }
    // Without the record, an item whose checksum cannot be compared is uploaded once more.
    if (auto saved = m_records.save_batched(k_item_record_batch); !saved) {
      errors.note(saved.error());
    }
  }

  void after_apply(StateErrors& errors) override {
    if (auto saved = m_records.save(); !saved) errors.note(saved.error());
  }

 private:
  std::filesystem::path m_state_dir;
  config::ItemRecordStore m_records;
  spdlog::logger& m_log;
};

}  // namespace

// Listed in pass_families.cpp.
std::unique_ptr<PassFamily> make_ai_search_pass(const std::filesystem::path& state_dir,
                                                spdlog::logger& log);

std::unique_ptr<PassFamily> make_ai_search_pass(const std::filesystem::path& state_dir,
                                                spdlog::logger& log) {
  return std::make_unique<AiSearchPass>(state_dir, log);
}

}  // namespace cfsync::daemon
