// When each outstanding page walk takes its next step: a timing wheel of
// kSlots cycles (walk latencies are a few cycles to a few hundred), with a
// heap for anything further out. A cycle's due walks come out in admission
// order (`seq`), so same-cycle burst samples are deterministic.
//
// Each slot is an intrusive list threaded through the items (T has `T* link`
// and `u64 seq`), kept in seq order as items are pushed: walks are pushed
// while stepped in admission order, then new admissions, so a push nearly
// always appends. Taking a cycle detaches its list in O(1) (no records, no
// copying, no sort), and a bitmap of non-empty slots finds the next due cycle.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <functional>
#include <vector>

#include "base/types.hpp"

namespace vtd {

template <typename T>
class WalkSchedule {
 public:
  static constexpr Cycle kSlots = 256;

  void clear() {
    slots_.fill(Slot{});
    used_.fill(0);
    far_.clear();
    cur_ = 0;
  }
  bool empty() const { return far_.empty() && !(used_[0] | used_[1] | used_[2] | used_[3]); }

  // Schedule `item` (its `seq` set) for cycle `next` (>= the cycle being processed).
  void push(Cycle next, T* item) {
    if (next - cur_ < kSlots) {
      insert(static_cast<unsigned>(next % kSlots), item);
    } else {
      far_.push_back(Far{next, item->seq, item});
      std::push_heap(far_.begin(), far_.end(), std::greater<>{});
    }
  }

  // Detaches the items due at cycle `at` (no earlier item may remain) and
  // returns the first, in admission order, linked by `link` (read it before
  // pushing the item again). Cycles are taken in increasing order; items
  // pushed for `at` after this come out at the next take(at).
  T* take(Cycle at) {
    cur_ = at;
    const auto s = static_cast<unsigned>(at % kSlots);
    // Every item in a slot is due at that slot's cycle: it was pushed at
    // most kSlots - 1 cycles ahead of a cycle no later than `at`.
    while (!far_.empty() && far_.front().next == at) {
      std::pop_heap(far_.begin(), far_.end(), std::greater<>{});
      insert(s, far_.back().item);
      far_.pop_back();
    }
    T* head = slots_[s].head;
    slots_[s] = Slot{};
    used_[s / 64] &= ~(u64{1} << (s % 64));
    return head;
  }

  // The earliest cycle with an item, or ~0.
  Cycle next() const {
    const Cycle t = far_.empty() ? ~Cycle{0} : far_.front().next;
    const auto base = static_cast<unsigned>(cur_ % kSlots);
    // Slots from base's onwards, wrapping round to the part of base's word before it.
    for (unsigned i = 0; i <= kWords; ++i) {
      const unsigned w = (base / 64 + i) % kWords;
      u64 bits = used_[w];
      if (i == 0)
        bits &= ~u64{0} << (base % 64);
      else if (i == kWords)
        bits &= ~(~u64{0} << (base % 64));
      if (bits) {
        const unsigned slot = w * 64 + static_cast<unsigned>(std::countr_zero(bits));
        return std::min(t, cur_ + (slot - base) % kSlots);
      }
    }
    return t;
  }

 private:
  struct Slot {
    T* head = nullptr;
    T* tail = nullptr;
  };
  struct Far {
    Cycle next;
    u64 seq;
    T* item;
    bool operator>(const Far& o) const { return next != o.next ? next > o.next : seq > o.seq; }
  };
  static constexpr unsigned kWords = kSlots / 64;
  static_assert(kWords == 4, "empty() reads four words");

  void insert(unsigned s, T* item) {
    Slot& slot = slots_[s];
    item->link = nullptr;
    if (!slot.head) {
      slot.head = slot.tail = item;
      used_[s / 64] |= u64{1} << (s % 64);
    } else if (slot.tail->seq < item->seq) {
      slot.tail->link = item;
      slot.tail = item;
    } else {  // rare: an earlier admission pushed later; the tail stays
      T** p = &slot.head;
      while ((*p)->seq < item->seq) p = &(*p)->link;
      item->link = *p;
      *p = item;
    }
  }

  std::array<Slot, kSlots> slots_{};
  std::array<u64, kWords> used_{};  // bit s: slot s is not empty
  std::vector<Far> far_;            // min-heap by (next, seq)
  Cycle cur_ = 0;                   // the last cycle taken: every item is due at or after it
};

}  // namespace vtd
