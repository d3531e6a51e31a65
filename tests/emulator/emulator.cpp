#include "tests/emulator/emulator.hpp"

#include "tests/emulator/envelope.hpp"
#include "tests/emulator/families.hpp"

#include <simdjson.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace cfsync::emulator {

namespace json = boost::json;

namespace {

constexpr std::string_view k_hook_prefix = "/__emulator/";
// The real base URL ends in /client/v4; Prism and cfsync's tests use the bare paths. Both work.
constexpr std::string_view k_api_prefix = "/client/v4";
constexpr std::size_t k_logged_body_bytes = 4096;

// The request body as logged: at most 4 KiB, cut on a UTF-8 boundary, and valid UTF-8 (binary
// bytes become '?') so that the log is always valid JSON.
std::string loggable(std::string_view body) {
  std::string_view head = body.substr(0, k_logged_body_bytes);
  while (!head.empty() && head.size() < body.size() &&
         (static_cast<unsigned char>(body[head.size()]) & 0xC0) == 0x80) {
    head.remove_suffix(1);
  }
  std::string out(head);
  if (!simdjson::validate_utf8(out.data(), out.size())) {
    for (char& c : out) {
      if ((static_cast<unsigned char>(c) & 0x80) != 0) c = '?';
    }
  }
  return out;
}

json::object load_fixture(const std::optional<std::filesystem::path>& file) {
  if (!file) return {};
  std::ifstream in(*file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value fixture = json::parse(text.str(), ec);
  if (!in || ec || !fixture.is_object()) {
    throw std::runtime_error("fixture " + file->string() + " is not a JSON object");
  }
  const json::value* ai_search = fixture.as_object().if_contains("ai_search");
  if (ai_search != nullptr) {
    const json::value* instances =
        ai_search->is_object() ? ai_search->as_object().if_contains("instances") : nullptr;
    if (instances == nullptr || !instances->is_array()) {
      throw std::runtime_error("fixture " + file->string() +
                               ": ai_search.instances must be a list");
    }
    for (const json::value& instance : instances->as_array()) {
      const json::value* id =
          instance.is_object() ? instance.as_object().if_contains("id") : nullptr;
      if (id == nullptr || !id->is_string()) {
        throw std::runtime_error("fixture " + file->string() +
                                 ": every ai_search instance needs an id");
      }
    }
  }
  if (auto problem = dlp_fixture_problem(fixture.as_object())) {
    throw std::runtime_error("fixture " + file->string() + ": " + *problem);
  }
  return std::move(fixture.as_object());
}

json::object load_state(const std::optional<std::filesystem::path>& file) {
  if (!file || !std::filesystem::exists(*file)) return {{"accounts", json::object()}};
  std::ifstream in(*file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value state = json::parse(text.str(), ec);
  if (ec || !state.is_object() || !state.as_object().contains("accounts") ||
      !state.as_object().at("accounts").is_object()) {
    throw std::runtime_error("state file " + file->string() +
                             " is not an emulator state (a JSON object with \"accounts\")");
  }
  return std::move(state.as_object());
}

// Every stream of randomness comes from one seed, so that --seed repeats a run.
Options with_seed(Options options) {
  if (!options.seed) {
    std::random_device device;
    options.seed = (std::uint64_t{device()} << 32) | device();
  }
  return options;
}

// Whom the rate limit counts a request against: the bearer token, or the email for key auth,
// valid or not (a wrong token uses up its own quota, not the right one's). Requests with neither
// share one count.
std::string credential_of(const Request& request) {
  if (const std::string* authorization = request.header("authorization")) {
    return "authorization " + *authorization;
  }
  if (const std::string* email = request.header("x-auth-email")) return "email " + *email;
  return {};
}

}  // namespace

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string rfc3339(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  const auto millis = ms % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48];
  std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(length), text,
                static_cast<int>(millis));
  return out;
}

Emulator::Emulator(Options options, Clock clock)
    : m_options(with_seed(std::move(options))),
      m_clock(std::move(clock)),
      m_state(load_state(m_options.state_file)),
      m_random(derive_seed(*m_options.seed, 0)),
      m_faults(m_options.faults, derive_seed(*m_options.seed, 1)),
      m_latency(m_options.latency_ms, m_options.latency_jitter_ms,
                derive_seed(*m_options.seed, 2)) {
  if (m_options.rate_limit) m_rate_limiter.emplace(*m_options.rate_limit, m_clock);
  add_dlp_settings_routes(m_router);
  add_dlp_profiles_routes(m_router);
  add_dlp_entries_routes(m_router);
  add_dlp_datasets_routes(m_router);
  add_ai_search_routes(m_router);
  const json::object fixture = load_fixture(m_options.fixture_file);

  const std::string now = rfc3339(m_clock());
  json::object& accounts = m_state["accounts"].as_object();
  for (const std::string& id : m_options.accounts) {
    json::value& account = accounts[id];
    if (!account.is_object()) account = json::object();
    init_dlp_settings(account.as_object(), now);
    init_dlp_profiles(account.as_object());
    init_ai_search(account.as_object(), fixture, now);
    init_dlp_datasets(account.as_object(), id, fixture, now);
  }
  save();
}

Response Emulator::handle(const Request& request) {
  std::string_view path = request.path;
  if (path.starts_with(k_hook_prefix)) return serve_hook(request, path);
  if (path.starts_with(k_api_prefix)) path.remove_prefix(k_api_prefix.size());
  // Drawn for every API request, used or not, so that a seed gives the same faults to the same
  // sequence of requests whatever the rate limiter does.
  const Fault fault = m_faults.draw();
  // Cloudflare limits at its edge, before anything else: a refusal wins over the fault.
  std::optional<RateLimitVerdict> verdict;
  if (m_rate_limiter) verdict = m_rate_limiter->admit(credential_of(request));
  const bool refused = verdict && !verdict->accepted;
  Response response = refused ? failure(429, code::rate_limited, k_throttled_message)
                              : serve_with_fault(request, path, fault);
  if (verdict) {
    for (auto& header : rate_limit_headers(m_rate_limiter->policy(), *verdict)) {
      response.headers.push_back(std::move(header));
    }
  }
  response.delay_ms += m_latency.next_ms();
  record(request, path, response, refused ? "rate-limit" : fault_name(fault));
  return response;
}

Response Emulator::serve_with_fault(const Request& request, std::string_view path, Fault fault) {
  if (auto refused = refusal(fault)) return std::move(*refused);
  Response response = serve_api(request, path);
  // The other faults let the request change the state, and then spoil its answer.
  if (fault == Fault::reset_after_commit) response.delivery = Delivery::reset;
  if (fault == Fault::truncate) response.delivery = Delivery::truncate;
  if (fault == Fault::slow) response.delay_ms += m_options.slow_ms;
  return response;
}

// The answer of a fault that does nothing with the request, if `fault` is one.
std::optional<Response> Emulator::refusal(Fault fault) {
  switch (fault) {
    case Fault::too_many_requests: {
      // Not the rate limiter's: a 429 as an overloaded Cloudflare sends one, which blocks nothing.
      Response response = failure(429, code::rate_limited, k_throttled_message);
      response.headers.emplace_back("retry-after", "1");
      response.headers.emplace_back("retry-after-ms", std::to_string(m_faults.retry_after_ms()));
      return response;
    }
    case Fault::internal_error:
      return failure(500, code::internal_error, "Internal server error");
    case Fault::unavailable:
      return failure(503, code::unavailable, "Service temporarily unavailable");
    case Fault::reset:
      // Status 0 in the request log: nothing was answered.
      return Response{.status = 0, .content_type = {}, .delivery = Delivery::reset};
    case Fault::none:
    case Fault::reset_after_commit:
    case Fault::slow:
    case Fault::truncate:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Response> Emulator::authenticate(const Request& request) const {
  if (const std::string* authorization = request.header("authorization")) {
    constexpr std::string_view bearer = "Bearer ";
    if (!authorization->starts_with(bearer)) {
      return failure(400, code::invalid_headers, "Invalid request headers");
    }
    if (m_options.token && authorization->substr(bearer.size()) == *m_options.token) {
      return std::nullopt;
    }
    return failure(401, code::invalid_token, "Invalid API Token");
  }
  const std::string* email = request.header("x-auth-email");
  const std::string* key = request.header("x-auth-key");
  if (email == nullptr || key == nullptr) {
    return failure(400, code::missing_credentials,
                   "Missing X-Auth-Key, X-Auth-Email or Authorization headers");
  }
  if (m_options.email && m_options.key && *email == *m_options.email && *key == *m_options.key) {
    return std::nullopt;
  }
  return failure(403, code::unknown_key, "Unknown X-Auth-Key or X-Auth-Email");
}

Response Emulator::serve_api(const Request& request, std::string_view path) {
  Router::Match match = m_router.find(request.method, path);
  if (match.handler == nullptr) {
    if (match.path_known) return failure(405, code::method_not_allowed, "Method not allowed");
    return failure(404, code::no_route, "No route for the URI");
  }
  if (auto denied = authenticate(request)) return std::move(*denied);

  json::object& accounts = m_state["accounts"].as_object();
  const auto account = accounts.find(match.params.at("account_id"));
  if (account == accounts.end())
    return failure(403, code::authentication_error, "Authentication error");

  const std::int64_t now_ms = m_clock();
  Context context{request,         match.params,   account->value().as_object(),
                  rfc3339(now_ms), now_ms,         [this] { return new_id(); },
                  m_options,       m_state_version};
  Response response = (*match.handler)(context);
  if (context.changed) {
    ++m_state_version;
    save();
  }
  return response;
}

Response Emulator::serve_hook(const Request& request, std::string_view path) {
  const std::string_view hook = path.substr(k_hook_prefix.size());
  if (hook == "requests" && request.method == "GET") {
    return {.body = json::serialize(json::object{{"requests", m_log}})};
  }
  if (hook == "reset" && request.method == "POST") {
    m_log.clear();
    return {.body = R"({"reset":true})"};
  }
  if (hook == "state" && request.method == "GET") return {.body = json::serialize(m_state)};
  return failure(404, code::no_route, "No emulator hook " + std::string(path));
}

void Emulator::record(const Request& request, std::string_view path, const Response& response,
                      std::string_view fault) {
  json::object entry{{"method", request.method},
                     {"path", path},
                     {"status", response.status},
                     {"body", loggable(request.body)}};
  if (!request.query.empty()) entry["query"] = request.query;
  if (request.connection != 0) entry["connection"] = request.connection;
  if (!fault.empty()) entry["fault"] = fault;
  m_log.push_back(std::move(entry));
}

// A random (version 4) uuid.
std::string Emulator::new_id() {
  const std::uint64_t high = (m_random() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const std::uint64_t low = (m_random() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xffff),
                static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

void Emulator::save() const {
  if (!m_options.state_file) return;
  // Written beside the target and renamed over it, so a crash never leaves half a file.
  const std::filesystem::path temporary = m_options.state_file->string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << json::serialize(m_state);
    if (!out) {
      std::fprintf(stderr, "cfsync-emulator: cannot write %s\n", temporary.c_str());
      return;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, *m_options.state_file, ec);
  if (ec) {
    std::fprintf(stderr, "cfsync-emulator: cannot replace %s: %s\n", m_options.state_file->c_str(),
                 ec.message().c_str());
  }
}

}  // namespace cfsync::emulator
