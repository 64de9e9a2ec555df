// Legacy-mode context-entry sequences. Field masks come from the format
// table; the labels name the Linux helper each store comes from.
#include "driver/driver.hpp"
#include "formats/formats.hpp"

namespace vtd {

namespace {

using namespace ctx_fmt;

u64 word_mask(const Field& f) { return f.mask_in_word(); }
u64 word_value(const Field& f, u64 v) { return (v << (f.lsb % 64)) & f.mask_in_word(); }

Operation invalidate(std::string what) {
  Operation o = Operation::simple(OpKind::Invalidate, std::move(what));
  return o;
}

// intel_context_flush_no_pasid() / intel_context_flush_present(): CC-dev,
// IOTLB-DSI and, when ATS is on, a device-TLB flush. Timed no-ops until
// queued invalidation is modeled.
void context_flush(std::vector<Operation>& ops, const DeviceLayout& dev, u16 did) {
  const std::string sid = to_string(dev.rid);
  ops.push_back(invalidate("CC-dev(did=" + std::to_string(did) + ", sid=" + sid + ")"));
  ops.push_back(invalidate("IOTLB-DSI(did=" + std::to_string(did) + ")"));
  if (dev.translation == TT_DEV_IOTLB) ops.push_back(invalidate("devTLB-global(sid=" + sid + ")"));
}

}  // namespace

DriverOp domain_context_mapping_one(const DriverEnv& env, const DeviceLayout& dev, const DomainLayout& dom,
                                    MapVariant v) {
  (void)env;
  const Addr lo = dev.context_entry, hi = dev.context_entry + 8;
  DriverOp d;
  std::vector<Operation>& ops = d.ops;
  // "If P = 1 and the entry was not copied, return without changes."
  ops.push_back(Operation::return_if_set(lo, word_mask(P), "context_present() -> return"));

  if (v == MapVariant::Cmpxchg16b) {
    const EntryBits e = legacy_context_value(dom, dev.translation);
    ops.push_back(Operation::store128(lo, e.w[0], e.w[1], "intel_iommu_atomic128_set(context, new)"));
    return d;
  }
  ops.push_back(Operation::assign64(lo, 0, "context_clear_entry: lo = 0"));
  ops.push_back(Operation::assign64(hi, 0, "context_clear_entry: hi = 0"));
  ops.push_back(Operation::rmw64(hi, 0, word_value(DID, dom.did), "context_set_domain_id"));
  ops.push_back(Operation::rmw64(lo, word_mask(SLPTPTR), word_value(SLPTPTR, dom.pgd >> 12),
                                 "context_set_address_root"));
  ops.push_back(Operation::rmw64(hi, 0, word_value(AW, dom.aw), "context_set_address_width"));
  ops.push_back(
      Operation::rmw64(lo, word_mask(TT), word_value(TT, dev.translation), "context_set_translation_type"));
  ops.push_back(Operation::rmw64(lo, word_mask(FPD), 0, "context_set_fault_enable"));
  if (v == MapVariant::PreFix) {
    ops.push_back(Operation::rmw64(lo, 0, word_value(P, 1), "context_set_present: lo |= 1"));
  } else {
    ops.push_back(Operation::simple(OpKind::CompilerBarrier, "context_set_present: dma_wmb()"));
    ops.push_back(Operation::rmw64(lo, 0, word_value(P, 1), "context_set_present: WRITE_ONCE(lo | 1)", true));
  }
  // With caching mode off, a non-present -> present change needs no
  // invalidation (context_present_cache_flush does a write-buffer flush,
  // which only matters with CAP.RWBF, not modeled).
  return d;
}

DriverOp domain_context_clear_one(const DriverEnv& env, const DeviceLayout& dev, TeardownVariant v) {
  const Addr lo = dev.context_entry, hi = dev.context_entry + 8;
  const DomainLayout* dom = env.layout.domain(dev.domain);
  const u16 did = dom ? dom->did : 0;
  DriverOp d;
  std::vector<Operation>& ops = d.ops;
  ops.push_back(Operation::simple(OpKind::Load64, "did = context_domain_id()", hi));
  if (v == TeardownVariant::ClearPresent) {
    ops.push_back(Operation::rmw64(lo, word_mask(P), 0, "context_clear_present: WRITE_ONCE(lo & ~1)", true));
    ops.push_back(Operation::simple(OpKind::CompilerBarrier, "context_clear_present: dma_wmb()"));
    if (!env.platform.iommu.coherent)
      ops.push_back(Operation::simple(OpKind::Clflush, "__iommu_flush_cache(context)", lo));
    context_flush(ops, dev, did);
  }
  ops.push_back(Operation::assign64(lo, 0, "context_clear_entry: lo = 0"));
  ops.push_back(Operation::assign64(hi, 0, "context_clear_entry: hi = 0"));
  if (!env.platform.iommu.coherent)
    ops.push_back(Operation::simple(OpKind::Clflush, "__iommu_flush_cache(context)", lo));
  if (v == TeardownVariant::PreFix) context_flush(ops, dev, did);
  return d;
}

}  // namespace vtd
