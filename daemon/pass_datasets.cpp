// The DLP datasets family in a pass: what this machine uploaded to each dataset (datasets.json),
// attached to the live state for the plan and kept up to date as each upload is applied, so that
// a run cut short does not upload the same file again.
#include "config/dataset_records.hpp"
#include "daemon/pass_family.hpp"

#include <algorithm>
#include <set>

namespace cfsync::daemon {

namespace {

class DatasetsPass final : public PassFamily {
 public:
  explicit DatasetsPass(const std::filesystem::path& state_dir)
      : m_records(config::DatasetRecordStore::open(state_dir)) {}

  // Records of datasets that no longer exist are dropped; the rest go into `live` for the plan.
  Result<void> prepare(DesiredState& /*desired*/, LiveState& live,
                       const Options& options) override {
    if (!live.datasets) return {};
    std::set<std::string> ids;
    for (const LiveDataset& dataset : live.datasets->datasets) ids.insert(dataset.id);
    std::vector<std::string> gone;
    for (const auto& [id, record] : m_records.records()) {
      if (!ids.contains(id)) gone.push_back(id);
    }
    for (const std::string& id : gone) m_records.erase(id);
    live.datasets->records = m_records.records();
    live.datasets->retry_failed = options.retry_failed;
    return {};
  }

  Result<void> before_apply(const Plan& plan) override {
    if (!plan_holds<CreateDataset, UploadDataset>(plan)) return {};
    if (auto written = m_records.write(); !written) return state_refusal(written.error());
    return {};
  }

  void applied(const Change& change, const api::ChangeOutcome& outcome,
               StateErrors& errors) override {
    m_records.note_applied(change, outcome.dataset_id, outcome.dataset_version, !outcome.error);
    // Without the record the next run could only upload once more: the pass fails. Unchanged: no
    // write.
    if (auto saved = m_records.save(); !saved) errors.note(saved.error());
  }

 private:
  config::DatasetRecordStore m_records;
};

}  // namespace

// Listed in pass_families.cpp.
std::unique_ptr<PassFamily> make_dlp_datasets_pass(const std::filesystem::path& state_dir,
                                                   spdlog::logger& /*log*/);

std::unique_ptr<PassFamily> make_dlp_datasets_pass(const std::filesystem::path& state_dir,
                                                   spdlog::logger& /*log*/) {
  return std::make_unique<DatasetsPass>(state_dir);
}

}  // namespace cfsync::daemon
