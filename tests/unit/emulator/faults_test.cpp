// Fault specs, seeded fault draws and latency, without sockets or clocks.
#include "tests/emulator/faults.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace cfsync::emulator {
namespace {

FaultSpec spec_of(std::string_view text) {
  std::string problem;
  const std::optional<FaultSpec> spec = parse_fault_spec(text, problem);
  REQUIRE_MESSAGE(spec, problem);
  return *spec;
}

std::string problem_of(std::string_view text) {
  std::string problem;
  CHECK_FALSE(parse_fault_spec(text, problem));
  return problem;
}

std::vector<Fault> draws(FaultInjector& injector, int count) {
  std::vector<Fault> out;
  for (int i = 0; i < count; ++i) out.push_back(injector.draw());
  return out;
}

const std::vector<Fault> k_all = {
    Fault::too_many_requests,  Fault::internal_error, Fault::unavailable, Fault::reset,
    Fault::reset_after_commit, Fault::slow,           Fault::truncate};

TEST_CASE("a fault spec names each fault with its probability, in any order") {
  const FaultSpec spec = spec_of(
      "truncate=0.01,429=0.05,500=0.05,503=0.02,reset=0.02,reset-after-commit=0.03,slow=0.04");
  CHECK(spec.of(Fault::too_many_requests) == 0.05);
  CHECK(spec.of(Fault::internal_error) == 0.05);
  CHECK(spec.of(Fault::unavailable) == 0.02);
  CHECK(spec.of(Fault::reset) == 0.02);
  CHECK(spec.of(Fault::reset_after_commit) == 0.03);
  CHECK(spec.of(Fault::slow) == 0.04);
  CHECK(spec.of(Fault::truncate) == 0.01);
  CHECK(spec.of(Fault::none) == 0);
  CHECK_FALSE(spec.empty());

  const FaultSpec few = spec_of("503=0.5");
  CHECK(few.of(Fault::unavailable) == 0.5);
  CHECK(few.of(Fault::too_many_requests) == 0);
}

TEST_CASE("an empty fault spec is no faults") {
  CHECK(spec_of("").empty());
  CHECK(spec_of("429=0,reset=0").empty());
}

TEST_CASE("probabilities may add up to exactly 1, float rounding included") {
  CHECK(spec_of("reset=1").of(Fault::reset) == 1);
  CHECK_FALSE(spec_of("429=0.1,500=0.2,503=0.7").empty());  // 1.0000000000000002 in doubles
}

TEST_CASE("a bad fault spec says which part is wrong") {
  struct Row {
    const char* spec;
    const char* problem;
  };
  for (const Row& row : std::initializer_list<Row>{
           {"502=0.1",
            "unknown fault \"502\" in \"502=0.1\" (known: 429, 500, 503, reset, "
            "reset-after-commit, slow, truncate)"},
           {"429=0.1,Reset=0.1", "unknown fault \"Reset\" in \"Reset=0.1\""},
           {"429", "\"429\" is not NAME=PROBABILITY"},
           {"429=", "the probability in \"429=\" is not a number from 0 to 1"},
           {"429=x", "the probability in \"429=x\" is not a number from 0 to 1"},
           {"429=1.5", "the probability in \"429=1.5\" is not a number from 0 to 1"},
           {"429=-0.1", "the probability in \"429=-0.1\" is not a number from 0 to 1"},
           {"429=nan", "the probability in \"429=nan\" is not a number from 0 to 1"},
           {"429=0.1 ", "the probability in \"429=0.1 \" is not a number from 0 to 1"},
           {"429=0.1,,500=0.1", "an empty part"},
           {"429=0.1,", "an empty part"},
           {",429=0.1", "an empty part"},
           {"429=0.1,429=0.2", "\"429=0.2\" gives 429 a second time"},
           {"429=0.6,500=0.5", "the probabilities add up to 1.1, more than 1"},
       }) {
    CAPTURE(row.spec);
    const std::string problem = problem_of(row.spec);
    CHECK_MESSAGE(problem.starts_with(row.problem), problem);
  }
}

TEST_CASE("fault names are those of the spec") {
  CHECK(fault_name(Fault::none).empty());
  std::string problem;
  for (Fault fault : k_all) {
    const std::string text = std::string(fault_name(fault)) + "=1";
    CHECK(parse_fault_spec(text, problem)->of(fault) == 1);
  }
  CHECK(fault_name(Fault::reset_after_commit) == "reset-after-commit");
}

TEST_CASE("the same seed draws the same faults, another seed others") {
  const FaultSpec spec = spec_of("429=0.1,500=0.1,503=0.1,reset=0.1,slow=0.1,truncate=0.1");
  FaultInjector first(spec, 42), second(spec, 42), other(spec, 43);
  CHECK(draws(first, 1000) == draws(second, 1000));
  CHECK(first.retry_after_ms() == second.retry_after_ms());
  CHECK(draws(first, 1000) == draws(second, 1000));  // still in step after a retry-after-ms
  CHECK(draws(first, 1000) != draws(other, 1000));
}

TEST_CASE("the order of a spec's parts does not change what a seed draws") {
  FaultInjector one(spec_of("429=0.2,reset=0.3"), 7);
  FaultInjector other(spec_of("reset=0.3,429=0.2"), 7);
  CHECK(draws(one, 1000) == draws(other, 1000));
}

TEST_CASE("each request gets at most one fault, at about its probability") {
  const FaultSpec spec = spec_of(
      "429=0.05,500=0.05,503=0.02,reset=0.02,reset-after-commit=0.02,slow=0.01,truncate=0.01");
  FaultInjector injector(spec, 2026);
  constexpr int k_draws = 100'000;
  std::map<Fault, int> counts;
  for (Fault fault : draws(injector, k_draws)) ++counts[fault];
  for (Fault fault : k_all) {
    CAPTURE(fault_name(fault));
    // A loose bound: over 10 standard deviations for the rarest fault (sd 0.0003).
    CHECK(std::abs(static_cast<double>(counts[fault]) / k_draws - spec.of(fault)) < 0.003);
  }
  CHECK(std::abs(static_cast<double>(counts[Fault::none]) / k_draws - 0.82) < 0.005);
}

TEST_CASE("a certain fault always, no faults never") {
  FaultInjector always(spec_of("500=1"), 1);
  for (Fault fault : draws(always, 1000)) CHECK(fault == Fault::internal_error);
  FaultInjector never(FaultSpec{}, 1);
  for (Fault fault : draws(never, 1000)) CHECK(fault == Fault::none);
}

TEST_CASE("an injected 429's retry-after-ms is 50 to 500") {
  FaultInjector injector(spec_of("429=1"), 3);
  std::int64_t low = 1000, high = 0;
  for (int i = 0; i < 10'000; ++i) {
    const std::int64_t ms = injector.retry_after_ms();
    low = std::min(low, ms);
    high = std::max(high, ms);
  }
  CHECK(low == 50);
  CHECK(high == 500);
}

TEST_CASE("latency: the base plus 0 to the jitter, the same for the same seed") {
  Latency fixed(100, 0, 1);
  for (int i = 0; i < 100; ++i) CHECK(fixed.next_ms() == 100);

  Latency jittered(100, 20, 9), again(100, 20, 9);
  std::int64_t low = 1000, high = 0;
  for (int i = 0; i < 10'000; ++i) {
    const std::int64_t ms = jittered.next_ms();
    CHECK(ms == again.next_ms());
    low = std::min(low, ms);
    high = std::max(high, ms);
  }
  CHECK(low == 100);
  CHECK(high == 120);
}

TEST_CASE("derived seeds differ by stream and by seed") {
  CHECK(derive_seed(1, 0) != derive_seed(1, 1));
  CHECK(derive_seed(1, 0) != derive_seed(2, 0));
  CHECK(derive_seed(1, 1) == derive_seed(1, 1));
}

}  // namespace
}  // namespace cfsync::emulator
