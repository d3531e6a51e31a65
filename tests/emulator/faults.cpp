#include "tests/emulator/faults.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace cfsync::emulator {

std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  out += text;
  out += '"';
  return out;
}

namespace {

// In the order of the Fault enum, after none.
constexpr std::array<std::string_view, k_fault_kinds> k_names = {
    "429", "500", "503", "reset", "reset-after-commit", "slow", "truncate"};

// Float sums such as 0.1 + 0.2 + 0.7 may land a hair above 1.
constexpr double k_sum_tolerance = 1e-9;

std::size_t index_of(Fault fault) { return static_cast<std::size_t>(fault) - 1; }

std::optional<Fault> fault_named(std::string_view name) {
  for (std::size_t i = 0; i < k_names.size(); ++i) {
    if (k_names[i] == name) return static_cast<Fault>(i + 1);
  }
  return std::nullopt;
}

std::optional<double> probability(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (!std::isfinite(value) || value < 0 || value > 1) return std::nullopt;
  return value;
}

std::string known_names() {
  std::string out;
  for (std::string_view name : k_names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// One NAME=PROBABILITY part into `spec`; what is wrong with it, if anything.
std::optional<std::string> add_part(std::string_view part, FaultSpec& spec,
                                    std::array<bool, k_fault_kinds>& seen) {
  if (part.empty()) return "an empty part (two commas in a row, or one at an end)";
  const std::string quoted = quote(part);
  const std::size_t equals = part.find('=');
  if (equals == std::string_view::npos) return quoted + " is not NAME=PROBABILITY";
  const std::string_view name = part.substr(0, equals);
  const std::optional<Fault> fault = fault_named(name);
  if (!fault) {
    return "unknown fault " + quote(name) + " in " + quoted + " (known: " + known_names() + ")";
  }
  const std::optional<double> p = probability(part.substr(equals + 1));
  if (!p) return "the probability in " + quoted + " is not a number from 0 to 1";
  if (seen[index_of(*fault)]) return quoted + " gives " + std::string(name) + " a second time";
  seen[index_of(*fault)] = true;
  spec.probabilities[index_of(*fault)] = *p;
  return std::nullopt;
}

// Uniform in [0, 1) from the top 53 bits. Not std::uniform_real_distribution, whose algorithm
// the standard leaves open: a seed must draw the same faults with any standard library.
double unit_interval(std::mt19937_64& random) {
  return static_cast<double>(random() >> 11) * 0x1.0p-53;
}

// Uniform in 0..bound (both included); the modulo bias is negligible for the small bounds used.
std::int64_t up_to(std::mt19937_64& random, std::int64_t bound) {
  return static_cast<std::int64_t>(random() % (static_cast<std::uint64_t>(bound) + 1));
}

}  // namespace

std::string_view fault_name(Fault fault) {
  if (fault == Fault::none) return {};
  return k_names[index_of(fault)];
}

double FaultSpec::of(Fault fault) const {
  return fault == Fault::none ? 0 : probabilities[index_of(fault)];
}

bool FaultSpec::empty() const {
  for (double p : probabilities) {
    if (p > 0) return false;
  }
  return true;
}

std::optional<FaultSpec> parse_fault_spec(std::string_view text, std::string& problem) {
  FaultSpec spec;
  // An empty spec is no faults, so that scripts can pass --faults "$FAULTS" with it unset.
  if (text.empty()) return spec;
  std::array<bool, k_fault_kinds> seen{};
  for (std::size_t start = 0;;) {
    const std::size_t comma = text.find(',', start);
    if (auto bad = add_part(text.substr(start, comma - start), spec, seen)) {
      problem = std::move(*bad);
      return std::nullopt;
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  double sum = 0;
  for (double p : spec.probabilities) sum += p;
  if (sum > 1 + k_sum_tolerance) {
    char text_sum[32];
    std::snprintf(text_sum, sizeof text_sum, "%g", sum);
    problem = std::string("the probabilities add up to ") + text_sum + ", more than 1";
    return std::nullopt;
  }
  return spec;
}

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + (stream + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

FaultInjector::FaultInjector(FaultSpec spec, std::uint64_t seed) : m_spec(spec), m_random(seed) {}

Fault FaultInjector::draw() {
  const double u = unit_interval(m_random);
  double cumulative = 0;
  for (std::size_t i = 0; i < k_fault_kinds; ++i) {
    cumulative += m_spec.probabilities[i];
    if (u < cumulative) return static_cast<Fault>(i + 1);
  }
  return Fault::none;
}

std::int64_t FaultInjector::retry_after_ms() { return 50 + up_to(m_random, 450); }

Latency::Latency(std::int64_t base_ms, std::int64_t jitter_ms, std::uint64_t seed)
    : m_base_ms(base_ms), m_jitter_ms(jitter_ms), m_random(seed) {}

std::int64_t Latency::next_ms() {
  if (m_jitter_ms <= 0) return m_base_ms;
  return m_base_ms + up_to(m_random, m_jitter_ms);
}

}  // namespace cfsync::emulator
