// What a translation should have been: the same walkers the IOMMU uses, fed
// with the tables as software sees them (the coherent view, CPU caches
// included) at a given memory version, rebuilt from the store history. No
// caches, no timing. Checkers compare the IOMMU's results against it.
#pragma once

#include <map>
#include <optional>
#include <tuple>

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
  // Translation of a request as of memory version `version` (memoized).
  ReferenceResult translate(Rid rid, std::optional<u32> pasid, Addr iova, bool write, u64 version);
  // The version in force at the start of `cycle`'s... : number of stores visible at cycle.
  u64 version_at(Cycle cycle) const;

 private:
  const PhysicalMemory& mem_;
  IommuConfig cfg_;
  Addr rtaddr_;
  std::map<std::tuple<u16, long long, Addr, bool, u64>, ReferenceResult> memo_;
};

}  // namespace vtd
