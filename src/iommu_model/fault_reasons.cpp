#include "iommu_model/fault_reasons.hpp"

namespace vtd::fault {

std::string_view name(u8 reason) {
  switch (reason) {
    case kRootNotPresent: return "root entry P clear";
    case kContextNotPresent: return "context entry P clear";
    case kContextInvalid: return "invalid context entry";
    case kBeyondMgaw: return "address beyond MGAW";
    case kNoWrite: return "no write permission";
    case kNoRead: return "no read permission";
    case kNextPtrInvalid: return "next page-table pointer invalid";
    case kRootReserved: return "reserved bits in root entry";
    case kContextReserved: return "reserved bits in context entry";
    case kPteReserved: return "reserved bits in paging entry";
    case kSmRootNotPresent: return "SM: root entry P clear";
    case kSmRootReserved: return "SM: reserved bits in root entry";
    case kSmContextNotPresent: return "SM: context entry P clear";
    case kSmContextReserved: return "SM: reserved bits in context entry";
    case kSmPasidDisabled: return "SM: PASIDE clear in context entry";
    case kSmPasidTooLarge: return "SM: PASID larger than the context entry's maximum";
    case kSmRidPasidError: return "SM: RID_PASID error in context entry";
    case kSmPasidDirNotPresent: return "SM: PASID directory entry P clear";
    case kSmPasidDirReserved: return "SM: reserved bits in PASID directory entry";
    case kSmPasidNotPresent: return "SM: PASID entry P clear";
    case kSmPasidReserved: return "SM: reserved bits in PASID entry";
    case kSmPasidInvalid: return "SM: invalid PASID entry";
    case kFlNotPresent: return "SM: first-level entry P clear";
    case kFlReserved: return "SM: reserved bits in first-level entry";
    case kNestedBeyondMax: return "SM: first-level address beyond MGAW in nested translation";
    case kNestedFlTopNoRead: return "SM: no read permission for FL-PML4 entry in nested translation";
    case kNestedFlNoRead: return "SM: no read permission for first-level entry in nested translation";
    case kSlNotPresent: return "SM: R/W permission error in second-level entry";
    case kSlReserved: return "SM: reserved bits in second-level entry";
    case kFlNonCanonical: return "SM: non-canonical first-level address";
    case kSmBeyondMax: return "SM: address beyond the maximum";
    case kSmNoWrite: return "SM: no write permission";
    case kSmNoRead: return "SM: no read permission";
  }
  return "unknown";
}

}  // namespace vtd::fault
