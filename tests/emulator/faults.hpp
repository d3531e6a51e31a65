// Injected faults and latency, for testing a client's retries (--faults, --latency-ms): what
// happens to each API request is decided here, without sockets; server.cpp only carries it out.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace cfsync::emulator {

// "text" with its quotes, for messages about a command-line value. Appended rather than built
// with operator+, which g++ 12 at -O3 wrongly reports as an overlapping memcpy (-Wrestrict, GCC
// bug 105329).
[[nodiscard]] std::string quote(std::string_view text);

// What can happen to one API request instead of (or as well as) a plain answer.
enum class Fault {
  none,
  too_many_requests,   // "429": refused, nothing done
  internal_error,      // "500": refused, nothing done
  unavailable,         // "503": refused, nothing done
  reset,               // "reset": the connection is reset, nothing done
  reset_after_commit,  // "reset-after-commit": done, then the connection is reset
  slow,                // "slow": done at once, answered after --slow-ms
  truncate,            // "truncate": done, answered with half the body, then closed
};

inline constexpr std::size_t k_fault_kinds = 7;  // the faults above, without none

// The name used in --faults and in the request log; empty for Fault::none.
[[nodiscard]] std::string_view fault_name(Fault fault);

// The probability of each fault per API request; they add up to at most 1.
struct FaultSpec {
  // Indexed by the Fault minus one, which is also the order a draw walks them in, so that the
  // order of a spec's parts does not change what a seed draws.
  std::array<double, k_fault_kinds> probabilities{};

  [[nodiscard]] double of(Fault fault) const;
  [[nodiscard]] bool empty() const;
};

// "429=0.05,500=0.05,reset=0.02": comma-separated NAME=PROBABILITY, each name at most once.
// On a bad spec returns nullopt and sets `problem` to what is wrong, naming the bad part.
[[nodiscard]] std::optional<FaultSpec> parse_fault_spec(std::string_view text,
                                                        std::string& problem);

// A seed for one of several independent random streams made from one --seed (SplitMix64), so
// that, e.g., turning jitter on does not change which requests get faults.
[[nodiscard]] std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream);

// Draws the fault of each API request from a seeded generator: the same seed and the same
// sequence of requests give the same faults.
class FaultInjector {
 public:
  FaultInjector(FaultSpec spec, std::uint64_t seed);

  // One uniform draw, whatever the spec, so that the sequence depends on the count of requests
  // only; it picks at most one fault.
  [[nodiscard]] Fault draw();
  // For an injected 429: its retry-after-ms, uniform in 50..500.
  [[nodiscard]] std::int64_t retry_after_ms();

 private:
  FaultSpec m_spec;
  std::mt19937_64 m_random;
};

// How long each API answer waits: base_ms plus a uniform 0..jitter_ms (both ends included).
class Latency {
 public:
  Latency(std::int64_t base_ms, std::int64_t jitter_ms, std::uint64_t seed);

  [[nodiscard]] std::int64_t next_ms();

 private:
  std::int64_t m_base_ms;
  std::int64_t m_jitter_ms;
  std::mt19937_64 m_random;
};

}  // namespace cfsync::emulator
