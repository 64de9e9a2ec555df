// What software read while another CPU wrote, and who waited for which lock.
// The checkers judge what the IOMMU fetched; a reader on a CPU (debugfs
// walking the tables) can be torn too, and that is what iommu->lock is for
// (seed 000, Baolu 2026-01-16). This observer reports it, with no verdict
// kind: a mixed read is shown in the run's output, not counted in `expect:`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "events/events.hpp"
#include "memory/physical_memory.hpp"

namespace vtd {

struct LoadSeen {
  Cycle cycle = 0;
  Addr addr = 0;
  u64 value = 0;
  u64 version = 0;
  bool forwarded = false;
  std::string label;  // the source-level read: "print_tbl_walk: pasid_tbl_entry->val[2]"
  std::string
      where;  // the watched entry and word it lies in ("pasid[00:02.0 pasid 0]@0x107000 word 2"), or ""
};

// The loads of one program item that stored to none of the words it loaded:
// a reader. It is one snapshot when a single memory version, between the
// versions its first and last loads saw, holds every word it read: the reads
// could have been one atomic copy. Otherwise it is mixed: a torn software
// read, part of the words from before a store and part from after.
struct ReadSnapshot {
  u16 cpu = 0;
  u32 item = 0;
  std::string operation;  // the program item's name
  std::vector<LoadSeen> loads;
  bool consistent = true;
  u64 version = 0;  // consistent: the earliest version holding every word read
  // Stores between the first and the last load's versions that changed a
  // word read (some loads saw them, earlier ones did not): seq, cycle, writer.
  struct Change {
    u64 seq = 0;
    Cycle cycle = 0;
    Writer writer;
    Addr addr = 0;
  };
  std::vector<Change> changes;
};

// One acquisition of a spinlock word: when the CPU first tried (`requested`),
// when its locked cmpxchg succeeded, and when the unlock became visible.
struct LockHold {
  std::string lock;  // "iommu->lock"
  Addr addr = 0;
  u16 cpu = 0;
  u32 item = 0;
  std::string operation;
  Cycle requested = 0;
  Cycle acquired = 0;
  std::optional<Cycle> released;
  // Another CPU held the lock when this one asked for it: that CPU. (A wait
  // for the own store buffer to drain, which every locked cmpxchg does, is
  // not contention.)
  std::optional<u16> blocked_by;
  Cycle waited() const { return acquired - requested; }
};

class SoftwareReads : public Observer {
 public:
  // `locks`: the lock words to follow, with their names.
  explicit SoftwareReads(std::vector<std::pair<Addr, std::string>> locks = {}) : locks_(std::move(locks)) {}

  Interests interests() const override { return overridden<SoftwareReads>(); }
  void on_load(const LoadEvent& e) override;
  void on_store(const StoreEvent& e) override;
  void on_cpu_op(const CpuOpEvent& e) override;
  void on_item(const ItemEvent& e) override;

  // After the run. `mem`: the memory the run stored to (its history says
  // what each word held at each version); `watched`: entries to name words by.
  std::vector<ReadSnapshot> snapshots(const PhysicalMemory& mem, const std::vector<EntryId>& watched) const;
  std::vector<LockHold> lock_holds() const;

 private:
  using Key = std::pair<u16, u32>;  // (cpu, item) or (cpu, emitted op)
  std::string item_name(u16 cpu, u32 item) const;

  std::vector<std::pair<Addr, std::string>> locks_;
  std::map<Key, std::vector<LoadSeen>> loads_;  // by (cpu, item), in time order
  std::map<Key, std::vector<Addr>> stored_;     // words each (cpu, item) stored to
  std::map<Key, std::string> names_;            // (cpu, item) -> name
  std::vector<LockHold> holds_;
  std::map<Key, std::size_t> awaiting_start_;  // (cpu, op) of an acquisition -> holds_ index
};

}  // namespace vtd
