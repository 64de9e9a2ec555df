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
  }
  return "unknown";
}

}  // namespace vtd::fault
