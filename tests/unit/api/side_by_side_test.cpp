// Reads side by side: the fan-out, the limit on reads in flight, and the item listing that reads
// its pages at once without reading more than one page after another would.
#include "api/side_by_side.hpp"

#include "api/provider.hpp"
#include "tests/support/printers.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace cfsync::api {
namespace {

constexpr const char* k_account = "023e105f4ecef8ad9ca31a8372d0c353";

// Counts what is in flight; each call waits until `together` calls are in flight at once, or
// for 10 s, which `met` then reports: proof that they ran side by side.
class InFlight {
 public:
  explicit InFlight(std::size_t together) : m_together(together) {}

  template <class Work>
  auto during(Work work) {
    {
      std::unique_lock lock(m_mutex);
      ++m_now;
      most = std::max(most, m_now);
      m_changed.notify_all();
      if (!m_changed.wait_for(lock, std::chrono::seconds(10),
                              [&] { return m_now >= m_together || m_released; })) {
        met = false;
      }
      m_released = true;  // once met, nobody waits any more
    }
    auto result = work();
    const std::lock_guard lock(m_mutex);
    --m_now;
    return result;
  }

  std::size_t most = 0;
  bool met = true;

 private:
  std::size_t m_together;
  std::size_t m_now = 0;
  bool m_released = false;
  std::mutex m_mutex;
  std::condition_variable m_changed;
};

TEST_CASE("side_by_side runs its tasks at once, and fails with the first failed task's error") {
  InFlight flight(4);
  std::mutex mutex;
  std::set<std::size_t> ran;
  const Result<void> done = side_by_side(4, 4, [&](std::size_t i) -> Result<void> {
    return flight.during([&]() -> Result<void> {
      const std::lock_guard lock(mutex);
      ran.insert(i);
      if (i == 1 || i == 3) return Error(ErrorKind::network, "task " + std::to_string(i));
      return {};
    });
  });
  CHECK(flight.met);
  CHECK(flight.most == 4);
  CHECK(ran == std::set<std::size_t>{0, 1, 2, 3});
  REQUIRE_FALSE(done);
  CHECK(done.error().message() == "task 1");
}

TEST_CASE("after a failure, side_by_side starts no more tasks") {
  std::vector<std::size_t> ran;
  const Result<void> done = side_by_side(5, 1, [&](std::size_t i) -> Result<void> {
    ran.push_back(i);
    if (i == 2) return Error(ErrorKind::network, "down");
    return {};
  });
  CHECK_FALSE(done);
  CHECK(ran == std::vector<std::size_t>{0, 1, 2});
  CHECK(side_by_side(0, 8, [](std::size_t) -> Result<void> { return {}; }));
}

// Answers every request 200 with `answer(target)`, inside `flight` when `counted(target)`.
class FunctionTransport final : public Transport {
 public:
  FunctionTransport(
      InFlight& flight, std::function<std::string(const std::string&)> answer,
      std::function<bool(const std::string&)> counted = [](const std::string&) { return true; })
      : m_flight(flight), m_answer(std::move(answer)), m_counted(std::move(counted)) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    {
      const std::lock_guard lock(m_mutex);
      targets.push_back(request.target);
    }
    const auto answer = [&]() -> Result<HttpResponse> {
      return HttpResponse{.status = 200, .body = m_answer(request.target)};
    };
    if (!m_counted(request.target)) return answer();
    return m_flight.during(answer);
  }
  Result<std::optional<HttpResponse>> send_unique(const HttpRequest& request,
                                                  const Landed& /*landed*/) override {
    CFSYNC_TRY(HttpResponse response, send(request));
    return std::optional<HttpResponse>(std::move(response));
  }

  std::vector<std::string> targets;

 private:
  InFlight& m_flight;
  std::function<std::string(const std::string&)> m_answer;
  std::function<bool(const std::string&)> m_counted;
  std::mutex m_mutex;
};

TEST_CASE("LimitedTransport keeps at most its limit of reads in flight") {
  InFlight flight(3);
  FunctionTransport inner(flight, [](const std::string&) { return std::string("{}"); });
  LimitedTransport limited(inner, 3);
  const Result<void> done = side_by_side(12, 12, [&](std::size_t) -> Result<void> {
    CFSYNC_TRY(HttpResponse response, limited.send({.method = Method::get, .target = "/x"}));
    return {};
  });
  CHECK(done);
  CHECK(flight.met);
  CHECK(flight.most == 3);
  CHECK(inner.targets.size() == 12);
}

std::shared_ptr<spdlog::logger> quiet() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// Items i-0 … i-(count - 1), 50 a page, as the API lists them.
std::string items_page(int page, int count, int total) {
  std::string items;
  for (int i = (page - 1) * 50; i < std::min(page * 50, count); ++i) {
    items += (items.empty() ? "" : ",") + std::string(R"({"id":"i-)") + std::to_string(i) +
             R"(","key":"k)" + std::to_string(i) +
             R"(","checksum":"0cc175b9c0f1b6a831c399e269772661","status":"completed"})";
  }
  return R"({"success":true,"result":[)" + items + R"(],"result_info":{"total_count":)" +
         std::to_string(total) + "}}";
}

int page_of(const std::string& target) { return std::stoi(target.substr(target.rfind('=') + 1)); }

DesiredState one_instance() {
  return {.account_id = k_account,
          .ai_search_instances = {{.namespace_name = "default", .id = "docs"}}};
}

TEST_CASE("an instance's pages after the first are read side by side: no more requests") {
  InFlight flight(3);  // pages 2, 3 and 4 at once
  FunctionTransport transport(
      flight, [](const std::string& target) { return items_page(page_of(target), 180, 180); },
      [](const std::string& target) { return page_of(target) > 1; });
  CloudflareProvider provider(transport, k_account, quiet(), 8);
  const auto live = provider.populate(one_instance());
  REQUIRE(live);
  CHECK(flight.met);
  CHECK(transport.targets.size() == 4);  // 180 items, 50 a page: what one after the other reads
  REQUIRE(live->ai_search_instances);
  REQUIRE(live->ai_search_instances->size() == 1);
  const std::vector<LiveItem>& items = (*live->ai_search_instances)[0].items;
  REQUIRE(items.size() == 180);
  for (std::size_t i = 0; i < items.size(); ++i) CHECK(items[i].id == "i-" + std::to_string(i));
}

TEST_CASE(
    "an item count that moves between pages reads the listing again, one page after another") {
  InFlight flight(1);
  std::mutex mutex;
  std::map<int, int> asked;  // page -> times asked
  FunctionTransport transport(flight, [&](const std::string& target) {
    const int page = page_of(target);
    const std::lock_guard lock(mutex);
    // An item is deleted while page 1 is read: the first answer of page 1 still counts it.
    const bool before = ++asked[page] == 1 && page == 1;
    return before ? items_page(page, 180, 180) : items_page(page, 179, 179);
  });
  CloudflareProvider provider(transport, k_account, quiet(), 8);
  const auto live = provider.populate(one_instance());
  REQUIRE(live);
  CHECK(transport.targets.size() == 8);  // 4 pages side by side, then 4 one after the other
  REQUIRE(live->ai_search_instances);
  REQUIRE(live->ai_search_instances->size() == 1);
  const std::vector<LiveItem>& items = (*live->ai_search_instances)[0].items;
  CHECK(items.size() == 179);
  std::set<std::string> ids;
  for (const LiveItem& item : items) ids.insert(item.id);
  CHECK(ids.size() == 179);
}

}  // namespace
}  // namespace cfsync::api
