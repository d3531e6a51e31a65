// A plain HTTP/1.1 client for tests: one request per connection, to 127.0.0.1.
#pragma once

#include <map>
#include <string>

namespace cfsync::test {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

[[nodiscard]] HttpReply http_request(int port, const std::string& method, const std::string& target,
                                     const std::map<std::string, std::string>& headers = {},
                                     const std::string& body = {});

}  // namespace cfsync::test
