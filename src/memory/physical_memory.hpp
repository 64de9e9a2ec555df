// Sparse physical memory with the history of every store. SystemC-free: the
// MemoryModule wraps it for time. Stores are posted with the cycle at which
// they become visible (the CPU's store buffer decides it) and applied in
// (cycle, posting order); any access at cycle t first applies every store
// visible at or before t, so "a store visible at t is seen by a read at t"
// holds whatever order SystemC runs processes in.
#pragma once

#include <array>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "base/types.hpp"
#include "events/events.hpp"

namespace vtd {

class PhysicalMemory {
 public:
  explicit PhysicalMemory(const EventBus* bus = nullptr) : bus_(bus) {}

  // Initial contents (tables built before the simulation): no history.
  void poke64(Addr addr, u64 value);

  struct PendingStore {
    Cycle visible_at = 0;
    Writer writer;
    Addr addr = 0;
    u8 words = 1;                // 1: 64-bit store, 2: 128-bit atomic store
    std::array<u64, 2> clear{};  // bits replaced...
    std::array<u64, 2> set{};    // ...by these (a plain store clears all bits)
  };
  // Queue a store; it is applied when time reaches visible_at.
  void post(const PendingStore& s);
  // Apply every posted store visible at or before `now`.
  void advance_to(Cycle now);
  bool has_pending() const { return !pending_.empty(); }
  Cycle next_pending() const { return pending_.front().visible_at; }

  // Reads at cycle `now` (after applying what is due).
  u64 read64(Addr addr, Cycle now) {
    advance_to(now);
    return peek64(addr);
  }
  Burst read_burst(Addr addr16, Cycle now);

  // Current contents, without applying anything.
  u64 peek64(Addr addr) const;

  // History.
  const std::vector<StoreEvent>& history() const { return history_; }
  u64 version() const { return history_.size(); }
  // Value of the 64-bit word at `addr` as seen by a read that saw exactly the
  // stores with seq < version.
  u64 value_at(Addr addr, u64 version) const;

  void reset();

 private:
  using Page = std::array<u64, 512>;
  u64* word_ptr(Addr addr);
  const u64* find_word(Addr addr) const;
  void apply(const PendingStore& s);

  const EventBus* bus_;
  std::unordered_map<u64, std::unique_ptr<Page>> pages_;
  std::deque<PendingStore> pending_;  // sorted by visible_at, stable
  std::vector<StoreEvent> history_;
};

}  // namespace vtd
