// The ownership rules judged by happens-before (present_before_invalidate,
// missing_invalidation), stale_translation and corrupting_dma, on hand-made
// histories: which orders make a change legal, never which cycles.
#include <catch2/catch.hpp>

#include "hand_made_events.hpp"

using namespace vtd;

namespace {

constexpr Addr kCtx = 0x1000;
const Rid kRid = Rid::from(0, 2, 0);
const EntryId kId{EntryKind::Context, kCtx, kRid, 0, 0};
constexpr u64 kLo = 0x5001, kHi = 0x202;  // present, DID 2
constexpr Addr kStatus = 0x9000, kLock = 0xa000;

// CPU `cpu`'s operation `op` of program item `item`.
Writer op(u32 o, u16 cpu = 0, u32 item = 0) { return Writer{cpu, item, o}; }

struct Run : test::Judged {
  Run() : Judged(kId, {kLo, kHi}) {}
  // The handshake's invalidations for DID `did`, rung by `by`; the wait's completion cycle.
  Cycle invalidate(Writer by, Cycle at, unsigned slot = 0, u16 did = 2) {
    return events.submit(by, at, slot, {qi_cc_dev(did, kRid), qi_iotlb_dsi(did)}, kStatus + 8 * slot);
  }
};

const Finding* first(const Findings& f, const std::string& kind) {
  for (const Finding& x : f.items)
    if (x.kind == kind) return &x;
  return nullptr;
}

}  // namespace

TEST_CASE("zeroing after the clearing CPU observed the invalidations complete is legal", "[checkers][ownership]") {
  Run r;
  r.events.store(0, kLo & ~1ull, 10, op(1));  // clear P
  const Cycle done = r.invalidate(op(2), 20);
  r.events.poll(op(3), done + 1, kStatus);
  r.events.store(0, 0, done + 10, op(4));
  r.events.store(1, 0, done + 11, op(5));
  r.events.item(0, 0, 0, 5, 0, done + 12);
  const Findings f = r.judge();
  CHECK(f.counts().at("present_before_invalidate") == 0);
  CHECK(f.counts().at("missing_invalidation") == 0);
}

TEST_CASE("a change before the wait is read is present_before_invalidate, however fast the queue",
          "[checkers][ownership]") {
  Run r;
  r.events.store(0, kLo & ~1ull, 10, op(1));
  const Cycle done = r.invalidate(op(2), 20);
  // Long after the invalidations completed, but nothing read the wait's status.
  r.events.store(1, 0, done + 1000, op(4));
  r.events.item(0, 0, 0, 4, 0, done + 1001);
  const Findings f = r.judge();
  CHECK(f.counts().at("present_before_invalidate") == 1);
  const Finding* x = first(f, "present_before_invalidate");
  REQUIRE(x);
  CHECK(x->clear_store == 0u);
  REQUIRE(x->missing.size() == 2);
  CHECK_THAT(x->missing[0], Catch::Contains("context-cache"));
  CHECK_THAT(x->missing[1], Catch::Contains("IOTLB"));
  CHECK_THAT(x->why[0], Catch::Contains("no CPU read it"));
  // The clear itself: the operation returned without observing its invalidations.
  CHECK(f.counts().at("missing_invalidation") == 1);
}

TEST_CASE("what does not cover the old entry does not count", "[checkers][ownership]") {
  SECTION("another domain") {
    Run r;
    r.events.store(0, kLo & ~1ull, 10, op(1));
    const Cycle done = r.invalidate(op(2), 20, 0, /*did=*/7);
    r.events.poll(op(3), done + 1, kStatus);
    r.events.store(1, 0, done + 10, op(4));
    const Findings f = r.judge();
    REQUIRE(f.counts().at("present_before_invalidate") == 1);
    CHECK_THAT(first(f, "present_before_invalidate")->why[0], Catch::Contains("no covering invalidation"));
  }
  SECTION("queued before P was cleared") {
    Run r;
    const Cycle done = r.invalidate(op(1), 5);
    r.events.poll(op(2), done + 1, kStatus);
    r.events.store(0, kLo & ~1ull, done + 10, op(3));
    r.events.store(1, 0, done + 20, op(4));
    const Findings f = r.judge();
    REQUIRE(f.counts().at("present_before_invalidate") == 1);
    CHECK_THAT(first(f, "present_before_invalidate")->why[0], Catch::Contains("not ordered after store #"));
  }
  SECTION("the wait queued before the invalidations") {
    Run r;
    r.events.store(0, kLo & ~1ull, 10, op(1));
    r.events.doorbell(op(2), 20, 3);
    r.events.descriptor(0, qi_wait(kStatus), 30, 35);
    r.events.descriptor(1, qi_cc_dev(2, kRid), 40, 60);
    r.events.descriptor(2, qi_iotlb_dsi(2), 50, 80);
    r.events.poll(op(3), 36, kStatus);
    r.events.store(1, 0, 100, op(4));
    const Findings f = r.judge();
    REQUIRE(f.counts().at("present_before_invalidate") == 1);
    CHECK_THAT(first(f, "present_before_invalidate")->why[0], Catch::Contains("no completed wait after"));
  }
}

TEST_CASE("with non-coherent walks the clear counts once a clflush before the doorbell wrote it back",
          "[checkers][ownership]") {
  for (bool flush : {false, true}) {
    Run r;
    r.events.store(0, kLo & ~1ull, 10, op(1));
    if (flush) r.events.writeback(op(2), 15);
    const Cycle done = r.invalidate(op(3), 20);
    r.events.poll(op(4), done + 1, kStatus);
    r.events.store(1, 0, done + 10, op(5));
    CHECK(r.judge(/*coherent=*/false).counts().at("present_before_invalidate") == (flush ? 0u : 1u));
  }
}

TEST_CASE("two CPUs: a change by another CPU is legal only once it is ordered after the observed wait",
          "[checkers][ownership][two_cpus]") {
  // CPU 0 holds a lock, clears P, invalidates and polls, then unlocks; CPU 1 zeroes.
  auto run = [](Run& r, const std::string& how) {
    r.events.store_at(kLock, 1, 1, op(0));  // cpu0 takes the lock
    r.events.store(0, kLo & ~1ull, 10, op(1));
    const Cycle done = r.invalidate(op(2), 20);
    r.events.poll(op(3), done + 1, kStatus);
    r.events.store_at(kLock, 0, done + 5, op(4));  // cpu0 unlocks
    if (how == "lock") r.events.load(op(0, 1, 0), done + 6, kLock, LoadKind::Atomic);
    if (how == "own poll") r.events.poll(op(0, 1, 0), done + 6, kStatus);
    r.events.store(1, 0, done + 10, op(1, 1, 0));  // cpu1 zeroes
  };
  for (const char* how : {"lock", "own poll"}) {
    Run r;
    run(r, how);
    CHECK(r.judge().counts().at("present_before_invalidate") == 0);
  }
  Run r;
  run(r, "nothing");  // later in time, but unordered
  const Findings f = r.judge();
  REQUIRE(f.counts().at("present_before_invalidate") == 1);
  CHECK_THAT(first(f, "present_before_invalidate")->why[0], Catch::Contains("does not happen before the change"));
}

TEST_CASE("a present entry changed in place needs its invalidations observed before the operation returns",
          "[checkers][missing_invalidation]") {
  auto change = [](Run& r, std::initializer_list<QiDesc> descs, bool poll) {
    r.events.store(1, 0x302, 10, op(1));  // DID 2 -> 3 while present
    if (descs.size()) {
      const Cycle done = r.events.submit(op(2), 20, 0, descs, kStatus);
      if (poll) r.events.poll(op(3), done + 1, kStatus);
    }
    r.events.item(0, 0, 0, 4, 0, 300);
  };
  {
    Run r;
    change(r, {qi_cc_dev(2, kRid), qi_iotlb_dsi(2)}, true);
    CHECK(r.judge().counts().at("missing_invalidation") == 0);
  }
  {
    Run r;
    change(r, {qi_iotlb_dsi(2)}, true);  // no context-cache invalidation
    const Findings f = r.judge();
    REQUIRE(f.counts().at("missing_invalidation") == 1);
    const Finding* x = first(f, "missing_invalidation");
    REQUIRE(x->missing.size() == 1);
    CHECK_THAT(x->missing[0], Catch::Contains("context-cache"));
    CHECK(x->returned == 300);
  }
  {
    Run r;
    change(r, {qi_cc_dev(2, kRid), qi_iotlb_dsi(2)}, false);  // not waited for
    CHECK(r.judge().counts().at("missing_invalidation") == 1);
  }
  {
    Run r;
    change(r, {}, false);
    CHECK(r.judge().counts().at("missing_invalidation") == 1);
  }
}

TEST_CASE("a full clear in one go and changes hardware ignores are not ownership violations",
          "[checkers][ownership]") {
  Run r;
  r.events.store(1, kHi | 0x8, 5, op(1));  // AVAIL: software's bits
  r.events.store(0, 0, 10, op(2));         // P and everything else in one store: nothing after it
  const Cycle done = r.invalidate(op(3), 20);
  r.events.poll(op(4), done + 1, kStatus);
  r.events.item(0, 0, 0, 4, 0, done + 2);
  const auto c = r.judge().counts();
  CHECK(c.at("present_before_invalidate") == 0);
  CHECK(c.at("missing_invalidation") == 0);
}

TEST_CASE("the reference translator walks the tables of a memory version", "[checkers][reference]") {
  // Root at 0x10000 -> context table 0x20000 -> SL root 0x30000 (3 levels).
  PhysicalMemory m;
  m.poke64(0x10000, 0x20001);
  const Addr ce = 0x20000 + 16 * kRid.devfn();
  m.poke64(ce, 0x30001);
  m.poke64(ce + 8, 0x201);  // AW 1, DID 2
  m.poke64(0x30000, 0x31003);
  m.poke64(0x31000, 0x32003);
  m.poke64(0x32000 + 8, 0x80000003);  // iova 0x1000 -> 0x80000000
  IommuConfig cfg;
  cfg.sagaw = {1, 2};
  ReferenceTranslator ref(m, cfg, 0x10000);
  CHECK(ref.translate(kRid, std::nullopt, 0x1234, false, 0).pa == 0x80000234);
  // Clear the context entry at cycle 10: version 1 faults.
  PhysicalMemory::PendingStore s;
  s.visible_at = 10;
  s.addr = ce;
  s.clear = {~0ull, 0};
  s.set = {0, 0};
  m.post(s);
  m.advance_to(10);
  CHECK(ref.version_at(9) == 0);
  CHECK(ref.version_at(10) == 1);
  CHECK(ref.translate(kRid, std::nullopt, 0x1234, false, 1).fault);
  CHECK(ref.translate(kRid, std::nullopt, 0x1234, false, 0).pa == 0x80000234);
}

namespace {

// Two domains for one device: the context entry at `ce` points at one of two
// 3-level second-level tables (0x30000 maps iova 0x1000 -> 0x80000000,
// 0x40000 maps it -> 0x90000000). Every event goes through a bus to the
// checkers, stores through memory (whose history the rules judge).
struct TwoDomains {
  EventBus bus;
  PhysicalMemory m{&bus};
  Addr ce = 0x20000 + 16 * kRid.devfn();
  EntryHistory h;
  SyncLog sync;
  DmaOutcomes dma{h};
  IommuConfig cfg;
  ReferenceTranslator ref{m, cfg, 0x10000};
  Handshakes hs;
  TwoDomains() {
    cfg.sagaw = {1, 2};
    ref.reset(cfg, 0x10000);
    m.poke64(0x10000, 0x20001);
    m.poke64(ce, 0x30001);
    m.poke64(ce + 8, 0x201);
    for (Addr root : {Addr{0x30000}, Addr{0x40000}}) {
      m.poke64(root, (root + 0x1000) | 3);
      m.poke64(root + 0x1000, (root + 0x2000) | 3);
    }
    m.poke64(0x32000 + 8, 0x80000003);
    m.poke64(0x42000 + 8, 0x90000003);
    EntryBits init;
    init.w[0] = 0x30001;
    init.w[1] = 0x201;
    h.watch(EntryId{EntryKind::Context, ce, kRid, 0, 0}, init);
    bus.subscribe(&h);
    bus.subscribe(&sync);
    bus.subscribe(&dma);
    bus.publish(QueueEvent{0, 0, 0});
  }
  // CPU 0 points the entry at `root` at cycle `c` (op `o`).
  void repoint(Addr root, Cycle c, u32 o) {
    PhysicalMemory::PendingStore s;
    s.visible_at = c;
    s.addr = ce;
    s.writer = op(o);
    s.clear = {~0ull, 0};
    s.set = {root | 1, 0};
    m.post(s);
    m.advance_to(c);
  }
  // CC and IOTLB for DID 2, rung by op `o` at `rung`, completed at `done`.
  void invalidate(u32 o, Cycle rung, Cycle done) {
    bus.publish(MmioEvent{op(o), rung, reg::IQT, 2 << 4, 4, true});
    bus.publish(QueueEvent{rung, 0, 2});
    for (unsigned slot : {0u, 1u}) {
      const QiDesc d = slot == 0 ? qi_cc_dev(2, kRid) : qi_iotlb_dsi(2);
      const std::array<u64, 4> qw{d.bits.w[0], d.bits.w[1], 0, 0};
      bus.publish(DescriptorEvent{DescriptorEvent::What::Fetched, rung + 1, slot, qw, {}});
      bus.publish(DescriptorEvent{DescriptorEvent::What::Completed, done, slot, qw, {}});
    }
  }
  // Request `id` arriving at `arrived`, done 5 cycles later, reaching `pa`
  // through a copy of the entry read at memory version 0 (the old domain).
  void dma_event(u64 id, Cycle arrived, Addr pa, bool from_cache, u64 copy_version = 0) {
    DmaEvent e;
    e.request = id;
    e.rid = kRid;
    e.iova = 0x1000;
    e.arrived = arrived;
    e.done = arrived + 5;
    e.pa = pa;
    EntryBits v;
    v.w[0] = copy_version == 0 ? 0x30001 : 0x40001;
    v.w[1] = 0x201;
    Provenance src;
    src.cycle = 3;
    src.nbursts = 1;
    src.versions[0] = copy_version;
    e.copies.push_back({EntryKind::Context, ce, from_cache, v, src});
    m.advance_to(e.done);
    bus.publish(e);
  }
  Findings judge() {
    hs.build(sync, m.history(), true);
    return vtd::judge(Evidence(h, hs, dma, ref, true));
  }
};

}  // namespace

TEST_CASE("a copy used after the invalidation that covers its replacement completed is a stale translation",
          "[checkers][stale]") {
  TwoDomains t;
  t.repoint(0x40000, 10, 0);  // store #0
  t.invalidate(1, 12, 40);
  t.dma_event(1, 20, 0x80000000, true);   // before the invalidation completed: hardware may use its copy
  t.dma_event(2, 50, 0x80000000, true);   // after: stale
  t.dma_event(3, 60, 0x90000000, false);  // a fresh walk of the new entry
  const Findings f = t.judge();
  REQUIRE(f.counts().at("stale_translation") == 1);
  const Finding* x = first(f, "stale_translation");
  CHECK(x->request == 2u);
  CHECK(x->superseded_by == 0u);
  CHECK(x->invalidated == 40);
  REQUIRE(!x->expected.empty());
  CHECK(x->expected[0].pa == 0x90000000);
  REQUIRE(x->copy);
  CHECK(x->copy->from_cache);
}

TEST_CASE("a request whose outcome the tables give at some version between arrival and completion is not stale",
          "[checkers][stale]") {
  TwoDomains t;
  t.repoint(0x40000, 10, 0);
  t.invalidate(1, 12, 40);
  // Arrives at 50 (tables: new domain), the old mapping is back at 53 (before it completes at 55).
  t.repoint(0x30000, 53, 2);
  t.dma_event(1, 50, 0x80000000, true);
  CHECK(t.judge().counts().at("stale_translation") == 0);
}

TEST_CASE("without an invalidation queued after the change, no copy is stale (the handshake rules judge that)",
          "[checkers][stale]") {
  TwoDomains t;
  t.invalidate(1, 5, 8);     // queued before the change
  t.repoint(0x40000, 10, 2);
  t.dma_event(1, 50, 0x80000000, true);
  CHECK(t.judge().counts().at("stale_translation") == 0);
}

TEST_CASE("an address no stable state maps is a corrupting DMA", "[checkers][corrupting]") {
  TwoDomains t;
  t.dma_event(1, 5, 0x80000000, false);  // before: legitimate
  t.repoint(0x40000, 10, 0);
  t.dma_event(2, 30, 0x90000000, false, 1);  // after: legitimate
  t.dma_event(3, 31, 0xdead0000, false, 1);  // neither
  t.dma_event(4, 32, 0xdead0000, false, 1);  // same outcome again
  const Findings f = t.judge();
  REQUIRE(f.counts().at("corrupting_dma") == 1);
  const Finding* x = first(f, "corrupting_dma");
  CHECK(x->dma_pa == 0xdead0000);
  CHECK(x->occurrences == 2);
}
