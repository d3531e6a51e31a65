// The AI Search namespaces' and instances' part of CloudflareProvider: their creates, updates,
// moves and deletes, each answer checked against what was sent, and a new instance waited for
// until it takes uploads. Their live state is read by the AI Search part
// (provider_ai_search.cpp), which needs it first to know where each instance's items are.
#include "api/ai_search_stack.hpp"
#include "api/json_read.hpp"
#include "api/provider_family.hpp"
#include "reconcile/ai_search_schema.hpp"
#include "reconcile/ai_search_stack.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

namespace cfsync::api {

namespace dom = simdjson::dom;

namespace {

// The keys of a JSON body that an answer carries, each as JSON.
Result<Settings> sent_settings(const std::string& body, bool (*answered)(std::string_view)) {
  dom::parser parser;
  dom::object object;
  if (parser.parse(body).get_object().get(object) != simdjson::SUCCESS) {
    return Error(ErrorKind::protocol, "a request body that is not a JSON object");
  }
  Settings out;
  for (const dom::key_value_pair field : object) {
    if (field.key == "id" || field.key == "name" || !answered(field.key)) continue;
    out[std::string(field.key)] = simdjson::minify(field.value);
  }
  return out;
}

// Whether the answer holds what was sent.
Result<void> check_answer(const std::string& body, const Settings& answered_settings,
                          bool (*answered)(std::string_view)) {
  CFSYNC_TRY(Settings sent, sent_settings(body, answered));
  const std::vector<FieldChange> left = reconcile::setting_differences(sent, answered_settings);
  if (left.empty()) return {};
  std::vector<std::string_view> names;
  for (const FieldChange& field : left) names.push_back(field.field);
  return not_applied(fmt::format("{}", fmt::join(names, ", ")));
}

class AiSearchStackProvider final : public PartOf<AiSearchStackProvider> {
 public:
  using PartOf::PartOf;

  Result<void> populate(const DesiredState& /*desired*/, LiveState& /*live*/) override {
    return {};  // read by the AI Search part
  }

  Result<void> apply(const CreateNamespace& create, ChangeOutcome& /*outcome*/) {
    CFSYNC_TRY(std::optional<HttpResponse> response,
               send_unique(create_namespace_request(account_id(), create.body),
                           [&]() -> Result<bool> { return namespace_exists(create.name); }));
    if (!response) return {};  // the first answer was lost; it was made
    CFSYNC_TRY(LiveNamespace made, parse_namespace_response(*response));
    return check_answer(create.body, made.settings, reconcile::namespace_key_answered);
  }

  Result<void> apply(const UpdateNamespace& update, ChangeOutcome& /*outcome*/) {
    CFSYNC_TRY(HttpResponse response,
               send(update_namespace_request(account_id(), update.name, update.body)));
    CFSYNC_TRY(LiveNamespace after, parse_namespace_response(response));
    return check_answer(update.body, after.settings, reconcile::namespace_key_answered);
  }

  Result<void> apply(const DeleteNamespace& remove, ChangeOutcome& /*outcome*/) {
    CFSYNC_TRY(HttpResponse response, send(delete_namespace_request(account_id(), remove.name)));
    return check_deleted(response, log(), "namespace " + remove.name);
  }

  Result<void> apply(const CreateInstance& create, ChangeOutcome& /*outcome*/) {
    CFSYNC_TRY(
        std::optional<HttpResponse> response,
        send_unique(
            create_instance_request(account_id(), create.namespace_name, create.body),
            [&]() -> Result<bool> { return instance_exists(create.namespace_name, create.id); }));
    if (response) {
      CFSYNC_TRY(LiveInstanceInfo made, parse_instance_response(*response, create.namespace_name));
      CFSYNC_TRY_VOID(check_answer(create.body, made.settings, reconcile::instance_key_answered));
      if (!is_waiting_status(made.status)) return {};
    }
    return wait_until_ready(create.namespace_name, create.id);
  }

  Result<void> apply(const UpdateInstance& update, ChangeOutcome& /*outcome*/) {
    CFSYNC_TRY(
        HttpResponse response,
        send(update_instance_request(account_id(), update.namespace_name, update.id, update.body)));
    CFSYNC_TRY(LiveInstanceInfo after, parse_instance_response(response, update.namespace_name));
    return check_answer(update.body, after.settings, reconcile::instance_key_answered);
  }

  Result<void> apply(const MoveInstance& move, ChangeOutcome& /*outcome*/) {
    CFSYNC_TRY(std::optional<HttpResponse> response,
               send_unique(move_instance_request(account_id(), move.from, move.id, move.to),
                           [&]() -> Result<bool> { return instance_exists(move.to, move.id); }));
    if (!response) return {};
    // The spec's answer to a move is an empty result: the success envelope is the check.
    dom::parser parser;
    CFSYNC_TRY_VOID(read_envelope(parser, *response));
    return {};
  }

  Result<void> apply(const DeleteInstance& remove, ChangeOutcome& /*outcome*/) {
    CFSYNC_TRY(HttpResponse response,
               send(delete_instance_request(account_id(), remove.namespace_name, remove.id)));
    return check_deleted(response, log(), "instance " + remove.namespace_name + "/" + remove.id);
  }

  Result<void> apply(const ReplaceInstance& replace, ChangeOutcome& outcome) {
    auto removed = apply(replace.remove, outcome);
    if (!removed) return removed.error().context("deleting the old instance: ");
    return apply(replace.create, outcome);
  }

 private:
  // Whether what `request` GETs is there: a lost create's answer, looked for.
  Result<bool> exists(const HttpRequest& request) {
    auto response = send(request);
    if (!response) {
      if (response.error().kind() == ErrorKind::http && response.error().http_status == 404) {
        return false;
      }
      return std::move(response).error();
    }
    return true;
  }

  Result<bool> namespace_exists(const std::string& name) {
    return exists(get_namespace_request(account_id(), name));
  }

  Result<bool> instance_exists(const std::string& namespace_name, const std::string& id) {
    return exists(get_instance_request(account_id(), namespace_name, id));
  }

  // A new instance's status is "waiting" until it can take uploads: polled with a backoff,
  // within the wait timeout.
  Result<void> wait_until_ready(const std::string& namespace_name, const std::string& id) {
    log().info("AI Search instance {}/{}: waiting until it can take uploads", namespace_name, id);
    CFSYNC_TRY(const bool ready,
               poll_with_backoff(*m_context.clock, m_context.wait_timeout, [&]() -> Result<bool> {
                 CFSYNC_TRY(HttpResponse response,
                            send(get_instance_request(account_id(), namespace_name, id)));
                 CFSYNC_TRY(LiveInstanceInfo info,
                            parse_instance_response(response, namespace_name));
                 return !is_waiting_status(info.status);
               }));
    if (ready) return {};
    return Error(ErrorKind::apply,
                 "AI Search instance " + namespace_name + "/" + id +
                     " was made, but is still waiting after the wait timeout (--wait-timeout); "
                     "its documents are uploaded by the next apply");
  }
};

}  // namespace

// Listed in provider_families.cpp.
std::unique_ptr<FamilyProvider> make_ai_search_stack_provider(ProviderContext& context);

std::unique_ptr<FamilyProvider> make_ai_search_stack_provider(ProviderContext& context) {
  return std::make_unique<AiSearchStackProvider>(context);
}

}  // namespace cfsync::api
