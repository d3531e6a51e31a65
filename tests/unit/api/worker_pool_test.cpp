// Apply with several changes in flight, as the CLI runs it (--max-in-flight defaults to 8): the
// schedule's stages and lanes hold, and independent changes really run side by side.
#include "api/provider.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

namespace cfsync::api {
namespace {

constexpr const char* k_account = "023e105f4ecef8ad9ca31a8372d0c353";

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// Answers every request 404 (a delete of what is gone: success), and notes when each starts and
// ends. Requests whose target ends with one of `together` wait until all of them are in flight
// (or 10 s have passed, which the test then reports): proof that they ran side by side.
class ConcurrentTransport final : public Transport {
 public:
  explicit ConcurrentTransport(std::set<std::string> together) : m_together(std::move(together)) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    const std::string name = request.target.substr(request.target.rfind('/') + 1);
    std::unique_lock lock(m_mutex);
    events.push_back("start " + name);
    if (m_together.contains(name)) {
      ++m_arrived;
      m_changed.notify_all();
      met = m_changed.wait_for(lock, std::chrono::seconds(10), [&] {
        return m_arrived == m_together.size();
      }) && met;
    }
    events.push_back("end " + name);
    return HttpResponse{.status = 404};
  }

  std::vector<std::string> events;
  bool met = true;

 private:
  std::set<std::string> m_together;
  std::size_t m_arrived = 0;
  std::mutex m_mutex;
  std::condition_variable m_changed;
};

Change item_delete(const std::string& instance, const std::string& id) {
  return {.kind = ResourceKind::ai_search_item,
          .name = id + ".md",
          .parent = "default/" + instance,
          .id = id,
          .action = Action::delete_,
          .payload = DeleteItem{"default", instance, id, id + ".md"}};
}

// Entry "e" of profile "P".
Change entry_delete() {
  return {.kind = ResourceKind::dlp_profile_entry,
          .name = "e",
          .parent = "P",
          .id = "entry-1",
          .action = Action::delete_,
          .payload = DeleteEntry{"entry-1"}};
}

std::size_t at(const std::vector<std::string>& events, const std::string& event) {
  const auto found = std::find(events.begin(), events.end(), event);
  REQUIRE(found != events.end());
  return static_cast<std::size_t>(found - events.begin());
}

TEST_CASE("with several in flight, changes of different lanes run side by side") {
  ConcurrentTransport transport({"i-1", "i-2", "i-3"});
  CloudflareProvider provider(transport, k_account, quiet(), 4);
  const Plan plan{{item_delete("kb", "i-1"), item_delete("kb", "i-2"), item_delete("docs", "i-3")}};
  const ApplyReport report = provider.apply(plan);
  CHECK(report.ok());
  CHECK(transport.met);  // all three were in flight at once
  CHECK(transport.events.size() == 6);
}

TEST_CASE("with several in flight, a lane runs in plan order and a stage waits for the earlier") {
  ConcurrentTransport transport({});
  CloudflareProvider provider(transport, k_account, quiet(), 8);
  Plan plan;
  // Stage 2, one lane: the entry's delete, then its profile's.
  plan.changes.push_back(entry_delete());
  plan.changes.push_back({.kind = ResourceKind::dlp_profile,
                          .name = "P",
                          .id = "profile-1",
                          .action = Action::delete_,
                          .payload = DeleteProfile{"profile-1"}});
  // Stage 3: after every profile change.
  plan.changes.push_back({.kind = ResourceKind::dlp_dataset,
                          .name = "D",
                          .id = "dataset-1",
                          .action = Action::delete_,
                          .payload = DeleteDataset{"dataset-1"}});
  const ApplyReport report = provider.apply(plan);
  CHECK(report.ok());
  REQUIRE(report.outcomes.size() == 3);
  const std::vector<std::string>& events = transport.events;
  CHECK(at(events, "end entry-1") < at(events, "start profile-1"));
  CHECK(at(events, "end profile-1") < at(events, "start dataset-1"));
}

TEST_CASE("with several in flight, a failed create skips the rest of its lane only") {
  ConcurrentTransport transport({});
  CloudflareProvider provider(transport, k_account, quiet(), 8);
  Plan plan;
  DesiredProfile profile{.name = "P"};
  plan.changes.push_back({.kind = ResourceKind::dlp_profile,
                          .name = "P",
                          .action = Action::create,
                          .payload = CreateProfile{profile}});  // 404: the create fails
  plan.changes.push_back(entry_delete());
  plan.changes.push_back(item_delete("kb", "i-1"));
  const ApplyReport report = provider.apply(plan);
  REQUIRE(report.outcomes.size() == 3);
  CHECK(report.outcomes[0].error);
  REQUIRE(report.outcomes[1].error);
  CHECK(report.outcomes[1].error->message().starts_with("not attempted: it needs P"));
  CHECK_FALSE(report.outcomes[2].error);
  CHECK(std::count(transport.events.begin(), transport.events.end(), "start entry-1") == 0);
}

}  // namespace
}  // namespace cfsync::api
