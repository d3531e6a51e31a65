// When the daemon's passes start: the timer is driven with made-up times, so that a 5-minute
// backoff or a minute of rate limiting takes no time at all.
#include "daemon/pass_timer.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace cfsync::daemon {
namespace {

using namespace std::chrono_literals;
using Clock = PassTimer::Clock;
using Settled = PassTimer::Settled;

const Clock::time_point t0 = Clock::time_point() + 1h;  // any time: the timer reads no clock

PassTiming timing(std::chrono::milliseconds interval = 5min) {
  PassTiming timing;
  timing.interval = interval;
  return timing;
}

// Runs a pass that starts when it is due and ends `took` later with `result`; the end time.
Clock::time_point pass(PassTimer& timer, PassResult result, std::size_t planned = 0,
                       Clock::duration took = 1s, double unit = 0.5) {
  const Clock::time_point start = timer.due();
  REQUIRE(timer.start(start));
  timer.finished(start + took, result, planned, unit);
  return start + took;
}

TEST_CASE("the first pass is due at start, and none starts while one runs") {
  PassTimer timer(timing(), t0);
  CHECK(timer.due() == t0);
  CHECK(timer.wake() == t0);
  CHECK_FALSE(timer.start(t0 - 1ms));
  CHECK(timer.start(t0));
  CHECK(timer.running());
  CHECK(timer.wake() == Clock::time_point::max());  // nothing to do until it ends
  CHECK_FALSE(timer.start(t0 + 1h));
}

TEST_CASE("after a success, the next pass is an interval later, within 10 percent") {
  struct Row {
    double unit;
    Clock::duration after;
  };
  for (const Row& row : {Row{0.0, 270s}, Row{0.5, 300s}, Row{0.999'999, 330s}}) {
    CAPTURE(row.unit);
    PassTimer timer(timing(5min), t0);
    const Clock::time_point end = pass(timer, PassResult::success, 0, 1s, row.unit);
    CHECK(!timer.running());
    CHECK(timer.due() - end >= row.after - 1ms);
    CHECK(timer.due() - end <= row.after);
    CHECK(timer.wake() == timer.due());
    CHECK_FALSE(timer.start(timer.due() - 1ms));
  }
}

TEST_CASE("failures in a row are retried after 5 s, 10 s, 20 s, and so on up to 5 minutes") {
  PassTimer timer(timing(1h), t0);
  std::vector<Clock::duration> waits;
  for (int i = 0; i < 9; ++i) {
    const Clock::time_point end = pass(timer, PassResult::failure, 0, 1s, 0.0);
    waits.push_back(timer.due() - end);  // no jitter: the random number is not used
  }
  CHECK(waits == std::vector<Clock::duration>{5s, 10s, 20s, 40s, 80s, 160s, 300s, 300s, 300s});
  CHECK(timer.failures() == 9);
  // A success ends the streak: the interval again, and the next failure starts over at 5 s.
  Clock::time_point end = pass(timer, PassResult::success, 0, 1s, 0.5);
  CHECK(timer.due() - end == 1h);
  CHECK(timer.failures() == 0);
  end = pass(timer, PassResult::failure);
  CHECK(timer.due() - end == 5s);
}

TEST_CASE("the failure retry never waits longer than the interval") {
  PassTimer timer(timing(12s), t0);
  std::vector<Clock::duration> waits;
  for (int i = 0; i < 4; ++i) {
    const Clock::time_point end = pass(timer, PassResult::failure);
    waits.push_back(timer.due() - end);
  }
  CHECK(waits == std::vector<Clock::duration>{5s, 10s, 12s, 12s});
}

TEST_CASE("a shorter first retry doubles the same way") {
  PassTiming quick = timing(1h);
  quick.first_retry = 200ms;
  PassTimer timer(quick, t0);
  std::vector<Clock::duration> waits;
  for (int i = 0; i < 3; ++i) {
    const Clock::time_point end = pass(timer, PassResult::failure);
    waits.push_back(timer.due() - end);
  }
  CHECK(waits == std::vector<Clock::duration>{200ms, 400ms, 800ms});
}

TEST_CASE("a configuration error waits the interval, and counts toward the next failure's wait") {
  PassTimer timer(timing(5min), t0);
  Clock::time_point end = pass(timer, PassResult::config_error, 0, 1s, 0.5);
  CHECK(timer.due() - end == 5min);  // retrying cannot fix the file: a change will
  end = pass(timer, PassResult::config_error, 0, 1s, 0.5);
  CHECK(timer.due() - end == 5min);
  end = pass(timer, PassResult::failure);
  CHECK(timer.due() - end == 20s);  // the third failure in a row
}

TEST_CASE("a change starts a pass once it has been quiet for the debounce") {
  PassTimer timer(timing(), t0);
  const Clock::time_point end = pass(timer, PassResult::success);
  const Clock::time_point seen = end + 10s;
  timer.changed(seen);
  CHECK(timer.wake() == seen + 2s);
  CHECK(timer.settle(seen + 1s) == Settled::nothing);
  timer.changed(seen + 1s);  // another write of the burst: quiet from then on
  CHECK(timer.settle(seen + 2s) == Settled::nothing);
  CHECK(timer.wake() == seen + 3s);
  CHECK(timer.settle(seen + 3s) == Settled::start);
  CHECK(timer.settle(seen + 3s) == Settled::nothing);  // settled once
  CHECK(timer.due() == seen + 3s);
  CHECK(timer.start(seen + 3s));
}

TEST_CASE("a shorter debounce settles sooner") {
  PassTiming quick = timing();
  quick.debounce = 100ms;
  PassTimer timer(quick, t0);
  const Clock::time_point end = pass(timer, PassResult::success);
  timer.changed(end);
  CHECK(timer.settle(end + 99ms) == Settled::nothing);
  CHECK(timer.settle(end + 100ms) == Settled::start);
  CHECK(timer.due() == end + 100ms);
}

TEST_CASE("a change during a pass gets a pass of its own as soon as that one ends") {
  PassTimer timer(timing(), t0);
  REQUIRE(timer.start(t0));
  timer.changed(t0 + 1s);
  CHECK(timer.wake() == t0 + 3s);  // settling, though a pass runs
  CHECK(timer.settle(t0 + 3s) == Settled::start);
  CHECK_FALSE(timer.start(t0 + 3s));
  timer.finished(t0 + 10s, PassResult::success, 0, 0.5);
  CHECK(timer.due() == t0 + 3s);  // past: at once, not at the interval
  CHECK(timer.start(t0 + 10s));
  // That pass took the change: the next one is at the interval.
  timer.finished(t0 + 11s, PassResult::success, 0, 0.5);
  CHECK(timer.due() == t0 + 11s + 5min);
}

TEST_CASE("a fetched commit settles at once, during a pass too, without the debounce") {
  PassTimer timer(timing(), t0);
  pass(timer, PassResult::success);
  timer.arrived(t0 + 20s);
  CHECK(timer.wake() == t0 + 20s);
  CHECK(timer.settle(t0 + 20s) == Settled::start);
  CHECK(timer.start(t0 + 20s));
  // One arriving while that pass runs: its own pass as soon as it ends.
  timer.arrived(t0 + 21s);
  CHECK(timer.settle(t0 + 21s) == Settled::start);
  timer.finished(t0 + 25s, PassResult::success, 1, 0.5);
  CHECK(timer.start(t0 + 25s));
  // A file edit settling already keeps its place; a commit does not wait for it.
  timer.finished(t0 + 26s, PassResult::success, 1, 0.5);
  timer.changed(t0 + 30s);
  timer.arrived(t0 + 31s);
  CHECK(timer.wake() == t0 + 31s);
}

TEST_CASE("a change still settling when a pass ends waits for its debounce") {
  PassTimer timer(timing(), t0);
  REQUIRE(timer.start(t0));
  timer.changed(t0 + 9s);
  timer.finished(t0 + 10s, PassResult::success, 0, 0.5);
  CHECK(timer.due() == t0 + 10s + 5min);
  CHECK(timer.wake() == t0 + 11s);
  CHECK(timer.settle(t0 + 11s) == Settled::start);
  CHECK(timer.due() == t0 + 11s);
}

TEST_CASE(
    "a failed pass for a change is retried with the backoff, and counts neither way for the gate") {
  PassTimer timer(timing(), t0);
  Clock::time_point end = pass(timer, PassResult::success);
  timer.changed(end);
  REQUIRE(timer.settle(end + 2s) == Settled::start);
  end = pass(timer, PassResult::failure);
  CHECK(timer.due() - end == 5s);
  CHECK(timer.empty_in_a_row() == 0);
}

TEST_CASE("SIGHUP starts a pass at once") {
  PassTimer timer(timing(), t0);
  const Clock::time_point end = pass(timer, PassResult::success);
  timer.reload(end + 7s);
  CHECK(timer.due() == end + 7s);
  CHECK(timer.start(end + 7s));
}

TEST_CASE("SIGHUP while a pass runs: another starts as soon as it ends, not at the interval") {
  PassTimer timer(timing(), t0);
  REQUIRE(timer.start(t0));
  timer.reload(t0 + 1s);  // the running pass may have read the account before the signal
  timer.finished(t0 + 2s, PassResult::success, 0, 0.5);
  CHECK(timer.due() == t0 + 2s);
  CHECK(timer.start(t0 + 2s));
  timer.finished(t0 + 3s, PassResult::success, 0, 0.5);
  CHECK(timer.due() - (t0 + 3s) == 5min);  // then the interval again
}

TEST_CASE("passes for changes that keep finding nothing run at most once a minute, said once") {
  PassTimer timer(timing(1h), t0);
  Clock::time_point now = pass(timer, PassResult::success);
  // Something rewrites a file the configuration reads, unchanged, every 3 s.
  std::vector<Settled> said;
  std::vector<Clock::time_point> starts;
  for (int i = 0; i < 7; ++i) {
    now += 3s;
    timer.changed(now);
    const Settled settled = timer.settle(now + 2s);
    said.push_back(settled);
    if (timer.start(now + 2s)) {
      starts.push_back(now + 2s);
      timer.finished(now + 2500ms, PassResult::success, 0, 0.5);
    }
  }
  CHECK(said == std::vector<Settled>{Settled::start, Settled::start, Settled::start,
                                     Settled::limited, Settled::still_limited,
                                     Settled::still_limited, Settled::still_limited});
  REQUIRE(starts.size() == 3);  // three in a row at once
  CHECK(timer.empty_in_a_row() == 3);
  // The next waits until a minute after the last one started.
  CHECK(timer.due() == starts.back() + 1min);
  CHECK_FALSE(timer.start(starts.back() + 59s));
  REQUIRE(timer.start(starts.back() + 1min));
  // It applies something: changes start passes at once again, and a new limit is said again.
  timer.finished(starts.back() + 61s, PassResult::success, 2, 0.5);
  CHECK(timer.empty_in_a_row() == 0);
  now = starts.back() + 70s;
  for (int i = 0; i < 4; ++i) {
    timer.changed(now);
    const Settled settled = timer.settle(now + 2s);
    CHECK(settled == (i < 3 ? Settled::start : Settled::limited));
    if (timer.start(now + 2s)) timer.finished(now + 3s, PassResult::success, 0, 0.5);
    now += 3s;
  }
}

TEST_CASE("passes the interval starts do not count toward the gate") {
  PassTimer timer(timing(1min), t0);
  for (int i = 0; i < 5; ++i) (void)pass(timer, PassResult::success);
  CHECK(timer.empty_in_a_row() == 0);
  timer.changed(timer.due() - 10s);
  CHECK(timer.settle(timer.due() - 8s) == Settled::start);
}

}  // namespace
}  // namespace cfsync::daemon
