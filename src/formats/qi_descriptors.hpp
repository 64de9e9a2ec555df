// Queued-invalidation descriptors (vtd-facts §5.2) as field tables over the
// 128- or 256-bit descriptor, plus the register offsets of §5.1. The driver
// encodes with these tables and the IOMMU decodes with them.
#pragma once

#include <array>
#include <string>

#include "formats/bits.hpp"

namespace vtd {

namespace qi_fmt {
// Common to every descriptor: the type (qw0 bits 3:0) and the high type bits
// (qw0 11:9) that Linux never sets.
inline constexpr Field TYPE{"TYPE", 0, 4};
inline constexpr Field TYPE_HI{"TYPE_HI", 9, 3};

inline constexpr u64 TYPE_CC = 0x1;
inline constexpr u64 TYPE_IOTLB = 0x2;
inline constexpr u64 TYPE_DEVTLB = 0x3;
inline constexpr u64 TYPE_IEC = 0x4;
inline constexpr u64 TYPE_WAIT = 0x5;
inline constexpr u64 TYPE_PIOTLB = 0x6;
inline constexpr u64 TYPE_PC = 0x7;
inline constexpr u64 TYPE_PDEVTLB = 0x8;

// 0x1 context-cache invalidate
namespace cc {
inline constexpr Field G{"G", 4, 2};  // 1 global, 2 domain, 3 device
inline constexpr Field DID{"DID", 16, 16};
inline constexpr Field SID{"SID", 32, 16};
inline constexpr Field FM{"FM", 48, 2};
inline constexpr u64 G_GLOBAL = 1, G_DOMAIN = 2, G_DEVICE = 3;
}  // namespace cc

// 0x2 IOTLB invalidate
namespace iotlb {
inline constexpr Field G{"G", 4, 2};  // 1 global, 2 domain (DSI), 3 page (PSI)
inline constexpr Field DW{"DW", 6, 1};
inline constexpr Field DR{"DR", 7, 1};
inline constexpr Field DID{"DID", 16, 16};
inline constexpr Field AM{"AM", 64, 6};
inline constexpr Field IH{"IH", 70, 1};
inline constexpr Field ADDR{"ADDR", 76, 52};
inline constexpr u64 G_GLOBAL = 1, G_DOMAIN = 2, G_PAGE = 3;
}  // namespace iotlb

// 0x3 device-TLB invalidate
namespace devtlb {
inline constexpr Field PFSID_LO{"PFSID_LO", 12, 4};
inline constexpr Field QDEP{"QDEP", 16, 5};
inline constexpr Field SID{"SID", 32, 16};
inline constexpr Field PFSID_HI{"PFSID_HI", 52, 12};
inline constexpr Field S{"S", 64, 1};
inline constexpr Field ADDR{"ADDR", 76, 52};
}  // namespace devtlb

// 0x5 invalidation wait
namespace wait {
inline constexpr Field IF{"IF", 4, 1};
inline constexpr Field SW{"SW", 5, 1};
inline constexpr Field FN{"FN", 6, 1};
inline constexpr Field PD{"PD", 7, 1};
inline constexpr Field STATUS_DATA{"STATUS_DATA", 32, 32};
inline constexpr Field STATUS_ADDR{"STATUS_ADDR", 66, 62};  // address bits 63:2
}  // namespace wait

// 0x6 PASID-based IOTLB invalidate
namespace piotlb {
inline constexpr Field G{"G", 4, 2};  // 2 all in PASID, 3 page-selective in PASID
inline constexpr Field DID{"DID", 16, 16};
inline constexpr Field PASID{"PASID", 32, 20};
inline constexpr Field AM{"AM", 64, 6};
inline constexpr Field IH{"IH", 70, 1};
inline constexpr Field ADDR{"ADDR", 76, 52};
inline constexpr u64 G_PASID = 2, G_PAGE = 3;
}  // namespace piotlb

// 0x7 PASID-cache invalidate
namespace pc {
inline constexpr Field G{"G", 4, 2};  // 0 domain-selective, 1 PASID-selective, 3 global
inline constexpr Field DID{"DID", 16, 16};
inline constexpr Field PASID{"PASID", 32, 20};
inline constexpr u64 G_DOMAIN = 0, G_PASID = 1, G_GLOBAL = 3;
}  // namespace pc

// 0x8 PASID-based device-TLB invalidate
namespace pdevtlb {
inline constexpr Field QDEP{"QDEP", 4, 5};
inline constexpr Field PFSID_LO{"PFSID_LO", 12, 4};
inline constexpr Field SID{"SID", 16, 16};
inline constexpr Field PASID{"PASID", 32, 20};
inline constexpr Field PFSID_HI{"PFSID_HI", 52, 12};
inline constexpr Field G{"G", 64, 1};
inline constexpr Field S{"S", 75, 1};
inline constexpr Field ADDR{"ADDR", 76, 52};
}  // namespace pdevtlb

// 0x4 interrupt-entry-cache invalidate (accepted, no effect: no interrupt remapping model)
namespace iec {
inline constexpr Field G{"G", 4, 1};  // 0 global, 1 index-selective
inline constexpr Field IM{"IM", 27, 5};
inline constexpr Field IIDX{"IIDX", 32, 16};
}  // namespace iec

// 0x9 page-group response (accepted, no effect: no page-request model)
inline constexpr u64 TYPE_PGRP = 0x9;
namespace pgrp {
inline constexpr Field PP{"PP", 4, 1};
inline constexpr Field RESP{"RESP", 12, 4};
inline constexpr Field RID{"RID", 16, 16};
inline constexpr Field PASID{"PASID", 32, 20};
inline constexpr Field LPIG{"LPIG", 66, 1};
inline constexpr Field PRGI{"PRGI", 67, 9};
}  // namespace pgrp

// Reserved bits per type as QEMU checks them: RSVD0 over qw0, RSVD1 over qw1
// (§5.2). With 256-bit descriptors qw2 and qw3 are reserved as a whole.
namespace cc {
inline constexpr u64 RSVD0 = 0xfffc00000000ffc0, RSVD1 = ~0ull;
}
namespace iotlb {
inline constexpr u64 RSVD0 = 0xffffffff0000ff00, RSVD1 = 0xf80;
}
namespace devtlb {
// QEMU's mask covers PFSID; the decoder exempts it because Linux fills it in.
inline constexpr u64 RSVD0 = 0xffff0000ffe0fff8, RSVD1 = 0xffe;
}  // namespace devtlb
namespace iec {
inline constexpr u64 RSVD0 = 0xffff000007fff1e0, RSVD1 = ~0ull;
}
namespace wait {
// PD (bit 7) is reserved too unless ECAP.PDS.
inline constexpr u64 RSVD0 = 0xffffff00, RSVD1 = 0x3;
}  // namespace wait
namespace piotlb {
inline constexpr u64 RSVD0 = 0xfff000000000ffc0, RSVD1 = 0xf80;
}
namespace pc {
inline constexpr u64 RSVD0 = 0xfff000000000ffc0, RSVD1 = ~0ull;
}
namespace pdevtlb {
// As for type 3, the decoder exempts PFSID from QEMU's qw0 mask.
inline constexpr u64 RSVD0 = 0xfff000000000f000, RSVD1 = 0x7fe;
}  // namespace pdevtlb
namespace pgrp {
inline constexpr u64 RSVD0 = 0xfff00000000001e0, RSVD1 = 0xfffffffffffff003;
}

// Queue-wait status slot values Linux uses (§5.3).
inline constexpr u32 QI_FREE = 0, QI_IN_USE = 1, QI_DONE = 2, QI_ABORT = 3;
inline constexpr unsigned QI_LENGTH = 256;
}  // namespace qi_fmt

// Register offsets (§5.1, §6).
namespace reg {
inline constexpr Addr VER = 0x00;
inline constexpr Addr CAP = 0x08;
inline constexpr Addr ECAP = 0x10;
inline constexpr Addr GCMD = 0x18;
inline constexpr Addr GSTS = 0x1C;
inline constexpr Addr RTADDR = 0x20;
inline constexpr Addr CCMD = 0x28;
inline constexpr Addr FSTS = 0x34;
inline constexpr Addr IQH = 0x80;
inline constexpr Addr IQT = 0x88;
inline constexpr Addr IQA = 0x90;
inline constexpr Addr ICS = 0x9C;
inline constexpr Addr IQER = 0xB0;
inline constexpr Addr SIZE = 0x1000;
}  // namespace reg

// Register fields.
namespace reg_fmt {
inline constexpr Field GCMD_TE{"TE", 31, 1};
inline constexpr Field GCMD_QIE{"QIE", 26, 1};
inline constexpr Field FSTS_IQE{"IQE", 4, 1};
inline constexpr Field FSTS_ICE{"ICE", 5, 1};
inline constexpr Field FSTS_ITE{"ITE", 6, 1};
inline constexpr Field IQ_QH{"QH", 4, 15};  // IQH/IQT: bits 18:4 (128-bit descriptors)
inline constexpr Field IQA_QS{"QS", 0, 3};
inline constexpr Field IQA_DW{"DW", 11, 1};
inline constexpr Field IQA_ADDR{"IQA", 12, 52};
inline constexpr Field IQER_IQEI{"IQEI", 0, 4};
inline constexpr Field IQER_ITESID{"ITESID", 32, 16};
inline constexpr Field CAP_CM{"CM", 7, 1};
inline constexpr Field CAP_SAGAW{"SAGAW", 8, 5};
inline constexpr Field CAP_FL5LP{"FL5LP", 60, 1};
inline constexpr Field ECAP_C{"C", 0, 1};
inline constexpr Field ECAP_QI{"QI", 1, 1};
inline constexpr Field ECAP_DT{"DT", 2, 1};
inline constexpr Field ECAP_PT{"PT", 6, 1};
inline constexpr Field ECAP_PASID{"PASID", 40, 1};
inline constexpr Field ECAP_SMTS{"SMTS", 43, 1};
inline constexpr Field RTADDR_SMT{"SMT", 10, 1};
inline constexpr Field RTADDR_TTM{"TTM", 10, 2};
inline constexpr Field RTADDR_RTA{"RTA", 12, 52};
inline constexpr Field GCMD_SRTP{"SRTP", 30, 1};
inline constexpr Field GSTS_TES{"TES", 31, 1};
inline constexpr Field GSTS_RTPS{"RTPS", 30, 1};
inline constexpr Field GSTS_QIES{"QIES", 26, 1};
inline constexpr Field ICS_IWC{"IWC", 0, 1};
inline constexpr Field IQT_256_RSV{"QT4", 4, 1};  // must be 0 with 256-bit descriptors
inline constexpr Field IQER_ICESID{"ICESID", 48, 16};
inline constexpr Field CAP_ND{"ND", 0, 3};
inline constexpr Field CAP_MGAW{"MGAW", 16, 6};
inline constexpr Field CAP_PSI{"PSI", 39, 1};
inline constexpr Field CAP_MAMV{"MAMV", 48, 6};
inline constexpr Field ECAP_PDS{"PDS", 42, 1};

// IQER.IQEI: what caused FSTS.IQE (VT-d register IQERCD).
inline constexpr u8 IQEI_NONE = 0;
inline constexpr u8 IQEI_INVALID_TAIL = 1;
inline constexpr u8 IQEI_FETCH_ERROR = 2;
inline constexpr u8 IQEI_INVALID_TYPE = 3;
inline constexpr u8 IQEI_RESERVED = 4;
inline constexpr u8 IQEI_INVALID_WIDTH = 5;
}  // namespace reg_fmt

// ---------------------------------------------------------------- decoding
// One descriptor as fetched from the queue: its type and raw words (qw2/qw3
// are 0 for 128-bit descriptors). Fields are read with the qi_fmt tables.
struct Descriptor {
  u64 type = 0;
  std::array<u64, 4> qw{};
  bool dw256 = false;

  EntryBits bits() const {
    EntryBits e;
    for (std::size_t i = 0; i < qw.size(); ++i) e.w[i] = qw[i];
    return e;
  }
  u64 get(const Field& f) const {
    return f.word() < qw.size() ? (qw[f.word()] & f.mask_in_word()) >> (f.lsb % 64) : 0;
  }
};

// What the decoder accepts beyond the fixed formats (from CAP/ECAP).
struct DecodeOptions {
  bool pds = false;      // ECAP.PDS: PD in wait descriptors is defined
  unsigned mamv = 0x3f;  // CAP.MAMV: largest AM of page-selective invalidations
};

// A decoded descriptor, or why hardware refuses it ("malformed"): the IQEI
// cause it reports and a human-readable reason.
struct DecodeResult {
  Descriptor desc;  // the raw words and type even when malformed
  u8 iqei = reg_fmt::IQEI_NONE;
  std::string reason;
  bool ok() const { return iqei == reg_fmt::IQEI_NONE; }
  bool malformed() const { return !ok(); }
};

DecodeResult decode_descriptor(const std::array<u64, 4>& qw, bool dw256, const DecodeOptions& opt = {});

// "IOTLB", "WAIT", ...; "type 0xb" for unknown types.
std::string descriptor_type_name(u64 type);
// One line for logs: "IOTLB-page(did=1 addr=0x1000 am=0 ih=0)".
std::string describe(const Descriptor& d);

}  // namespace vtd
