// Mapping between SystemC time and cycles: one cycle is one nanosecond of
// SystemC time (a nominal 1 GHz clock; only cycle counts are ever reported).
#pragma once

#include <systemc>

#include "base/types.hpp"

namespace vtd {

inline sc_core::sc_time cycles(Cycle n) { return sc_core::sc_time(static_cast<double>(n), sc_core::SC_NS); }
// Episodes: one elaboration runs many simulations one after another (sweeps);
// each episode counts cycles from 0, starting at SystemC time `base`.
class EpisodeClock {
 public:
  static Cycle absolute() {
    static const sc_core::sc_time one(1, sc_core::SC_NS);
    return static_cast<Cycle>(sc_core::sc_time_stamp() / one);
  }
  // Start a new episode now: cycle 0 is the current SystemC time.
  static void restart() { base() = absolute(); }
  static Cycle& base() {
    static Cycle b = 0;
    return b;
  }
};

inline Cycle now_cycle() { return EpisodeClock::absolute() - EpisodeClock::base(); }

}  // namespace vtd
