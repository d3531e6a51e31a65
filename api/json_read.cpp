#include "api/json_read.hpp"

namespace cfsync::api {

namespace dom = simdjson::dom;

namespace {

std::string status_text(int status) { return "the API answered HTTP " + std::to_string(status); }

std::vector<ApiMessage> read_messages(dom::element errors) {
  std::vector<ApiMessage> out;
  dom::array array;
  if (errors.get_array().get(array) != simdjson::SUCCESS) return out;
  for (dom::element item : array) {
    ApiMessage message;
    int64_t code = 0;
    if (item["code"].get_int64().get(code) == simdjson::SUCCESS) {
      message.code = static_cast<int>(code);
    }
    std::string_view text;
    if (item["message"].get_string().get(text) == simdjson::SUCCESS) message.message = text;
    out.push_back(std::move(message));
  }
  return out;
}

}  // namespace

Error unexpected(std::string message) {
  return Error(ErrorKind::protocol, "unexpected response: " + std::move(message));
}

Result<dom::object> result_object(dom::parser& parser, const HttpResponse& response) {
  CFSYNC_TRY(dom::element result, open_envelope(parser, response));
  return object_at(result, "result");
}

Result<dom::object> read_envelope(dom::parser& parser, const HttpResponse& response) {
  const bool ok_status = response.status >= 200 && response.status < 300;
  dom::element document;
  if (parser.parse(response.body).get(document) != simdjson::SUCCESS) {
    if (!ok_status) {
      Error error(ErrorKind::http, status_text(response.status) + " with a body that is not JSON");
      error.http_status = response.status;
      return error;
    }
    return unexpected("HTTP " + std::to_string(response.status) + " body is not JSON");
  }
  dom::object envelope;
  if (document.get_object().get(envelope) != simdjson::SUCCESS) {
    return unexpected("the body is not a JSON object");
  }
  bool success = ok_status;
  if (dom::element flag; envelope["success"].get(flag) == simdjson::SUCCESS) {
    if (flag.get_bool().get(success) != simdjson::SUCCESS) {
      return unexpected("\"success\" is not a boolean");
    }
  }
  if (ok_status && success) return envelope;

  Error error(ErrorKind::http,
              ok_status ? "the API reported a failure with HTTP " + std::to_string(response.status)
                        : status_text(response.status));
  error.http_status = response.status;
  if (dom::element errors; envelope["errors"].get(errors) == simdjson::SUCCESS) {
    error.api_errors = read_messages(errors);
  }
  return error;
}

Result<dom::element> open_envelope(dom::parser& parser, const HttpResponse& response) {
  CFSYNC_TRY(dom::object envelope, read_envelope(parser, response));
  dom::element result;
  if (envelope["result"].get(result) != simdjson::SUCCESS) {
    return unexpected("the envelope has no \"result\"");
  }
  return result;
}

Result<dom::object> object_at(dom::element element, std::string_view where) {
  dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) {
    return unexpected(std::string(where) + " is not a JSON object");
  }
  return object;
}

Result<bool> bool_member(dom::object object, std::string_view key, std::string_view where) {
  bool value = false;
  if (object[key].get_bool().get(value) != simdjson::SUCCESS) {
    return unexpected(std::string(where) + "." + std::string(key) + " is missing or not a boolean");
  }
  return value;
}

Result<std::optional<std::string>> optional_string_member(dom::object object, std::string_view key,
                                                          std::string_view where) {
  dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) {
    return std::optional<std::string>();
  }
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return unexpected(std::string(where) + "." + std::string(key) + " is not a string");
  }
  return std::optional<std::string>(std::string(text));
}

Result<std::string> string_member(dom::object object, std::string_view key,
                                  std::string_view where) {
  std::string_view text;
  if (object[key].get_string().get(text) != simdjson::SUCCESS) {
    return unexpected(std::string(where) + "." + std::string(key) + " is missing or not a string");
  }
  return std::string(text);
}

Result<std::int64_t> int_member(dom::object object, std::string_view key, std::string_view where) {
  std::int64_t value = 0;
  if (object[key].get_int64().get(value) != simdjson::SUCCESS) {
    return unexpected(std::string(where) + "." + std::string(key) +
                      " is missing or not an integer");
  }
  return value;
}

Result<bool> optional_bool_member(dom::object object, std::string_view key, std::string_view where,
                                  bool fallback) {
  dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) return fallback;
  bool flag = false;
  if (value.get_bool().get(flag) != simdjson::SUCCESS) {
    return unexpected(std::string(where) + "." + std::string(key) + " is not a boolean");
  }
  return flag;
}

namespace {

// The array at `key`; nothing when it is missing or null.
Result<std::optional<dom::array>> array_member(dom::object object, std::string_view key,
                                               std::string_view where) {
  dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS || value.is_null()) {
    return std::optional<dom::array>();
  }
  dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return unexpected(std::string(where) + "." + std::string(key) + " is not an array");
  }
  return std::optional<dom::array>(array);
}

}  // namespace

Result<std::vector<std::string>> string_array_member(dom::object object, std::string_view key,
                                                     std::string_view where) {
  std::vector<std::string> out;
  CFSYNC_TRY(auto array, array_member(object, key, where));
  if (!array) return out;
  for (dom::element item : *array) {
    std::string_view text;
    if (item.get_string().get(text) != simdjson::SUCCESS) {
      return unexpected(std::string(where) + "." + std::string(key) +
                        " holds something that is not a string");
    }
    out.emplace_back(text);
  }
  return out;
}

Result<std::vector<dom::object>> object_array_member(dom::object object, std::string_view key,
                                                     std::string_view where) {
  std::vector<dom::object> out;
  CFSYNC_TRY(auto array, array_member(object, key, where));
  if (!array) return out;
  for (dom::element item : *array) {
    dom::object entry;
    if (item.get_object().get(entry) != simdjson::SUCCESS) {
      return unexpected(std::string(where) + "." + std::string(key) +
                        " holds something that is not an object");
    }
    out.push_back(entry);
  }
  return out;
}

// A list's `result` array; `what` names its elements in the message.
Result<simdjson::dom::array> result_array(simdjson::dom::object envelope, std::string_view what) {
  simdjson::dom::array results;
  if (envelope["result"].get_array().get(results) != simdjson::SUCCESS) {
    return unexpected("result is not an array " + std::string(what));
  }
  return results;
}

// A list's result_info.total_count, when the API gave one.
std::optional<std::int64_t> total_count_of(simdjson::dom::object envelope) {
  std::int64_t total = 0;
  if (envelope["result_info"]["total_count"].get_int64().get(total) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return total;
}

}  // namespace cfsync::api
