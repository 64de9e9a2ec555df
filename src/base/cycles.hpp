// Mapping between SystemC time and cycles: one cycle is one nanosecond of
// SystemC time (a nominal 1 GHz clock; only cycle counts are ever reported).
#pragma once

#include <systemc>

#include "base/types.hpp"

namespace vtd {

inline sc_core::sc_time cycles(Cycle n) { return sc_core::sc_time(static_cast<double>(n), sc_core::SC_NS); }
inline Cycle now_cycle() {
  static const sc_core::sc_time one(1, sc_core::SC_NS);
  return static_cast<Cycle>(sc_core::sc_time_stamp() / one);
}

}  // namespace vtd
