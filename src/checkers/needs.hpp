// Which invalidations cover a cached copy of a table entry: the rows of the
// VT-d "Guidance to Software for Invalidations" (spec 6.5.3.3) as Linux
// encodes them (vtd-facts §7.10). A Need names one cache that may hold a
// derivative of the old entry and the descriptors that drop it. SystemC-free.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "events/events.hpp"

namespace vtd {

class EntryHistory;

struct Need {
  enum class Cache : u8 { Context, Pasid, Iotlb, DeviceTlb };
  Cache cache = Cache::Context;
  EntryKind entry = EntryKind::Context;  // legacy (DID-tagged) or scalable context, or PASID entry
  Rid rid;
  u16 did = 0;
  u32 pasid = 0;
  // Iotlb: which descriptors drop the entries: PASID-based IOTLB for the
  // PASID (first-level, pass-through, nested), IOTLB global or
  // domain-selective for the DID (second-level, nested).
  bool piotlb = false;
  bool iotlb = false;

  // Whether the descriptor (qw0..qw3 as fetched) drops what this need names.
  bool covered_by(const std::array<u64, 4>& qw) const;
  // "PASID-cache (PC for DID 3 PASID 0)"
  std::string name() const;
  bool operator==(const Need&) const = default;
};

// The entry kinds hardware caches and software hands over with the
// ownership handshake: context entries (legacy and scalable) and PASID entries.
inline bool handshake_applies(EntryKind k) {
  return k == EntryKind::Context || k == EntryKind::SmContext || k == EntryKind::Pasid;
}

// What a change of entry `id` from its present value `old` requires,
// following the row of §7.10 for the change:
// - `in_place`: the entry stays present and fields other than P change
//   (intel_pasid_flush_present: for a PASID entry PC and P_IOTLB, or IOTLB
//   domain-selective for second-level and nested);
// - otherwise P is cleared (the ownership handshake: PC and P_IOTLB or
//   IOTLB by PGTT; context-cache and IOTLB for a legacy context entry; for a
//   scalable context entry, PC and IOTLB for every PASID entry of the device
//   present at `version`).
// The device-TLB joins when ATS is on for the device (TT = device-TLB, DTE).
std::vector<Need> needs_for(const EntryId& id, const EntryBits& old, bool in_place, const EntryHistory& h,
                            u64 version);

// Adds each of `more` not yet in `to`.
void add_needs(std::vector<Need>& to, const std::vector<Need>& more);

}  // namespace vtd
