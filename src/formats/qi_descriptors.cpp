// Decoding of queued-invalidation descriptors: which encodings hardware
// accepts (QEMU's reserved masks, vtd-facts §5.2) and a one-line rendering.
#include "formats/qi_descriptors.hpp"

#include <sstream>

namespace vtd {

namespace {

using namespace qi_fmt;

DecodeResult& malformed(DecodeResult& r, u8 iqei, const std::string& reason) {
  r.iqei = iqei;
  r.reason = descriptor_type_name(r.desc.type) + ": " + reason;
  return r;
}

// Reserved-bit check of one word; returns the offending bits.
struct RsvdCheck {
  u64 bad = 0;
  unsigned word = 0;
};
RsvdCheck check_reserved(const std::array<u64, 4>& qw, u64 rsvd0, u64 rsvd1, bool dw256) {
  const u64 masks[4] = {rsvd0, rsvd1, dw256 ? ~0ull : 0, dw256 ? ~0ull : 0};
  for (unsigned i = 0; i < 4; ++i)
    if (qw[i] & masks[i]) return {qw[i] & masks[i], i};
  return {};
}

// Types only defined for 256-bit queues (QEMU rejects them with DW = 0).
bool needs_256(u64 type) {
  return type == TYPE_PIOTLB || type == TYPE_PC || type == TYPE_PDEVTLB || type == TYPE_PGRP;
}

}  // namespace

std::string descriptor_type_name(u64 type) {
  switch (type) {
    case TYPE_CC: return "CC";
    case TYPE_IOTLB: return "IOTLB";
    case TYPE_DEVTLB: return "DEVTLB";
    case TYPE_IEC: return "IEC";
    case TYPE_WAIT: return "WAIT";
    case TYPE_PIOTLB: return "PIOTLB";
    case TYPE_PC: return "PC";
    case TYPE_PDEVTLB: return "PDEVTLB";
    case TYPE_PGRP: return "PGRP";
    default: return "type " + hex(type);
  }
}

DecodeResult decode_descriptor(const std::array<u64, 4>& qw, bool dw256, const DecodeOptions& opt) {
  DecodeResult r;
  r.desc.qw = qw;
  r.desc.dw256 = dw256;
  if (!dw256) r.desc.qw[2] = r.desc.qw[3] = 0;  // not part of a 128-bit descriptor
  const Descriptor& d = r.desc;
  // The full type is TYPE_HI:TYPE; no defined type has the high bits set.
  r.desc.type = d.get(TYPE) | (d.get(TYPE_HI) << 4);
  const u64 t = d.type;

  u64 rsvd0 = 0, rsvd1 = 0;
  switch (t) {
    case TYPE_CC: rsvd0 = cc::RSVD0, rsvd1 = cc::RSVD1; break;
    case TYPE_IOTLB: rsvd0 = iotlb::RSVD0, rsvd1 = iotlb::RSVD1; break;
    case TYPE_DEVTLB:
      // Linux fills PFSID (§8.2) although QEMU's mask reserves it.
      rsvd0 = devtlb::RSVD0 & ~(devtlb::PFSID_LO.mask_in_word() | devtlb::PFSID_HI.mask_in_word());
      rsvd1 = devtlb::RSVD1;
      break;
    case TYPE_IEC: rsvd0 = iec::RSVD0, rsvd1 = iec::RSVD1; break;
    case TYPE_WAIT:
      rsvd0 = wait::RSVD0 | (opt.pds ? 0 : wait::PD.mask_in_word());
      rsvd1 = wait::RSVD1;
      break;
    case TYPE_PIOTLB: rsvd0 = piotlb::RSVD0, rsvd1 = piotlb::RSVD1; break;
    case TYPE_PC: rsvd0 = pc::RSVD0, rsvd1 = pc::RSVD1; break;
    case TYPE_PDEVTLB:
      rsvd0 = pdevtlb::RSVD0 & ~(pdevtlb::PFSID_LO.mask_in_word() | pdevtlb::PFSID_HI.mask_in_word());
      rsvd1 = pdevtlb::RSVD1;
      break;
    case TYPE_PGRP: rsvd0 = pgrp::RSVD0, rsvd1 = pgrp::RSVD1; break;
    default: return malformed(r, reg_fmt::IQEI_INVALID_TYPE, "unknown descriptor type");
  }
  if (needs_256(t) && !dw256)
    return malformed(r, reg_fmt::IQEI_INVALID_TYPE, "defined only for 256-bit descriptors (IQA.DW = 0)");
  // TYPE_HI is clear here, so the masks' bits 11:9 never fire for it.
  if (const RsvdCheck c = check_reserved(r.desc.qw, rsvd0, rsvd1, dw256); c.bad)
    return malformed(r, reg_fmt::IQEI_RESERVED,
                     "reserved bits " + hex(c.bad) + " set in qw" + std::to_string(c.word));

  auto bad_granularity = [&](u64 g) {
    return malformed(r, reg_fmt::IQEI_RESERVED, "reserved granularity " + std::to_string(g));
  };
  auto bad_am = [&](u64 am) {
    return malformed(r, reg_fmt::IQEI_RESERVED,
                     "AM " + std::to_string(am) + " above CAP.MAMV " + std::to_string(opt.mamv));
  };
  switch (t) {
    case TYPE_CC:
      if (d.get(cc::G) == 0) return bad_granularity(0);
      break;
    case TYPE_IOTLB:
      if (d.get(iotlb::G) == 0) return bad_granularity(0);
      if (d.get(iotlb::G) == iotlb::G_PAGE && d.get(iotlb::AM) > opt.mamv) return bad_am(d.get(iotlb::AM));
      break;
    case TYPE_PIOTLB: {
      const u64 g = d.get(piotlb::G);
      if (g != piotlb::G_PASID && g != piotlb::G_PAGE) return bad_granularity(g);
      if (g == piotlb::G_PAGE && d.get(piotlb::AM) > opt.mamv) return bad_am(d.get(piotlb::AM));
      break;
    }
    case TYPE_PC: {
      const u64 g = d.get(pc::G);
      if (g != pc::G_DOMAIN && g != pc::G_PASID && g != pc::G_GLOBAL) return bad_granularity(g);
      break;
    }
    default: break;
  }
  return r;
}

std::string describe(const Descriptor& d) {
  std::ostringstream o;
  auto rid = [](u64 v) { return to_string(Rid{static_cast<u16>(v)}); };
  switch (d.type) {
    case TYPE_CC:
      switch (d.get(cc::G)) {
        case cc::G_GLOBAL: o << "CC-global"; break;
        case cc::G_DOMAIN: o << "CC-domain(did=" << d.get(cc::DID) << ")"; break;
        default:
          o << "CC-device(did=" << d.get(cc::DID) << " sid=" << rid(d.get(cc::SID)) << " fm=" << d.get(cc::FM)
            << ")";
      }
      break;
    case TYPE_IOTLB:
      switch (d.get(iotlb::G)) {
        case iotlb::G_GLOBAL: o << "IOTLB-global"; break;
        case iotlb::G_DOMAIN: o << "IOTLB-domain(did=" << d.get(iotlb::DID) << ")"; break;
        default:
          o << "IOTLB-page(did=" << d.get(iotlb::DID) << " addr=" << hex(d.get(iotlb::ADDR) << 12)
            << " am=" << d.get(iotlb::AM) << " ih=" << d.get(iotlb::IH) << ")";
      }
      break;
    case TYPE_DEVTLB:
      o << "DEVTLB(sid=" << rid(d.get(devtlb::SID)) << " addr=" << hex(d.get(devtlb::ADDR) << 12)
        << " s=" << d.get(devtlb::S) << ")";
      break;
    case TYPE_IEC:
      if (d.get(iec::G) == 0)
        o << "IEC-global";
      else
        o << "IEC-index(iidx=" << d.get(iec::IIDX) << " im=" << d.get(iec::IM) << ")";
      break;
    case TYPE_WAIT:
      o << "WAIT(sw=" << d.get(wait::SW) << " if=" << d.get(wait::IF) << " fn=" << d.get(wait::FN)
        << " data=" << hex(d.get(wait::STATUS_DATA)) << " addr=" << hex(d.get(wait::STATUS_ADDR) << 2) << ")";
      break;
    case TYPE_PIOTLB:
      if (d.get(piotlb::G) == piotlb::G_PASID)
        o << "PIOTLB-pasid(did=" << d.get(piotlb::DID) << " pasid=" << d.get(piotlb::PASID) << ")";
      else
        o << "PIOTLB-page(did=" << d.get(piotlb::DID) << " pasid=" << d.get(piotlb::PASID)
          << " addr=" << hex(d.get(piotlb::ADDR) << 12) << " am=" << d.get(piotlb::AM)
          << " ih=" << d.get(piotlb::IH) << ")";
      break;
    case TYPE_PC:
      switch (d.get(pc::G)) {
        case pc::G_GLOBAL: o << "PC-global"; break;
        case pc::G_DOMAIN: o << "PC-domain(did=" << d.get(pc::DID) << ")"; break;
        default: o << "PC-pasid(did=" << d.get(pc::DID) << " pasid=" << d.get(pc::PASID) << ")";
      }
      break;
    case TYPE_PDEVTLB:
      o << "PDEVTLB(sid=" << rid(d.get(pdevtlb::SID)) << " pasid=" << d.get(pdevtlb::PASID)
        << " addr=" << hex(d.get(pdevtlb::ADDR) << 12) << " s=" << d.get(pdevtlb::S)
        << " g=" << d.get(pdevtlb::G) << ")";
      break;
    case TYPE_PGRP:
      o << "PGRP(rid=" << rid(d.get(pgrp::RID)) << " pasid=" << d.get(pgrp::PASID)
        << " resp=" << d.get(pgrp::RESP) << ")";
      break;
    default: o << descriptor_type_name(d.type) << "(qw0=" << hex(d.qw[0]) << " qw1=" << hex(d.qw[1]) << ")";
  }
  return o.str();
}

}  // namespace vtd
