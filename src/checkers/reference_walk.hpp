// An independent reference translation: the VT-d table walk written straight
// from the formats (formats.hpp's field tables, vtd-facts.md; fault codes of
// fault_reasons.hpp), sharing no code with the IOMMU model's walkers,
// translator or caches. ReferenceTranslator (reference.cpp) replays the
// model's own walkers, so it cannot catch a walker bug; this walk can: the
// fuzz target's differential oracle (tests/fuzz/simulate.cpp) compares every
// DMA outcome of a run without concurrent table updates against it.
// Deliberately plain: one recursive function per structure, words read one at
// a time through a callback, no state between calls.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/types.hpp"

namespace vtd {

struct IommuConfig;

struct RefWalkConfig {
  bool scalable = false;
  std::vector<unsigned> sagaw{2, 3};  // supported AGAW codes (CAP.SAGAW)
  bool pass_through = true;           // ECAP.PT
  bool fl5lp = true;                  // CAP.FL5LP
};
RefWalkConfig ref_walk_config(const IommuConfig& cfg);

struct RefOutcome {
  bool fault = false;
  u8 reason = 0;  // VT-d fault reason when fault
  Addr pa = 0;    // translated address otherwise
  bool operator==(const RefOutcome&) const = default;
};
std::string to_string(const RefOutcome& o);  // "pa 0x80001000" / "fault 0x59"

// The 64-bit word of memory at an 8-byte aligned address.
using WordReader = std::function<u64(Addr)>;

// The outcome of an untranslated DMA request from `rid` (with a PASID
// prefix when `pasid` is set; scalable mode only) to `iova`, walking the
// tables at `rtaddr` as `read` returns them.
RefOutcome reference_walk(const RefWalkConfig& cfg, Addr rtaddr, const WordReader& read, Rid rid,
                          std::optional<u32> pasid, Addr iova, bool write);

}  // namespace vtd
