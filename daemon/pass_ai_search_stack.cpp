// The AI Search namespaces' and instances' part of a pass: what this machine sent of the
// instance settings the API never answers (ai-search-instances.json) is attached to the live
// state before planning, and kept up to date as creates, updates, moves and deletes are applied.
#include "config/instance_records.hpp"
#include "daemon/pass_family.hpp"

namespace cfsync::daemon {

namespace {

class AiSearchStackPass final : public PassFamily {
 public:
  explicit AiSearchStackPass(const std::filesystem::path& state_dir)
      : m_records(config::InstanceRecordStore::open(state_dir)) {}

  Result<void> prepare(DesiredState& /*desired*/, LiveState& live,
                       const Options& /*options*/) override {
    if (!live.ai_search_stack) return {};
    for (LiveInstanceInfo& info : live.ai_search_stack->instances) {
      const auto found = m_records.records().find(info.namespace_name + "/" + info.id);
      if (found != m_records.records().end()) info.recorded = found->second;
    }
    return {};
  }

  void applied(const Change& change, const api::ChangeOutcome& outcome,
               StateErrors& errors) override {
    if (outcome.error) return;
    std::visit(
        [&](const auto& payload) {
          using Payload = std::decay_t<decltype(payload)>;
          if constexpr (std::is_same_v<Payload, CreateInstance> ||
                        std::is_same_v<Payload, UpdateInstance>) {
            m_records.sent(payload.namespace_name + "/" + payload.id, payload.recorded);
          } else if constexpr (std::is_same_v<Payload, ReplaceInstance>) {
            m_records.erase(payload.remove.namespace_name + "/" + payload.remove.id);
            m_records.sent(payload.create.namespace_name + "/" + payload.create.id,
                           payload.create.recorded);
          } else if constexpr (std::is_same_v<Payload, MoveInstance>) {
            m_records.moved(payload.from + "/" + payload.id, payload.to + "/" + payload.id);
          } else if constexpr (std::is_same_v<Payload, DeleteInstance>) {
            m_records.erase(payload.namespace_name + "/" + payload.id);
          }
        },
        change.payload);
    if (auto saved = m_records.save(); !saved) errors.note(saved.error());
  }

 private:
  config::InstanceRecordStore m_records;
};

}  // namespace

// Listed in pass_families.cpp.
std::unique_ptr<PassFamily> make_ai_search_stack_pass(const std::filesystem::path& state_dir,
                                                      spdlog::logger& log);

std::unique_ptr<PassFamily> make_ai_search_stack_pass(const std::filesystem::path& state_dir,
                                                      spdlog::logger& /*log*/) {
  return std::make_unique<AiSearchStackPass>(state_dir);
}

}  // namespace cfsync::daemon
