// Queued invalidation as Linux submits it (dmar.c qi_submit_sync and the
// descriptor builders of iommu.h / dmar.c / pasid.c), encoded with the
// qi_fmt field tables the IOMMU model decodes with.
#include "driver/emit.hpp"
#include "driver/mutation.hpp"
#include "formats/qi_descriptors.hpp"

namespace vtd {

namespace {

using namespace qi_fmt;

std::string num(u64 v) { return std::to_string(v); }

QiDesc make(std::string name, u64 type) {
  QiDesc d;
  d.name = std::move(name);
  TYPE.set(d.bits, type);
  return d;
}

// Linux's "whole address space" device-TLB range: addr 0 with mask 52 sets
// ADDR[62:12] and clears bit 63 (vtd-facts §8.2, §8.3).
constexpr u64 kDevtlbAllAddr = 0x7FFF'FFFF'FFFF'F000ull >> 12;

std::string slot_text(unsigned slot) { return "ring[" + std::to_string(slot) + "]"; }

}  // namespace

QiDesc qi_cc_dev(u16 did, Rid sid, unsigned fm) {
  QiDesc d = make("CC-dev(did=" + num(did) + ", sid=" + to_string(sid) + ")", TYPE_CC);
  cc::G.set(d.bits, cc::G_DEVICE);
  cc::DID.set(d.bits, did);
  cc::SID.set(d.bits, sid.value);
  cc::FM.set(d.bits, fm);
  return d;
}

QiDesc qi_cc_global() {
  QiDesc d = make("CC-global", TYPE_CC);
  cc::G.set(d.bits, cc::G_GLOBAL);
  return d;
}

// DW/DR stay 0: CAP.DWD/DRD are not modeled.
QiDesc qi_iotlb_dsi(u16 did) {
  QiDesc d = make("IOTLB-DSI(did=" + num(did) + ")", TYPE_IOTLB);
  iotlb::G.set(d.bits, iotlb::G_DOMAIN);
  iotlb::DID.set(d.bits, did);
  return d;
}

QiDesc qi_iotlb_global() {
  QiDesc d = make("IOTLB-global", TYPE_IOTLB);
  iotlb::G.set(d.bits, iotlb::G_GLOBAL);
  return d;
}

QiDesc qi_pc_pasid(u16 did, u32 pasid) {
  QiDesc d = make("PC-PASID(did=" + num(did) + ", pasid=" + num(pasid) + ")", TYPE_PC);
  pc::G.set(d.bits, pc::G_PASID);
  pc::DID.set(d.bits, did);
  pc::PASID.set(d.bits, pasid);
  return d;
}

QiDesc qi_pc_global() {
  QiDesc d = make("PC-global", TYPE_PC);
  pc::G.set(d.bits, pc::G_GLOBAL);
  return d;
}

QiDesc qi_piotlb_all(u16 did, u32 pasid) {
  QiDesc d = make("PIOTLB-all(did=" + num(did) + ", pasid=" + num(pasid) + ")", TYPE_PIOTLB);
  piotlb::G.set(d.bits, piotlb::G_PASID);
  piotlb::DID.set(d.bits, did);
  piotlb::PASID.set(d.bits, pasid);
  return d;
}

// QDEP and PFSID stay 0: ats_qdep and ECAP.DIT are not modeled (Linux itself
// writes 0 for a queue depth of 32 or more).
QiDesc qi_devtlb_global(Rid sid) {
  QiDesc d = make("devTLB-global(sid=" + to_string(sid) + ")", TYPE_DEVTLB);
  devtlb::SID.set(d.bits, sid.value);
  devtlb::S.set(d.bits, 1);
  devtlb::ADDR.set(d.bits, kDevtlbAllAddr);
  return d;
}

QiDesc qi_pasid_devtlb_all(Rid sid, u32 pasid) {
  QiDesc d = make("PASID-devTLB(sid=" + to_string(sid) + ", pasid=" + num(pasid) + ")", TYPE_PDEVTLB);
  pdevtlb::SID.set(d.bits, sid.value);
  pdevtlb::PASID.set(d.bits, pasid);
  pdevtlb::S.set(d.bits, 1);
  pdevtlb::ADDR.set(d.bits, kDevtlbAllAddr);
  return d;
}

QiDesc qi_wait(Addr status) {
  QiDesc d = make("wait(status=" + hex(status) + ")", TYPE_WAIT);
  wait::SW.set(d.bits, 1);
  wait::STATUS_DATA.set(d.bits, QI_DONE);
  wait::STATUS_ADDR.set(d.bits, status >> 2);
  return d;
}

void qi_submit_sync(std::vector<Operation>& ops, const DriverEnv& env, const std::vector<QiDesc>& descs_in,
                    QiWait wait) {
  // A mutant changes what is submitted, not how: the ring logic below is the one Linux has.
  MutationContext* mc = env.state.mutation;
  const unsigned site = mc ? mc->begin_submission(descs_in, wait, static_cast<u32>(ops.size())) : 0;
  const QiChange change = mc ? mc->change(site) : QiChange{};
  std::vector<QiDesc> descs = descs_in;
  if (change.drop_desc && *change.drop_desc < descs.size()) descs.erase(descs.begin() + *change.drop_desc);
  if (change.wait) wait = *change.wait;
  // Without a wait descriptor nothing is polled: a poll of a status nobody writes would hang.
  const bool with_wait = !change.drop_wait;

  const DriverMemory& m = env.layout.driver;
  const unsigned shift = m.qi_shift;
  const unsigned qwords = (1u << shift) / 8;  // memcpy of 1 << shift bytes
  const auto status = [&](unsigned slot) { return m.qi_status + 4 * Addr{slot}; };
  // memcpy() with a run-time size is a call: the compiler keeps the
  // desc_status stores on their side of it (the kernel builds with
  // -fno-strict-aliasing, so they may alias the ring).
  const auto copy = [&](unsigned slot, const QiDesc& d) {
    const Addr a = m.qi_queue + (Addr{slot} << shift);
    ops.push_back(Operation::simple(OpKind::CompilerBarrier, "qi_submit_sync: memcpy() call"));
    for (unsigned q = 0; q < qwords; ++q)
      ops.push_back(Operation::assign64(
          a + 8 * q, d.bits.w[q],
          "qi_submit_sync: memcpy " + slot_text(slot) + ".qw" + std::to_string(q) + " <- " + d.name));
    ops.push_back(Operation::simple(OpKind::CompilerBarrier, "qi_submit_sync: memcpy() returned"));
  };

  ops.push_back(Operation::lock(m.qi_lock, "qi_submit_sync: raw_spin_lock(&qi->q_lock)"));
  const unsigned count = static_cast<unsigned>(descs.size());
  const unsigned index = env.state.qi_free_head;
  // WaitFirst: the wait in the submission's first slot, the descriptors after it.
  const bool wait_first = with_wait && wait == QiWait::WaitFirst;
  const unsigned first_desc = wait_first ? index + 1 : index;
  const unsigned wait_index = (wait_first ? index : index + count) % QI_LENGTH;
  const auto queue_wait = [&] {
    ops.push_back(Operation::store32(
        status(wait_index), QI_IN_USE,
        "qi_submit_sync: desc_status[" + std::to_string(wait_index) + "] = QI_IN_USE (wait)"));
    copy(wait_index, qi_wait(status(wait_index)));
  };
  if (wait_first) queue_wait();
  for (unsigned i = 0; i < count; ++i) {
    const unsigned slot = (first_desc + i) % QI_LENGTH;
    copy(slot, descs[i]);
    ops.push_back(Operation::store32(
        status(slot), QI_IN_USE, "qi_submit_sync: desc_status[" + std::to_string(slot) + "] = QI_IN_USE"));
  }
  if (!wait_first && with_wait) queue_wait();
  const unsigned free_head = (index + count + (with_wait ? 1 : 0)) % QI_LENGTH;
  env.state.qi_free_head = free_head;
  // No barrier before the doorbell: writel is ordered after earlier stores.
  ops.push_back(Operation::mmio_write(
      reg::IQT, Addr{free_head} << shift, 4,
      "qi_submit_sync: writel(" + std::to_string(free_head) + " << " + std::to_string(shift) + ", IQT)"));
  if (with_wait && wait != QiWait::NoPoll) {
    // The 4-byte status slot may be the upper half of its 64-bit word.
    const Addr s = status(wait_index);
    const unsigned sh = (s & 4) ? 32 : 0;
    ops.push_back(Operation::poll_until(
        s & ~Addr{7}, u64{0xffffffff} << sh, u64{QI_DONE} << sh,
        "qi_submit_sync: READ_ONCE(desc_status[" + std::to_string(wait_index) + "]) == QI_DONE"));
    // Every slot of the submission, the wait included (i <= count).
    for (unsigned i = 0; i <= count; ++i) {
      const unsigned slot = (index + i) % QI_LENGTH;
      ops.push_back(Operation::store32(
          status(slot), QI_FREE, "qi_submit_sync: desc_status[" + std::to_string(slot) + "] = QI_FREE"));
    }
  }
  ops.push_back(Operation::unlock(m.qi_lock, "qi_submit_sync: raw_spin_unlock(&qi->q_lock)"));
  if (mc) mc->end_submission(site, static_cast<u32>(ops.size()));
}

namespace drv {

void context_enable_and_set_present(std::vector<Operation>& ops, Addr lo, bool pre_fix) {
  // FPD and P sit at bits 1 and 0 of both legacy and scalable context entries.
  static_assert(ctx_fmt::P.lsb == smctx_fmt::P.lsb && ctx_fmt::FPD.lsb == smctx_fmt::FPD.lsb);
  ops.push_back(Operation::rmw64(lo, field_mask(ctx_fmt::FPD), 0, "context_set_fault_enable"));
  if (pre_fix) {
    ops.push_back(Operation::rmw64(lo, 0, field_bits(ctx_fmt::P, 1), "context_set_present: lo |= 1"));
  } else {
    ops.push_back(Operation::simple(OpKind::CompilerBarrier, "context_set_present: dma_wmb()"));
    ops.push_back(
        Operation::rmw64(lo, 0, field_bits(ctx_fmt::P, 1), "context_set_present: WRITE_ONCE(lo | 1)", true));
  }
}

void flush_cache(std::vector<Operation>& ops, const DriverEnv& env, Addr addr, unsigned size,
                 const std::string& what) {
  if (env.platform.iommu.coherent) return;
  const std::string label = "clflush_cache_range(" + what + ")";
  ops.push_back(Operation::simple(OpKind::Mfence, label + ": mb()"));
  for (Addr line = addr & ~Addr{63}; line < addr + size; line += 64)
    ops.push_back(Operation::simple(OpKind::Clflush, label, line));
  ops.push_back(Operation::simple(OpKind::Mfence, label + ": mb()"));
}

bool ats_enabled(const DriverEnv& env, const DeviceLayout& dev) {
  return dev.ats || (!env.layout.scalable && dev.translation == ctx_fmt::TT_DEV_IOTLB);
}

std::optional<QiDesc> devtlb_desc_with_pasid(const DriverEnv& env, const DeviceLayout& dev, u32 pasid) {
  if (!ats_enabled(env, dev)) return std::nullopt;
  if (pasid == 0) return qi_devtlb_global(dev.rid);  // IOMMU_NO_PASID: requests without PASID
  return qi_pasid_devtlb_all(dev.rid, pasid);
}

void devtlb_invalidation_with_pasid(std::vector<Operation>& ops, const DriverEnv& env,
                                    const DeviceLayout& dev, u32 pasid, QiWait wait) {
  if (const std::optional<QiDesc> d = devtlb_desc_with_pasid(env, dev, pasid))
    qi_submit_sync(ops, env, {*d}, wait);
}

}  // namespace drv

}  // namespace vtd
