// The emulator's route table: "METHOD /accounts/{account_id}/dlp/settings" -> handler.
#pragma once

#include "tests/emulator/http_types.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cfsync::emulator {

using Params = std::map<std::string, std::string, std::less<>>;

struct Options;  // the emulator's switches (emulator.hpp), as handlers need them

// What a handler works with. `account` is the emulated account named by {account_id}.
struct Context {
  const Request& request;
  const Params& params;
  boost::json::object& account;
  std::string now;                      // RFC 3339, for timestamps the handler writes
  std::int64_t now_ms = 0;              // the same instant, in epoch milliseconds
  std::function<std::string()> new_id;  // a fresh uuid
  const Options& options;
  // Moves on after every request that changed the state: what a handler derives from the state
  // (an AI Search listing) holds while it stays, and while `changed` is not set.
  std::uint64_t state_version = 0;
  bool changed = false;  // set by handlers that modify state, so that it is saved
};

using Handler = std::function<Response(Context&)>;

class Router {
 public:
  void add(std::string_view method, std::string_view pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null: no route for this method and path
    bool path_known = false;           // some method is routed for this path (405, not 404)
    Params params;
  };
  [[nodiscard]] Match find(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" segments capture
    Handler handler;
  };
  std::vector<Route> m_routes;
};

}  // namespace cfsync::emulator
