// The SystemC side of --timeout (platform/wall_clock.hpp): a primitive
// channel the watchdog thread asks, thread-safely, for an update; the update
// pauses the simulation at the end of the current delta cycle.
#pragma once

#include <systemc>

namespace vtd {

class WallClockStop : public sc_core::sc_prim_channel {
 public:
  WallClockStop() : sc_core::sc_prim_channel(sc_core::sc_gen_unique_name("wall_clock_stop")) {}
  // From any thread.
  void stop();
  // While one exists, the watchdog stops this channel's simulation.
  class Running {
   public:
    explicit Running(WallClockStop& c);
    ~Running();
    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;
  };

 private:
  void update() override;
};

}  // namespace vtd
