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
