#include "tests/emulator/envelope.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace cfsync::emulator {

Response success(boost::json::value result, int status) {
  boost::json::object body{{"success", true},
                           {"errors", boost::json::array()},
                           {"messages", boost::json::array()},
                           {"result", std::move(result)}};
  return {.status = status, .body = boost::json::serialize(body)};
}

Response failure(int status, int code, std::string_view message) {
  boost::json::object error{{"code", code}, {"message", message}};
  boost::json::object body{{"success", false},
                           {"errors", boost::json::array{std::move(error)}},
                           {"messages", boost::json::array()},
                           {"result", nullptr}};
  return {.status = status, .body = boost::json::serialize(body)};
}

}  // namespace cfsync::emulator
