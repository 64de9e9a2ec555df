#include "checkers/needs.hpp"

#include <algorithm>

#include "checkers/entry_history.hpp"
#include "formats/qi_descriptors.hpp"

namespace vtd {

namespace {

using namespace qi_fmt;

u64 field(const std::array<u64, 4>& qw, const Field& f) {
  return (qw[f.word()] & f.mask_in_word()) >> (f.lsb % 64);
}

bool sid_matches(u64 sid, u64 fm, Rid rid) {
  // FM masks function-number bits 2, 2:1, 2:0 (spec; as the caches do).
  const u64 mask = fm == 0 ? 0 : (fm == 1 ? 0x4 : fm == 2 ? 0x6 : 0x7);
  return (sid & ~mask) == (rid.value & ~mask);
}

}  // namespace

bool Need::covered_by(const std::array<u64, 4>& qw) const {
  const u64 type = field(qw, TYPE);
  switch (cache) {
    case Cache::Context: {
      if (type != TYPE_CC) return false;
      const u64 g = field(qw, cc::G);
      if (g == cc::G_GLOBAL) return true;
      // Scalable mode ignores the DID of a context-cache descriptor.
      const bool did_ok = entry == EntryKind::SmContext || field(qw, cc::DID) == did;
      if (g == cc::G_DOMAIN) return did_ok;
      return g == cc::G_DEVICE && did_ok && sid_matches(field(qw, cc::SID), field(qw, cc::FM), rid);
    }
    case Cache::Pasid: {
      if (type != TYPE_PC) return false;
      const u64 g = field(qw, pc::G);
      return g == pc::G_GLOBAL || (g == pc::G_DOMAIN && field(qw, pc::DID) == did) ||
             (g == pc::G_PASID && field(qw, pc::DID) == did && field(qw, pc::PASID) == pasid);
    }
    case Cache::Iotlb: {
      if (piotlb && type == TYPE_PIOTLB && field(qw, piotlb::DID) == did &&
          field(qw, piotlb::PASID) == pasid && field(qw, piotlb::G) == piotlb::G_PASID)
        return true;
      if (iotlb && type == TYPE_IOTLB) {
        const u64 g = field(qw, iotlb::G);
        return g == iotlb::G_GLOBAL || (g == iotlb::G_DOMAIN && field(qw, iotlb::DID) == did);
      }
      return false;
    }
    case Cache::DeviceTlb: {
      if (entry == EntryKind::Pasid && pasid != 0)
        return type == TYPE_PDEVTLB && field(qw, pdevtlb::SID) == rid.value &&
               field(qw, pdevtlb::PASID) == pasid;
      return (type == TYPE_DEVTLB && field(qw, devtlb::SID) == rid.value) ||
             (entry == EntryKind::SmContext && type == TYPE_PDEVTLB && field(qw, pdevtlb::SID) == rid.value);
    }
  }
  return false;
}

std::string Need::name() const {
  const std::string d = std::to_string(did), p = std::to_string(pasid);
  switch (cache) {
    case Cache::Context:
      return entry == EntryKind::SmContext ? "context-cache (CC for " + to_string(rid) + ")"
                                           : "context-cache (CC global/domain/device for DID " + d + ")";
    case Cache::Pasid: return "PASID-cache (PC for DID " + d + " PASID " + p + ")";
    case Cache::Iotlb:
      return std::string("IOTLB (") + (piotlb ? "P_IOTLB for PASID " + p : "") +
             (piotlb && iotlb ? " or " : "") + (iotlb ? "IOTLB DSI/global" : "") + " for DID " + d + ")";
    case Cache::DeviceTlb:
      if (entry == EntryKind::Pasid && pasid != 0)
        return "device-TLB (type 8 for " + to_string(rid) + " PASID " + p + ")";
      return "device-TLB (type 3" + std::string(entry == EntryKind::SmContext ? " or 8" : "") + " for " +
             to_string(rid) + ")";
  }
  return "?";
}

void add_needs(std::vector<Need>& to, const std::vector<Need>& more) {
  for (const Need& n : more)
    if (std::find(to.begin(), to.end(), n) == to.end()) to.push_back(n);
}

namespace {

// The PASID entry's own needs (old: its present value).
void pasid_needs(std::vector<Need>& out, Rid rid, u32 pasid, const EntryBits& old, bool in_place, bool ats) {
  using namespace pasid_fmt;
  const u16 did = static_cast<u16>(DID.get(old));
  const u64 pgtt = PGTT.get(old);
  const bool fl = pgtt == PGTT_FL || pgtt == PGTT_PT || pgtt == PGTT_NESTED;
  const bool sl = pgtt == PGTT_SL || pgtt == PGTT_NESTED;
  Need pc{Need::Cache::Pasid, EntryKind::Pasid, rid, did, pasid};
  out.push_back(pc);
  Need tlb{Need::Cache::Iotlb, EntryKind::Pasid, rid, did, pasid};
  // In place (intel_pasid_flush_present) Linux issues P_IOTLB whatever the
  // PGTT; a domain-selective IOTLB flush, as for SSADE, is accepted too.
  tlb.piotlb = in_place || fl;
  tlb.iotlb = sl;
  out.push_back(tlb);
  if (ats) out.push_back(Need{Need::Cache::DeviceTlb, EntryKind::Pasid, rid, did, pasid});
}

}  // namespace

std::vector<Need> needs_for(const EntryId& id, const EntryBits& old, bool in_place, const EntryHistory& h,
                            u64 version) {
  std::vector<Need> needs;
  needs.reserve(4);
  const Rid rid = id.rid;
  switch (id.kind) {
    case EntryKind::Context: {
      const u16 did = static_cast<u16>(ctx_fmt::DID.get(old));
      needs.push_back(Need{Need::Cache::Context, EntryKind::Context, rid, did, 0});
      Need tlb{Need::Cache::Iotlb, EntryKind::Context, rid, did, 0};
      tlb.iotlb = true;
      needs.push_back(tlb);
      if (ctx_fmt::TT.get(old) == ctx_fmt::TT_DEV_IOTLB)
        needs.push_back(Need{Need::Cache::DeviceTlb, EntryKind::Context, rid, did, 0});
      break;
    }
    case EntryKind::SmContext: {
      needs.push_back(Need{Need::Cache::Context, EntryKind::SmContext, rid, 0, 0});
      // Every PASID entry of the device present then may be cached, with
      // its translations: the removed 6.12 branch of
      // intel_context_flush_present (PC and IOTLB per DID).
      for (const auto& e : h.entries())
        if (e.id.kind == EntryKind::Pasid && e.id.rid == rid) {
          const EntryBits v = EntryHistory::value_at(e, version);
          if (pasid_fmt::P.get(v)) pasid_needs(needs, rid, e.id.pasid, v, false, false);
        }
      if (smctx_fmt::DTE.get(old))
        needs.push_back(Need{Need::Cache::DeviceTlb, EntryKind::SmContext, rid, 0, 0});
      break;
    }
    case EntryKind::Pasid: {
      // The device-TLB when the device's context entry enables it (DTE).
      bool ats = false;
      for (const auto& e : h.entries())
        if (e.id.kind == EntryKind::SmContext && e.id.rid == rid)
          ats = smctx_fmt::DTE.get(EntryHistory::value_at(e, version)) != 0;
      pasid_needs(needs, rid, id.pasid, old, in_place, ats);
      break;
    }
    default: break;
  }
  return needs;
}

}  // namespace vtd
