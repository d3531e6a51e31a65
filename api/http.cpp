#include "api/http.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>

#include <algorithm>
#include <cctype>

namespace cfsync::api {

std::string_view to_string(Method method) {
  switch (method) {
    case Method::get:
      return "GET";
    case Method::put:
      return "PUT";
    case Method::patch:
      return "PATCH";
    case Method::post:
      return "POST";
    case Method::delete_:
      return "DELETE";
  }
  return "GET";
}

std::string path_segment(std::string_view text) {
  // pchars without '/': everything a segment may hold literally.
  constexpr auto segment = boost::urls::pchars - '/';
  return boost::urls::encode(text, segment);
}

std::string_view HttpResponse::header(std::string_view name) const {
  auto same = [](std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) ==
             std::tolower(static_cast<unsigned char>(y));
    });
  };
  for (const auto& [key, value] : headers) {
    if (same(key, name)) return value;
  }
  return {};
}

}  // namespace cfsync::api
