// Mutants of driver operations (src/driver/mutation.*): each operator's
// sites, ids and descriptions on small hand-built operations, what the
// mutated operations are, and the queued-invalidation mutants that
// qi_submit_sync applies while it emits (slots, IQT and free_head stay
// consistent).
#include <algorithm>
#include <catch2/catch.hpp>

#include "driver/driver.hpp"
#include "driver/mutation.hpp"
#include "formats/formats.hpp"
#include "formats/qi_descriptors.hpp"

using namespace vtd;
using Catch::Matchers::Contains;

namespace {

constexpr Addr kQueue = 0x10000, kStatus = 0x12000, kIommuLock = 0x13000, kQiLock = 0x13008;
constexpr Addr kPasid0 = 0x32000;
const Rid kDev = Rid::from(0, 2, 0);
const u64 kP = pasid_fmt::P.mask_in_word();

const EntryId kEntry{EntryKind::Pasid, kPasid0, kDev, 0, 0};
const MutationTargets kTargets{{kEntry}, kQiLock};

Operation store(Addr a, u64 v, const std::string& label) { return Operation::assign64(a, v, label, true); }
Operation barrier(const std::string& label) { return Operation::simple(OpKind::CompilerBarrier, label); }

// A teardown in the shape of patch 2/3: clear P, dma_wmb(), a submission, zero, clflush.
DriverOp teardown() {
  DriverOp d;
  d.name = "teardown 00:02.0";
  d.ops = {Operation::lock(kIommuLock, "spin_lock"),                            // 0
           Operation::rmw64(kPasid0, kP, 0, "pasid_clear_present", true),       // 1
           barrier("pasid_clear_present: dma_wmb()"),                           // 2
           Operation::unlock(kIommuLock, "spin_unlock"),                        // 3
           Operation::lock(kQiLock, "qi lock"),                                 // 4
           Operation::unlock(kQiLock, "qi unlock"),                             // 5
           store(kPasid0, 0, "zero val[0]"),                                    // 6
           store(kPasid0 + 8, 0, "zero val[1]"),                                // 7
           Operation::simple(OpKind::Mfence, "mb()"),                           // 8
           Operation::simple(OpKind::Clflush, "clflush_cache_range", kPasid0),  // 9
           Operation::simple(OpKind::Mfence, "mb()")};                          // 10
  return d;
}

// A set-up in the shape of pasid_pte_config_*: zero, fields, dma_wmb(), P.
DriverOp setup() {
  DriverOp d;
  d.name = "setup 00:02.0";
  d.ops = {store(kPasid0, 0, "zero val[0]"),                               // 0
           store(kPasid0 + 8, 0, "zero val[1]"),                           // 1
           Operation::rmw64(kPasid0 + 8, 0xffff, 3, "set DID", true),      // 2
           Operation::rmw64(kPasid0, 0x1c0, 0x40, "set PGTT", true),       // 3
           barrier("pasid_set_present: dma_wmb()"),                        // 4
           Operation::rmw64(kPasid0, kP, kP, "pasid_set_present", true)};  // 5
  return d;
}

std::vector<std::string> ids(const std::vector<Mutant>& ms) {
  std::vector<std::string> out;
  for (const Mutant& m : ms) out.push_back(m.id);
  return out;
}

const Mutant& by_id(const std::vector<Mutant>& ms, const std::string& id) {
  const auto it = std::find_if(ms.begin(), ms.end(), [&](const Mutant& m) { return m.id == id; });
  REQUIRE(it != ms.end());
  return *it;
}

std::vector<std::string> labels(const DriverOp& d) {
  std::vector<std::string> out;
  for (const Operation& op : d.ops) out.push_back(op.label);
  return out;
}

DriverOp mutated(const DriverOp& d, const Mutant& m) {
  DriverOp out = d;
  apply_mutant(m, out);
  return out;
}

TableLayout layout() {
  TableLayout L;
  L.scalable = true;
  L.driver = DriverMemory{kQueue, 5, kStatus, kIommuLock, kQiLock};
  DomainLayout dom;
  dom.name = "fl1";
  dom.did = 4;
  dom.type = "first_level";
  dom.pgd = 0x22000;
  L.domains[dom.name] = dom;
  DeviceLayout dev;
  dev.rid = kDev;
  dev.context_entry = 0x30040;
  dev.pasid_dir = 0x31000;
  dev.pdts = 2;
  dev.pasids[0] = PasidLayout{0, kPasid0, "fl1", pasid_fmt::PGTT_FL};
  L.devices[kDev] = dev;
  return L;
}

struct Fixture {
  TableLayout layout = ::layout();
  Platform platform;
  DriverState state = DriverState::from_layout(layout);
  DriverEnv env() { return DriverEnv{layout, platform, state}; }
};

std::vector<Operation> of_kind(const std::vector<Operation>& ops, OpKind k) {
  std::vector<Operation> out;
  for (const Operation& o : ops)
    if (o.kind == k) out.push_back(o);
  return out;
}

// The descriptor types in ring order of slot (qw0 stores), and desc_status stores.
std::vector<std::pair<Addr, u64>> ring_types(const std::vector<Operation>& ops) {
  std::vector<std::pair<Addr, u64>> out;
  for (const Operation& o : ops)
    if (o.kind == OpKind::Store64 && o.bytes == 8 && o.addr >= kQueue && o.addr < kQueue + 256 * 32 &&
        (o.addr - kQueue) % 32 == 0) {
      EntryBits b;
      b.w[0] = o.set;
      out.emplace_back((o.addr - kQueue) / 32, qi_fmt::TYPE.get(b));
    }
  return out;
}

std::vector<std::pair<Addr, u64>> status_stores(const std::vector<Operation>& ops) {
  std::vector<std::pair<Addr, u64>> out;
  for (const Operation& o : ops)
    if (o.kind == OpKind::Store64 && o.bytes == 4) out.emplace_back((o.addr - kStatus) / 4, o.set);
  return out;
}

Mutant qi_mutant(MutantKind k, unsigned qi, unsigned desc = 0) {
  Mutant m;
  m.kind = k;
  m.qi = qi;
  m.desc = desc;
  return m;
}

}  // namespace

// ------------------------------------------------------------ operation-level operators

TEST_CASE("a teardown's mutants come in a fixed order with readable ids", "[mutation]") {
  const std::vector<Mutant> ms = enumerate_mutants({{teardown()}}, {}, kTargets);
  CHECK(ids(ms) == std::vector<std::string>{"drop-barrier:cpu0:item0:op2", "drop-mfence:cpu0:item0:op8",
                                            "drop-mfence:cpu0:item0:op10", "drop-clflush:cpu0:item0:op9",
                                            "zero-before-flush:cpu0:item0:op1",
                                            "skip-clear-present:cpu0:item0:op1", "swap-stores:cpu0:item0:op1",
                                            "swap-stores:cpu0:item0:op6"});
  CHECK(ms[0].description == "drop dma_wmb() at op 2 (pasid_clear_present: dma_wmb()) of teardown 00:02.0");
  CHECK(ms[1].description == "drop mfence at op 8 (mb()) of teardown 00:02.0");
  CHECK(ms[3].description == "drop clflush of 0x32000 at op 9 (clflush_cache_range) of teardown 00:02.0");
  CHECK_THAT(ms[4].description,
             Contains("move ops 6..7 (zero val[0] ... zero val[1]) before the invalidations") &&
                 Contains("op 1 (pasid_clear_present)"));
  CHECK(ms[5].description ==
        "skip the clear of P: drop op 1 (pasid_clear_present) and op 2 (pasid_clear_present: dma_wmb()) "
        "after it "
        "of teardown 00:02.0");
  CHECK(ms[6].description == "swap op 1 (pasid_clear_present) and op 6 (zero val[0]) of teardown 00:02.0");
  for (const Mutant& m : ms) {
    CHECK(m.cpu == 0);
    CHECK(m.item == 0);
  }
  REQUIRE(ms[6].entry);
  CHECK(*ms[6].entry == kEntry);
}

TEST_CASE("dropping a barrier, an mfence or a clflush removes that one operation", "[mutation]") {
  const DriverOp d = teardown();
  const std::vector<Mutant> ms = enumerate_mutants({{d}}, {}, kTargets);
  for (const char* id :
       {"drop-barrier:cpu0:item0:op2", "drop-mfence:cpu0:item0:op8", "drop-clflush:cpu0:item0:op9"}) {
    INFO(id);
    const DriverOp m = mutated(d, by_id(ms, id));
    REQUIRE(m.ops.size() == d.ops.size() - 1);
    const unsigned at =
        static_cast<unsigned>(std::stoul(std::string(id).substr(std::string(id).rfind("op") + 2)));
    std::vector<Operation> expect = d.ops;
    expect.erase(expect.begin() + at);
    CHECK(m.ops == expect);
  }
}

TEST_CASE("moving the zeroing puts the later stores right after the clear of P", "[mutation]") {
  const DriverOp d = teardown();
  const DriverOp m =
      mutated(d, by_id(enumerate_mutants({{d}}, {}, kTargets), "zero-before-flush:cpu0:item0:op1"));
  CHECK(labels(m) == std::vector<std::string>{"spin_lock", "pasid_clear_present", "zero val[0]",
                                              "zero val[1]", "pasid_clear_present: dma_wmb()", "spin_unlock",
                                              "qi lock", "qi unlock", "mb()", "clflush_cache_range", "mb()"});
}

TEST_CASE("skipping the clear of P drops the store and the dma_wmb() after it", "[mutation]") {
  const DriverOp d = teardown();
  const DriverOp m =
      mutated(d, by_id(enumerate_mutants({{d}}, {}, kTargets), "skip-clear-present:cpu0:item0:op1"));
  CHECK(labels(m) == std::vector<std::string>{"spin_lock", "spin_unlock", "qi lock", "qi unlock",
                                              "zero val[0]", "zero val[1]", "mb()", "clflush_cache_range",
                                              "mb()"});
}

TEST_CASE("swapping two adjacent stores to an entry exchanges them where they stand", "[mutation]") {
  const DriverOp d = teardown();
  const DriverOp m = mutated(d, by_id(enumerate_mutants({{d}}, {}, kTargets), "swap-stores:cpu0:item0:op1"));
  CHECK(m.ops[1] == d.ops[6]);
  CHECK(m.ops[6] == d.ops[1]);
}

TEST_CASE("setting P first moves the P store before the first store after the last P = 0 state",
          "[mutation]") {
  const DriverOp d = setup();
  const std::vector<Mutant> ms = enumerate_mutants({{d}}, {}, kTargets);
  const Mutant& m = by_id(ms, "set-present-first:cpu0:item0:op5");
  CHECK(m.ops == std::vector<u32>{5, 1});
  CHECK(m.description ==
        "set P first: move op 5 (pasid_set_present) to just before op 1 (zero val[1]) of setup 00:02.0");
  CHECK(labels(mutated(d, m)) == std::vector<std::string>{"zero val[0]", "pasid_set_present", "zero val[1]",
                                                          "set DID", "set PGTT",
                                                          "pasid_set_present: dma_wmb()"});
  // A setup has no clear of P to skip and no submission to move its stores across.
  for (const Mutant& x : ms) {
    CHECK(x.kind != MutantKind::SkipClearPresent);
    CHECK(x.kind != MutantKind::ZeroBeforeFlush);
  }
}

TEST_CASE("a cmpxchg16b splits into two WRITE_ONCE stores in either order", "[mutation]") {
  DriverOp d;
  d.name = "hitless";
  d.ops = {Operation::store128(kPasid0 + 16, 0x1111, 0x2222, "intel_iommu_atomic128_set")};
  const std::vector<Mutant> ms = enumerate_mutants({{d}}, {}, kTargets);
  REQUIRE(ids(ms) == std::vector<std::string>{"split-cmpxchg16b-low-first:cpu0:item0:op0",
                                              "split-cmpxchg16b-high-first:cpu0:item0:op0"});
  CHECK(ms[0].description ==
        "split cmpxchg16b at op 0 (intel_iommu_atomic128_set) into two WRITE_ONCE 64-bit stores, low word "
        "first "
        "of hitless");
  const DriverOp lo = mutated(d, ms[0]), hi = mutated(d, ms[1]);
  REQUIRE(lo.ops.size() == 2);
  CHECK(lo.ops[0].kind == OpKind::Store64);
  CHECK(lo.ops[0].addr == kPasid0 + 16);
  CHECK(lo.ops[0].set == 0x1111);
  CHECK(lo.ops[0].clear == ~0ull);
  CHECK(lo.ops[0].once);
  CHECK(lo.ops[1].addr == kPasid0 + 24);
  CHECK(lo.ops[1].set == 0x2222);
  CHECK(lo.ops[1].once);
  CHECK(hi.ops[0] == lo.ops[1]);
  CHECK(hi.ops[1] == lo.ops[0]);
}

TEST_CASE("mutants are numbered per CPU and item", "[mutation]") {
  const std::vector<Mutant> ms = enumerate_mutants({{setup(), teardown()}, {teardown()}}, {}, kTargets);
  CHECK(std::count_if(ms.begin(), ms.end(),
                      [](const Mutant& m) { return m.id.find(":cpu0:item1:") != std::string::npos; }) == 8);
  CHECK(std::count_if(ms.begin(), ms.end(),
                      [](const Mutant& m) { return m.id.find(":cpu1:item0:") != std::string::npos; }) == 8);
  CHECK(ms.back().id == "swap-stores:cpu1:item0:op6");
  CHECK(ms.back().cpu == 1);
}

// ------------------------------------------------------------ queued invalidation

TEST_CASE("each submission gets a drop per descriptor, a dropped wait, a dropped poll and the wait first",
          "[mutation]") {
  QiSite s;
  s.qi = 1;
  s.descs = {qi_pc_pasid(3, 0), qi_piotlb_all(3, 0)};
  s.first_op = 4;
  s.end_op = 6;
  const std::vector<Mutant> ms = enumerate_mutants({{teardown()}}, {s}, kTargets);
  std::vector<std::string> qi;
  for (const Mutant& m : ms)
    if (is_qi_mutant(m.kind)) qi.push_back(m.id);
  CHECK(qi == std::vector<std::string>{"drop-desc:cpu0:item0:qi1:desc0", "drop-desc:cpu0:item0:qi1:desc1",
                                       "drop-wait:cpu0:item0:qi1", "drop-poll:cpu0:item0:qi1",
                                       "wait-first:cpu0:item0:qi1"});
  CHECK(by_id(ms, "drop-desc:cpu0:item0:qi1:desc1").description ==
        "drop PIOTLB-all(did=3, pasid=0) from qi_submit_sync #1 (ops 4..5: PC-PASID(did=3, pasid=0), "
        "PIOTLB-all(did=3, pasid=0)) of teardown 00:02.0");
  CHECK(by_id(ms, "drop-desc:cpu0:item0:qi1:desc1").desc == 1);
  // A submission already not polled has no poll to drop.
  s.wait = QiWait::NoPoll;
  const std::vector<Mutant> unpolled = enumerate_mutants({{teardown()}}, {s}, kTargets);
  CHECK(std::none_of(unpolled.begin(), unpolled.end(),
                     [](const Mutant& m) { return m.kind == MutantKind::DropPoll; }));
}

TEST_CASE("dropping a descriptor shifts the later slots, IQT and free_head consistently", "[mutation][qi]") {
  Fixture f;
  Mutant m = qi_mutant(MutantKind::DropDescriptor, 0, 0);
  MutationContext mc;
  mc.apply = &m;
  f.state.mutation = &mc;
  std::vector<Operation> ops;
  qi_submit_sync(ops, f.env(), {qi_pc_pasid(3, 0), qi_piotlb_all(3, 0)});
  // The PIOTLB descriptor takes slot 0, the wait slot 1.
  CHECK(ring_types(ops) ==
        std::vector<std::pair<Addr, u64>>{{0, qi_fmt::TYPE_PIOTLB}, {1, qi_fmt::TYPE_WAIT}});
  CHECK(of_kind(ops, OpKind::MmioWrite).at(0).value == 2u << 5);
  CHECK(of_kind(ops, OpKind::PollUntil).at(0).addr == kStatus);  // slot 1: the upper half of word 0
  CHECK(of_kind(ops, OpKind::PollUntil).at(0).mask == 0xffffffff00000000ull);
  CHECK(status_stores(ops) ==
        std::vector<std::pair<Addr, u64>>{
            {0, qi_fmt::QI_IN_USE}, {1, qi_fmt::QI_IN_USE}, {0, qi_fmt::QI_FREE}, {1, qi_fmt::QI_FREE}});
  CHECK(f.state.qi_free_head == 2);
  // The next submission is not the mutant's: it starts right after, unchanged.
  std::vector<Operation> next;
  qi_submit_sync(next, f.env(), {qi_pc_pasid(3, 0)});
  CHECK(ring_types(next) == std::vector<std::pair<Addr, u64>>{{2, qi_fmt::TYPE_PC}, {3, qi_fmt::TYPE_WAIT}});
  CHECK(f.state.qi_free_head == 4);
  // Both recorded, with their original descriptors and operations.
  REQUIRE(mc.sites.size() == 2);
  CHECK(mc.sites[0].descs.size() == 2);
  CHECK(mc.sites[0].end_op == ops.size());
  CHECK(mc.sites[1].qi == 1);
}

TEST_CASE("dropping the wait drops the poll too: no wait slot, IQT past the descriptors only",
          "[mutation][qi]") {
  Fixture f;
  Mutant m = qi_mutant(MutantKind::DropWait, 0);
  MutationContext mc;
  mc.apply = &m;
  f.state.mutation = &mc;
  std::vector<Operation> ops;
  qi_submit_sync(ops, f.env(), {qi_pc_pasid(3, 0)});
  CHECK(ring_types(ops) == std::vector<std::pair<Addr, u64>>{{0, qi_fmt::TYPE_PC}});
  CHECK(of_kind(ops, OpKind::PollUntil).empty());
  CHECK(of_kind(ops, OpKind::MmioWrite).at(0).value == 1u << 5);
  CHECK(status_stores(ops) == std::vector<std::pair<Addr, u64>>{{0, qi_fmt::QI_IN_USE}});
  CHECK(f.state.qi_free_head == 1);
  CHECK(ops.back().kind == OpKind::Unlock);
}

TEST_CASE("dropping the poll and queueing the wait first are the broken qi_submit_sync modes",
          "[mutation][qi]") {
  for (const auto& [kind, mode] : {std::pair{MutantKind::DropPoll, QiWait::NoPoll},
                                   std::pair{MutantKind::WaitFirst, QiWait::WaitFirst}}) {
    Fixture f, g;
    Mutant m = qi_mutant(kind, 0);
    MutationContext mc;
    mc.apply = &m;
    f.state.mutation = &mc;
    std::vector<Operation> mutated_ops, broken;
    qi_submit_sync(mutated_ops, f.env(), {qi_pc_pasid(3, 0), qi_piotlb_all(3, 0)});
    qi_submit_sync(broken, g.env(), {qi_pc_pasid(3, 0), qi_piotlb_all(3, 0)}, mode);
    CHECK(mutated_ops == broken);
    CHECK(f.state.qi_free_head == g.state.qi_free_head);
  }
}

// ------------------------------------------------------------ the registry

namespace {

ProgramItem teardown_item() {
  ProgramItem item;
  item.kind = ProgramItem::Kind::Sequence;
  item.sequence = "intel_pasid_tear_down_entry";
  item.args["device"] = Arg{"00:02.0", {}};
  item.args["pasid"] = Arg{"0", {}};
  item.args["variant"] = Arg{"clear_present", {}};
  return item;
}

}  // namespace

TEST_CASE("the registry numbers a sequence's submissions and builds its mutants", "[mutation]") {
  Scenario s;
  s.platform.iommu.mode = TranslationMode::Scalable;
  s.program = {teardown_item()};
  const TableLayout L = layout();
  const MutantCatalog c = catalog_mutants(s, L);
  REQUIRE(c.sites.size() == 2);  // PC-PASID, PIOTLB-all (no ATS: no devTLB)
  CHECK(c.sites[0].descs.at(0).name == "PC-PASID(did=4, pasid=0)");
  CHECK(c.sites[1].qi == 1);
  CHECK(c.sites[1].first_op == c.sites[0].end_op);
  const std::vector<std::string> all = ids(c.mutants);
  for (const char* id :
       {"drop-barrier:cpu0:item0:op5", "drop-desc:cpu0:item0:qi0:desc0", "drop-wait:cpu0:item0:qi1",
        "drop-poll:cpu0:item0:qi1", "wait-first:cpu0:item0:qi0", "zero-before-flush:cpu0:item0:op4",
        "skip-clear-present:cpu0:item0:op4", "swap-stores:cpu0:item0:op53"})
    CHECK(std::find(all.begin(), all.end(), id) != all.end());
  CHECK(
      by_id(c.mutants, "drop-barrier:cpu0:item0:op5").description ==
      "drop dma_wmb() at op 5 (pasid_clear_present: dma_wmb()) of intel_pasid_tear_down_entry[clear_present] "
      "00:02.0 pasid 0");
}

TEST_CASE("a scenario's mutant is applied where the programs are built", "[mutation]") {
  Scenario s;
  s.platform.iommu.mode = TranslationMode::Scalable;
  s.program = {teardown_item()};
  const TableLayout L = layout();
  const std::vector<Operation> original = build_program(s, L).at(0).ops;
  s.mutant = MutantRef{"drop-wait:cpu0:item0:qi0", {}};
  const std::vector<Operation> ops = build_program(s, L).at(0).ops;
  // One poll left (the PIOTLB submission's), whose wait moved up a slot with it.
  REQUIRE(of_kind(original, OpKind::PollUntil).size() == 2);
  REQUIRE(of_kind(ops, OpKind::PollUntil).size() == 1);
  CHECK(ring_types(ops) == std::vector<std::pair<Addr, u64>>{
                               {0, qi_fmt::TYPE_PC}, {1, qi_fmt::TYPE_PIOTLB}, {2, qi_fmt::TYPE_WAIT}});
  CHECK(of_kind(ops, OpKind::MmioWrite).back().value == 3u << 5);

  s.mutant = MutantRef{"swap-stores:cpu0:item0:op47", {}};
  const std::vector<Operation> swapped = build_program(s, L).at(0).ops;
  CHECK(swapped[47] == original[48]);
  CHECK(swapped[48] == original[47]);
}

TEST_CASE("an unknown mutant is a scenario error that says where to find the ids", "[mutation]") {
  Scenario s;
  s.file = "t.yaml";
  s.platform.iommu.mode = TranslationMode::Scalable;
  s.program = {teardown_item()};
  s.mutant = MutantRef{"drop-wait:cpu0:item0:qi9", SourceLoc{"t.yaml", 7, 9}};
  try {
    build_cpu_programs(s, layout());
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK_THAT(e.what(), Contains("t.yaml:7:9: unknown mutant 'drop-wait:cpu0:item0:qi9'") &&
                             Contains("vtdsim mutate t.yaml --list lists them"));
  }
}
