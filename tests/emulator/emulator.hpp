// A stateful stand-in for the Cloudflare API endpoints cfsync uses, with no sockets: requests in,
// responses out. server.cpp puts it behind HTTP.
#pragma once

#include "tests/emulator/faults.hpp"
#include "tests/emulator/http_types.hpp"
#include "tests/emulator/rate_limit.hpp"
#include "tests/emulator/router.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace cfsync::emulator {

struct Options {
  // Credentials accepted: a bearer token, and/or an email with a global API key.
  std::optional<std::string> token;
  std::optional<std::string> email;
  std::optional<std::string> key;
  std::vector<std::string> accounts;  // accounts that exist (created if the state lacks them)
  std::optional<std::filesystem::path> state_file;  // loaded at start, saved on every change
  // What the dashboard would have made: {"ai_search": {"instances": [...]}, "dlp": {"datasets":
  // [...]}} (README.md).
  std::optional<std::filesystem::path> fixture_file;
  // AI Search items: how the checksum is made, and how indexing goes.
  std::string item_checksum = "md5";  // md5, sha1, sha256, or opaque (not a hex digest)
  std::int64_t index_delay_ms = 0;    // queued for the first half, running for the second
  std::string index_error_pattern;    // keys matching this glob end in "error"
  // Where the spec leaves items open (README.md): a deleted item keeps its key, listed with
  // next_action "DELETE", for this long; file_size answered as null; metadata the server adds
  // (filename, folder, timestamp).
  std::int64_t item_delete_delay_ms = 0;
  bool item_null_sizes = false;
  bool item_builtin_metadata = false;
  // Where the spec leaves instances open (README.md): a new instance is "waiting" (item uploads
  // get 409) for this long, then "ready"; and what an instance PUT does with the fields it
  // leaves out: "keep" their values, or "reset" them to the spec's defaults.
  std::int64_t instance_ready_ms = 0;
  std::string instance_put = "keep";
  // DLP dataset uploads (a word list version, or one EDMv2 column): how processing goes.
  std::int64_t dataset_delay_ms = 0;  // uploading for the first half, processing for the second
  std::string dataset_fail_pattern;   // an upload with a line matching this glob ends in "failed"
  // Where the spec leaves datasets open (README.md): whether answers carry case_sensitive, and
  // what a custom word list's PUT without it does: "keep" the value, "refuse" it (400), or set
  // it "false".
  bool dataset_omit_case_sensitive = false;
  std::string dataset_put_without_case_sensitive = "keep";
  // Disturbances of API requests, for testing a client's retries and pacing (README.md); hooks
  // are never disturbed. None by default.
  std::optional<RateLimitPolicy> rate_limit;  // per credential; also the Ratelimit headers
  FaultSpec faults;                           // the probability of each fault per API request
  std::int64_t latency_ms = 0;                // every API answer waits this long,
  std::int64_t latency_jitter_ms = 0;         // plus a uniform 0..this
  std::int64_t slow_ms = 60'000;              // and a "slow" fault's answer this much longer
  std::optional<std::uint64_t> seed;          // for faults, jitter and ids; none: a random one
};

// Milliseconds since the Unix epoch.
[[nodiscard]] std::int64_t epoch_ms();
// As RFC 3339 UTC with milliseconds: "2026-11-23T19:12:00.123Z".
[[nodiscard]] std::string rfc3339(std::int64_t ms);

class Emulator {
 public:
  using Clock = std::function<std::int64_t()>;  // epoch milliseconds

  // Throws std::runtime_error when the state or fixture file exists but cannot be used.
  explicit Emulator(Options options, Clock clock = epoch_ms);
  // Not copyable: the routes keep listings that point into this emulator's state.
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;
  Emulator(Emulator&&) = default;
  Emulator& operator=(Emulator&&) = default;

  [[nodiscard]] Response handle(const Request& request);

  [[nodiscard]] const boost::json::object& state() const { return m_state; }

 private:
  [[nodiscard]] std::optional<Response> authenticate(const Request& request) const;
  [[nodiscard]] Response serve_api(const Request& request, std::string_view path);
  [[nodiscard]] Response serve_with_fault(const Request& request, std::string_view path,
                                          Fault fault);
  [[nodiscard]] std::optional<Response> refusal(Fault fault);
  [[nodiscard]] Response serve_hook(const Request& request, std::string_view path);
  void record(const Request& request, std::string_view path, const Response& response,
              std::string_view fault);
  void save() const;
  [[nodiscard]] std::string new_id();

  Options m_options;
  Clock m_clock;
  Router m_router;
  boost::json::object m_state;        // {"accounts": {"<id>": {...}}}
  std::uint64_t m_state_version = 0;  // Context::state_version
  boost::json::array m_log;           // requests in arrival order, hooks excluded
  std::mt19937_64 m_random;           // ids
  FaultInjector m_faults;
  Latency m_latency;
  std::optional<RateLimiter> m_rate_limiter;  // none: no --rate-limit
};

}  // namespace cfsync::emulator
