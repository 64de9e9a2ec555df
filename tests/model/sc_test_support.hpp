// Every SystemC warning or error fails a model test: warnings throw, and a
// test ends by checking that none was reported.
#pragma once

#include <catch2/catch.hpp>
#include <systemc>

namespace vtd::test {

struct StrictSystemC {
  StrictSystemC() {
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DISPLAY | sc_core::SC_THROW);
    sc_core::sc_report_handler::set_actions(sc_core::SC_ERROR, sc_core::SC_DISPLAY | sc_core::SC_THROW);
  }
  ~StrictSystemC() {
    CHECK(sc_core::sc_report_handler::get_count(sc_core::SC_WARNING) == 0);
    CHECK(sc_core::sc_report_handler::get_count(sc_core::SC_ERROR) == 0);
  }
};

inline void run_until_idle() {
  sc_core::sc_start(sc_core::sc_time(1e6, sc_core::SC_NS), sc_core::SC_EXIT_ON_STARVATION);
}

}  // namespace vtd::test
