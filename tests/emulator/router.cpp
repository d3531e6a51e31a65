#include "tests/emulator/router.hpp"

namespace cfsync::emulator {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    const std::size_t end = path.find('/', start);
    segments.emplace_back(path.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end;
  }
  return segments;
}

bool is_capture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Captures into `params` when every segment matches.
bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
             Params& params) {
  if (pattern.size() != path.size()) return false;
  Params captured;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (is_capture(pattern[i])) {
      captured.emplace(pattern[i].substr(1, pattern[i].size() - 2), path[i]);
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  params = std::move(captured);
  return true;
}

}  // namespace

void Router::add(std::string_view method, std::string_view pattern, Handler handler) {
  m_routes.push_back({std::string(method), split_path(pattern), std::move(handler)});
}

Router::Match Router::find(std::string_view method, std::string_view path) const {
  const std::vector<std::string> segments = split_path(path);
  Match match;
  for (const Route& route : m_routes) {
    Params params;
    if (!matches(route.segments, segments, params)) continue;
    match.path_known = true;
    if (route.method == method) {
      match.handler = &route.handler;
      match.params = std::move(params);
      return match;
    }
  }
  return match;
}

}  // namespace cfsync::emulator
