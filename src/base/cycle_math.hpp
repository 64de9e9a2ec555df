// Limits of simulated time and the arithmetic on cycle counts (SystemC-free:
// the loader and the command line check inputs against these limits).
// docs/reliability.md lists the limits and why they are what they are.
#pragma once

#include "base/types.hpp"

namespace vtd {

// The largest value of every cycle-valued input: latencies, costs, delays,
// start cycles, periods, listed cycles and max_cycles, in a scenario or on
// the command line. 2^40 cycles is about 18 minutes of a 1 GHz clock, far
// beyond what a simulation of a driver sequence needs; its SystemC time
// (x1000 ticks) is 2^50, so sums of thousands of such values stay below 2^64.
inline constexpr Cycle kMaxInputCycles = Cycle{1} << 40;
// The largest magnitude of a CPU start offset (--offset, --offsets, sweep.offsets).
inline constexpr long long kMaxOffset = 1LL << 40;
// "Never": what saturated cycle arithmetic yields instead of wrapping.
inline constexpr Cycle kNeverCycle = ~Cycle{0};
// The furthest a notification is ever scheduled (cycles() clamps to it): far
// beyond any max_cycles, and its SystemC time (2^62 ticks) added to any time
// before max_cycles cannot overflow.
inline constexpr Cycle kMaxScheduledCycles = Cycle{1} << 52;

// Cycle arithmetic in the models: saturating at kNeverCycle rather than
// wrapping, so a time never moves backwards (a wrapped time would reschedule
// work in the past and keep SystemC at one cycle, past max_cycles' reach).
inline constexpr Cycle sat_add(Cycle a, Cycle b) {
  Cycle r = 0;
  return __builtin_add_overflow(a, b, &r) ? kNeverCycle : r;
}
inline constexpr Cycle sat_add(Cycle a, Cycle b, Cycle c) { return sat_add(sat_add(a, b), c); }
inline constexpr Cycle sat_mul(Cycle a, Cycle b) {
  Cycle r = 0;
  return __builtin_mul_overflow(a, b, &r) ? kNeverCycle : r;
}

}  // namespace vtd
