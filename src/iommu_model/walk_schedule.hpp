// When each outstanding page walk takes its next step: a timing wheel of
// kSlots cycles (walk latencies are a few cycles to a few hundred), with a
// heap for anything further out. A cycle's due walks come out in admission
// order (`seq`), so same-cycle burst samples are deterministic. Costs O(1)
// per step where a heap of 64 walks cost a dozen comparisons and moves.
#pragma once

#include <algorithm>
#include <array>
#include <functional>
#include <vector>

#include "base/types.hpp"

namespace vtd {

template <typename T>
class WalkSchedule {
 public:
  struct Due {
    Cycle next;
    u64 seq;
    T* item;
    bool operator>(const Due& o) const { return next != o.next ? next > o.next : seq > o.seq; }
  };
  static constexpr Cycle kSlots = 256;

  void clear() {
    for (auto& s : slots_) s.clear();
    far_.clear();
    in_slots_ = 0;
    cur_ = 0;
  }
  bool empty() const { return in_slots_ == 0 && far_.empty(); }

  // Schedule `item` for cycle `next` (>= the cycle being processed).
  void push(Cycle next, u64 seq, T* item) {
    if (next - cur_ < kSlots) {
      slots_[next % kSlots].push_back(Due{next, seq, item});
      ++in_slots_;
    } else {
      far_.push_back(Due{next, seq, item});
      std::push_heap(far_.begin(), far_.end(), std::greater<>{});
    }
  }

  // Moves the items due at cycle `at` (no earlier item may remain) into
  // `out`, in admission order. Cycles are taken in increasing order.
  void take(Cycle at, std::vector<Due>& out) {
    out.clear();
    cur_ = at;
    auto& slot = slots_[at % kSlots];
    // Every item in a slot is due at that slot's cycle: it was pushed at
    // most kSlots - 1 cycles ahead of a cycle no later than `at`.
    out.swap(slot);
    in_slots_ -= out.size();
    while (!far_.empty() && far_.front().next == at) {
      std::pop_heap(far_.begin(), far_.end(), std::greater<>{});
      out.push_back(far_.back());
      far_.pop_back();
    }
    // Usually already in order (walks are pushed while stepped in admission
    // order, then new admissions): check before sorting.
    const auto by_seq = [](const Due& a, const Due& b) { return a.seq < b.seq; };
    if (out.size() > 1 && !std::is_sorted(out.begin(), out.end(), by_seq))
      std::sort(out.begin(), out.end(), by_seq);
  }

  // The earliest cycle with an item, or ~0.
  Cycle next() const {
    Cycle t = far_.empty() ? ~Cycle{0} : far_.front().next;
    if (in_slots_ == 0) return t;
    for (Cycle c = cur_; c < cur_ + kSlots && c < t; ++c)
      if (!slots_[c % kSlots].empty()) return c;
    return t;
  }

 private:
  std::array<std::vector<Due>, kSlots> slots_;
  std::vector<Due> far_;  // min-heap by (next, seq)
  std::size_t in_slots_ = 0;
  Cycle cur_ = 0;  // the last cycle taken: every item is due at or after it
};

}  // namespace vtd
