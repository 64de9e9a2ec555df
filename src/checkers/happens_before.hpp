// Happens-before between CPU operations, from what each load read.
//
// Program order orders one CPU's operations. On x86 every load is an
// acquire and every store a release, so a load that read a store made by
// another CPU orders that CPU's operations up to the store before the load
// (a spin_lock's cmpxchg reading the previous holder's unlock; a flag). A
// load that read the status write of a wait descriptor orders the CPU
// operation that rang that descriptor's doorbell before the load: the
// queue completes a wait only after everything published before it.
// Nothing else orders two CPUs; cycle numbers never do. SystemC-free.
#pragma once

#include <vector>

#include "checkers/sync_log.hpp"

namespace vtd {

class HappensBefore {
 public:
  // `history`: every store of the episode, in seq order.
  void build(const SyncLog& log, const std::vector<StoreEvent>& history);
  // Whether CPU operation a happens before CPU operation b (a != b). An
  // operation of no CPU (the IOMMU's, or unknown) is ordered with nothing.
  bool ordered(const Writer& a, const Writer& b) const;
  // ordered, or the same operation.
  bool ordered_or_same(const Writer& a, const Writer& b) const {
    return (a.cpu == b.cpu && a.op == b.op && a.op != Writer::kNone) || ordered(a, b);
  }

 private:
  static bool is_cpu_op(const Writer& w) { return w.cpu != Writer::kIommu && w.op != Writer::kNone; }
  // Per CPU: the operations that learned of another CPU's, in op order.
  struct Acquire {
    u32 op = 0;
    Writer from;  // the other CPU's operation it is ordered after
  };
  using Clock = std::vector<u64>;  // per CPU: 1 + the latest op known to happen before (0: none)
  // The clock of op `op` of `cpu`: what happens before it (exclusive of itself).
  const Clock& clock_before(u16 cpu, u32 op) const;
  const Clock& prefix(u16 cpu, std::size_t k) const;

  std::size_t ncpus_ = 0;
  std::vector<std::vector<Acquire>> acquires_;
  // prefix_[cpu][k]: the join of the clocks of acquires 0..k (each including its source).
  mutable std::vector<std::vector<Clock>> prefix_;
  mutable std::vector<std::vector<char>> state_;  // 0 not computed, 1 computing, 2 done
  Clock none_;
};

}  // namespace vtd
