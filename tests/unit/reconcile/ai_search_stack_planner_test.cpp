// AI Search namespaces and instances: declared settings + the account's -> creates, updates,
// moves, replaces and deletes, in the order an apply keeps, and the safety refusals.
#include "reconcile/planner.hpp"
#include "reconcile/safety.hpp"
#include "reconcile/schedule.hpp"

#include "tests/support/printers.hpp"

#include <doctest/doctest.h>

#include <algorithm>

namespace cfsync {
namespace {

DesiredInstance declared(std::string ns, std::string id, Settings settings = {}) {
  return {.namespace_name = std::move(ns), .id = std::move(id), .settings = std::move(settings)};
}

LiveInstanceInfo info(std::string ns, std::string id, Settings settings = {}) {
  return {.namespace_name = std::move(ns),
          .id = std::move(id),
          .settings = std::move(settings),
          .status = "ready"};
}

LiveItem item(std::string id, std::string key) {
  return {.id = std::move(id), .key = std::move(key), .checksum = "x", .file_size = 1};
}

// The account as populate reads it: every namespace and instance, and each declared instance's
// items where it is.
struct Account {
  std::vector<LiveNamespace> namespaces{{"default", {}}};
  std::vector<LiveInstanceInfo> instances;
  std::map<std::string, std::vector<LiveItem>> items;  // by "namespace/id"

  [[nodiscard]] LiveState live_for(const DesiredState& desired) const {
    LiveState live;
    live.ai_search_stack = LiveAiSearchStack{namespaces, instances};
    std::vector<LiveInstance> found;
    for (const DesiredInstance& instance : desired.ai_search_instances) {
      LiveInstance entry{instance.namespace_name, instance.id, {}, false};
      for (const LiveInstanceInfo& candidate : instances) {
        if (candidate.id != instance.id) continue;
        entry = {candidate.namespace_name, candidate.id, {}, true};
        if (candidate.namespace_name == instance.namespace_name) break;
      }
      if (entry.exists) {
        const auto held = items.find(entry.namespace_name + "/" + entry.id);
        if (held != items.end()) entry.items = held->second;
      }
      found.push_back(std::move(entry));
    }
    live.ai_search_instances = std::move(found);
    return live;
  }
};

Plan planned(const DesiredState& desired, const Account& account) {
  auto plan = reconcile::plan(desired, account.live_for(desired));
  REQUIRE_MESSAGE(plan, (plan ? "" : plan.error().message()));
  return *plan;
}

std::vector<std::string> problems_of(const DesiredState& desired, const Account& account) {
  auto plan = reconcile::plan(desired, account.live_for(desired));
  REQUIRE_FALSE(plan);
  return plan.error().details;
}

std::vector<std::string> lines(const Plan& plan) {
  std::vector<std::string> out;
  for (const Change& change : plan.changes) {
    out.push_back(std::string(to_string(change.action)) + " " +
                  std::string(to_string(change.kind)) + " " + change.name);
  }
  return out;
}

TEST_CASE("a namespace, its instance and its documents: created in that order") {
  DesiredState desired{.account_id = "a"};
  desired.ai_search_namespaces = {{"docs-ns", {{"description", R"("Docs")"}}}};
  DesiredInstance instance = declared("docs-ns", "kb", {{"chunk_size", "512"}});
  instance.documents = {{.key = "a.md", .file = "/x/a.md", .size = 1}};
  desired.ai_search_instances = {instance};
  const Plan plan = planned(desired, Account{});
  CHECK(lines(plan) == std::vector<std::string>{"create ai_search_namespace docs-ns",
                                                "create ai_search_instance docs-ns/kb",
                                                "create ai_search_item a.md"});
  const auto* create = std::get_if<CreateInstance>(&plan.changes[1].payload);
  REQUIRE(create != nullptr);
  CHECK(create->body == R"({"id":"kb","chunk_size":512})");
  CHECK(plan.changes[1].fields == std::vector<FieldChange>{{"chunk_size", {}, std::int64_t{512}}});
  // The documents wait for their instance, which waits for its namespace.
  Schedule schedule(plan);
  CHECK(schedule.next() == 0U);
  CHECK_FALSE(schedule.next());
  schedule.finish(0, true);
  CHECK(schedule.next() == 1U);
  CHECK_FALSE(schedule.next());
  // A failed instance create skips its documents, and the report says so.
  CHECK(schedule.finish(1, false) == std::vector<std::size_t>{2});
  CHECK(schedule.done());
}

TEST_CASE("one changed setting is one update, field by field, leaving the rest alone") {
  DesiredState desired{.account_id = "a"};
  desired.ai_search_instances = {
      declared("default", "kb",
               {{"max_num_results", "20"},
                {"score_threshold", "0.4"},
                {"public_endpoint_params", R"({"enabled":true,"rate_limit":{"requests":50}})"}})};
  Account account;
  account.instances = {info(
      "default", "kb",
      {{"max_num_results", "10"},
       {"score_threshold", "0.40"},
       {"cache", "true"},
       {"public_endpoint_params",
        R"({"enabled":true,"custom_domains":null,"rate_limit":{"requests":10,"period_ms":60000}})"}})};
  const Plan plan = planned(desired, account);
  REQUIRE(plan.changes.size() == 1);
  const Change& change = plan.changes[0];
  CHECK(change.action == Action::update);
  CHECK(change.fields ==
        std::vector<FieldChange>{
            {"max_num_results", std::int64_t{10}, std::int64_t{20}},
            {"public_endpoint_params.rate_limit.requests", std::int64_t{10}, std::int64_t{50}}});
  // The PUT carries what the account has, the declared values written on it; nulls it answered
  // are left out (an absent custom_domains leaves the domains as they are).
  const auto* update = std::get_if<UpdateInstance>(&change.payload);
  REQUIRE(update != nullptr);
  CHECK(
      update->body ==
      R"({"cache":true,"max_num_results":20,"public_endpoint_params":{"enabled":true,"rate_limit":{"requests":50,"period_ms":60000}},"score_threshold":4E-1})");
  desired.ai_search_instances[0].settings["max_num_results"] = "10";
  desired.ai_search_instances[0].settings["public_endpoint_params"] = R"({"rate_limit":{}})";
  CHECK(planned(desired, account).changes.empty());
}

TEST_CASE("a setting only a create sets replaces the instance, and counts as a delete") {
  DesiredState desired{.account_id = "a"};
  DesiredInstance instance = declared("default", "kb", {{"type", R"("r2")"}});
  instance.documents = {{.key = "a.md", .file = "/x/a.md", .size = 1}};
  desired.ai_search_instances = {instance};
  Account account;
  account.instances = {info("default", "kb", {{"type", "null"}})};
  account.items["default/kb"] = {item("i-1", "a.md"), item("i-2", "b.md")};
  const Plan plan = planned(desired, account);
  // The new instance is empty: the document is uploaded again.
  CHECK(lines(plan) == std::vector<std::string>{"replace ai_search_instance default/kb",
                                                "create ai_search_item a.md"});
  const auto safety = reconcile::safety_problems(plan, desired, account.live_for(desired));
  REQUIRE(safety.size() == 1);
  CHECK(safety[0] ==
        "replace of AI Search instance \"default/kb\": it holds 2 items, deleted with it (apply "
        "with --force if that is meant)");
}

TEST_CASE("an instance declared in another namespace is moved, not made again") {
  DesiredState desired{.account_id = "a"};
  desired.ai_search_namespaces = {{"prod", {}}};
  desired.ai_search_instances = {declared("prod", "kb")};
  Account account;
  account.namespaces.push_back({"prod", {}});
  account.namespaces.push_back({"staging", {}});
  account.instances = {info("staging", "kb")};
  const Plan plan = planned(desired, account);
  REQUIRE(lines(plan) == std::vector<std::string>{"move ai_search_instance prod/kb"});
  CHECK(plan.changes[0].fields ==
        std::vector<FieldChange>{{"namespace", std::string("staging"), std::string("prod")}});
  const auto* move = std::get_if<MoveInstance>(&plan.changes[0].payload);
  REQUIRE(move != nullptr);
  CHECK(move->from == "staging");
  CHECK(move->to == "prod");
  CHECK(plan.unmanaged.size() == 1);  // the staging namespace, left alone
}

TEST_CASE("prune: an undeclared instance is deleted, refused while it holds items") {
  DesiredState desired{.account_id = "a"};
  desired.ai_search_instances = {declared("default", "kb")};
  Account account;
  account.instances = {info("default", "kb"), info("default", "old"), info("default", "empty")};
  account.instances[1].items = 3;
  Plan plan = planned(desired, account);
  CHECK(plan.changes.empty());
  REQUIRE(plan.unmanaged.size() == 2);
  CHECK(plan.unmanaged[0].name == "default/old");

  desired.prune.ai_search_instances = true;
  desired.safety[ResourceKind::ai_search_instance] = {.max_delete_percent = 100};
  plan = planned(desired, account);
  CHECK(lines(plan) == std::vector<std::string>{"delete ai_search_instance default/old",
                                                "delete ai_search_instance default/empty"});
  CHECK(reconcile::safety_problems(plan, desired, account.live_for(desired)) ==
        std::vector<std::string>{"delete of AI Search instance \"default/old\": it holds 3 items, "
                                 "deleted with it (apply with --force if that is meant)"});
}

TEST_CASE("a namespace that would still hold instances is not deleted: the plan says why") {
  DesiredState desired{.account_id = "a"};
  desired.prune.ai_search_namespaces = true;
  Account account;
  account.namespaces.push_back({"old", {}});
  account.namespaces.push_back({"gone", {}});
  account.instances = {info("old", "kb")};
  const auto problems = problems_of(desired, account);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] ==
        "AI Search namespace \"old\" cannot be deleted: it still holds the instance(s) \"kb\", "
        "which this plan neither deletes nor moves (declare them, or set "
        "prune.ai_search_instances)");
  // Pruned with its instances: they go first (stage 3), then the namespaces (stage 4).
  desired.prune.ai_search_instances = true;
  const Plan plan = planned(desired, account);
  CHECK(lines(plan) == std::vector<std::string>{"delete ai_search_instance old/kb",
                                                "delete ai_search_namespace old",
                                                "delete ai_search_namespace gone"});
}

TEST_CASE("the default namespace's description cannot be changed, nor the namespace deleted") {
  DesiredState desired{.account_id = "a"};
  desired.ai_search_namespaces = {{"default", {{"description", R"("mine")"}}}};
  Account account;
  account.namespaces = {{"default", {{"description", R"("Default")"}}}};
  const auto problems = problems_of(desired, account);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].starts_with("AI Search namespace \"default\": its description cannot be"));
  desired.ai_search_namespaces.clear();
  desired.prune.ai_search_namespaces = true;
  CHECK(planned(desired, account).changes.empty());
}

TEST_CASE("a setting the API never answers is compared with what was sent, else sent once") {
  DesiredState desired{.account_id = "a"};
  desired.ai_search_instances = {declared("default", "kb", {{"chunk", "false"}})};
  Account account;
  account.instances = {info("default", "kb")};
  Plan plan = planned(desired, account);
  REQUIRE(plan.changes.size() == 1);
  const auto* update = std::get_if<UpdateInstance>(&plan.changes[0].payload);
  REQUIRE(update != nullptr);
  CHECK(update->recorded == Settings{{"chunk", "false"}});
  account.instances[0].recorded = {{"chunk", "false"}};
  CHECK(planned(desired, account).changes.empty());
  account.instances[0].recorded = {{"chunk", "true"}};
  plan = planned(desired, account);
  REQUIRE(plan.changes.size() == 1);
  CHECK(plan.changes[0].fields == std::vector<FieldChange>{{"chunk", true, false}});
}

TEST_CASE("an instance's namespace must exist or be declared") {
  DesiredState desired{.account_id = "a"};
  desired.ai_search_instances = {declared("nowhere", "kb", {{"cache", "true"}})};
  const auto problems = problems_of(desired, Account{});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] ==
        "AI Search instance nowhere/kb: the namespace \"nowhere\" does not exist; declare it "
        "under ai_search.namespaces");
}

}  // namespace
}  // namespace cfsync
