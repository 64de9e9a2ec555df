// --timeout: a wall-clock deadline for the whole command. A watchdog thread
// sleeps until it; then a running simulation is paused through a SystemC
// asynchronous update (no check in any model's loop, nothing per cycle) and
// Simulator::run throws WallClockTimeout. Sweeps also kill their workers at
// the deadline (src/sweep/sweep.cpp).
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace vtd {

// what(): "wall-clock timeout of N s reached at cycle C" (or "after K of M
// interleavings"); the command line prefixes "vtdsim: " and exits 3.
class WallClockTimeout : public std::runtime_error {
 public:
  explicit WallClockTimeout(const std::string& where);
};

// Starts the watchdog: the deadline is `seconds` from now. Once per process.
void set_wall_clock_deadline(long long seconds);
// The deadline, if one is set in this process.
std::optional<std::chrono::steady_clock::time_point> wall_clock_deadline();
// True once the deadline has passed (set by the watchdog).
bool wall_clock_expired();
// In a forked child: forget the deadline (the watchdog thread is not
// inherited; the parent enforces the deadline by killing the child).
void wall_clock_forget_after_fork();

}  // namespace vtd
