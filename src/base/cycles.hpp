// Mapping between SystemC time and cycles: one cycle is one nanosecond of
// SystemC time (a nominal 1 GHz clock; only cycle counts are ever reported).
#pragma once

#include <systemc>

#include "base/cycle_math.hpp"
#include "base/types.hpp"

namespace vtd {

// SystemC time units in one cycle: the resolution is SystemC's default, 1 ps
// (vtdsim never changes it; check_time_resolution() confirms it when a
// platform is built). A constant, so a conversion is a multiply: the 64-bit
// divisions by a value read at run time cost the long run about 14% of its
// wall time (docs/performance.md, fourth round).
inline constexpr sc_core::sc_time::value_type kTicksPerCycle = 1000;
inline constexpr sc_core::sc_time::value_type ticks_per_cycle() { return kTicksPerCycle; }
// Throws std::logic_error unless one nanosecond is kTicksPerCycle time units.
void check_time_resolution();
// Saturating: a count beyond kMaxScheduledCycles (a saturated "never", or a
// sum of large inputs) becomes kMaxScheduledCycles, which no run reaches
// (max_cycles <= kMaxInputCycles), instead of a product that wraps to a time
// in the near future.
inline sc_core::sc_time cycles(Cycle n) {
  static_assert(kMaxScheduledCycles <= ~sc_core::sc_time::value_type{0} / kTicksPerCycle / 4);
  if (n > kMaxScheduledCycles) [[unlikely]]
    n = kMaxScheduledCycles;
  return n == 0 ? sc_core::SC_ZERO_TIME : sc_core::sc_time::from_value(n * ticks_per_cycle());
}
inline Cycle to_cycles(const sc_core::sc_time& t) {
  return static_cast<Cycle>(t.value() / ticks_per_cycle());
}
// Episodes: one elaboration runs many simulations one after another (sweeps);
// each episode counts cycles from 0, starting at SystemC time `base`.
class EpisodeClock {
 public:
  // The simulation context's time read inline: sc_time_stamp() is a library
  // call, and every request reads the time.
  static Cycle absolute() {
    return static_cast<Cycle>(sc_core::sc_get_curr_simcontext()->time_stamp().value() / ticks_per_cycle());
  }
  // Start a new episode now: cycle 0 is the current SystemC time.
  static void restart() { base() = absolute(); }
  static Cycle& base() {
    static Cycle b = 0;
    return b;
  }
};

inline Cycle now_cycle() { return EpisodeClock::absolute() - EpisodeClock::base(); }

// The cycle log lines are stamped with: SystemC's, unless a module running
// ahead of SystemC time (the IOMMU) is working on a later cycle.
class LogCycle {
 public:
  explicit LogCycle(Cycle c) : saved_(ahead()) { ahead() = c; }
  ~LogCycle() { ahead() = saved_; }
  LogCycle(const LogCycle&) = delete;
  LogCycle& operator=(const LogCycle&) = delete;
  static Cycle now() { return ahead() != kNone ? ahead() : now_cycle(); }

 private:
  static constexpr Cycle kNone = ~Cycle{0};
  static Cycle& ahead() {
    static Cycle c = kNone;
    return c;
  }
  Cycle saved_;
};

}  // namespace vtd
