// Cycle conversions are a multiply by a constant (base/cycles.hpp): they must
// agree with SystemC's own time, or every cycle the models report is wrong.
#include <catch2/catch.hpp>

#include "base/cycles.hpp"

using namespace vtd;

TEST_CASE("cycle conversions agree with SystemC time", "[cycles]") {
  REQUIRE_NOTHROW(check_time_resolution());
  CHECK(cycles(0) == sc_core::SC_ZERO_TIME);
  CHECK(cycles(7) == sc_core::sc_time(7, sc_core::SC_NS));
  CHECK(to_cycles(sc_core::sc_time(123, sc_core::SC_NS)) == 123);
  CHECK(to_cycles(sc_core::sc_time(1, sc_core::SC_US)) == 1000);
  CHECK(to_cycles(cycles(1'000'000'007)) == 1'000'000'007);
  // Part of a cycle rounds down, as the division it replaced did.
  CHECK(to_cycles(sc_core::sc_time(2999, sc_core::SC_PS)) == 2);
}

TEST_CASE("cycle arithmetic saturates instead of wrapping", "[cycles]") {
  CHECK(sat_add(1, 2) == 3);
  CHECK(sat_add(kNeverCycle - 1, 1) == kNeverCycle);
  CHECK(sat_add(kNeverCycle - 1, 2) == kNeverCycle);
  CHECK(sat_add(Cycle{1} << 63, Cycle{1} << 63) == kNeverCycle);
  CHECK(sat_add(5, kNeverCycle - 10, 6) == kNeverCycle);
  CHECK(sat_mul(Cycle{1} << 40, Cycle{1} << 23) == Cycle{1} << 63);
  CHECK(sat_mul(Cycle{1} << 40, Cycle{1} << 24) == kNeverCycle);
}

TEST_CASE("a cycle count beyond the schedulable range converts to the furthest time, not a wrapped one",
          "[cycles]") {
  // 2^64 / 1000 + 1 cycles used to wrap to a time in the near future.
  const Cycle wraps = ~Cycle{0} / kTicksPerCycle + 1;
  CHECK(cycles(wraps) == cycles(kMaxScheduledCycles));
  CHECK(cycles(kNeverCycle) == cycles(kMaxScheduledCycles));
  CHECK(to_cycles(cycles(kNeverCycle)) == kMaxScheduledCycles);
  CHECK(cycles(kMaxScheduledCycles) > cycles(kMaxInputCycles * 1000));
  // Still exact up to the limit.
  CHECK(to_cycles(cycles(kMaxInputCycles)) == kMaxInputCycles);
}
