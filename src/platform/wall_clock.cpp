#include "platform/wall_clock.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <systemc>
#include <thread>

#include "platform/wall_clock_stop.hpp"

namespace vtd {

namespace {

using clock_type = std::chrono::steady_clock;

// Never destroyed: the detached watchdog may still be waiting at exit.
struct State {
  std::mutex m;
  std::condition_variable cv;
  std::optional<clock_type::time_point> deadline;
  long long seconds = 0;
  WallClockStop* running = nullptr;  // the channel of the simulation running now, if any
};
State* state = new State;
std::atomic<bool> expired{false};

void watchdog(State* st) {
  std::unique_lock lock(st->m);
  // Spurious wake-ups: wait again until the deadline.
  while (clock_type::now() < *st->deadline) st->cv.wait_until(lock, *st->deadline);
  expired.store(true);
  if (st->running) st->running->stop();
}

}  // namespace

WallClockTimeout::WallClockTimeout(const std::string& where)
    : std::runtime_error("wall-clock timeout of " + std::to_string(state->seconds) + " s reached " + where) {}

void set_wall_clock_deadline(long long seconds) {
  std::lock_guard lock(state->m);
  if (state->deadline) throw std::logic_error("set_wall_clock_deadline: a deadline is already set");
  state->seconds = seconds;
  state->deadline = clock_type::now() + std::chrono::seconds(seconds);
  std::thread(watchdog, state).detach();
}

std::optional<clock_type::time_point> wall_clock_deadline() {
  std::lock_guard lock(state->m);
  return state->deadline;
}

bool wall_clock_expired() { return expired.load(std::memory_order_relaxed); }

void wall_clock_forget_after_fork() {
  // The old mutex may be held by the parent's watchdog, which is not here.
  state = new State;
}

// ---------------------------------------------------------------- the channel

void WallClockStop::update() { sc_core::sc_pause(); }

void WallClockStop::stop() { async_request_update(); }

WallClockStop::Running::Running(WallClockStop& c) {
  std::lock_guard lock(state->m);
  if (state->deadline) state->running = &c;
}

WallClockStop::Running::~Running() {
  std::lock_guard lock(state->m);
  state->running = nullptr;
}

}  // namespace vtd
