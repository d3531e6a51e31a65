// AI Search namespaces and instances: declared settings + the account's namespaces and
// instances -> creates, updates, moves, replaces and (when pruning) deletes, in the order an
// apply must keep: namespace creates and updates (stage 0), instance moves, creates, replaces and
// updates (1), the documents (2, ai_search_planner.cpp), instance deletes (3), namespace
// deletes (4).
//
// Settings are compared key by key as JSON, down to the declared leaves of nested objects: what
// the configuration leaves out is left alone. A key the API never answers (an instance's chunk,
// summarization, system prompts) is compared with what cfsync last sent, recorded in the state
// directory; without a record it is sent once.
#include "reconcile/ai_search_schema.hpp"
#include "reconcile/ai_search_stack.hpp"
#include "reconcile/family.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace cfsync::reconcile {

namespace json = boost::json;

namespace {

constexpr int k_namespace_stage = 0;
constexpr int k_instance_stage = 1;
constexpr int k_instance_delete_stage = 3;
constexpr int k_namespace_delete_stage = 4;

constexpr std::string_view k_default_namespace = "default";

bool same(const json::value& live, const json::value& desired);

// A declared object matches when each declared key does; lists match element by element.
bool same_object(const json::object& live, const json::object& desired) {
  return std::all_of(desired.begin(), desired.end(), [&](const json::key_value_pair& entry) {
    const json::value* found = live.if_contains(entry.key());
    return same(found != nullptr ? *found : json::value(nullptr), entry.value());
  });
}

bool same(const json::value& live, const json::value& desired) {
  if (desired.is_number() && live.is_number()) {
    return live.to_number<double>() == desired.to_number<double>();
  }
  if (desired.is_object() && live.is_object()) {
    return same_object(live.as_object(), desired.as_object());
  }
  if (desired.is_array() && live.is_array()) {
    const json::array& a = live.as_array();
    const json::array& b = desired.as_array();
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same(a[i], b[i])) return false;
    }
    return true;
  }
  return live == desired;
}

FieldValue shown(const json::value* value) {
  if (value == nullptr || value->is_null()) return std::monostate{};
  if (value->is_bool()) return value->as_bool();
  if (value->is_string()) return std::string(value->as_string());
  if (value->is_int64()) return value->as_int64();
  if (value->is_double()) {
    const double number = value->as_double();
    if (std::trunc(number) == number && std::abs(number) < 9.0e15) {
      return static_cast<std::int64_t>(number);
    }
  }
  return JsonText{json::serialize(*value)};
}

// The declared leaves of `desired` that `live` does not match, as "chunk_size" or
// "public_endpoint_params.rate_limit.requests".
void leaf_changes(const std::string& path, const json::value* live, const json::value& desired,
                  std::vector<FieldChange>& out) {
  if (desired.is_object() && !desired.as_object().empty() &&
      (live == nullptr || live->is_null() || live->is_object())) {
    const json::object* live_object =
        live != nullptr && live->is_object() ? &live->as_object() : nullptr;
    for (const auto& entry : desired.as_object()) {
      leaf_changes(path + "." + std::string(entry.key()),
                   live_object != nullptr ? live_object->if_contains(entry.key()) : nullptr,
                   entry.value(), out);
    }
    return;
  }
  if (same(live != nullptr ? *live : json::value(nullptr), desired)) return;
  out.push_back({path, shown(live), shown(&desired)});
}

json::value parsed(const std::string& text) { return json::parse(text); }

// `into` with `over` written on it, key by key down nested objects; lists and values are
// replaced. Nulls the account answered are left out: the API reads an absent key as "unchanged"
// where it answers null for "not supplied" (public_endpoint_params.custom_domains).
void merge(json::object& into, const json::object& over) {
  for (const auto& entry : over) {
    json::value* existing = into.if_contains(entry.key());
    if (existing != nullptr && existing->is_object() && entry.value().is_object()) {
      merge(existing->as_object(), entry.value().as_object());
    } else {
      into[entry.key()] = entry.value();
    }
  }
}

void drop_nulls(json::object& object) {
  for (auto it = object.begin(); it != object.end();) {
    if (it->value().is_null()) {
      it = object.erase(it);
      continue;
    }
    if (it->value().is_object()) drop_nulls(it->value().as_object());
    ++it;
  }
}

bool in_schema(const json::object& schema, std::string_view key) {
  return schema.at("properties").as_object().contains(key);
}

// The body of an update: what the account has (the keys the update body takes), with the
// declared settings written on it. Everything is sent, so that an API whose PUT resets what it
// is not sent keeps what the configuration leaves alone.
std::string update_body(const Settings& live, const Settings& desired, const json::object& schema,
                        bool (*settable)(std::string_view)) {
  json::object body;
  for (const auto& [key, text] : live) {
    if (in_schema(schema, key) && settable(key)) body[key] = parsed(text);
  }
  drop_nulls(body);
  json::object declared;
  for (const auto& [key, text] : desired) declared[key] = parsed(text);
  merge(body, declared);
  return json::serialize(body);
}

std::string create_body(std::string_view identity_key, std::string_view identity,
                        const Settings& desired) {
  json::object body{{identity_key, identity}};
  for (const auto& [key, text] : desired) body[key] = parsed(text);
  return json::serialize(body);
}

bool any_key(std::string_view /*key*/) { return true; }
bool not_create_only(std::string_view key) { return !instance_key_create_only(key); }

std::vector<FieldChange> declared_fields(const Settings& desired) {
  std::vector<FieldChange> out;
  for (const auto& [key, text] : desired) {
    const json::value value = parsed(text);
    leaf_changes(key, nullptr, value, out);
  }
  return out;
}

// How the declared settings differ from the account's. A key the API never answers is compared
// with `recorded`; `unanswered` collects the declared ones, for the record of this apply.
std::vector<FieldChange> setting_changes(const Settings& desired, const Settings& live,
                                         const Settings& recorded,
                                         bool (*answered)(std::string_view), Settings* unanswered) {
  std::vector<FieldChange> out;
  for (const auto& [key, text] : desired) {
    const json::value value = parsed(text);
    if (!answered(key)) {
      if (unanswered != nullptr) (*unanswered)[key] = text;
      const auto found = recorded.find(key);
      if (found == recorded.end()) {
        out.push_back({key, std::string("(not answered by the API, not recorded: sent once)"),
                       shown(&value)});
        continue;
      }
      const json::value before = parsed(found->second);
      leaf_changes(key, &before, value, out);
      continue;
    }
    const auto found = live.find(key);
    if (found == live.end()) {
      leaf_changes(key, nullptr, value, out);
      continue;
    }
    const json::value before = parsed(found->second);
    leaf_changes(key, &before, value, out);
  }
  return out;
}

Settings unanswered_of(const Settings& desired) {
  Settings out;
  for (const auto& [key, text] : desired) {
    if (!instance_key_answered(key)) out[key] = text;
  }
  return out;
}

std::string namespace_lane(std::string_view name) { return "namespace\n" + std::string(name); }

const LiveNamespace* find_namespace(const LiveAiSearchStack& stack, std::string_view name) {
  for (const LiveNamespace& ns : stack.namespaces) {
    if (ns.name == name) return &ns;
  }
  return nullptr;
}

std::string items_held(std::size_t items) {
  return "it holds " + std::to_string(items) + (items == 1 ? " item" : " items") +
         ", deleted with it (apply with --force if that is meant)";
}

// ---- stage 0: namespaces created and updated ----

Result<void> plan_namespaces(const DesiredState& desired, const LiveState& live, Plan& plan,
                             std::vector<std::string>& problems) {
  if (!live.ai_search_stack) {
    if (desired.manages_ai_search_stack()) {
      return Error(ErrorKind::plan,
                   "AI Search namespaces are declared but were not read from the account");
    }
    return {};
  }
  const LiveAiSearchStack& stack = *live.ai_search_stack;
  std::set<std::string_view> declared;
  for (const DesiredNamespace& ns : desired.ai_search_namespaces) {
    declared.insert(ns.name);
    const LiveNamespace* found = find_namespace(stack, ns.name);
    if (found == nullptr) {
      plan.changes.push_back(
          {.kind = ResourceKind::ai_search_namespace,
           .name = ns.name,
           .action = Action::create,
           .fields = declared_fields(ns.settings),
           .payload = CreateNamespace{ns.name, create_body("name", ns.name, ns.settings)}});
      continue;
    }
    std::vector<FieldChange> fields =
        setting_changes(ns.settings, found->settings, {}, namespace_key_answered, nullptr);
    if (fields.empty()) continue;
    if (ns.name == k_default_namespace &&
        std::any_of(fields.begin(), fields.end(),
                    [](const FieldChange& field) { return field.field == "description"; })) {
      problems.push_back(
          "AI Search namespace \"default\": its description cannot be changed (the API refuses "
          "it); leave description out of its declaration");
      continue;
    }
    Settings settable = found->settings;
    if (ns.name == k_default_namespace) settable.erase("description");
    plan.changes.push_back(
        {.kind = ResourceKind::ai_search_namespace,
         .name = ns.name,
         .action = Action::update,
         .fields = std::move(fields),
         .payload = UpdateNamespace{
             ns.name, update_body(settable, ns.settings, namespace_schema(), any_key)}});
  }
  // An instance's namespace must exist, or be declared.
  std::set<std::string_view> missing;
  for (const DesiredInstance& instance : desired.ai_search_instances) {
    if (declared.contains(instance.namespace_name) ||
        find_namespace(stack, instance.namespace_name) != nullptr) {
      continue;
    }
    if (missing.insert(instance.namespace_name).second) {
      problems.push_back("AI Search instance " + instance.label() + ": the namespace \"" +
                         instance.namespace_name +
                         "\" does not exist; declare it under ai_search.namespaces");
    }
  }
  return {};
}

// ---- stage 1: instances moved, created, replaced and updated ----

void plan_instance(const DesiredInstance& desired, const LiveInstance& live,
                   const LiveAiSearchStack& stack, Plan& plan) {
  const std::string label = desired.label();
  const LiveInstanceInfo* info =
      live.exists ? find_instance(stack, live.namespace_name, live.id) : nullptr;
  if (info == nullptr) {
    plan.changes.push_back(
        {.kind = ResourceKind::ai_search_instance,
         .name = label,
         .action = Action::create,
         .fields = declared_fields(desired.settings),
         .payload = CreateInstance{desired.namespace_name, desired.id,
                                   create_body("id", desired.id, desired.settings),
                                   unanswered_of(desired.settings)}});
    return;
  }
  if (starts_empty(desired, live, &stack)) {
    Change change{.kind = ResourceKind::ai_search_instance,
                  .name = label,
                  .id = desired.id,
                  .action = Action::replace,
                  .fields = setting_changes(desired.settings, info->settings, info->recorded,
                                            instance_key_answered, nullptr),
                  .reason = "the type of an instance is set when it is created",
                  .payload = ReplaceInstance{{info->namespace_name, info->id},
                                             {desired.namespace_name, desired.id,
                                              create_body("id", desired.id, desired.settings),
                                              unanswered_of(desired.settings)}}};
    if (!live.items.empty()) change.takes_along.push_back(items_held(live.items.size()));
    plan.changes.push_back(std::move(change));
    return;
  }
  if (info->namespace_name != desired.namespace_name) {
    plan.changes.push_back(
        {.kind = ResourceKind::ai_search_instance,
         .name = label,
         .id = desired.id,
         .action = Action::move,
         .fields = {{"namespace", info->namespace_name, desired.namespace_name}},
         .payload = MoveInstance{info->namespace_name, desired.id, desired.namespace_name}});
  }
  Settings unanswered;
  std::vector<FieldChange> fields = setting_changes(
      desired.settings, info->settings, info->recorded, instance_key_answered, &unanswered);
  if (fields.empty()) return;
  plan.changes.push_back({.kind = ResourceKind::ai_search_instance,
                          .name = label,
                          .id = desired.id,
                          .action = Action::update,
                          .fields = std::move(fields),
                          .payload = UpdateInstance{desired.namespace_name, desired.id,
                                                    update_body(info->settings, desired.settings,
                                                                instance_schema(), not_create_only),
                                                    std::move(unanswered)}});
}

Result<void> plan_instances(const DesiredState& desired, const LiveState& live, Plan& plan,
                            std::vector<std::string>& /*problems*/) {
  if (!live.ai_search_stack || desired.ai_search_instances.empty()) return {};
  if (!live.ai_search_instances ||
      live.ai_search_instances->size() != desired.ai_search_instances.size()) {
    return Error(ErrorKind::plan,
                 "AI Search instances are declared but were not read from the account");
  }
  for (std::size_t i = 0; i < desired.ai_search_instances.size(); ++i) {
    plan_instance(desired.ai_search_instances[i], (*live.ai_search_instances)[i],
                  *live.ai_search_stack, plan);
  }
  return {};
}

// ---- stage 3: instances no longer declared ----

// The declared instance an account's instance is: the same id, in its namespace or (moving) in
// another.
bool declared_instance(const DesiredState& desired, const LiveState& live,
                       const LiveInstanceInfo& info) {
  for (std::size_t i = 0; i < desired.ai_search_instances.size(); ++i) {
    const LiveInstance& found = (*live.ai_search_instances)[i];
    if (found.exists && found.namespace_name == info.namespace_name && found.id == info.id) {
      return true;
    }
  }
  return false;
}

Result<void> plan_instance_deletes(const DesiredState& desired, const LiveState& live, Plan& plan,
                                   std::vector<std::string>& /*problems*/) {
  if (!live.ai_search_stack) return {};
  for (const LiveInstanceInfo& info : live.ai_search_stack->instances) {
    if (live.ai_search_instances && declared_instance(desired, live, info)) continue;
    const std::string label = info.namespace_name + "/" + info.id;
    if (!desired.prune.ai_search_instances) {
      plan.unmanaged.push_back({ResourceKind::ai_search_instance, label, info.id, {}});
      continue;
    }
    Change change{.kind = ResourceKind::ai_search_instance,
                  .name = label,
                  .id = info.id,
                  .action = Action::delete_,
                  .fields = {{"items", static_cast<std::int64_t>(info.items), {}}},
                  .payload = DeleteInstance{info.namespace_name, info.id}};
    if (info.items > 0) change.takes_along.push_back(items_held(info.items));
    plan.changes.push_back(std::move(change));
  }
  return {};
}

// ---- stage 4: namespaces no longer declared ----

Result<void> plan_namespace_deletes(const DesiredState& desired, const LiveState& live, Plan& plan,
                                    std::vector<std::string>& problems) {
  if (!live.ai_search_stack) return {};
  std::set<std::string_view> declared;
  for (const DesiredNamespace& ns : desired.ai_search_namespaces) declared.insert(ns.name);
  for (const DesiredInstance& instance : desired.ai_search_instances) {
    declared.insert(instance.namespace_name);
  }
  // What each namespace still holds once the plan's instance changes are made: a declared
  // instance ends in its declared namespace (moved there if need be), an undeclared one stays
  // where it is unless it is pruned.
  std::map<std::string_view, std::vector<std::string>> remaining;
  for (const LiveInstanceInfo& info : live.ai_search_stack->instances) {
    if (live.ai_search_instances && declared_instance(desired, live, info)) continue;
    if (!desired.prune.ai_search_instances) remaining[info.namespace_name].push_back(info.id);
  }
  for (const LiveNamespace& ns : live.ai_search_stack->namespaces) {
    if (declared.contains(ns.name) || ns.name == k_default_namespace) continue;
    if (!desired.prune.ai_search_namespaces) {
      plan.unmanaged.push_back({ResourceKind::ai_search_namespace, ns.name, ns.name, {}});
      continue;
    }
    if (const auto held = remaining.find(ns.name); held != remaining.end()) {
      std::string ids;
      for (const std::string& id : held->second) ids += (ids.empty() ? "\"" : ", \"") + id + "\"";
      problems.push_back("AI Search namespace \"" + ns.name +
                         "\" cannot be deleted: it still holds the instance(s) " + ids +
                         ", which this plan neither deletes nor moves (declare them, or set "
                         "prune.ai_search_instances)");
      continue;
    }
    plan.changes.push_back({.kind = ResourceKind::ai_search_namespace,
                            .name = ns.name,
                            .id = ns.name,
                            .action = Action::delete_,
                            .payload = DeleteNamespace{ns.name}});
  }
  return {};
}

SafetyCount count_namespaces(const DesiredState& desired, const LiveState& live) {
  return {live.ai_search_stack ? live.ai_search_stack->namespaces.size() : 0,
          desired.ai_search_namespaces.size()};
}

SafetyCount count_instances(const DesiredState& desired, const LiveState& live) {
  return {live.ai_search_stack ? live.ai_search_stack->instances.size() : 0,
          desired.ai_search_instances.size()};
}

constexpr KindTraits k_kinds[] = {
    {.kind = ResourceKind::ai_search_namespace,
     .name = "ai_search_namespace",
     .noun = "AI Search namespace",
     .count = count_namespaces,
     .left_alone_hint = "set prune.ai_search_namespaces: true to delete them"},
    {.kind = ResourceKind::ai_search_instance,
     .name = "ai_search_instance",
     .noun = "AI Search instance",
     .count = count_instances,
     .left_alone_hint = "set prune.ai_search_instances: true to delete them"},
};

constexpr PlanStep k_steps[] = {
    {.stage = k_namespace_stage, .run = plan_namespaces},
    {.stage = k_instance_stage, .run = plan_instances},
    {.stage = k_instance_delete_stage, .run = plan_instance_deletes},
    {.stage = k_namespace_delete_stage, .run = plan_namespace_deletes},
};

// The documents' track: an instance waits for its namespace's changes, and its documents for
// its own (ai_search_planner.cpp).
Placement place(const Change& change) {
  if (change.kind == ResourceKind::ai_search_namespace) {
    return {
        .stage = change.action == Action::delete_ ? k_namespace_delete_stage : k_namespace_stage,
        .lane = namespace_lane(change.name)};
  }
  const std::string_view label = change.name;
  const std::string_view ns = label.substr(0, label.find('/'));
  return {.stage = change.action == Action::delete_ ? k_instance_delete_stage : k_instance_stage,
          .lane = instance_lane(label),
          .after = namespace_lane(ns)};
}

void declared(const DesiredState& desired, std::vector<std::string>& parts) {
  if (desired.ai_search_namespaces.empty()) return;
  parts.push_back(std::to_string(desired.ai_search_namespaces.size()) + " AI Search namespace(s)");
}

}  // namespace

const LiveInstanceInfo* find_instance(const LiveAiSearchStack& stack,
                                      std::string_view namespace_name, std::string_view id) {
  for (const LiveInstanceInfo& info : stack.instances) {
    if (info.namespace_name == namespace_name && info.id == id) return &info;
  }
  return nullptr;
}

bool starts_empty(const DesiredInstance& desired, const LiveInstance& live,
                  const LiveAiSearchStack* stack) {
  if (!live.exists) return true;
  if (stack == nullptr) return false;
  const LiveInstanceInfo* info = find_instance(*stack, live.namespace_name, live.id);
  if (info == nullptr) return true;
  for (const auto& [key, text] : desired.settings) {
    if (!instance_key_create_only(key)) continue;
    const auto found = info->settings.find(key);
    const json::value before =
        found == info->settings.end() ? json::value(nullptr) : parsed(found->second);
    if (!same(before, parsed(text))) return true;
  }
  return false;
}

std::vector<FieldChange> setting_differences(const Settings& desired, const Settings& live) {
  return setting_changes(
      desired, live, {}, [](std::string_view) { return true; }, nullptr);
}

std::string instance_lane(std::string_view label) { return "instance\n" + std::string(label); }

// Listed in families.cpp: name, track, kinds, plan steps, place, declared.
extern constexpr Family k_ai_search_stack_family{"ai_search_stack", 1,     k_kinds,
                                                 k_steps,           place, declared};

}  // namespace cfsync::reconcile
