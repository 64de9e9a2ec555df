// The store history of the watched table entries, reconstructed from the
// event stream alone: the value each entry held at any memory version, and
// the update spans. SystemC-free.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "checkers/fetch_log.hpp"
#include "checkers/findings.hpp"

namespace vtd {

class EntryHistory : public Observer {
 public:
  // `keep_events`: also keep each recorded fetch's whole event (its bursts and
  // request), which only detailed findings show; a sweep's tally needs only
  // what Fetch holds.
  explicit EntryHistory(bool keep_events = true) : keep_events_(keep_events) {}

  // `initial`: each watched entry's value at memory version 0.
  void watch(const EntryId& id, const EntryBits& initial);
  // A new episode on the same watched entries (and initial values): what was
  // recorded is dropped, the storage and the index are kept.
  void restart(bool keep_events);

  Interests interests() const override { return overridden<EntryHistory>(); }
  void on_store(const StoreEvent& e) override;
  void on_fetch(const FetchEvent& e) override;

  // What the rules read of a fetch.
  struct Fetch {
    u64 lo = 0, hi = 0;  // the lowest and highest memory version its bursts saw
    EntryBits value;     // the value assembled
    // Consecutive fetches of the entry alike in all of the above: their
    // findings are alike too, so one record counts them. With keep_events,
    // the fetches of one record are one run of `events` (record r, run r).
    u64 count = 1;
  };
  struct Entry {
    EntryId id;
    EntryBits initial;
    std::vector<StoreEvent> stores;  // touching this entry, in seq order
    std::vector<Fetch> fetches;      // after its first store (earlier ones overlap no span)
    FetchLog events;                 // fetches' whole events, same order; empty unless keep_events
  };
  const std::vector<Entry>& entries() const { return entries_; }
  bool keeps_events() const { return keep_events_; }
  // Whether software has stored to any watched entry yet.
  bool stored() const { return stored_; }
  // The watched entry of this kind at `addr`, if any.
  const Entry* find(EntryKind kind, Addr addr) const;

  // Value of entry `e` as a read that saw exactly the stores with seq < version.
  static EntryBits value_at(const Entry& e, u64 version);
  // The value after each store to `e`, in order (value_at of seq + 1).
  static std::vector<EntryBits> states(const Entry& e);

 private:
  static constexpr u32 kNoEntry = ~u32{0};
  // Index in entries_ of the entry based at `addr`, or kNoEntry. Every fetch
  // asks (most are of unwatched paging entries): a hash probe, not a tree walk.
  u32 index_of(Addr addr) const {
    if (slots_.empty()) return kNoEntry;
    for (std::size_t i = slot_of(addr);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].addr == addr) return slots_[i].index;
      if (slots_[i].index == kNoEntry) return kNoEntry;
    }
  }
  std::size_t slot_of(Addr addr) const {
    return static_cast<std::size_t>(((addr >> 3) * 0x9e3779b97f4a7c15ull) >> shift_);
  }
  void record(Entry& en, const FetchEvent& e);
  void rehash();
  void place(Addr addr, u32 index);

  bool keep_events_;
  std::vector<Entry> entries_;
  struct Slot {
    Addr addr = 0;
    u32 index = kNoEntry;
  };
  std::vector<Slot> slots_;  // open addressing, power-of-two size, at most half full
  unsigned shift_ = 64;
  std::vector<std::pair<Addr, u32>> by_addr_;  // (entry base, index), sorted: stores find their entries
  Addr lowest_ = ~Addr{0}, highest_ = 0;
  bool stored_ = false;  // some watched entry has a store
};

}  // namespace vtd
