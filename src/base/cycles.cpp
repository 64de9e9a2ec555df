#include "base/cycles.hpp"

#include <stdexcept>

namespace vtd {

void check_time_resolution() {
  if (sc_core::sc_time(1, sc_core::SC_NS).value() != kTicksPerCycle)
    throw std::logic_error("SystemC's time resolution is not 1 ps: cycle conversions would be wrong");
}

}  // namespace vtd
