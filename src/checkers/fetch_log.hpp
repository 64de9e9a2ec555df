// The fetches of one watched entry, in order, stored as runs: a fetch alike
// the previous one but for its request and burst cycles (a DMA stream
// reading a settled entry) extends the run by one step instead of taking a
// record, and a run whose steps repeat a period keeps that period only.
// Lossless: every fetch reads back exactly as it was published, so what the
// rules and stories say is unchanged, and a long run's steady stream costs a
// period of steps per entry instead of one record per fetch. SystemC-free.
#pragma once

#include <cstddef>
#include <vector>

#include "checkers/run_log.hpp"
#include "events/events.hpp"

namespace vtd {

// A run: `first`, then n - 1 fetches alike it but for their request and
// burst cycles, each step from the previous one adding steps[i % period]
// (a DMA stream admitted by walkers that free up in a repeating pattern
// repeats a period of steps; a stream every cycle, one step). Sums modulo
// 2^64, exact either way.
struct FetchStep {
  u64 request = 0, cycle = 0;
  bool operator==(const FetchStep&) const = default;
};
struct FetchRun {
  FetchEvent first;
  std::size_t n = 1;
  std::vector<FetchStep> steps;  // while learning: every step so far; once locked: one period
  std::vector<FetchStep> sums;   // sums[i] = steps[0] + ... + steps[i - 1], i <= steps.size()
  std::vector<u32> border;       // while learning: KMP prefix function of `steps`
  FetchStep total;               // from `first` to the last fetch
  bool locked = false;
  FetchEvent at(std::size_t k) const;
};

class FetchLog : public RunLog<FetchRun, FetchEvent> {
 public:
  using Step = FetchStep;
  using Run = FetchRun;
  // Appends `e`; true when it extended the last run.
  bool push_back(const FetchEvent& e);

  // A run learns its steps up to this many; it locks on their smallest period
  // once that period has been seen twice (and at least kLockAfter steps), or
  // ends at kMaxLearn steps if none has.
  static constexpr std::size_t kLockAfter = 256;
  static constexpr std::size_t kMaxLearn = 8192;
};

}  // namespace vtd
