#include "events/events.hpp"

namespace vtd {

std::string to_string(const EntryId& id) {
  switch (id.kind) {
    case EntryKind::Root: return "root[bus " + hex(id.rid.bus()) + "]@" + hex(id.addr);
    case EntryKind::Context: return "context[" + to_string(id.rid) + "]@" + hex(id.addr);
    case EntryKind::SlPte:
      return "sl_pte[L" + std::to_string(id.level) + " " + to_string(id.rid) + "]@" + hex(id.addr);
    case EntryKind::FlPte:
      return "fl_pte[L" + std::to_string(id.level) + " " + to_string(id.rid) + " pasid " +
             std::to_string(id.pasid) + "]@" + hex(id.addr);
    case EntryKind::SmRoot: return "sm_root[bus " + hex(id.rid.bus()) + "]@" + hex(id.addr);
    case EntryKind::SmContext: return "sm_context[" + to_string(id.rid) + "]@" + hex(id.addr);
    case EntryKind::PasidDir:
      return "pasid_dir[" + to_string(id.rid) + " pasid " + std::to_string(id.pasid) + "]@" + hex(id.addr);
    case EntryKind::Pasid:
      return "pasid[" + to_string(id.rid) + " pasid " + std::to_string(id.pasid) + "]@" + hex(id.addr);
  }
  return "?";
}

std::string_view to_string(CacheKind k) {
  switch (k) {
    case CacheKind::Context: return "context-cache";
    case CacheKind::Pasid: return "pasid-cache";
    case CacheKind::Iotlb: return "iotlb";
  }
  return "?";
}

}  // namespace vtd
