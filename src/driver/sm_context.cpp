// Scalable-mode context-entry sequences (pasid.c device_pasid_table_setup,
// context_entry_set_pasid_table, device_pasid_table_teardown). Linux's
// struct context_entry is the low 128 bits of the 256-bit entry; the upper
// half is never written.
#include "driver/emit.hpp"
#include "tables/entries.hpp"

namespace vtd {

namespace {

using drv::field_bits;
using drv::field_mask;

// info->pasid_supported, as the table builder recorded it for the device.
bool pasid_supported(const DeviceLayout& dev) { return dev.paside; }

// context_clear_entry(): two plain stores, or (patch 1/3) one cmpxchg16b of 0.
void clear_entry(std::vector<Operation>& ops, Addr lo, MapVariant v) {
  if (v == MapVariant::Cmpxchg16b) {
    ops.push_back(Operation::store128(lo, 0, 0, "context_clear_entry: intel_iommu_atomic128_set(0)"));
    return;
  }
  ops.push_back(Operation::assign64(lo, 0, "context_clear_entry: lo = 0"));
  ops.push_back(Operation::assign64(lo + 8, 0, "context_clear_entry: hi = 0"));
}

// context_entry_set_pasid_table().
void set_pasid_table(std::vector<Operation>& ops, const DriverEnv& env, const DeviceLayout& dev,
                     MapVariant v) {
  using namespace smctx_fmt;
  const Addr lo = dev.context_entry, hi = lo + 8;
  const EntryBits e = sm_context_value(dev);
  if (v == MapVariant::Cmpxchg16b) {
    ops.push_back(Operation::store128(lo, e.w[0], e.w[1], "intel_iommu_atomic128_set(context, new)"));
  } else {
    clear_entry(ops, lo, v);
    ops.push_back(
        Operation::assign64(lo, field_bits(PASIDDIRPTR, dev.pasid_dir >> 12) | field_bits(PDTS, dev.pdts),
                            "context->lo = virt_to_phys(table) | context_pdts(pds)"));
    ops.push_back(
        Operation::rmw64(hi, 0, field_bits(RID_PASID, 0), "context_set_sm_rid2pasid(IOMMU_NO_PASID)"));
    if (DTE.get(e)) ops.push_back(Operation::rmw64(lo, 0, field_bits(DTE, 1), "context_set_sm_dte"));
    if (PASIDE.get(e)) ops.push_back(Operation::rmw64(lo, 0, field_bits(PASIDE, 1), "context_set_pasid"));
    if (PRE.get(e)) ops.push_back(Operation::rmw64(lo, 0, field_bits(PRE, 1), "context_set_sm_pre"));
    drv::context_enable_and_set_present(ops, lo, v == MapVariant::PreFix);
  }
  drv::flush_cache(ops, env, lo, 16, "context");
}

}  // namespace

EntryBits sm_context_value(const DeviceLayout& dev) {
  return sm_context_entry(dev.pasid_dir, dev.pdts, dev.ats, pasid_supported(dev), false);
}

DriverOp device_pasid_table_setup(const DriverEnv& env, const DeviceLayout& dev, MapVariant v, bool copied,
                                  CopiedFlush flush) {
  const Addr lo = dev.context_entry;
  DriverOp d;
  std::vector<Operation>& ops = d.ops;
  ops.push_back(drv::lock_iommu(env));
  if (!copied) {
    ops.push_back(Operation::return_if_set(lo, field_mask(smctx_fmt::P),
                                           "context_present() && !context_copied() -> return 0", 0));
  } else {
    // context_present() is read, but a copied entry is set up regardless.
    ops.push_back(Operation::simple(OpKind::Load64, "context_present(context)", lo));
    // Before [P-CTXclr] the inherited entry was zeroed at once; since, only P
    // is cleared until the global invalidations are done.
    if (v == MapVariant::DmaWmb) {
      ops.push_back(Operation::rmw64(lo, field_mask(smctx_fmt::P), 0,
                                     "context_clear_present: WRITE_ONCE(lo & ~1)", true));
      ops.push_back(Operation::simple(OpKind::CompilerBarrier, "context_clear_present: dma_wmb()"));
    } else {
      clear_entry(ops, lo, v);
    }
    drv::flush_cache(ops, env, lo, 16, "context");
    // kdump: which DIDs and PASIDs the old tables used is unknown, so the
    // invalidations are global (still under iommu->lock).
    // CopiedFlush other than Full drops one of them (deliberately broken).
    qi_submit_sync(ops, env, {qi_cc_dev(0, dev.rid)});
    if (flush != CopiedFlush::NoPasidCache) qi_submit_sync(ops, env, {qi_pc_global()});
    if (flush != CopiedFlush::NoIotlb) qi_submit_sync(ops, env, {qi_iotlb_global()});
    drv::devtlb_invalidation_with_pasid(ops, env, dev, 0);
    if (v == MapVariant::DmaWmb) {
      clear_entry(ops, lo, v);
      drv::flush_cache(ops, env, lo, 16, "context");
    }
  }
  set_pasid_table(ops, env, dev, v);
  ops.push_back(drv::unlock_iommu(env));
  // Non-present -> present: only caching-mode hardware caches the "not
  // present" result, under DID 0.
  if (env.platform.iommu.caching_mode) {
    qi_submit_sync(ops, env, {qi_cc_dev(0, dev.rid)});
    qi_submit_sync(ops, env, {qi_iotlb_dsi(0)});
  }
  return d;
}

DriverOp device_pasid_table_teardown(const DriverEnv& env, const DeviceLayout& dev) {
  const Addr lo = dev.context_entry;
  // context_domain_id() reads hi[23:8], which is not a DID in scalable mode
  // (hardware ignores the CC descriptor's DID there).
  const u16 did = static_cast<u16>(ctx_fmt::DID.get(sm_context_value(dev)));
  DriverOp d;
  std::vector<Operation>& ops = d.ops;
  ops.push_back(drv::lock_iommu(env));
  ops.push_back(Operation::simple(OpKind::Load64, "did = context_domain_id()", lo + 8));
  clear_entry(ops, lo, MapVariant::PreFix);
  drv::flush_cache(ops, env, lo, 16, "context");
  ops.push_back(drv::unlock_iommu(env));
  // intel_context_flush_no_pasid() in scalable mode: CC-dev and the devTLB;
  // no IOTLB flush (every PASID entry is already non-present).
  qi_submit_sync(ops, env, {qi_cc_dev(did, dev.rid)});
  if (drv::ats_enabled(env, dev)) qi_submit_sync(ops, env, {qi_devtlb_global(dev.rid)});
  return d;
}

}  // namespace vtd
