// Mapping between SystemC time and cycles: one cycle is one nanosecond of
// SystemC time (a nominal 1 GHz clock; only cycle counts are ever reported).
#pragma once

#include <systemc>

#include "base/types.hpp"

namespace vtd {

// SystemC time units (the resolution, 1 ps by default) in one cycle; read
// once. Integer arithmetic: converting through double costs more than
// everything else a cache hit does.
inline sc_core::sc_time::value_type ticks_per_cycle() {
  static const sc_core::sc_time::value_type t = sc_core::sc_time(1, sc_core::SC_NS).value();
  return t;
}
inline sc_core::sc_time cycles(Cycle n) {
  return n == 0 ? sc_core::SC_ZERO_TIME : sc_core::sc_time::from_value(n * ticks_per_cycle());
}
inline Cycle to_cycles(const sc_core::sc_time& t) {
  return static_cast<Cycle>(t.value() / ticks_per_cycle());
}
// Episodes: one elaboration runs many simulations one after another (sweeps);
// each episode counts cycles from 0, starting at SystemC time `base`.
class EpisodeClock {
 public:
  static Cycle absolute() { return static_cast<Cycle>(sc_core::sc_time_stamp().value() / ticks_per_cycle()); }
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
