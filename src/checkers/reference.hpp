// What a translation should have been: the same walkers the IOMMU uses, fed
// with the tables as software sees them (the coherent view, CPU caches
// included) at a given memory version, rebuilt from the store history. No
// caches, no timing. Checkers compare the IOMMU's results against it.
#pragma once

#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "memory/physical_memory.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

struct ReferenceResult {
  bool fault = false;
  u8 reason = 0;
  Addr pa = 0;
  bool operator==(const ReferenceResult&) const = default;
};

class ReferenceTranslator {
 public:
  ReferenceTranslator(const PhysicalMemory& mem, const IommuConfig& cfg, Addr rtaddr);
  // As newly made for a new episode (same memory, reset to the same initial
  // tables), keeping the storage and, while the walk's configuration is the
  // same, the translations at version 0 (the initial tables).
  void reset(const IommuConfig& cfg, Addr rtaddr);
  // Translation of a request as of memory version `version` (memoized).
  ReferenceResult translate(Rid rid, std::optional<u32> pasid, Addr iova, bool write, u64 version);
  // The version in force at the start of `cycle`'s... : number of stores visible at cycle.
  u64 version_at(Cycle cycle) const;

 private:
  // The 64-bit word at `addr` as of `version` (PhysicalMemory::value_at,
  // through `words_`).
  u64 word_at(Addr addr, u64 version);
  template <typename Walker>
  void run(Walker& w, u64 version);

  const PhysicalMemory& mem_;
  IommuConfig cfg_;
  Addr rtaddr_;
  std::map<std::tuple<u16, long long, Addr, bool, u64>, ReferenceResult> memo_;
  std::map<std::tuple<u16, long long, Addr, bool>, ReferenceResult> initial_;  // version 0, across episodes
  // Every word a store replaced: (address, history index, old value), sorted;
  // covers the first `indexed_` stores of the history.
  struct Replaced {
    Addr addr;
    u64 index;
    u64 old;
    bool operator<(const Replaced& o) const { return addr != o.addr ? addr < o.addr : index < o.index; }
  };
  std::vector<Replaced> words_;
  std::size_t indexed_ = 0;
};

}  // namespace vtd
