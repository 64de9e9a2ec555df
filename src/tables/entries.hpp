// The entry values Linux's set-up helpers leave in a table, as pure
// functions (vtd-facts §4.2, §7.4). The driver's sequences write them field by
// field or at once; the table builder uses them for a scenario's initial
// tables; replace sequences build them "on the stack".
#pragma once

#include "formats/formats.hpp"

namespace vtd {

struct FirstLevelCfg {
  Addr fsptptr = 0;
  bool five_level = false;  // FLPM = 1 (PASID_FLAG_FL5LP)
  u16 did = pasid_fmt::FLPT_DEFAULT_DID;
  unsigned iommu_agaw = 2;  // AW = iommu->agaw
  bool pwsnp = true;
  bool pgsnp = false;
};
struct SecondLevelCfg {
  u16 did = 0;
  Addr ssptptr = 0;
  unsigned aw = 2;
  bool pwsnp = true;
  bool ssade = false;
};
struct PassThroughCfg {
  unsigned iommu_agaw = 2;
  bool pwsnp = true;
};
struct NestedCfg {
  Addr s1_pgtbl = 0;
  bool s1_five_level = false;
  Addr s2_ptptr = 0;
  unsigned s2_aw = 2;
  u16 did = 0;
  bool pwsnp = true;
};

EntryBits pasid_entry_first_level(const FirstLevelCfg& c);
EntryBits pasid_entry_second_level(const SecondLevelCfg& c);
EntryBits pasid_entry_pass_through(const PassThroughCfg& c);
EntryBits pasid_entry_nested(const NestedCfg& c);

// context_entry_set_pasid_table(): PASIDDIRPTR | PDTS, RID_PASID = 0, DTE/PASIDE/PRE, P.
EntryBits sm_context_entry(Addr pasid_dir, unsigned pdts, bool dte, bool paside, bool pre);

}  // namespace vtd
