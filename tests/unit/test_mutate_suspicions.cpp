// Why a mutant may have survived (src/mutate/suspicions.*): each heuristic
// on a small hand-built case where it applies and one where it does not;
// and when two programs count as the same (equivalent mutants).
#include <catch2/catch.hpp>

#include "driver/mutation.hpp"
#include "formats/formats.hpp"
#include "mutate/mutate.hpp"
#include "mutate/suspicions.hpp"

using namespace vtd;
using Catch::Matchers::Contains;

namespace {

constexpr Addr kQueue = 0x10000, kStatus = 0x12000, kIommuLock = 0x13000, kQiLock = 0x13008;
constexpr Addr kPasid0 = 0x32000;
const Rid kDev = Rid::from(0, 2, 0), kOther = Rid::from(0, 3, 0);
const u64 kP = pasid_fmt::P.mask_in_word();
const EntryId kEntry{EntryKind::Pasid, kPasid0, kDev, 0, 0};

TableLayout layout() {
  TableLayout L;
  L.scalable = true;
  L.driver = DriverMemory{kQueue, 5, kStatus, kIommuLock, kQiLock};
  DeviceLayout dev;
  dev.rid = kDev;
  dev.context_entry = 0x30040;
  dev.pasid_dir = 0x31000;
  dev.pdts = 2;
  dev.pasids[0] = PasidLayout{0, kPasid0, "fl1", pasid_fmt::PGTT_FL};
  L.devices[kDev] = dev;
  return L;
}

Operation store(Addr a, u64 v, const std::string& label) { return Operation::assign64(a, v, label, true); }

// Clear P, a submission (qi 0), a second one (qi 1), zero two words.
DriverOp teardown() {
  DriverOp d;
  d.name = "teardown";
  d.ops = {Operation::rmw64(kPasid0, kP, 0, "pasid_clear_present", true),  // 0
           Operation::simple(OpKind::CompilerBarrier, "dma_wmb()"),        // 1
           Operation::lock(kQiLock, "qi lock"),                            // 2
           Operation::unlock(kQiLock, "qi unlock"),                        // 3
           Operation::lock(kQiLock, "qi lock"),                            // 4
           Operation::unlock(kQiLock, "qi unlock"),                        // 5
           store(kPasid0, 0, "zero val[0]"),                               // 6
           store(kPasid0 + 8, 0, "zero val[1]")};                          // 7
  return d;
}

std::vector<QiSite> sites(QiWait second = QiWait::Sync) {
  QiSite a, b;
  a.qi = 0;
  a.first_op = 2;
  a.end_op = 4;
  a.descs = {qi_pc_pasid(3, 0)};
  b.qi = 1;
  b.first_op = 4;
  b.end_op = 6;
  b.wait = second;
  b.descs = {qi_piotlb_all(3, 0)};
  return {a, b};
}

EntryBits present_entry() {
  EntryBits v;
  v.w[0] = kP | 0x40;  // P, PGTT first level
  v.w[1] = 3;          // DID
  return v;
}

Mutant mutant(MutantKind k, std::vector<u32> ops, unsigned qi = 0) {
  Mutant m;
  m.kind = k;
  m.ops = std::move(ops);
  m.qi = qi;
  if (k == MutantKind::SwapStores) m.entry = kEntry;
  return m;
}

struct Case {
  TableLayout layout = ::layout();
  Scenario scenario;
  NominalFacts facts;
  DriverOp item = teardown();
  std::vector<QiSite> qi = sites();
  Case() {
    scenario.platform.iommu.mode = TranslationMode::Scalable;
    TrafficStream t;
    t.rid = kDev;
    scenario.traffic.push_back(t);
    for (u32 i = 0; i < item.ops.size(); ++i) facts.executed.insert({0, 0, i});
    facts.before_item[{0, 0, kPasid0}] = present_entry();
    facts.changed_present.insert({0, 0});
  }
  SuspicionInputs in(const Mutant& m) const { return SuspicionInputs{m, item, qi, facts, scenario, layout}; }
};

}  // namespace

TEST_CASE("never-executed: operations the nominal run never reached", "[suspicions]") {
  Case c;
  const Mutant m = mutant(MutantKind::SwapStores, {6, 7});
  CHECK_FALSE(never_executed(c.in(m)));
  c.facts.executed.erase({0, 0, 6});
  c.facts.executed.erase({0, 0, 7});
  const auto s = never_executed(c.in(m));
  REQUIRE(s);
  CHECK(s->name == "never-executed");
  CHECK_THAT(s->text, Contains("ops 6, 7") && Contains("returned before them"));
  // A submission's mutant: its operations.
  CHECK_FALSE(never_executed(c.in(mutant(MutantKind::DropPoll, {}, 0))));
}

TEST_CASE("entry-not-present: stores swapped while P = 0 make only non-present states", "[suspicions]") {
  Case c;
  const auto s = entry_not_present(c.in(mutant(MutantKind::SwapStores, {6, 7})));
  REQUIRE(s);
  CHECK(s->name == "entry-not-present");
  CHECK_THAT(s->text,
             Contains("1 state of pasid[00:02.0 pasid 0]") && Contains("hardware ignores the entry"));
  // Zeroing val[0] before clearing P is the same state sequence at other times.
  const auto same = entry_not_present(c.in(mutant(MutantKind::SwapStores, {0, 6})));
  REQUIRE(same);
  CHECK_THAT(same->text, Contains("only through states the original's do"));
  // Swapping the clear of P with the DID store leaves a present entry with DID 0.
  c.item.ops[6] = store(kPasid0 + 8, 0, "zero val[1]");
  c.item.ops[7] = store(kPasid0, 0, "zero val[0]");
  CHECK_FALSE(entry_not_present(c.in(mutant(MutantKind::SwapStores, {0, 6}))));
  // Without the entry's value before the item (never stored in the nominal run): nothing to say.
  c.facts.before_item.clear();
  CHECK_FALSE(entry_not_present(c.in(mutant(MutantKind::SwapStores, {6, 7}))));
}

TEST_CASE("entry-not-present: a clflush whose line stayed non-present since its last write-back",
          "[suspicions]") {
  Case c;
  c.item.ops.push_back(Operation::simple(OpKind::Clflush, "clflush", kPasid0));  // 8, after the zeroing
  c.item.ops.insert(c.item.ops.begin() + 1, Operation::simple(OpKind::Clflush, "clflush", kPasid0));  // 1
  // Ops now: clear P 0, clflush 1, ..., zero 7, 8, clflush 9.
  Mutant late = mutant(MutantKind::DropClflush, {9});
  const auto s = entry_not_present(c.in(late));
  REQUIRE(s);
  CHECK_THAT(s->text, Contains("stayed non-present"));
  // The first clflush writes back the clear of P of a present entry.
  CHECK_FALSE(entry_not_present(c.in(mutant(MutantKind::DropClflush, {1}))));
}

TEST_CASE("later-wait: a later submission's wait covers an unwaited one", "[suspicions]") {
  Case c;
  for (MutantKind k : {MutantKind::DropWait, MutantKind::DropPoll, MutantKind::WaitFirst}) {
    const auto s = later_wait(c.in(mutant(k, {}, 0)));
    REQUIRE(s);
    CHECK(s->name == "later-wait");
    CHECK_THAT(s->text,
               Contains("qi_submit_sync #1 (ops 4..5)") && Contains("next store to a watched entry"));
  }
  // The last submission has none after it; a dropped descriptor is covered by nothing.
  CHECK_FALSE(later_wait(c.in(mutant(MutantKind::DropPoll, {}, 1))));
  CHECK_FALSE(later_wait(c.in(mutant(MutantKind::DropDescriptor, {}, 0))));
  // A later submission that is not polled covers nothing.
  c.qi = sites(QiWait::NoPoll);
  CHECK_FALSE(later_wait(c.in(mutant(MutantKind::DropPoll, {}, 0))));
}

TEST_CASE("no-traffic: no DMA from the device whose entry the mutant changes", "[suspicions]") {
  Case c;
  const Mutant m = mutant(MutantKind::SwapStores, {6, 7});
  CHECK_FALSE(no_traffic(c.in(m)));
  c.scenario.traffic[0].rid = kOther;
  const auto s = no_traffic(c.in(m));
  REQUIRE(s);
  CHECK_THAT(s->text, Contains("no DMA traffic from 00:02.0 pasid 0"));
  // Traffic with another PASID does not use the PASID 0 entry.
  c.scenario.traffic[0].rid = kDev;
  c.scenario.traffic[0].pasid = 5;
  CHECK(no_traffic(c.in(m)));
  // A barrier's item: the entries the item stores to.
  CHECK(no_traffic(c.in(mutant(MutantKind::DropBarrier, {1}))));
}

TEST_CASE("no-need: invalidations after an operation that changed no present entry", "[suspicions]") {
  Case c;
  const Mutant m = mutant(MutantKind::DropWait, {}, 1);
  CHECK_FALSE(no_need(c.in(m)));
  c.facts.changed_present.clear();
  const auto s = no_need(c.in(m));
  REQUIRE(s);
  CHECK_THAT(s->text, Contains("changed no present entry"));
  CHECK_FALSE(no_need(c.in(mutant(MutantKind::SwapStores, {6, 7}))));
  // A device-TLB invalidation for a device without ATS is needed by no rule.
  Case d;
  d.qi[0].descs = {qi_pasid_devtlb_all(kDev, 0)};
  Mutant drop = mutant(MutantKind::DropDescriptor, {}, 0);
  const auto t = no_need(d.in(drop));
  REQUIRE(t);
  CHECK_THAT(t->text, Contains("device-TLB invalidation for 00:02.0, which has no ATS"));
  d.layout.devices[kDev].ats = true;
  CHECK_FALSE(no_need(d.in(drop)));
}

TEST_CASE("caches-off: what the mutant changes lives only in caches the scenario turned off",
          "[suspicions]") {
  Case c;
  const Mutant m = mutant(MutantKind::DropPoll, {}, 1);
  CHECK_FALSE(caches_off(c.in(m)));
  IommuConfig& io = c.scenario.platform.iommu;
  io.context_cache.enabled = io.pasid_cache.enabled = io.iotlb.enabled = false;
  const auto s = caches_off(c.in(m));
  REQUIRE(s);
  CHECK_THAT(s->text, Contains("PASID-cache"));
  CHECK(caches_off(c.in(mutant(MutantKind::ZeroBeforeFlush, {0, 6, 7}))));
  CHECK_FALSE(caches_off(c.in(mutant(MutantKind::SwapStores, {6, 7}))));
}

TEST_CASE("queue-only: a barrier between queue stores orders nothing hardware reads early", "[suspicions]") {
  Case c;
  c.item.ops = {Operation::assign64(kQueue, 7, "memcpy ring[0].qw0"),
                Operation::simple(OpKind::CompilerBarrier, "memcpy() returned"),
                Operation::store32(kStatus, 1, "desc_status[0] = QI_IN_USE")};
  const auto s = queue_only(c.in(mutant(MutantKind::DropBarrier, {1})));
  REQUIRE(s);
  CHECK_THAT(s->text, Contains("IQT doorbell"));
  // A barrier with a watched entry's store beside it orders something hardware reads.
  c.item.ops[2] = store(kPasid0, kP, "set P");
  CHECK_FALSE(queue_only(c.in(mutant(MutantKind::DropBarrier, {1}))));
}

TEST_CASE("no-op-reorder: the stores a dropped barrier lets move include one that changes nothing",
          "[suspicions]") {
  Case c;
  // The entry starts non-present with val[1] = 0: `val[1] |= 0` changes nothing.
  c.facts.before_item[{0, 0, kPasid0}] = EntryBits{};
  c.item.ops = {Operation::assign64(kPasid0, 0x40, "set PGTT"),
                Operation::rmw64(kPasid0 + 8, 0, 0, "val[1] |= 0"),
                Operation::simple(OpKind::CompilerBarrier, "dma_wmb()"),
                Operation::rmw64(kPasid0, kP, kP, "set P", true)};
  const auto s = no_op_reorder(c.in(mutant(MutantKind::DropBarrier, {2})));
  REQUIRE(s);
  CHECK(s->name == "no-op-reorder");
  // A DID store that matters can now land after P.
  c.item.ops[1] = Operation::rmw64(kPasid0 + 8, 0, 3, "set DID");
  CHECK_FALSE(no_op_reorder(c.in(mutant(MutantKind::DropBarrier, {2}))));
  // Same word only: nothing may move at all (not this heuristic's to say).
  c.item.ops.erase(c.item.ops.begin() + 1);
  CHECK_FALSE(no_op_reorder(c.in(mutant(MutantKind::DropBarrier, {1}))));
}

TEST_CASE("clflush-drains: an mb() next to a clflush", "[suspicions]") {
  Case c;
  c.item.ops = {Operation::simple(OpKind::Mfence, "mb()"),
                Operation::simple(OpKind::Clflush, "clflush", kPasid0),
                Operation::simple(OpKind::Mfence, "mb()"), store(kPasid0, 0, "zero")};
  CHECK(clflush_drains(c.in(mutant(MutantKind::DropMfence, {0}))));
  CHECK(clflush_drains(c.in(mutant(MutantKind::DropMfence, {2}))));
  c.item.ops[1] = store(kPasid0 + 8, 0, "zero val[1]");
  CHECK_FALSE(clflush_drains(c.in(mutant(MutantKind::DropMfence, {0}))));
}

TEST_CASE("suspect lists every heuristic that applies, none when nothing explains it", "[suspicions]") {
  Case c;
  CHECK(suspect(c.in(mutant(MutantKind::DropPoll, {}, 1))).empty());
  const auto all = suspect(c.in(mutant(MutantKind::DropPoll, {}, 0)));
  REQUIRE(all.size() == 1);
  CHECK(all[0].name == "later-wait");
}

// ------------------------------------------------------------ equivalence

TEST_CASE("programs are the same when they emit the same operations, labels and free barriers aside",
          "[suspicions]") {
  DriverOp a;
  a.ops = {store(kPasid0 + 8, 3, "set DID"), Operation::simple(OpKind::CompilerBarrier, "dma_wmb()"),
           store(kPasid0, kP, "set P")};
  DriverOp relabelled = a;
  relabelled.ops[0].label = "something else";
  DriverOp no_barrier = a;
  no_barrier.ops.erase(no_barrier.ops.begin() + 1);
  const std::vector<SweepSpace::Compiler> program{{false, CompilerOrder{}}};
  CHECK(same_programs({{a}}, program, {{relabelled}}, program, true));
  // Both WRITE_ONCE: without the barrier the compiler still keeps their order.
  CHECK(same_programs({{a}}, program, {{no_barrier}}, program, true));
  CHECK_FALSE(same_programs({{a}}, program, {{no_barrier}}, program, false));  // a barrier that costs cycles
  // Plain stores: without the barrier the reversed order puts P first.
  DriverOp plain = a;
  for (Operation& op : plain.ops) op.once = false;
  DriverOp plain_no_barrier = plain;
  plain_no_barrier.ops.erase(plain_no_barrier.ops.begin() + 1);
  CompilerOrder reversed;
  reversed.kind = CompilerOrder::Kind::Reversed;
  const std::vector<SweepSpace::Compiler> both{{false, CompilerOrder{}}, {false, reversed}};
  CHECK_FALSE(same_programs({{plain}}, both, {{plain_no_barrier}}, both, true));
  CHECK(same_programs({{plain}}, program, {{plain_no_barrier}}, program, true));
}
