#include "tables/entries.hpp"

namespace vtd {

namespace {
using pasid_fmt::AW, pasid_fmt::DID, pasid_fmt::FLPM, pasid_fmt::FLPTPTR, pasid_fmt::P, pasid_fmt::PGSNP,
    pasid_fmt::PGTT, pasid_fmt::PWSNP, pasid_fmt::SLPTPTR, pasid_fmt::SSADE;
using pasid_fmt::PGTT_FL, pasid_fmt::PGTT_NESTED, pasid_fmt::PGTT_PT, pasid_fmt::PGTT_SL,
    pasid_fmt::FLPT_DEFAULT_DID;
}  // namespace

EntryBits pasid_entry_first_level(const FirstLevelCfg& c) {
  EntryBits e;
  FLPTPTR.set(e, c.fsptptr >> 12);
  if (c.five_level) FLPM.set(e, 1);
  if (c.pgsnp) PGSNP.set(e, 1);
  DID.set(e, c.did);
  AW.set(e, c.iommu_agaw);
  PWSNP.set(e, c.pwsnp);
  PGTT.set(e, PGTT_FL);
  P.set(e, 1);
  return e;
}

EntryBits pasid_entry_second_level(const SecondLevelCfg& c) {
  EntryBits e;
  DID.set(e, c.did);
  SLPTPTR.set(e, c.ssptptr >> 12);
  AW.set(e, c.aw);
  PGTT.set(e, PGTT_SL);
  PWSNP.set(e, c.pwsnp);
  SSADE.set(e, c.ssade);
  P.set(e, 1);
  return e;
}

EntryBits pasid_entry_pass_through(const PassThroughCfg& c) {
  EntryBits e;
  DID.set(e, FLPT_DEFAULT_DID);
  AW.set(e, c.iommu_agaw);
  PGTT.set(e, PGTT_PT);
  PWSNP.set(e, c.pwsnp);
  P.set(e, 1);
  return e;
}

EntryBits pasid_entry_nested(const NestedCfg& c) {
  EntryBits e;
  if (c.s1_five_level) FLPM.set(e, 1);
  FLPTPTR.set(e, c.s1_pgtbl >> 12);
  SLPTPTR.set(e, c.s2_ptptr >> 12);
  DID.set(e, c.did);
  AW.set(e, c.s2_aw);
  PWSNP.set(e, c.pwsnp);
  PGTT.set(e, PGTT_NESTED);
  P.set(e, 1);
  return e;
}

EntryBits sm_context_entry(Addr pasid_dir, unsigned pdts, bool dte, bool paside, bool pre) {
  EntryBits e;
  smctx_fmt::PASIDDIRPTR.set(e, pasid_dir >> 12);
  smctx_fmt::PDTS.set(e, pdts);
  smctx_fmt::RID_PASID.set(e, 0);
  smctx_fmt::DTE.set(e, dte);
  smctx_fmt::PASIDE.set(e, paside);
  smctx_fmt::PRE.set(e, pre);
  smctx_fmt::P.set(e, 1);
  return e;
}

}  // namespace vtd
