// VT-d fault reason codes (vtd-facts.md §10) that the model records.
#pragma once

#include <string_view>

#include "base/types.hpp"

namespace vtd::fault {

// Legacy mode.
inline constexpr u8 kRootNotPresent = 0x1;
inline constexpr u8 kContextNotPresent = 0x2;
inline constexpr u8 kContextInvalid = 0x3;
inline constexpr u8 kBeyondMgaw = 0x4;
inline constexpr u8 kNoWrite = 0x5;
inline constexpr u8 kNoRead = 0x6;
inline constexpr u8 kNextPtrInvalid = 0x7;
inline constexpr u8 kRootReserved = 0xA;
inline constexpr u8 kContextReserved = 0xB;
inline constexpr u8 kPteReserved = 0xC;

// Scalable mode: the codes ScalableWalker raises (which check raises which is
// tabulated in scalable_walker.cpp). Meanings follow Linux's
// dma_remap_sm_fault_reasons[]; QEMU's VTD_FR_* agree where it defines them.
inline constexpr u8 kSmRootNotPresent = 0x39;
inline constexpr u8 kSmRootReserved = 0x3A;
inline constexpr u8 kSmContextNotPresent = 0x41;
inline constexpr u8 kSmContextReserved = 0x42;
inline constexpr u8 kSmPasidDisabled = 0x45;  // PASIDE clear, request with PASID
inline constexpr u8 kSmPasidTooLarge = 0x46;  // beyond the directory PDTS sizes
inline constexpr u8 kSmRidPasidError = 0x48;  // RID_PASID beyond the directory
inline constexpr u8 kSmPasidDirNotPresent = 0x51;
inline constexpr u8 kSmPasidDirReserved = 0x52;
inline constexpr u8 kSmPasidNotPresent = 0x59;
inline constexpr u8 kSmPasidReserved = 0x5A;
inline constexpr u8 kSmPasidInvalid = 0x5B;     // bad PGTT, AW or FLPM
inline constexpr u8 kFlNotPresent = 0x71;       // VTD_FR_FS_PAGING_ENTRY_P
inline constexpr u8 kFlReserved = 0x72;         // VTD_FR_FS_PAGING_ENTRY_RSVD
inline constexpr u8 kNestedBeyondMax = 0x74;    // first-level GPA beyond the second-level AGAW
inline constexpr u8 kNestedFlTopNoRead = 0x75;  // second level denies reading the FL top table
inline constexpr u8 kNestedFlNoRead = 0x76;     // second level denies reading a lower FL table
inline constexpr u8 kSlNotPresent = 0x79;       // second-level entry with R = W = 0
inline constexpr u8 kSlReserved = 0x7A;
inline constexpr u8 kFlNonCanonical = 0x80;  // VTD_FR_FS_NON_CANONICAL
inline constexpr u8 kSmBeyondMax = 0x83;     // input address beyond the second-level AGAW
inline constexpr u8 kSmNoWrite = 0x85;       // VTD_FR_SM_WRITE
inline constexpr u8 kSmNoRead = 0x86;

std::string_view name(u8 reason);

}  // namespace vtd::fault
