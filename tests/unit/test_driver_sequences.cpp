// The Linux driver sequences as emitted CPU operations: store order, widths
// and ONCE-ness per kernel version, barriers, locks, clflush only without
// ECAP.C, and every invalidation as a real qi_submit_sync on the ring.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "driver/driver.hpp"
#include "formats/qi_descriptors.hpp"
#include "tables/entries.hpp"

using namespace vtd;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

constexpr Addr kQueue = 0x10000, kStatus = 0x12000, kIommuLock = 0x13000, kQiLock = 0x13008;
constexpr Addr kCtx = 0x30040, kPasid0 = 0x32000, kPasid1 = 0x32040, kPasid2 = 0x32080;
const Rid kDev = Rid::from(0, 2, 0);

DomainLayout domain(const std::string& name, u16 did, const std::string& type, Addr pgd,
                    const std::string& parent = "") {
  DomainLayout d;
  d.name = name;
  d.did = did;
  d.type = type;
  d.pgd = pgd;
  d.parent = parent;
  return d;
}

// A scalable-mode layout: PASID 0 on sl1 (second level), PASID 1 on fl1
// (first level), PASID 2 allocated but not present.
TableLayout scalable_layout(bool ats = true) {
  TableLayout L;
  L.scalable = true;
  L.driver = DriverMemory{kQueue, 5, kStatus, kIommuLock, kQiLock};
  for (const DomainLayout& d :
       {domain("sl1", 2, "second_level", 0x20000), domain("sl2", 3, "second_level", 0x21000),
        domain("fl1", 4, "first_level", 0x22000), domain("fl1b", 4, "first_level", 0x23000),
        domain("fl2", 6, "first_level", 0x25000), domain("nest", 5, "first_level", 0x24000, "sl1")})
    L.domains[d.name] = d;
  DeviceLayout dev;
  dev.rid = kDev;
  dev.context_entry = kCtx;
  dev.ats = ats;
  dev.pasid_dir = 0x31000;
  dev.pdts = 2;
  dev.pasids[0] = PasidLayout{0, kPasid0, "sl1", pasid_fmt::PGTT_SL};
  dev.pasids[1] = PasidLayout{1, kPasid1, "fl1", pasid_fmt::PGTT_FL};
  dev.pasids[2] = PasidLayout{2, kPasid2, "", 0};
  L.devices[kDev] = dev;
  return L;
}

TableLayout legacy_layout(u64 translation = ctx_fmt::TT_MULTI_LEVEL) {
  TableLayout L;
  L.driver = DriverMemory{kQueue, 4, kStatus, kIommuLock, kQiLock};
  L.domains["dom1"] = domain("dom1", 2, "second_level", 0x20000);
  DeviceLayout dev;
  dev.rid = kDev;
  dev.context_entry = 0x30020;
  dev.domain = "dom1";
  dev.translation = translation;
  L.devices[kDev] = dev;
  return L;
}

// Owns what a DriverEnv refers to.
struct Fixture {
  TableLayout layout;
  Platform platform;
  DriverState state;
  explicit Fixture(TableLayout l) : layout(std::move(l)), state(DriverState::from_layout(layout)) {}
  DriverEnv env() { return DriverEnv{layout, platform, state}; }
  const DeviceLayout& dev() const { return layout.devices.at(kDev); }
  const DomainLayout* dom(const std::string& n) const { return layout.domain(n); }
};

std::vector<Operation> of_kind(const std::vector<Operation>& ops, OpKind k) {
  std::vector<Operation> v;
  for (const Operation& o : ops)
    if (o.kind == k) v.push_back(o);
  return v;
}

// Index of the first op (from `from`) matching pred, or ops.size().
template <typename Pred>
std::size_t index_of(const std::vector<Operation>& ops, Pred pred, std::size_t from = 0) {
  for (std::size_t i = from; i < ops.size(); ++i)
    if (pred(ops[i])) return i;
  return ops.size();
}
bool is(const Operation& o, OpKind k) { return o.kind == k; }
std::vector<Operation> no_barriers(const std::vector<Operation>& ops) {
  std::vector<Operation> v;
  for (const Operation& o : ops)
    if (o.kind != OpKind::CompilerBarrier) v.push_back(o);
  return v;
}

// Stores to [base, base + 64): the table stores, without the ring's.
std::vector<Operation> entry_stores(const std::vector<Operation>& ops, Addr base) {
  std::vector<Operation> v;
  for (const Operation& o : ops)
    if ((o.kind == OpKind::Store64 || o.kind == OpKind::Store128) && o.addr >= base && o.addr < base + 64)
      v.push_back(o);
  return v;
}

// Memory after the stores of ops (all of them, ignoring driver branches).
EntryBits compose(const std::vector<Operation>& ops, Addr base, EntryBits start = {}) {
  EntryBits e = start;
  for (const Operation& o : entry_stores(ops, base)) {
    const std::size_t i = (o.addr - base) / 8;
    if (o.kind == OpKind::Store128) {
      e.w[i] = o.lo;
      e.w[i + 1] = o.hi;
    } else {
      e.w[i] = (e.w[i] & ~o.clear) | o.set;
    }
  }
  return e;
}

// The qwords each MmioWrite published, decoded from the ring stores before it.
struct Submission {
  std::vector<std::array<u64, 4>> descs;  // in slot order, the wait last
  u64 iqt = 0;
  bool polled = false;
};
std::vector<Submission> submissions(const std::vector<Operation>& ops, unsigned shift) {
  std::vector<Submission> out;
  std::map<Addr, u64> ring;
  std::vector<Addr> slots;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Operation& o = ops[i];
    if (o.kind == OpKind::Store64 && o.bytes == 8 && o.addr >= kQueue && o.addr < kQueue + (256u << shift)) {
      const Addr slot = (o.addr - kQueue) >> shift << shift;
      if (slots.empty() || slots.back() != slot) slots.push_back(slot);
      ring[o.addr] = o.set;
    }
    if (o.kind == OpKind::MmioWrite) {
      Submission s;
      s.iqt = o.value;
      for (Addr slot : slots) {
        std::array<u64, 4> qw{};
        for (unsigned q = 0; q < (1u << shift) / 8; ++q) qw[q] = ring[kQueue + slot + 8 * q];
        s.descs.push_back(qw);
      }
      s.polled = index_of(
                     ops, [](const Operation& x) { return x.kind == OpKind::PollUntil; }, i) <
                 index_of(
                     ops, [](const Operation& x) { return x.kind == OpKind::MmioWrite; }, i + 1);
      out.push_back(s);
      slots.clear();
    }
  }
  return out;
}
u64 type_of(const std::array<u64, 4>& qw) { return qw[0] & 0xf; }
std::vector<u64> types(const std::vector<Submission>& subs) {
  std::vector<u64> v;
  for (const Submission& s : subs) v.push_back(type_of(s.descs.front()));
  return v;
}
EntryBits bits(const std::array<u64, 4>& qw) {
  EntryBits e;
  for (std::size_t i = 0; i < 4; ++i) e.w[i] = qw[i];
  return e;
}

SourceLoc at(int line, int col) { return SourceLoc{"t.yaml", line, col}; }

ProgramItem seq(const std::string& name, std::map<std::string, std::string> args) {
  ProgramItem it;
  it.kind = ProgramItem::Kind::Sequence;
  it.sequence = name;
  it.loc = at(1, 3);
  int col = 5;
  for (auto& [k, v] : args) it.args[k] = Arg{v, at(2, col++)};
  return it;
}

std::string build_error(Fixture& f, const ProgramItem& item) {
  try {
    build_items({item}, f.platform, f.layout, f.state);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

// ------------------------------------------------------------ qi_submit_sync

TEST_CASE("qi_submit_sync lays out descriptor and wait in consecutive ring slots", "[driver]") {
  Fixture f(scalable_layout());
  std::vector<Operation> raw;
  qi_submit_sync(raw, f.env(), {qi_pc_pasid(2, 7)});
  // Each memcpy() is a call, bracketed by compiler barriers.
  CHECK(raw[1].kind == OpKind::CompilerBarrier);
  CHECK(raw[6].kind == OpKind::CompilerBarrier);
  CHECK(of_kind(raw, OpKind::CompilerBarrier).size() == 4);
  const std::vector<Operation> ops = no_barriers(raw);
  REQUIRE(ops.size() == 1 + 4 + 1 + 1 + 4 + 1 + 1 + 2 + 1);
  CHECK(ops.front().kind == OpKind::Lock);
  CHECK(ops.front().addr == kQiLock);
  CHECK(ops.back().kind == OpKind::Unlock);
  CHECK(ops.back().addr == kQiLock);
  // Slot 0: the PC descriptor, four plain qwords (256-bit descriptors).
  for (unsigned q = 0; q < 4; ++q) {
    CHECK(ops[1 + q].kind == OpKind::Store64);
    CHECK(ops[1 + q].addr == kQueue + 8 * q);
    CHECK_FALSE(ops[1 + q].once);
  }
  EntryBits pc;
  pc.w[0] = ops[1].set;
  CHECK(qi_fmt::TYPE.get(pc) == qi_fmt::TYPE_PC);
  CHECK(qi_fmt::pc::G.get(pc) == qi_fmt::pc::G_PASID);
  CHECK(qi_fmt::pc::DID.get(pc) == 2);
  CHECK(qi_fmt::pc::PASID.get(pc) == 7);
  // desc_status[0] and [1] = QI_IN_USE (32-bit stores), then the wait in slot 1.
  CHECK(ops[5].bytes == 4);
  CHECK(ops[5].addr == kStatus);
  CHECK(ops[5].set == qi_fmt::QI_IN_USE);
  CHECK(ops[6].addr == kStatus + 4);
  EntryBits w;
  for (unsigned q = 0; q < 4; ++q) {
    CHECK(ops[7 + q].addr == kQueue + 32 + 8 * q);
    w.w[q] = ops[7 + q].set;
  }
  CHECK(qi_fmt::TYPE.get(w) == qi_fmt::TYPE_WAIT);
  CHECK(qi_fmt::wait::SW.get(w) == 1);
  CHECK(qi_fmt::wait::IF.get(w) == 0);
  CHECK(qi_fmt::wait::STATUS_DATA.get(w) == qi_fmt::QI_DONE);
  CHECK(qi_fmt::wait::STATUS_ADDR.get(w) << 2 == kStatus + 4);
  // Doorbell: IQT = free_head << shift, a 4-byte writel.
  CHECK(ops[11].kind == OpKind::MmioWrite);
  CHECK(ops[11].addr == reg::IQT);
  CHECK(ops[11].value == 2u << 5);
  CHECK(ops[11].bytes == 4);
  // The status slot is the upper half of its word: mask and value shifted.
  CHECK(ops[12].kind == OpKind::PollUntil);
  CHECK(ops[12].addr == kStatus);
  CHECK(ops[12].mask == 0xffffffff00000000ull);
  CHECK(ops[12].value == u64{qi_fmt::QI_DONE} << 32);
  // Both slots freed.
  CHECK(ops[13].addr == kStatus);
  CHECK(ops[13].set == qi_fmt::QI_FREE);
  CHECK(ops[14].addr == kStatus + 4);
  CHECK(f.state.qi_free_head == 2);
}

TEST_CASE("qi_submit_sync continues at free_head and wraps at 256", "[driver]") {
  Fixture f(scalable_layout());
  f.state.qi_free_head = 255;
  std::vector<Operation> raw;
  qi_submit_sync(raw, f.env(), {qi_iotlb_dsi(3)});
  const std::vector<Operation> ops = no_barriers(raw);
  CHECK(ops[1].addr == kQueue + 255 * 32);
  CHECK(ops[5].addr == kStatus + 255 * 4);
  CHECK(ops[6].addr == kStatus);  // the wait's slot wrapped to 0
  CHECK(ops[7].addr == kQueue);
  const Operation iqt = of_kind(ops, OpKind::MmioWrite).at(0);
  CHECK(iqt.value == 1u << 5);
  const Operation poll = of_kind(ops, OpKind::PollUntil).at(0);
  CHECK(poll.addr == kStatus);
  CHECK(poll.mask == 0xffffffffull);
  CHECK(poll.value == qi_fmt::QI_DONE);
  CHECK(f.state.qi_free_head == 1);

  // The next submission starts right after.
  std::vector<Operation> more;
  qi_submit_sync(more, f.env(), {qi_iotlb_dsi(3)});
  more = no_barriers(more);
  CHECK(more[1].addr == kQueue + 1 * 32);
  CHECK(f.state.qi_free_head == 3);
}

TEST_CASE("qi_submit_sync copies two qwords per descriptor in legacy mode", "[driver]") {
  Fixture f(legacy_layout());
  std::vector<Operation> ops;
  qi_submit_sync(ops, f.env(), {qi_cc_dev(2, kDev)});
  const auto subs = submissions(ops, 4);
  REQUIRE(subs.size() == 1);
  CHECK(subs[0].iqt == 2u << 4);
  CHECK(of_kind(ops, OpKind::Store64).size() == 2 + 1 + 1 + 2 + 2);
  CHECK(no_barriers(ops)[7].kind == OpKind::MmioWrite);
}

TEST_CASE("qi_submit_sync without waiting rings the doorbell but never polls", "[driver]") {
  Fixture f(scalable_layout());
  std::vector<Operation> ops;
  qi_submit_sync(ops, f.env(), {qi_pc_pasid(2, 0)}, QiWait::NoWait);
  CHECK(of_kind(ops, OpKind::MmioWrite).size() == 1);
  CHECK(of_kind(ops, OpKind::PollUntil).empty());
  CHECK(ops.back().kind == OpKind::Unlock);
  CHECK(f.state.qi_free_head == 2);
}

TEST_CASE("qi_submit_sync without polling queues the wait and rings the doorbell but never polls or frees",
          "[driver][qi]") {
  Fixture f(scalable_layout());
  std::vector<Operation> raw;
  qi_submit_sync(raw, f.env(), {qi_pc_pasid(2, 0)}, QiWait::NoPoll);
  const std::vector<Operation> ops = no_barriers(raw);
  const auto subs = submissions(raw, 5);
  REQUIRE(subs.size() == 1);
  REQUIRE(subs[0].descs.size() == 2);
  CHECK(type_of(subs[0].descs[0]) == qi_fmt::TYPE_PC);
  CHECK(type_of(subs[0].descs[1]) == qi_fmt::TYPE_WAIT);
  CHECK(subs[0].iqt == 2u << 5);
  CHECK_FALSE(subs[0].polled);
  // desc_status: both slots IN_USE, and nothing sets them FREE again.
  std::vector<std::pair<Addr, u64>> status;
  for (const Operation& o : ops)
    if (o.kind == OpKind::Store64 && o.bytes == 4) status.emplace_back(o.addr, o.set);
  CHECK(status ==
        std::vector<std::pair<Addr, u64>>{{kStatus, qi_fmt::QI_IN_USE}, {kStatus + 4, qi_fmt::QI_IN_USE}});
  CHECK(ops.back().kind == OpKind::Unlock);
  CHECK(f.state.qi_free_head == 2);
  // NoWait is the same emission under its first name.
  Fixture g(scalable_layout());
  std::vector<Operation> nw;
  qi_submit_sync(nw, g.env(), {qi_pc_pasid(2, 0)}, QiWait::NoWait);
  CHECK(nw == raw);
}

TEST_CASE("qi_submit_sync with the wait first puts the wait in the submission's first slot and polls it",
          "[driver][qi]") {
  Fixture f(scalable_layout());
  f.state.qi_free_head = 254;  // the descriptors wrap: wait 254, PC 255, PIOTLB 0
  std::vector<Operation> raw;
  qi_submit_sync(raw, f.env(), {qi_pc_pasid(2, 7), qi_piotlb_all(2, 7)}, QiWait::WaitFirst);
  const std::vector<Operation> ops = no_barriers(raw);
  // Ring stores in program order: the wait's four qwords first, in slot 254.
  std::vector<Addr> qw0;
  for (const Operation& o : ops)
    if (o.kind == OpKind::Store64 && o.bytes == 8 && (o.addr - kQueue) % 32 == 0) qw0.push_back(o.addr);
  CHECK(qw0 == std::vector<Addr>{kQueue + 254 * 32, kQueue + 255 * 32, kQueue});
  const auto first_ring =
      index_of(ops, [](const Operation& o) { return o.kind == OpKind::Store64 && o.bytes == 8; });
  EntryBits w;
  for (unsigned q = 0; q < 4; ++q) w.w[q] = ops[first_ring + q].set;
  CHECK(qi_fmt::TYPE.get(w) == qi_fmt::TYPE_WAIT);
  CHECK(qi_fmt::wait::STATUS_ADDR.get(w) << 2 == kStatus + 254 * 4);  // its own slot's status
  // desc_status IN_USE: the wait's slot, then each descriptor's.
  std::vector<Addr> in_use, freed;
  for (const Operation& o : ops)
    if (o.kind == OpKind::Store64 && o.bytes == 4)
      (o.set == qi_fmt::QI_IN_USE ? in_use : freed).push_back(o.addr);
  CHECK(in_use == std::vector<Addr>{kStatus + 254 * 4, kStatus + 255 * 4, kStatus});
  // Doorbell past all three slots; the poll on the wait's status; all three freed.
  CHECK(of_kind(ops, OpKind::MmioWrite).at(0).value == 1u << 5);
  const Operation poll = of_kind(ops, OpKind::PollUntil).at(0);
  CHECK(poll.addr == kStatus + 254 * 4);
  CHECK(poll.mask == 0xffffffffull);  // slot 254: the low half of its word
  CHECK(freed == std::vector<Addr>{kStatus + 254 * 4, kStatus + 255 * 4, kStatus});
  CHECK(index_of(ops, [](const Operation& o) { return is(o, OpKind::MmioWrite); }) <
        index_of(ops, [](const Operation& o) { return is(o, OpKind::PollUntil); }));
  CHECK(f.state.qi_free_head == 1);
}

TEST_CASE("descriptor builders encode Linux's fields", "[driver]") {
  using namespace qi_fmt;
  const QiDesc cc = qi_cc_dev(9, kDev, 0);
  CHECK(TYPE.get(cc.bits) == TYPE_CC);
  CHECK(cc::G.get(cc.bits) == cc::G_DEVICE);
  CHECK(cc::DID.get(cc.bits) == 9);
  CHECK(cc::SID.get(cc.bits) == kDev.value);
  CHECK(cc::G.get(qi_cc_global().bits) == cc::G_GLOBAL);
  CHECK(iotlb::G.get(qi_iotlb_dsi(3).bits) == iotlb::G_DOMAIN);
  CHECK(iotlb::DID.get(qi_iotlb_dsi(3).bits) == 3);
  CHECK(qi_iotlb_dsi(3).bits.w[1] == 0);
  CHECK(iotlb::G.get(qi_iotlb_global().bits) == iotlb::G_GLOBAL);
  CHECK(pc::G.get(qi_pc_global().bits) == pc::G_GLOBAL);
  const QiDesc pi = qi_piotlb_all(4, 5);
  CHECK(TYPE.get(pi.bits) == TYPE_PIOTLB);
  CHECK(piotlb::G.get(pi.bits) == piotlb::G_PASID);
  CHECK(piotlb::DID.get(pi.bits) == 4);
  CHECK(piotlb::PASID.get(pi.bits) == 5);
  CHECK(pi.bits.w[1] == 0);
  const QiDesc dt = qi_devtlb_global(kDev);
  CHECK(TYPE.get(dt.bits) == TYPE_DEVTLB);
  CHECK(devtlb::SID.get(dt.bits) == kDev.value);
  CHECK(dt.bits.w[1] == 0x7FFF'FFFF'FFFF'F001ull);
  const QiDesc pdt = qi_pasid_devtlb_all(kDev, 5);
  CHECK(TYPE.get(pdt.bits) == TYPE_PDEVTLB);
  CHECK(pdevtlb::SID.get(pdt.bits) == kDev.value);
  CHECK(pdevtlb::PASID.get(pdt.bits) == 5);
  CHECK(pdt.bits.w[1] == 0x7FFF'FFFF'FFFF'F800ull);
  for (const QiDesc& d : {cc, pi, dt, pdt, qi_wait(0x1234)}) {
    const DecodeResult r = decode_descriptor({d.bits.w[0], d.bits.w[1], 0, 0}, true);
    INFO(d.name << ": " << r.reason);
    CHECK(r.ok());
  }
}

// ------------------------------------------------------------ legacy context

TEST_CASE("legacy mapping keeps its store order under iommu->lock", "[driver]") {
  Fixture f(legacy_layout());
  const DriverOp d = domain_context_mapping_one(f.env(), f.dev(), *f.dom("dom1"), MapVariant::DmaWmb);
  REQUIRE(d.ops.size() >= 2);
  CHECK(d.ops.front().kind == OpKind::Lock);
  CHECK(d.ops.front().addr == kIommuLock);
  CHECK(d.ops[1].kind == OpKind::ReturnIfSet);
  CHECK(d.ops.back().kind == OpKind::Unlock);
  std::vector<std::string> labels;
  for (const Operation& o : of_kind(d.ops, OpKind::Store64)) labels.push_back(o.label);
  CHECK(labels == std::vector<std::string>{
                      "context_clear_entry: lo = 0", "context_clear_entry: hi = 0", "context_set_domain_id",
                      "context_set_address_root", "context_set_address_width", "context_set_translation_type",
                      "context_set_fault_enable", "context_set_present: WRITE_ONCE(lo | 1)"});
  CHECK(d.ops[d.ops.size() - 3].kind == OpKind::CompilerBarrier);
  CHECK(compose(d.ops, 0x30020).w[0] == legacy_context_value(*f.dom("dom1"), 0).w[0]);
  // Caching mode off: no invalidation for non-present -> present.
  CHECK(of_kind(d.ops, OpKind::MmioWrite).empty());

  f.platform.iommu.caching_mode = true;
  const DriverOp cm = domain_context_mapping_one(f.env(), f.dev(), *f.dom("dom1"), MapVariant::PreFix);
  const auto subs = submissions(cm.ops, 4);
  REQUIRE(subs.size() == 2);
  CHECK(qi_fmt::cc::DID.get(bits(subs[0].descs[0])) == 0);  // DID 0: cached "not present"
  CHECK(qi_fmt::iotlb::DID.get(bits(subs[1].descs[0])) == 2);
  CHECK(cm.ops.back().kind == OpKind::Unlock);  // flushed under the lock
}

TEST_CASE("legacy teardown issues real queued invalidations", "[driver]") {
  Fixture f(legacy_layout(ctx_fmt::TT_DEV_IOTLB));
  SECTION("clear_present: P cleared before the flushes, zeroed after they completed") {
    const DriverOp d = domain_context_clear_one(f.env(), f.dev(), TeardownVariant::ClearPresent);
    const auto subs = submissions(d.ops, 4);
    CHECK(types(subs) == std::vector<u64>{qi_fmt::TYPE_CC, qi_fmt::TYPE_IOTLB, qi_fmt::TYPE_DEVTLB});
    for (const Submission& s : subs) CHECK(s.polled);
    const std::size_t clear_p = index_of(d.ops, [](const Operation& o) { return o.once; });
    const std::size_t unlock = index_of(d.ops, [](const Operation& o) { return is(o, OpKind::Unlock); });
    const std::size_t first_mmio =
        index_of(d.ops, [](const Operation& o) { return is(o, OpKind::MmioWrite); });
    std::size_t last_poll = 0;
    for (std::size_t i = 0; i < d.ops.size(); ++i)
      if (d.ops[i].kind == OpKind::PollUntil) last_poll = i;
    const std::size_t zero =
        index_of(d.ops, [](const Operation& o) { return o.label == "context_clear_entry: lo = 0"; });
    CHECK(clear_p < unlock);
    CHECK(d.ops[unlock].addr == kIommuLock);
    CHECK(unlock < first_mmio);
    CHECK(last_poll < zero);
  }
  SECTION("pre_fix: zeroed under the lock, flushed after unlock") {
    const DriverOp d = domain_context_clear_one(f.env(), f.dev(), TeardownVariant::PreFix);
    const std::size_t zero =
        index_of(d.ops, [](const Operation& o) { return o.label == "context_clear_entry: lo = 0"; });
    const std::size_t unlock =
        index_of(d.ops, [](const Operation& o) { return o.addr == kIommuLock && is(o, OpKind::Unlock); });
    const std::size_t first_mmio =
        index_of(d.ops, [](const Operation& o) { return is(o, OpKind::MmioWrite); });
    CHECK(zero < unlock);
    CHECK(unlock < first_mmio);
    CHECK(submissions(d.ops, 4).size() == 3);
    CHECK(of_kind(d.ops, OpKind::Invalidate).empty());
  }
}

TEST_CASE("broken legacy teardown no_wait clears P, queues the invalidations unpolled and zeroes at once",
          "[driver]") {
  Fixture f(legacy_layout(ctx_fmt::TT_DEV_IOTLB));
  const DriverOp d = domain_context_clear_one(f.env(), f.dev(), TeardownVariant::NoWait);
  const auto subs = submissions(d.ops, 4);
  CHECK(types(subs) == std::vector<u64>{qi_fmt::TYPE_CC, qi_fmt::TYPE_IOTLB, qi_fmt::TYPE_DEVTLB});
  for (const Submission& s : subs) {
    CHECK_FALSE(s.polled);
    CHECK(s.descs.size() == 2);  // each with its wait queued
  }
  CHECK(of_kind(d.ops, OpKind::PollUntil).empty());
  const std::size_t clear_p = index_of(d.ops, [](const Operation& o) { return o.once; });
  const std::size_t first_mmio = index_of(d.ops, [](const Operation& o) { return is(o, OpKind::MmioWrite); });
  std::size_t last_mmio = 0;
  for (std::size_t i = 0; i < d.ops.size(); ++i)
    if (d.ops[i].kind == OpKind::MmioWrite) last_mmio = i;
  const std::size_t zero =
      index_of(d.ops, [](const Operation& o) { return o.label == "context_clear_entry: lo = 0"; });
  CHECK(clear_p < first_mmio);
  CHECK(last_mmio < zero);
  CHECK(zero < d.ops.size());
}

TEST_CASE("legacy teardown flushes the DID of the domain mapped before it", "[driver]") {
  Fixture f(legacy_layout());
  f.layout.domains["dom2"] = domain("dom2", 7, "second_level", 0x28000);
  domain_context_clear_one(f.env(), f.dev(), TeardownVariant::ClearPresent);
  const DriverOp none = domain_context_clear_one(f.env(), f.dev(), TeardownVariant::ClearPresent);
  CHECK(qi_fmt::cc::DID.get(bits(submissions(none.ops, 4).at(0).descs[0])) == 0);
  domain_context_mapping_one(f.env(), f.dev(), *f.dom("dom2"), MapVariant::DmaWmb);
  const DriverOp d = domain_context_clear_one(f.env(), f.dev(), TeardownVariant::PreFix);
  const auto subs = submissions(d.ops, 4);
  CHECK(qi_fmt::cc::DID.get(bits(subs.at(0).descs[0])) == 7);
  CHECK(qi_fmt::iotlb::DID.get(bits(subs.at(1).descs[0])) == 7);
}

TEST_CASE("clflush is emitted iff page walks are not coherent", "[driver]") {
  Fixture f(legacy_layout());
  CHECK(of_kind(domain_context_mapping_one(f.env(), f.dev(), *f.dom("dom1"), MapVariant::DmaWmb).ops,
                OpKind::Clflush)
            .empty());
  f.platform.iommu.coherent = false;
  const DriverOp map = domain_context_mapping_one(f.env(), f.dev(), *f.dom("dom1"), MapVariant::DmaWmb);
  const auto fl = of_kind(map.ops, OpKind::Clflush);
  REQUIRE(fl.size() == 1);
  CHECK(fl[0].addr == 0x30000);                         // the 64-byte line of the 16-byte entry
  CHECK(of_kind(map.ops, OpKind::Mfence).size() == 2);  // clflush_cache_range's mb() pair
  CHECK(
      of_kind(domain_context_clear_one(f.env(), f.dev(), TeardownVariant::ClearPresent).ops, OpKind::Clflush)
          .size() == 2);

  Fixture s(scalable_layout());
  const DriverOp coherent = intel_pasid_setup(s.env(), s.dev(), 2, PasidType::SecondLevel, s.dom("sl2"));
  CHECK(of_kind(coherent.ops, OpKind::Clflush).empty());
  s.platform.iommu.coherent = false;
  s.state = DriverState::from_layout(s.layout);
  const DriverOp nc = intel_pasid_setup(s.env(), s.dev(), 2, PasidType::SecondLevel, s.dom("sl2"));
  const auto pf = of_kind(nc.ops, OpKind::Clflush);
  REQUIRE(pf.size() == 1);
  CHECK(pf[0].addr == kPasid2);
  const std::size_t unlock = index_of(nc.ops, [](const Operation& o) { return is(o, OpKind::Unlock); });
  CHECK(index_of(nc.ops, [](const Operation& o) { return is(o, OpKind::Clflush); }) > unlock);
  const DriverOp td =
      intel_pasid_tear_down_entry(s.env(), s.dev(), 0, false, PasidTeardownVariant::ClearPresent);
  CHECK(of_kind(td.ops, OpKind::Clflush).size() == 2);  // after clear-P and after the zeroing
}

// ------------------------------------------------------------ PASID setup

TEST_CASE("PASID setup writes P last with dma_wmb before it and composes Linux's entry", "[driver]") {
  Fixture f(scalable_layout());
  struct Case {
    PasidType t;
    const char* dom;
  };
  for (const Case c : {Case{PasidType::SecondLevel, "sl2"}, Case{PasidType::FirstLevel, "fl2"},
                       Case{PasidType::PassThrough, ""}, Case{PasidType::Nested, "nest"}}) {
    f.state = DriverState::from_layout(f.layout);
    const DomainLayout* dom = f.dom(c.dom);
    const DriverOp d = intel_pasid_setup(f.env(), f.dev(), 2, c.t, dom);
    INFO("pgtt " << pgtt_of(c.t));
    REQUIRE(d.ops.size() > 12);
    CHECK(d.ops[0].kind == OpKind::Lock);
    CHECK(d.ops[0].addr == kIommuLock);
    CHECK(d.ops[1].kind == OpKind::ReturnIfSet);
    CHECK(d.ops[1].addr == kPasid2);
    CHECK(d.ops[1].mask == 1);
    const auto stores = entry_stores(d.ops, kPasid2);
    // pasid_clear_entry: eight WRITE_ONCE(0), val[0] first.
    for (std::size_t i = 0; i < 8; ++i) {
      CHECK(stores[i].addr == kPasid2 + 8 * i);
      CHECK(stores[i].clear == ~0ull);
      CHECK(stores[i].set == 0);
    }
    for (const Operation& s : stores) CHECK(s.once);
    CHECK(stores.back().addr == kPasid2);
    CHECK(stores.back().set == 1);
    CHECK(stores.back().clear == 1);
    const std::size_t p = index_of(d.ops, [](const Operation& o) { return o.label == "pasid_set_present"; });
    CHECK(d.ops[p - 1].kind == OpKind::CompilerBarrier);
    CHECK(d.ops[p + 1].kind == OpKind::Unlock);
    CHECK(compose(d.ops, kPasid2) == pasid_entry_value(f.layout, f.platform, c.t, dom));
    CHECK(of_kind(d.ops, OpKind::MmioWrite).empty());  // CM = 0
    CHECK(f.state.pasid(kDev, 2).present);
  }
}

TEST_CASE("second-level setup follows the field order of pasid_pte_config_second_level", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d = intel_pasid_setup(f.env(), f.dev(), 2, PasidType::SecondLevel, f.dom("sl2"));
  std::vector<std::string> labels;
  for (const Operation& o : entry_stores(d.ops, kPasid2))
    if (o.label.rfind("pasid_clear_entry", 0) != 0) labels.push_back(o.label);
  CHECK(labels == std::vector<std::string>{"pasid_set_domain_id", "pasid_set_slptr",
                                           "pasid_set_address_width", "pasid_set_translation_type(SL_ONLY)",
                                           "pasid_set_fault_enable", "pasid_set_page_snoop",
                                           "pasid_set_present"});
}

TEST_CASE("PASID setup in caching mode flushes PC-PASID and PIOTLB-all", "[driver]") {
  Fixture f(scalable_layout());
  f.platform.iommu.caching_mode = true;
  const DriverOp d = intel_pasid_setup(f.env(), f.dev(), 2, PasidType::FirstLevel, f.dom("fl2"));
  const auto subs = submissions(d.ops, 5);
  CHECK(types(subs) == std::vector<u64>{qi_fmt::TYPE_PC, qi_fmt::TYPE_PIOTLB});
  CHECK(qi_fmt::pc::DID.get(bits(subs[0].descs[0])) == 6);
  CHECK(qi_fmt::piotlb::PASID.get(bits(subs[1].descs[0])) == 2);
}

// ------------------------------------------------------------ PASID teardown

TEST_CASE("pre-fix teardown zeroes the entry under the lock before invalidating", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d = intel_pasid_tear_down_entry(f.env(), f.dev(), 0, false, PasidTeardownVariant::PreFix);
  const auto stores = entry_stores(d.ops, kPasid0);
  REQUIRE(stores.size() == 8);
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(stores[i].addr == kPasid0 + 8 * i);
    CHECK(stores[i].once);
    CHECK(stores[i].set == 0);
  }
  const std::size_t last_store =
      index_of(d.ops, [](const Operation& o) { return o.addr == kPasid0 + 56 && is(o, OpKind::Store64); });
  const std::size_t unlock = index_of(d.ops, [](const Operation& o) { return is(o, OpKind::Unlock); });
  const std::size_t first_mmio = index_of(d.ops, [](const Operation& o) { return is(o, OpKind::MmioWrite); });
  CHECK(last_store < unlock);
  CHECK(unlock < first_mmio);
  // PC-PASID, IOTLB-DSI for a second-level entry, devTLB type 3 for RID_PASID.
  const auto subs = submissions(d.ops, 5);
  CHECK(types(subs) == std::vector<u64>{qi_fmt::TYPE_PC, qi_fmt::TYPE_IOTLB, qi_fmt::TYPE_DEVTLB});
  CHECK(qi_fmt::pc::DID.get(bits(subs[0].descs[0])) == 2);
  CHECK(qi_fmt::iotlb::DID.get(bits(subs[1].descs[0])) == 2);
  // Linux reads val[1] (DID) and val[0] (PGTT) itself.
  const auto loads = of_kind(d.ops, OpKind::Load64);
  CHECK(loads.size() == 3);
  CHECK(loads[1].addr == kPasid0 + 8);
}

TEST_CASE("pre-fix teardown with fault_ignore leaves FPD in val[0]", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d = intel_pasid_tear_down_entry(f.env(), f.dev(), 1, true, PasidTeardownVariant::PreFix);
  const auto stores = entry_stores(d.ops, kPasid1);
  REQUIRE(stores.size() == 8);
  CHECK(stores[0].set == 2);  // PASID_PTE_FPD
  // First-level entry: PIOTLB-all, PASID devTLB (type 8) for PASID 1.
  CHECK(types(submissions(d.ops, 5)) ==
        std::vector<u64>{qi_fmt::TYPE_PC, qi_fmt::TYPE_PIOTLB, qi_fmt::TYPE_PDEVTLB});
  CHECK(f.state.pasid(kDev, 1).fpd);
  // A later teardown finds P = 0 with FPD and clears the entry.
  const DriverOp again =
      intel_pasid_tear_down_entry(f.env(), f.dev(), 1, false, PasidTeardownVariant::ClearPresent);
  CHECK(entry_stores(again.ops, kPasid1).size() == 8);
  CHECK(of_kind(again.ops, OpKind::MmioWrite).empty());
  CHECK(again.ops.back().kind == OpKind::Unlock);
  CHECK_FALSE(f.state.pasid(kDev, 1).fpd);
}

TEST_CASE("fixed teardown clears P alone then zeroes after the invalidations complete", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d =
      intel_pasid_tear_down_entry(f.env(), f.dev(), 0, false, PasidTeardownVariant::ClearPresent);
  const auto stores = entry_stores(d.ops, kPasid0);
  REQUIRE(stores.size() == 9);
  CHECK(stores[0].addr == kPasid0);
  CHECK(stores[0].clear == 1);
  CHECK(stores[0].set == 0);
  CHECK(stores[0].once);
  for (std::size_t i = 1; i < 9; ++i) {
    CHECK(stores[i].addr == kPasid0 + 8 * (i - 1));
    CHECK(stores[i].once);
  }
  const std::size_t clear_p =
      index_of(d.ops, [](const Operation& o) { return o.label == "pasid_clear_present"; });
  CHECK(d.ops[clear_p + 1].kind == OpKind::CompilerBarrier);
  CHECK(d.ops[clear_p + 2].kind == OpKind::Unlock);
  std::size_t last_poll = 0;
  for (std::size_t i = 0; i < d.ops.size(); ++i)
    if (d.ops[i].kind == OpKind::PollUntil) last_poll = i;
  const std::size_t zero = index_of(d.ops, [](const Operation& o) {
    return o.addr == kPasid0 && o.clear == ~0ull && is(o, OpKind::Store64);
  });
  CHECK(last_poll < zero);
  const auto subs = submissions(d.ops, 5);
  CHECK(types(subs) == std::vector<u64>{qi_fmt::TYPE_PC, qi_fmt::TYPE_IOTLB, qi_fmt::TYPE_DEVTLB});
  for (const Submission& s : subs) CHECK(s.polled);
  CHECK_FALSE(f.state.pasid(kDev, 0).present);
}

TEST_CASE("fixed teardown with fault_ignore reads P and finds it already clear", "[driver]") {
  // intel_pasid_clear_entry's `fault_ignore && pasid_pte_is_present(pe)` runs
  // after pasid_clear_present: the FPD form is never chosen.
  Fixture f(scalable_layout());
  const DriverOp d =
      intel_pasid_tear_down_entry(f.env(), f.dev(), 1, true, PasidTeardownVariant::ClearPresent);
  const auto stores = entry_stores(d.ops, kPasid1);
  REQUIRE(stores.size() == 9);
  CHECK(stores[1].set == 0);
  const auto loads = of_kind(d.ops, OpKind::Load64);
  CHECK(loads.back().label == "intel_pasid_clear_entry: pasid_pte_is_present(pe)");
  CHECK_FALSE(f.state.pasid(kDev, 1).fpd);
}

TEST_CASE("broken teardown variants: no_wait never polls and zero_before_flush zeroes first", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp nw = intel_pasid_tear_down_entry(f.env(), f.dev(), 0, false, PasidTeardownVariant::NoWait);
  CHECK(of_kind(nw.ops, OpKind::MmioWrite).size() == 3);
  CHECK(of_kind(nw.ops, OpKind::PollUntil).empty());
  CHECK(entry_stores(nw.ops, kPasid0).size() == 9);

  Fixture g(scalable_layout());
  const DriverOp zb =
      intel_pasid_tear_down_entry(g.env(), g.dev(), 0, false, PasidTeardownVariant::ZeroBeforeFlush);
  const std::size_t last_zero =
      index_of(zb.ops, [](const Operation& o) { return o.addr == kPasid0 + 56 && is(o, OpKind::Store64); });
  const std::size_t first_mmio =
      index_of(zb.ops, [](const Operation& o) { return is(o, OpKind::MmioWrite); });
  const std::size_t clear_p =
      index_of(zb.ops, [](const Operation& o) { return o.label == "pasid_clear_present"; });
  CHECK(clear_p < last_zero);
  CHECK(last_zero < first_mmio);
  CHECK(of_kind(zb.ops, OpKind::PollUntil).size() == 3);
}

TEST_CASE("broken teardown no_poll queues every wait and polls none", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d = intel_pasid_tear_down_entry(f.env(), f.dev(), 0, false, PasidTeardownVariant::NoPoll);
  const auto subs = submissions(d.ops, 5);
  CHECK(types(subs) == std::vector<u64>{qi_fmt::TYPE_PC, qi_fmt::TYPE_IOTLB, qi_fmt::TYPE_DEVTLB});
  std::vector<u64> iqt;
  for (const Submission& s : subs) {
    CHECK_FALSE(s.polled);
    REQUIRE(s.descs.size() == 2);
    CHECK(type_of(s.descs[1]) == qi_fmt::TYPE_WAIT);
    iqt.push_back(s.iqt >> 5);
  }
  CHECK(iqt == std::vector<u64>{2, 4, 6});
  CHECK(f.state.qi_free_head == 6);
  CHECK(entry_stores(d.ops, kPasid0).size() == 9);
  // no_wait has always emitted exactly this.
  Fixture g(scalable_layout());
  CHECK(intel_pasid_tear_down_entry(g.env(), g.dev(), 0, false, PasidTeardownVariant::NoWait).ops == d.ops);
}

TEST_CASE("broken teardown wait_first queues each wait before its invalidation and zeroes after the polls",
          "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d = intel_pasid_tear_down_entry(f.env(), f.dev(), 1, false, PasidTeardownVariant::WaitFirst);
  const auto subs = submissions(d.ops, 5);
  REQUIRE(subs.size() == 3);
  const std::vector<u64> want{qi_fmt::TYPE_PC, qi_fmt::TYPE_PIOTLB, qi_fmt::TYPE_PDEVTLB};
  for (std::size_t i = 0; i < 3; ++i) {
    REQUIRE(subs[i].descs.size() == 2);
    CHECK(type_of(subs[i].descs[0]) == qi_fmt::TYPE_WAIT);  // slot 2i: the wait
    CHECK(type_of(subs[i].descs[1]) == want[i]);            // slot 2i + 1
    CHECK(subs[i].polled);
    CHECK(subs[i].iqt == (2u * (i + 1)) << 5);
  }
  // Each poll waits on the status of the submission's first slot.
  std::vector<Addr> polled;
  for (const Operation& o : of_kind(d.ops, OpKind::PollUntil)) polled.push_back(o.addr);
  CHECK(polled == std::vector<Addr>{kStatus, kStatus + 8, kStatus + 16});
  std::size_t last_poll = 0;
  for (std::size_t i = 0; i < d.ops.size(); ++i)
    if (d.ops[i].kind == OpKind::PollUntil) last_poll = i;
  const std::size_t zero = index_of(d.ops, [](const Operation& o) {
    return o.addr == kPasid1 && o.clear == ~0ull && is(o, OpKind::Store64);
  });
  CHECK(last_poll < zero);
}

TEST_CASE("broken teardown no_wait_last waits for every submission but the last", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d =
      intel_pasid_tear_down_entry(f.env(), f.dev(), 0, false, PasidTeardownVariant::NoWaitLast);
  const auto subs = submissions(d.ops, 5);
  CHECK(types(subs) == std::vector<u64>{qi_fmt::TYPE_PC, qi_fmt::TYPE_IOTLB, qi_fmt::TYPE_DEVTLB});
  CHECK(subs[0].polled);
  CHECK(subs[1].polled);
  CHECK_FALSE(subs[2].polled);  // the devTLB's wait is queued, never polled
  CHECK(subs[2].descs.size() == 2);
  CHECK(of_kind(d.ops, OpKind::PollUntil).size() == 2);
  // Without ATS the IOTLB's submission is the last one.
  Fixture g(scalable_layout(false));
  const DriverOp n =
      intel_pasid_tear_down_entry(g.env(), g.dev(), 1, false, PasidTeardownVariant::NoWaitLast);
  const auto ns = submissions(n.ops, 5);
  CHECK(types(ns) == std::vector<u64>{qi_fmt::TYPE_PC, qi_fmt::TYPE_PIOTLB});
  CHECK(ns[0].polled);
  CHECK_FALSE(ns[1].polled);
  // The zeroing follows the last doorbell directly.
  const std::size_t zero = index_of(n.ops, [](const Operation& o) {
    return o.addr == kPasid1 && o.clear == ~0ull && is(o, OpKind::Store64);
  });
  std::size_t last_mmio = 0;
  for (std::size_t i = 0; i < n.ops.size(); ++i)
    if (n.ops[i].kind == OpKind::MmioWrite) last_mmio = i;
  CHECK(last_mmio < zero);
}

TEST_CASE("page snoop control sets PGSNP under the lock then flushes the present entry", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d = intel_pasid_setup_page_snoop_control(f.env(), f.dev(), 1, PageSnoopVariant::Current);
  REQUIRE(d.ops.size() > 5);
  CHECK(d.ops[0].kind == OpKind::Lock);
  CHECK(d.ops[1].kind == OpKind::ReturnIfClear);  // WARN_ON(!present): return (void)
  CHECK(d.ops[1].addr == kPasid1);
  CHECK(d.ops[1].ret == 0);
  // pasid_set_pgsnp: one read-modify-write WRITE_ONCE of val[1], bit 24.
  const auto stores = entry_stores(d.ops, kPasid1);
  REQUIRE(stores.size() == 1);
  CHECK(stores[0].addr == kPasid1 + 8);
  CHECK(stores[0].once);
  CHECK(stores[0].clear == 1u << 24);
  CHECK(stores[0].set == 1u << 24);
  CHECK(d.ops[3].kind == OpKind::Load64);  // did = pasid_get_domain_id(pte)
  CHECK(d.ops[3].addr == kPasid1 + 8);
  CHECK(d.ops[4].kind == OpKind::Unlock);
  CHECK(d.ops[4].addr == kIommuLock);
  // intel_pasid_flush_present(did 4) after the unlock, each waited for.
  const auto subs = submissions(d.ops, 5);
  CHECK(types(subs) == std::vector<u64>{qi_fmt::TYPE_PC, qi_fmt::TYPE_PIOTLB, qi_fmt::TYPE_PDEVTLB});
  CHECK(qi_fmt::pc::DID.get(bits(subs[0].descs[0])) == 4);
  for (const Submission& s : subs) CHECK(s.polled);
  CHECK(f.state.pasid(kDev, 1).pgsnp);
}

TEST_CASE("broken page snoop control variants drop the PASID-cache flush or the waits", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp npc =
      intel_pasid_setup_page_snoop_control(f.env(), f.dev(), 1, PageSnoopVariant::NoPasidCache);
  CHECK(types(submissions(npc.ops, 5)) == std::vector<u64>{qi_fmt::TYPE_PIOTLB, qi_fmt::TYPE_PDEVTLB});
  const DriverOp nw = intel_pasid_setup_page_snoop_control(f.env(), f.dev(), 0, PageSnoopVariant::NoWait);
  const auto subs = submissions(nw.ops, 5);
  CHECK(types(subs) == std::vector<u64>{qi_fmt::TYPE_PC, qi_fmt::TYPE_PIOTLB, qi_fmt::TYPE_DEVTLB});
  for (const Submission& s : subs) CHECK_FALSE(s.polled);
  CHECK(of_kind(nw.ops, OpKind::PollUntil).empty());
}

TEST_CASE("page snoop control of a non-present entry leaves state and ring as its return does", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d = intel_pasid_setup_page_snoop_control(f.env(), f.dev(), 2, PageSnoopVariant::Current);
  CHECK(d.ops[1].kind == OpKind::ReturnIfClear);
  CHECK(f.state.qi_free_head == 0);
  CHECK_FALSE(f.state.pasid(kDev, 2).pgsnp);
  CHECK_FALSE(f.state.pasid(kDev, 2).present);
}

TEST_CASE("hitless replace compares against the entry with the PGSNP it was given", "[driver]") {
  // fl1 -> fl1b keeps chunk 0 unless PGSNP (val[1]) was set since: then the
  // replace falls back to tear down and set up.
  Fixture f(scalable_layout());
  intel_pasid_setup_page_snoop_control(f.env(), f.dev(), 1, PageSnoopVariant::Current);
  const DriverOp d = intel_pasid_replace(f.env(), f.dev(), 1, PasidType::FirstLevel, f.dom("fl1b"), nullptr,
                                         ReplaceVariant::Hitless);
  CHECK(of_kind(d.ops, OpKind::Store128).empty());
  CHECK_FALSE(f.state.pasid(kDev, 1).pgsnp);
}

TEST_CASE("devTLB invalidations only for ATS devices", "[driver]") {
  Fixture f(scalable_layout(false));
  const DriverOp d =
      intel_pasid_tear_down_entry(f.env(), f.dev(), 1, false, PasidTeardownVariant::ClearPresent);
  CHECK(types(submissions(d.ops, 5)) == std::vector<u64>{qi_fmt::TYPE_PC, qi_fmt::TYPE_PIOTLB});
}

TEST_CASE("flush_present issues PC-PASID PIOTLB-all and the PASID devTLB", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d = intel_pasid_flush_present(f.env(), f.dev(), 1, 4);
  const auto subs = submissions(d.ops, 5);
  CHECK(types(subs) == std::vector<u64>{qi_fmt::TYPE_PC, qi_fmt::TYPE_PIOTLB, qi_fmt::TYPE_PDEVTLB});
  CHECK(qi_fmt::pdevtlb::PASID.get(bits(subs[2].descs[0])) == 1);
  CHECK(subs[2].descs[0][1] == 0x7FFF'FFFF'FFFF'F800ull);
  CHECK(entry_stores(d.ops, kPasid1).empty());
}

// ------------------------------------------------------------ replace

TEST_CASE("hitless replace uses one cmpxchg16b when only chunk 1 changes", "[driver]") {
  Fixture f(scalable_layout());
  // fl1 -> fl1b: same DID, new first-level table: chunk 0 identical.
  const DriverOp d = intel_pasid_replace(f.env(), f.dev(), 1, PasidType::FirstLevel, f.dom("fl1b"), nullptr,
                                         ReplaceVariant::Hitless);
  const auto stores = entry_stores(d.ops, kPasid1);
  REQUIRE(stores.size() == 1);
  CHECK(stores[0].kind == OpKind::Store128);
  CHECK(stores[0].addr == kPasid1 + 16);
  const EntryBits nv = pasid_entry_value(f.layout, f.platform, PasidType::FirstLevel, f.dom("fl1b"));
  CHECK(stores[0].lo == nv.w[2]);
  CHECK(stores[0].hi == nv.w[3]);
  // The check reads chunk 0 of the live entry (after the DID for the WARN);
  // flush_present uses old_did.
  const auto loads = of_kind(d.ops, OpKind::Load64);
  REQUIRE(loads.size() == 3);
  CHECK(loads[0].addr == kPasid1 + 8);
  CHECK(loads[1].addr == kPasid1);
  CHECK(loads[2].addr == kPasid1 + 8);
  const auto subs = submissions(d.ops, 5);
  CHECK(types(subs) == std::vector<u64>{qi_fmt::TYPE_PC, qi_fmt::TYPE_PIOTLB, qi_fmt::TYPE_PDEVTLB});
  CHECK(qi_fmt::pc::DID.get(bits(subs[0].descs[0])) == 4);
  CHECK(f.state.pasid(kDev, 1).domain == "fl1b");
}

TEST_CASE("hitless replace falls back to tear-down and setup when the DID changes", "[driver]") {
  Fixture f(scalable_layout());
  // fl1 (DID 4) -> fl2 (DID 6): chunk 0 differs for a first-level entry.
  const DriverOp d = intel_pasid_replace(f.env(), f.dev(), 1, PasidType::FirstLevel, f.dom("fl2"), nullptr,
                                         ReplaceVariant::Hitless);
  CHECK(of_kind(d.ops, OpKind::Store128).empty());
  // val[0] agrees (AW, PGTT, P); val[1] holds the DID.
  const auto loads = of_kind(d.ops, OpKind::Load64);
  CHECK(loads[1].label == "pasid_support_hitless_replace: READ_ONCE(pte->val[0])");
  CHECK(loads[2].label == "pasid_support_hitless_replace: READ_ONCE(pte->val[1])");
  CHECK(loads[3].label == "pasid_pte_is_present(pte)");
  const std::size_t clear_p =
      index_of(d.ops, [](const Operation& o) { return o.label == "pasid_clear_present"; });
  const std::size_t ebusy = index_of(d.ops, [](const Operation& o) { return is(o, OpKind::ReturnIfSet); });
  CHECK(clear_p < ebusy);
  CHECK(compose(d.ops, kPasid1) ==
        pasid_entry_value(f.layout, f.platform, PasidType::FirstLevel, f.dom("fl2")));
  // Three locks of iommu->lock: the replace, the teardown, the setup.
  std::size_t locks = 0;
  for (const Operation& o : of_kind(d.ops, OpKind::Lock)) locks += o.addr == kIommuLock;
  CHECK(locks == 3);
}

TEST_CASE("hitless check stops at the first differing word", "[driver]") {
  Fixture f(scalable_layout());
  // first level -> nested: PGTT in val[0] differs, val[1] is never read.
  const DriverOp d = intel_pasid_replace(f.env(), f.dev(), 1, PasidType::Nested, f.dom("nest"), nullptr,
                                         ReplaceVariant::Hitless);
  const auto loads = of_kind(d.ops, OpKind::Load64);
  CHECK(loads[1].label == "pasid_support_hitless_replace: READ_ONCE(pte->val[0])");
  CHECK(loads[2].label == "pasid_pte_is_present(pte)");
  CHECK(compose(d.ops, kPasid1) == pasid_entry_value(f.layout, f.platform, PasidType::Nested, f.dom("nest")));
}

TEST_CASE("hitless replace of a second-level entry rewrites chunk 0 including the DID", "[driver]") {
  // pasid_support_hitless_replace only compares chunk 1 for SL/PT entries.
  Fixture f(scalable_layout());
  const DriverOp d = intel_pasid_replace(f.env(), f.dev(), 0, PasidType::SecondLevel, f.dom("sl2"), nullptr,
                                         ReplaceVariant::Hitless);
  const auto stores = entry_stores(d.ops, kPasid0);
  REQUIRE(stores.size() == 1);
  CHECK(stores[0].kind == OpKind::Store128);
  CHECK(stores[0].addr == kPasid0);
  CHECK(pasid_fmt::DID.get(compose(d.ops, kPasid0)) == 3);
  // flush_present with the old DID.
  CHECK(qi_fmt::pc::DID.get(bits(submissions(d.ops, 5).at(0).descs[0])) == 2);
}

TEST_CASE("hitless replace without cmpxchg16b writes the chunk as two WRITE_ONCE stores", "[driver]") {
  Fixture f(scalable_layout());
  f.platform.cpu.cmpxchg16b = false;
  const DriverOp d = intel_pasid_replace(f.env(), f.dev(), 1, PasidType::FirstLevel, f.dom("fl1b"), nullptr,
                                         ReplaceVariant::Hitless);
  const auto stores = entry_stores(d.ops, kPasid1);
  REQUIRE(stores.size() == 2);
  CHECK(stores[0].addr == kPasid1 + 16);
  CHECK(stores[1].addr == kPasid1 + 24);
  CHECK(stores[0].once);
  CHECK(stores[1].once);
  CHECK(stores[0].clear == ~0ull);
}

TEST_CASE("struct_copy replace writes eight plain stores on the live entry", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d = intel_pasid_replace(f.env(), f.dev(), 0, PasidType::SecondLevel, f.dom("sl2"), nullptr,
                                         ReplaceVariant::StructCopy);
  const auto stores = entry_stores(d.ops, kPasid0);
  REQUIRE(stores.size() == 8);
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(stores[i].addr == kPasid0 + 8 * i);
    CHECK_FALSE(stores[i].once);
    CHECK(stores[i].clear == ~0ull);
  }
  CHECK(compose(d.ops, kPasid0) ==
        pasid_entry_value(f.layout, f.platform, PasidType::SecondLevel, f.dom("sl2")));
  const std::size_t unlock = index_of(d.ops, [](const Operation& o) { return is(o, OpKind::Unlock); });
  CHECK(unlock == index_of(d.ops, [](const Operation& o) { return o.addr == kPasid0 + 56; }) + 1);
  // The caller's old domain, when given, supplies old_did.
  Fixture g(scalable_layout());
  const DriverOp o = intel_pasid_replace(g.env(), g.dev(), 0, PasidType::SecondLevel, g.dom("sl2"),
                                         g.dom("fl1"), ReplaceVariant::StructCopy);
  CHECK(qi_fmt::pc::DID.get(bits(submissions(o.ops, 5).at(0).descs[0])) == 4);
}

TEST_CASE("upstream replace always tears down then sets up", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d = intel_pasid_replace(f.env(), f.dev(), 1, PasidType::FirstLevel, f.dom("fl1b"), nullptr,
                                         ReplaceVariant::Upstream);
  CHECK(of_kind(d.ops, OpKind::Store128).empty());
  const std::size_t clear_p =
      index_of(d.ops, [](const Operation& o) { return o.label == "pasid_clear_present"; });
  const std::size_t ebusy = index_of(d.ops, [](const Operation& o) { return is(o, OpKind::ReturnIfSet); });
  CHECK(clear_p < ebusy);
  CHECK(ebusy < d.ops.size());
  // Nothing attached: plain setup, as domain_setup_* does without `old`.
  Fixture g(scalable_layout());
  const DriverOp s = intel_pasid_replace(g.env(), g.dev(), 2, PasidType::FirstLevel, g.dom("fl2"), nullptr,
                                         ReplaceVariant::Hitless);
  CHECK(s.ops[1].kind == OpKind::ReturnIfSet);
  CHECK(of_kind(s.ops, OpKind::MmioWrite).empty());
}

TEST_CASE("replace tests P at run time and returns -EINVAL when it is clear", "[driver][returns]") {
  Fixture f(scalable_layout());
  const DriverOp d = intel_pasid_replace(f.env(), f.dev(), 1, PasidType::FirstLevel, f.dom("fl1b"), nullptr,
                                         ReplaceVariant::Hitless);
  REQUIRE(d.ops.size() > 2);
  CHECK(d.ops[0].kind == OpKind::Lock);
  CHECK(d.ops[1].kind == OpKind::ReturnIfClear);
  CHECK(d.ops[1].addr == kPasid1);
  CHECK(d.ops[1].mask == 1);
  CHECK(d.ops[1].ret == -22);
}

TEST_CASE("replace of an entry the state has not present leaves state and ring as the -EINVAL return does",
          "[driver][returns]") {
  // PASID 2 is not present, the caller names fl1 as its old domain.
  for (const ReplaceVariant v : {ReplaceVariant::StructCopy, ReplaceVariant::Hitless}) {
    Fixture f(scalable_layout());
    const DriverOp d =
        intel_pasid_replace(f.env(), f.dev(), 2, PasidType::FirstLevel, f.dom("fl1b"), f.dom("fl1"), v);
    CHECK(d.ops[1].kind == OpKind::ReturnIfClear);
    CHECK(d.ops[1].ret == -22);
    CHECK_FALSE(f.state.pasid(kDev, 2).present);
    CHECK(f.state.qi_free_head == 0);
    // Past the branch: the replace as it would run on an entry holding fl1,
    // flushed with fl1's DID (what runs if another CPU set the entry up).
    CHECK_FALSE(entry_stores(d.ops, kPasid2).empty());
    const auto subs = submissions(d.ops, 5);
    REQUIRE_FALSE(subs.empty());
    CHECK(qi_fmt::pc::DID.get(bits(subs[0].descs[0])) == 4);
    CHECK(subs[0].iqt == 2u << 5);  // from the ring slots the state had
  }
}

TEST_CASE("every driver branch returns what its Linux function returns", "[driver][returns]") {
  Fixture s(scalable_layout());
  // intel_pasid_setup_*: -EBUSY on a present entry.
  CHECK(intel_pasid_setup(s.env(), s.dev(), 2, PasidType::SecondLevel, s.dom("sl2")).ops[1].ret == -16);
  // device_pasid_table_setup: "context present, not copied": return 0.
  const DriverOp ctx = device_pasid_table_setup(s.env(), s.dev(), MapVariant::DmaWmb, false);
  CHECK(of_kind(ctx.ops, OpKind::ReturnIfSet).at(0).ret == 0);
  // The debugfs dump skips entries and still returns 0.
  for (const Operation& b :
       of_kind(dmar_translation_struct_show(s.env(), s.dev(), 1, true).ops, OpKind::ReturnIfClear))
    CHECK(b.ret == 0);
  // domain_context_mapping_one: goto out_unlock with ret = 0.
  Fixture l(legacy_layout());
  CHECK(domain_context_mapping_one(l.env(), l.dev(), *l.dom("dom1"), MapVariant::DmaWmb).ops[1].ret == 0);
}

// ------------------------------------------------------------ scalable context

TEST_CASE("scalable context set-up variants", "[driver]") {
  Fixture f(scalable_layout());
  const EntryBits want = sm_context_value(f.dev());
  CHECK(smctx_fmt::DTE.get(want) == 1);
  CHECK(smctx_fmt::PASIDE.get(want) == 1);
  SECTION("dma_wmb: setters on the live entry, P by WRITE_ONCE after dma_wmb") {
    const DriverOp d = device_pasid_table_setup(f.env(), f.dev(), MapVariant::DmaWmb, false);
    CHECK(d.ops[1].kind == OpKind::ReturnIfSet);
    const auto stores = entry_stores(d.ops, kCtx);
    CHECK(stores.back().once);
    CHECK(stores.back().set == 1);
    CHECK(compose(d.ops, kCtx).w[0] == want.w[0]);
    CHECK(compose(d.ops, kCtx).w[1] == want.w[1]);
  }
  SECTION("cmpxchg16b: one 128-bit store") {
    const DriverOp d = device_pasid_table_setup(f.env(), f.dev(), MapVariant::Cmpxchg16b, false);
    const auto stores = entry_stores(d.ops, kCtx);
    REQUIRE(stores.size() == 1);
    CHECK(stores[0].lo == want.w[0]);
    CHECK(stores[0].hi == want.w[1]);
  }
  SECTION("copied: clear P, global invalidations, zero, then set up") {
    const DriverOp d = device_pasid_table_setup(f.env(), f.dev(), MapVariant::DmaWmb, true);
    CHECK(of_kind(d.ops, OpKind::ReturnIfSet).empty());
    const auto subs = submissions(d.ops, 5);
    CHECK(types(subs) ==
          std::vector<u64>{qi_fmt::TYPE_CC, qi_fmt::TYPE_PC, qi_fmt::TYPE_IOTLB, qi_fmt::TYPE_DEVTLB});
    CHECK(qi_fmt::cc::DID.get(bits(subs[0].descs[0])) == 0);
    CHECK(qi_fmt::pc::G.get(bits(subs[1].descs[0])) == qi_fmt::pc::G_GLOBAL);
    CHECK(qi_fmt::iotlb::G.get(bits(subs[2].descs[0])) == qi_fmt::iotlb::G_GLOBAL);
    const auto stores = entry_stores(d.ops, kCtx);
    CHECK(stores[0].label == "context_clear_present: WRITE_ONCE(lo & ~1)");
    const std::size_t first_mmio =
        index_of(d.ops, [](const Operation& o) { return is(o, OpKind::MmioWrite); });
    const std::size_t zero =
        index_of(d.ops, [](const Operation& o) { return o.label == "context_clear_entry: lo = 0"; });
    CHECK(first_mmio < zero);
    // Everything under iommu->lock.
    CHECK(d.ops.back().kind == OpKind::Unlock);
    CHECK(d.ops.back().addr == kIommuLock);
  }
  SECTION("copied with a broken copied_flush drops that global invalidation") {
    const DriverOp npc =
        device_pasid_table_setup(f.env(), f.dev(), MapVariant::DmaWmb, true, CopiedFlush::NoPasidCache);
    CHECK(types(submissions(npc.ops, 5)) ==
          std::vector<u64>{qi_fmt::TYPE_CC, qi_fmt::TYPE_IOTLB, qi_fmt::TYPE_DEVTLB});
    const DriverOp nio =
        device_pasid_table_setup(f.env(), f.dev(), MapVariant::DmaWmb, true, CopiedFlush::NoIotlb);
    CHECK(types(submissions(nio.ops, 5)) ==
          std::vector<u64>{qi_fmt::TYPE_CC, qi_fmt::TYPE_PC, qi_fmt::TYPE_DEVTLB});
    // The entry is still zeroed after the (remaining) invalidations.
    const std::size_t last_mmio = [&] {
      std::size_t k = 0;
      for (std::size_t i = 0; i < nio.ops.size(); ++i)
        if (nio.ops[i].kind == OpKind::MmioWrite) k = i;
      return k;
    }();
    CHECK(last_mmio <
          index_of(
              nio.ops, [](const Operation& o) { return o.label == "context_clear_entry: lo = 0"; }));
  }
  SECTION("pre_fix copied: the inherited entry is zeroed before the invalidations") {
    const DriverOp d = device_pasid_table_setup(f.env(), f.dev(), MapVariant::PreFix, true);
    const std::size_t first_mmio =
        index_of(d.ops, [](const Operation& o) { return is(o, OpKind::MmioWrite); });
    const std::size_t zero =
        index_of(d.ops, [](const Operation& o) { return o.label == "context_clear_entry: lo = 0"; });
    CHECK(zero < first_mmio);
    CHECK_FALSE(entry_stores(d.ops, kCtx).back().once);  // plain `lo |= 1`
  }
}

TEST_CASE("scalable context teardown zeroes then flushes CC-dev and the devTLB", "[driver]") {
  Fixture f(scalable_layout());
  const DriverOp d = device_pasid_table_teardown(f.env(), f.dev());
  CHECK(types(submissions(d.ops, 5)) == std::vector<u64>{qi_fmt::TYPE_CC, qi_fmt::TYPE_DEVTLB});
  const auto stores = entry_stores(d.ops, kCtx);
  REQUIRE(stores.size() == 2);
  CHECK_FALSE(stores[0].once);
}

// ------------------------------------------------------------ registry

TEST_CASE("registry lists every sequence with its arguments", "[driver]") {
  std::vector<std::string> names;
  for (const SequenceInfo& s : sequences()) {
    names.push_back(s.name);
    for (const std::string& o : s.optional) CHECK(std::find(s.args.begin(), s.args.end(), o) != s.args.end());
    CHECK((std::find(s.args.begin(), s.args.end(), "variant") != s.args.end()) == !s.variants.empty());
  }
  for (const char* n :
       {"domain_context_mapping_one", "context_teardown", "device_pasid_table_setup",
        "device_pasid_table_teardown", "intel_pasid_setup_first_level", "intel_pasid_setup_second_level",
        "intel_pasid_setup_pass_through", "intel_pasid_setup_nested", "intel_pasid_flush_present",
        "intel_pasid_tear_down_entry", "intel_pasid_replace_first_level", "intel_pasid_replace_second_level",
        "intel_pasid_replace_pass_through", "intel_pasid_replace_nested", "dmar_translation_struct_show",
        "intel_pasid_setup_page_snoop_control"})
    CHECK(std::find(names.begin(), names.end(), n) != names.end());
}

TEST_CASE("registry builds the deliberately broken variants by name and says they are broken", "[driver]") {
  for (const SequenceInfo& s : sequences())
    for (const char* broken : {"no_poll", "wait_first", "no_wait_last", "no_pasid_cache", "no_wait"})
      if (std::find(s.variants.begin(), s.variants.end(), broken) != s.variants.end())
        CHECK_THAT(s.summary, Contains("deliberately broken"));
  Fixture f(scalable_layout());
  const auto items = build_items(
      {seq("intel_pasid_tear_down_entry", {{"device", "00:02.0"}, {"pasid", "0"}, {"variant", "wait_first"}}),
       seq("intel_pasid_setup_page_snoop_control",
           {{"device", "00:02.0"}, {"pasid", "1"}, {"variant", "no_pasid_cache"}}),
       seq("device_pasid_table_setup", {{"copied", "true"},
                                        {"copied_flush", "no_iotlb"},
                                        {"device", "00:02.0"},
                                        {"variant", "dma_wmb"}})},
      f.platform, f.layout, f.state);
  REQUIRE(items.size() == 3);
  CHECK(items[0].name == "intel_pasid_tear_down_entry[wait_first] 00:02.0 pasid 0");
  CHECK(items[1].name == "intel_pasid_setup_page_snoop_control[no_pasid_cache] 00:02.0 pasid 1");
  CHECK(items[2].name == "device_pasid_table_setup[dma_wmb] 00:02.0 (copied) [no_iotlb]");
  CHECK(types(submissions(items[1].ops, 5)) == std::vector<u64>{qi_fmt::TYPE_PIOTLB, qi_fmt::TYPE_PDEVTLB});
  // copied_flush: only with copied: true, and only its three values.
  CHECK_THAT(
      build_error(f, seq("device_pasid_table_setup",
                         {{"copied_flush", "no_iotlb"}, {"device", "00:02.0"}, {"variant", "dma_wmb"}})),
      StartsWith("t.yaml:2:5: ") && Contains("only with copied: true"));
  CHECK_THAT(
      build_error(
          f,
          seq("device_pasid_table_setup",
              {{"copied", "true"}, {"copied_flush", "some"}, {"device", "00:02.0"}, {"variant", "dma_wmb"}})),
      StartsWith("t.yaml:2:6: ") && Contains("full, no_pasid_cache or no_iotlb"));
  Fixture l(legacy_layout());
  const auto legacy = build_items({seq("context_teardown", {{"device", "00:02.0"}, {"variant", "no_wait"}})},
                                  l.platform, l.layout, l.state);
  CHECK(of_kind(legacy.at(0).ops, OpKind::PollUntil).empty());
}

TEST_CASE("registry builds a program and carries the driver state across items", "[driver]") {
  Fixture f(scalable_layout());
  const auto items = build_items(
      {seq("intel_pasid_tear_down_entry",
           {{"device", "00:02.0"}, {"pasid", "0"}, {"variant", "clear_present"}}),
       seq("intel_pasid_setup_second_level", {{"device", "00:02.0"}, {"pasid", "0"}, {"domain", "sl2"}}),
       seq("intel_pasid_replace_second_level",
           {{"device", "00:02.0"}, {"pasid", "0x0"}, {"new_domain", "sl1"}, {"variant", "struct_copy"}})},
      f.platform, f.layout, f.state);
  REQUIRE(items.size() == 3);
  CHECK(items[0].name == "intel_pasid_tear_down_entry[clear_present] 00:02.0 pasid 0");
  CHECK(items[1].name == "intel_pasid_setup_second_level 00:02.0 pasid 0 -> sl2");
  CHECK(items[2].loc.line == 1);
  // The replace's old DID comes from the setup before it (sl2, DID 3).
  CHECK(qi_fmt::pc::DID.get(bits(submissions(items[2].ops, 5).at(0).descs[0])) == 3);
  // Ring slots continue across items: 3 teardown submissions of 2 slots each.
  CHECK(submissions(items[2].ops, 5).at(0).iqt == 8u << 5);
}

TEST_CASE("registry rejects bad arguments at their file line and column", "[driver]") {
  Fixture f(scalable_layout());
  const auto check = [&](const ProgramItem& item, const std::string& where, const std::string& word) {
    const std::string msg = build_error(f, item);
    INFO(msg);
    CHECK_THAT(msg, StartsWith("t.yaml:" + where + ": "));
    CHECK_THAT(msg, Contains(word));
  };
  // Arguments get columns 5, 6, ... in key order.
  check(seq("intel_pasid_setup_pass_through", {{"device", "00:02.0"}, {"pasid", "seven"}}), "2:6",
        "unsigned integer");
  check(seq("intel_pasid_setup_pass_through", {{"device", "00:02.0"}, {"pasid", "9"}}), "2:6",
        "no PASID-table entry");
  check(seq("intel_pasid_setup_pass_through", {{"device", "00:02.0"}, {"pasid", "0x100000"}}), "2:6",
        "20-bit");
  check(seq("intel_pasid_tear_down_entry",
            {{"device", "00:02.0"}, {"fault_ignore", "maybe"}, {"pasid", "0"}, {"variant", "pre_fix"}}),
        "2:6", "true or false");
  check(seq("intel_pasid_tear_down_entry", {{"device", "00:02.0"}, {"pasid", "0"}, {"variant", "later"}}),
        "2:7", "no variant 'later'");
  check(seq("intel_pasid_setup_second_level", {{"device", "00:02.0"}, {"domain", "fl1"}, {"pasid", "2"}}),
        "2:6", "needs a second_level domain");
  check(seq("intel_pasid_setup_first_level", {{"device", "00:02.0"}, {"pasid", "2"}}), "1:3",
        "needs argument 'domain'");
  check(seq("intel_pasid_setup_pass_through", {{"device", "00:02.0"}, {"domain", "sl1"}, {"pasid", "2"}}),
        "2:6", "takes no argument 'domain'");
  check(seq("context_teardown", {{"device", "00:02.0"}, {"variant", "pre_fix"}}), "1:3", "mode: legacy");
  check(seq("device_pasid_table_setup", {{"copied", "yes"}, {"device", "00:02.0"}, {"variant", "dma_wmb"}}),
        "2:5", "true or false");
  f.platform.cpu.cmpxchg16b = false;
  check(seq("device_pasid_table_setup", {{"device", "00:02.0"}, {"variant", "cmpxchg16b"}}), "2:6",
        "cmpxchg16b");
}

TEST_CASE("build_program builds CPU 0 from the scenario", "[driver]") {
  Scenario s;
  s.program.push_back(
      seq("domain_context_mapping_one", {{"device", "00:02.0"}, {"domain", "dom1"}, {"variant", "pre_fix"}}));
  s.program.push_back(seq("context_teardown", {{"device", "00:02.0"}, {"variant", "clear_present"}}));
  const TableLayout layout = legacy_layout();
  const auto items = build_program(s, layout);
  REQUIRE(items.size() == 2);
  CHECK(items[0].name == "domain_context_mapping_one[pre_fix] 00:02.0 -> dom1");
  CHECK(submissions(items[1].ops, 4).size() == 2);
}

namespace {
std::vector<Addr> load_addrs(const std::vector<Operation>& ops, std::size_t from = 0) {
  std::vector<Addr> v;
  for (std::size_t i = from; i < ops.size(); ++i)
    if (ops[i].kind == OpKind::Load64) v.push_back(ops[i].addr);
  return v;
}
}  // namespace

TEST_CASE("debugfs dump walks to the PASID entry under iommu->lock and prints val[2] val[1] val[0]",
          "[driver][debugfs]") {
  Fixture f(scalable_layout());
  f.layout.devices.at(kDev).root_entry = 0x30000;
  const DriverOp d = dmar_translation_struct_show(f.env(), f.dev(), 1, true);
  REQUIRE(d.ops.size() > 3);
  // readl(GSTS) in dmar_translation_struct_show, before root_tbl_walk's lock.
  CHECK(d.ops[0].kind == OpKind::MmioRead);
  CHECK(d.ops[0].addr == reg::GSTS);
  CHECK(d.ops[1].kind == OpKind::Lock);
  CHECK(d.ops[1].addr == kIommuLock);
  CHECK(d.ops.back().kind == OpKind::Unlock);
  CHECK(d.ops.back().addr == kIommuLock);
  // The walk's four present tests are taken at run time, in walk order: the
  // root entry's lower-table bit, the context entry, the PASID directory
  // entry of PASID 1 (index 0), the PASID entry.
  const auto branches = of_kind(d.ops, OpKind::ReturnIfClear);
  REQUIRE(branches.size() == 4);
  CHECK(branches[0].addr == 0x30000);
  CHECK(branches[1].addr == kCtx);
  CHECK(branches[2].addr == 0x31000);
  CHECK(branches[3].addr == kPasid1);
  for (const Operation& b : branches) CHECK(b.mask == 1);
  // The SMT test reads RTADDR inside the lock.
  const auto mmio = of_kind(d.ops, OpKind::MmioRead);
  REQUIRE(mmio.size() == 2);
  CHECK(mmio[1].addr == reg::RTADDR);
  // print_tbl_walk after the PASID entry's present test: root hi and lo,
  // context hi and lo, then the entry's val[2], val[1], val[0].
  const std::size_t p =
      index_of(d.ops, [](const Operation& o) { return is(o, OpKind::ReturnIfClear) && o.addr == kPasid1; });
  CHECK(load_addrs(d.ops, p) ==
        std::vector<Addr>{0x30008, 0x30000, kCtx + 8, kCtx, kPasid1 + 16, kPasid1 + 8, kPasid1});
  // A reader: nothing is written but the lock.
  CHECK(of_kind(d.ops, OpKind::Store64).empty());
  CHECK(of_kind(d.ops, OpKind::Store128).empty());
}

TEST_CASE("debugfs dump of a devfn in the upper context table tests root->hi", "[driver][debugfs]") {
  Fixture f(scalable_layout());
  DeviceLayout dev = f.dev();
  dev.rid = Rid::from(0, 0x10, 0);  // devfn 0x80
  dev.root_entry = 0x30000;
  const DriverOp d = dmar_translation_struct_show(f.env(), dev, 0, true);
  const auto branches = of_kind(d.ops, OpKind::ReturnIfClear);
  REQUIRE(branches.size() == 4);
  CHECK(branches[0].addr == 0x30008);
  CHECK(branches[3].addr == kPasid0);
}

TEST_CASE("debugfs dump without the lock makes the same loads and takes no lock", "[driver][debugfs]") {
  Fixture f(scalable_layout());
  const DriverOp locked = dmar_translation_struct_show(f.env(), f.dev(), 1, true);
  const DriverOp bare = dmar_translation_struct_show(f.env(), f.dev(), 1, false);
  CHECK(of_kind(bare.ops, OpKind::Lock).empty());
  CHECK(of_kind(bare.ops, OpKind::Unlock).empty());
  CHECK(load_addrs(bare.ops) == load_addrs(locked.ops));
  CHECK(bare.ops.size() + 2 == locked.ops.size());
}

TEST_CASE("registry builds the debugfs dump by name and variant", "[driver][debugfs]") {
  Fixture f(scalable_layout());
  const auto items = build_items(
      {seq("dmar_translation_struct_show", {{"device", "00:02.0"}, {"pasid", "1"}, {"variant", "locked"}}),
       seq("dmar_translation_struct_show", {{"device", "00:02.0"}, {"pasid", "1"}, {"variant", "no_lock"}})},
      f.platform, f.layout, f.state);
  REQUIRE(items.size() == 2);
  CHECK(items[0].name == "dmar_translation_struct_show[locked] 00:02.0 pasid 1");
  CHECK(of_kind(items[0].ops, OpKind::Lock).size() == 1);
  CHECK(items[1].name == "dmar_translation_struct_show[no_lock] 00:02.0 pasid 1");
  CHECK(of_kind(items[1].ops, OpKind::Lock).empty());
  const std::string msg = build_error(
      f, seq("dmar_translation_struct_show", {{"device", "00:02.0"}, {"pasid", "1"}, {"variant", "rcu"}}));
  CHECK_THAT(msg, Contains("no variant 'rcu'"));
}
