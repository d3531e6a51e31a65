#include "api/ai_search_stack.hpp"

#include "api/ai_search.hpp"
#include "api/json_read.hpp"
#include "api/side_by_side.hpp"
#include "reconcile/ai_search_schema.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace cfsync::api {

namespace dom = simdjson::dom;

namespace {

std::string namespaces_path(std::string_view account_id) {
  return "/accounts/" + path_segment(account_id) + "/ai-search/namespaces";
}

std::string instances_path(std::string_view account_id, std::string_view namespace_name) {
  return namespaces_path(account_id) + "/" + path_segment(namespace_name) + "/instances";
}

std::string instance_path(std::string_view account_id, std::string_view namespace_name,
                          std::string_view id) {
  return instances_path(account_id, namespace_name) + "/" + path_segment(id);
}

HttpRequest with_body(Method method, std::string target, std::string body, bool idempotent) {
  return {.method = method,
          .target = std::move(target),
          .content_type = "application/json",
          .body = std::move(body),
          .idempotent = idempotent};
}

// The keys of `schema` that `object` carries, each as the JSON it answered.
Settings settings_of(dom::object object, const boost::json::object& schema,
                     bool (*answered)(std::string_view)) {
  const boost::json::object& properties = schema.at("properties").as_object();
  Settings out;
  for (const dom::key_value_pair field : object) {
    const std::string_view key = field.key;
    if (!properties.contains(key) || !answered(key)) continue;
    out[std::string(key)] = simdjson::minify(field.value);
  }
  return out;
}

Result<LiveNamespace> read_namespace(dom::element element) {
  CFSYNC_TRY(dom::object object, object_at(element, "namespace"));
  CFSYNC_TRY(std::string name, string_member(object, "name", "namespace"));
  return LiveNamespace{std::move(name), settings_of(object, reconcile::namespace_schema(),
                                                    reconcile::namespace_key_answered)};
}

Result<LiveInstanceInfo> read_instance(dom::element element, std::string_view namespace_name) {
  CFSYNC_TRY(dom::object object, object_at(element, "instance"));
  CFSYNC_TRY(std::string id, string_member(object, "id", "instance"));
  CFSYNC_TRY(std::optional<std::string> status,
             optional_string_member(object, "status", "instance"));
  CFSYNC_TRY(std::optional<std::string> answered_namespace,
             optional_string_member(object, "namespace", "instance"));
  return LiveInstanceInfo{
      .namespace_name = answered_namespace.value_or(std::string(namespace_name)),
      .id = std::move(id),
      .settings =
          settings_of(object, reconcile::instance_schema(), reconcile::instance_key_answered),
      .status = status.value_or("")};
}

}  // namespace

HttpRequest create_namespace_request(std::string_view account_id, std::string body) {
  return with_body(Method::post, namespaces_path(account_id), std::move(body), false);
}

HttpRequest get_namespace_request(std::string_view account_id, std::string_view name) {
  return {.method = Method::get, .target = namespaces_path(account_id) + "/" + path_segment(name)};
}

HttpRequest update_namespace_request(std::string_view account_id, std::string_view name,
                                     std::string body) {
  return with_body(Method::put, namespaces_path(account_id) + "/" + path_segment(name),
                   std::move(body), true);
}

HttpRequest delete_namespace_request(std::string_view account_id, std::string_view name) {
  return {.method = Method::delete_,
          .target = namespaces_path(account_id) + "/" + path_segment(name)};
}

HttpRequest create_instance_request(std::string_view account_id, std::string_view namespace_name,
                                    std::string body) {
  return with_body(Method::post, instances_path(account_id, namespace_name), std::move(body),
                   false);
}

HttpRequest get_instance_request(std::string_view account_id, std::string_view namespace_name,
                                 std::string_view id) {
  return {.method = Method::get, .target = instance_path(account_id, namespace_name, id)};
}

HttpRequest update_instance_request(std::string_view account_id, std::string_view namespace_name,
                                    std::string_view id, std::string body) {
  return with_body(Method::put, instance_path(account_id, namespace_name, id), std::move(body),
                   true);
}

HttpRequest move_instance_request(std::string_view account_id, std::string_view from,
                                  std::string_view id, std::string_view to) {
  boost::json::object body{{"new_namespace", to}};
  return with_body(Method::patch, instance_path(account_id, from, id), boost::json::serialize(body),
                   false);
}

HttpRequest delete_instance_request(std::string_view account_id, std::string_view namespace_name,
                                    std::string_view id) {
  return {.method = Method::delete_, .target = instance_path(account_id, namespace_name, id)};
}

Result<NamespacePage> parse_namespace_page(const HttpResponse& response) {
  dom::parser parser;
  CFSYNC_TRY(dom::object envelope, read_envelope(parser, response));
  CFSYNC_TRY(dom::array results, result_array(envelope, "of namespaces"));
  NamespacePage page;
  for (dom::element element : results) {
    CFSYNC_TRY(LiveNamespace ns, read_namespace(element));
    page.namespaces.push_back(std::move(ns));
  }
  page.total_count = total_count_of(envelope);
  return page;
}

Result<InstancePage> parse_instance_page(const HttpResponse& response,
                                         std::string_view namespace_name) {
  dom::parser parser;
  CFSYNC_TRY(dom::object envelope, read_envelope(parser, response));
  CFSYNC_TRY(dom::array results, result_array(envelope, "of instances"));
  InstancePage page;
  for (dom::element element : results) {
    CFSYNC_TRY(LiveInstanceInfo info, read_instance(element, namespace_name));
    page.instances.push_back(std::move(info));
  }
  page.total_count = total_count_of(envelope);
  return page;
}

Result<LiveNamespace> parse_namespace_response(const HttpResponse& response) {
  dom::parser parser;
  CFSYNC_TRY(dom::element result, open_envelope(parser, response));
  return read_namespace(result);
}

Result<LiveInstanceInfo> parse_instance_response(const HttpResponse& response,
                                                 std::string_view namespace_name) {
  dom::parser parser;
  CFSYNC_TRY(dom::element result, open_envelope(parser, response));
  return read_instance(result, namespace_name);
}

Result<LiveAiSearchStack> read_ai_search_stack(Transport& transport, std::string_view account_id,
                                               std::size_t width) {
  LiveAiSearchStack stack;
  std::size_t read = 0;
  for (int page = 1;; ++page) {
    CFSYNC_TRY(HttpResponse response, transport.send(list_namespaces_request(account_id, page)));
    CFSYNC_TRY(NamespacePage answer, parse_namespace_page(response));
    const std::size_t size = answer.namespaces.size();
    read += size;
    for (LiveNamespace& ns : answer.namespaces) stack.namespaces.push_back(std::move(ns));
    if (is_last_page(size, read, answer.total_count, k_listing_per_page)) break;
  }
  std::vector<std::vector<LiveInstanceInfo>> instances(stack.namespaces.size());
  CFSYNC_TRY_VOID(side_by_side(stack.namespaces.size(), width, [&](std::size_t i) -> Result<void> {
    const std::string& name = stack.namespaces[i].name;
    std::size_t listed = 0;
    for (int page = 1;; ++page) {
      CFSYNC_TRY(HttpResponse response,
                 transport.send(list_instances_request(account_id, name, page)));
      CFSYNC_TRY(InstancePage answer, parse_instance_page(response, name));
      const std::size_t size = answer.instances.size();
      listed += size;
      for (LiveInstanceInfo& info : answer.instances) instances[i].push_back(std::move(info));
      if (is_last_page(size, listed, answer.total_count, k_listing_per_page)) return {};
    }
  }));
  for (std::vector<LiveInstanceInfo>& part : instances) {
    for (LiveInstanceInfo& info : part) stack.instances.push_back(std::move(info));
  }
  return stack;
}

bool is_waiting_status(std::string_view status) { return status == "waiting"; }

}  // namespace cfsync::api
