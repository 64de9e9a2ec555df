// Legacy-mode context-entry sequences (iommu.c domain_context_mapping_one,
// domain_context_clear_one). Field masks come from the format table; the
// labels name the Linux helper each operation comes from.
#include "driver/emit.hpp"

namespace vtd {

namespace {

using namespace ctx_fmt;
using drv::field_bits;
using drv::field_mask;

// intel_context_flush_no_pasid() (and, before it, intel_context_flush_present
// with flush_domains) in legacy mode: CC-dev, IOTLB-DSI, then the devTLB when
// ATS is enabled; each its own qi_submit_sync.
void context_flush(std::vector<Operation>& ops, const DriverEnv& env, const DeviceLayout& dev, u16 did,
                   QiWait wait = QiWait::Sync) {
  qi_submit_sync(ops, env, {qi_cc_dev(did, dev.rid)}, wait);
  qi_submit_sync(ops, env, {qi_iotlb_dsi(did)}, wait);
  if (drv::ats_enabled(env, dev)) qi_submit_sync(ops, env, {qi_devtlb_global(dev.rid)}, wait);
}

}  // namespace

DriverOp domain_context_mapping_one(const DriverEnv& caller_env, const DeviceLayout& dev,
                                    const DomainLayout& dom, MapVariant v) {
  const Addr lo = dev.context_entry, hi = dev.context_entry + 8;
  // The state says the entry is present: the CPU returns at the test below,
  // leaving entry and ring as they are. What follows runs only if another
  // CPU cleared the entry meanwhile: emit it on a copy of the state, so this
  // item changes the state as the return does (in caching mode its
  // invalidations would otherwise take ring slots no CPU fills, and the next
  // submission's doorbell would make the IOMMU fetch empty slots).
  DriverState what_if = caller_env.state;
  const DriverEnv if_absent{caller_env.layout, caller_env.platform, what_if};
  const DriverEnv& env = caller_env.state.context_domain.count(dev.rid) ? if_absent : caller_env;
  DriverOp d;
  std::vector<Operation>& ops = d.ops;
  ops.push_back(drv::lock_iommu(env));
  // "If P = 1 and the entry was not copied, return without changes."
  // ret is still 0 there: out_unlock returns it.
  ops.push_back(Operation::return_if_set(lo, field_mask(P), "context_present() -> goto out_unlock", 0));

  if (v == MapVariant::Cmpxchg16b) {
    const EntryBits e = legacy_context_value(dom, dev.translation);
    ops.push_back(Operation::store128(lo, e.w[0], e.w[1], "intel_iommu_atomic128_set(context, new)"));
  } else {
    ops.push_back(Operation::assign64(lo, 0, "context_clear_entry: lo = 0"));
    ops.push_back(Operation::assign64(hi, 0, "context_clear_entry: hi = 0"));
    ops.push_back(Operation::rmw64(hi, 0, field_bits(DID, dom.did), "context_set_domain_id"));
    ops.push_back(Operation::rmw64(lo, field_mask(SLPTPTR), field_bits(SLPTPTR, dom.pgd >> 12),
                                   "context_set_address_root"));
    ops.push_back(Operation::rmw64(hi, 0, field_bits(AW, dom.aw), "context_set_address_width"));
    ops.push_back(Operation::rmw64(lo, field_mask(TT), field_bits(TT, dev.translation),
                                   "context_set_translation_type"));
    drv::context_enable_and_set_present(ops, lo, v == MapVariant::PreFix);
  }
  drv::flush_cache(ops, env, lo, 16, "context");
  // A present entry makes the driver return early: the state keeps it.
  env.state.context_domain.try_emplace(dev.rid, dom.name);
  // context_present_cache_flush(): a non-present -> present change needs
  // invalidation only in caching mode, where "not present" is cached under
  // DID 0 (otherwise a write-buffer flush, which only matters with RWBF).
  if (env.platform.iommu.caching_mode) {
    qi_submit_sync(ops, env, {qi_cc_dev(0, dev.rid)});
    qi_submit_sync(ops, env, {qi_iotlb_dsi(dom.did)});
  }
  ops.push_back(drv::unlock_iommu(env));
  return d;
}

DriverOp domain_context_clear_one(const DriverEnv& env, const DeviceLayout& dev, TeardownVariant v) {
  const Addr lo = dev.context_entry, hi = dev.context_entry + 8;
  // context_domain_id() reads the DID the entry holds (0 when not present).
  auto attached = env.state.context_domain.find(dev.rid);
  const DomainLayout* dom =
      attached == env.state.context_domain.end() ? nullptr : env.layout.domain(attached->second);
  const u16 did = dom ? dom->did : 0;
  env.state.context_domain.erase(dev.rid);
  DriverOp d;
  std::vector<Operation>& ops = d.ops;
  ops.push_back(drv::lock_iommu(env));
  ops.push_back(Operation::simple(OpKind::Load64, "did = context_domain_id()", hi));
  if (v != TeardownVariant::PreFix) {
    ops.push_back(Operation::rmw64(lo, field_mask(P), 0, "context_clear_present: WRITE_ONCE(lo & ~1)", true));
    ops.push_back(Operation::simple(OpKind::CompilerBarrier, "context_clear_present: dma_wmb()"));
    drv::flush_cache(ops, env, lo, 16, "context");
    ops.push_back(drv::unlock_iommu(env));
    // NoWait (deliberately broken): the entry is zeroed below while these are in flight.
    context_flush(ops, env, dev, did, v == TeardownVariant::NoWait ? QiWait::NoPoll : QiWait::Sync);
  }
  ops.push_back(Operation::assign64(lo, 0, "context_clear_entry: lo = 0"));
  ops.push_back(Operation::assign64(hi, 0, "context_clear_entry: hi = 0"));
  drv::flush_cache(ops, env, lo, 16, "context");
  if (v == TeardownVariant::PreFix) {
    ops.push_back(drv::unlock_iommu(env));
    context_flush(ops, env, dev, did);
  }
  return d;
}

}  // namespace vtd
