// present_before_invalidate, stale_translation and corrupting_dma on
// hand-made histories.
#include <catch2/catch.hpp>

#include "checkers/rules.hpp"
#include "hand_made_events.hpp"

using namespace vtd;

namespace {

constexpr Addr kCtx = 0x1000;
const Rid kRid = Rid::from(0, 2, 0);
const EntryId kId{EntryKind::Context, kCtx, kRid, 0, 0};
constexpr u64 kLo = 0x5001, kHi = 0x202;  // present, DID 2

struct Run {
  EntryHistory h;
  QiLog qi;
  test::EntryStream events{kId, {kLo, kHi}};
  Run() {
    h.watch(kId, events.initial_bits());
    events.feed(&h);
    events.feed(&qi);
  }
  void store(unsigned word, u64 v, Cycle c) { events.store(word, v, c, Writer{}); }
  void descriptor(unsigned slot, const QiDesc& d, Cycle fetched, Cycle completed) {
    events.descriptor(slot, d, fetched, completed);
  }
  u64 count() const {
    Findings f;
    check_ownership(h, qi, f);
    return f.items.size();
  }
};

QiDesc cc_device(u16 did) { return qi_cc_dev(did, kRid); }

}  // namespace

TEST_CASE("zeroing after the handshake is legal", "[checkers][ownership]") {
  Run r;
  r.store(0, kLo & ~1ull, 10);  // clear P
  r.descriptor(0, cc_device(2), 12, 30);
  r.descriptor(1, qi_iotlb_dsi(2), 14, 40);
  r.store(0, 0, 50);
  r.store(1, 0, 51);
  CHECK(r.count() == 0);
}

TEST_CASE("zeroing before the invalidations complete is present_before_invalidate", "[checkers][ownership]") {
  Run r;
  r.store(0, kLo & ~1ull, 10);
  r.descriptor(0, cc_device(2), 12, 30);
  r.descriptor(1, qi_iotlb_dsi(2), 14, 40);
  r.store(1, 0, 35);  // IOTLB not yet invalidated
  Findings f;
  check_ownership(r.h, r.qi, f);
  REQUIRE(f.items.size() == 1);
  CHECK(f.items[0].kind == kPresentBeforeInvalidate);
  CHECK(f.items[0].cycle == 35);
  REQUIRE(f.items[0].missing.size() == 1);
  CHECK_THAT(f.items[0].missing[0], Catch::Contains("IOTLB"));
  CHECK(f.items[0].clear_cycle == 10);
}

TEST_CASE("invalidations for another domain or fetched before the clear do not count",
          "[checkers][ownership]") {
  SECTION("wrong DID") {
    Run r;
    r.store(0, kLo & ~1ull, 10);
    r.descriptor(0, cc_device(7), 12, 30);
    r.descriptor(1, qi_iotlb_dsi(7), 14, 40);
    r.store(1, 0, 50);
    CHECK(r.count() == 1);
  }
  SECTION("fetched before P was cleared") {
    Run r;
    r.descriptor(0, cc_device(2), 5, 30);
    r.descriptor(1, qi_iotlb_dsi(2), 6, 40);
    r.store(0, kLo & ~1ull, 10);
    r.store(1, 0, 50);
    CHECK(r.count() == 1);
  }
}

TEST_CASE("a full clear in one go and present entries are not handshake violations",
          "[checkers][ownership]") {
  Run r;
  r.store(1, kHi | 0x8, 5);  // a change while present: other rules judge it
  r.store(0, 0, 10);         // P and everything else in one store: nothing after it
  CHECK(r.count() == 0);
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

// TwoDomains for one device: context entry at `ce` pointing at one of two 3-level
// second-level tables (0x30000 maps iova 0x1000 -> 0x80000000, 0x40000 maps
// it -> 0x90000000).
struct TwoDomains {
  PhysicalMemory m;
  Addr ce = 0x20000 + 16 * kRid.devfn();
  EntryHistory h;
  TwoDomains() {
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
  }
  // Driver operation (cpu 0, item 0) repoints the entry at cycle 10.
  void repoint() {
    PhysicalMemory::PendingStore s;
    s.visible_at = 10;
    s.addr = ce;
    s.writer = Writer{0, 0, 0};
    s.clear = {~0ull, 0};
    s.set = {0x40001, 0};
    m.post(s);
    m.advance_to(10);
    h.on_store(m.history().back());
  }
  DmaEvent dma(u64 id, Cycle arrived, Addr pa, bool from_cache) {
    DmaEvent e;
    e.request = id;
    e.rid = kRid;
    e.iova = 0x1000;
    e.arrived = arrived;
    e.done = arrived + 5;
    e.pa = pa;
    EntryBits v;
    v.w[0] = 0x30001;
    v.w[1] = 0x201;
    Provenance src;
    src.request = 0;
    src.cycle = 3;
    e.copies.push_back({EntryKind::Context, ce, from_cache, v, src});
    return e;
  }
};

IommuConfig three_level() {
  IommuConfig cfg;
  cfg.sagaw = {1, 2};
  return cfg;
}

}  // namespace

TEST_CASE("a cached copy used after the update finished is a stale translation", "[checkers][stale]") {
  TwoDomains t;
  ReferenceTranslator ref(t.m, three_level(), 0x10000);
  TranslationChecker tc(t.h, ref);
  t.repoint();
  tc.on_item(ItemEvent{0, 0, 0, 12, "repoint"});
  tc.on_dma(t.dma(1, 11, 0x80000000, true));   // update not finished yet: not judged
  tc.on_dma(t.dma(2, 20, 0x80000000, true));   // finished, old copy: stale
  tc.on_dma(t.dma(3, 30, 0x90000000, false));  // fresh walk: fine
  Findings f;
  tc.finish(f);
  REQUIRE(f.items.size() == 1);
  CHECK(f.items[0].kind == kStaleTranslation);
  CHECK(f.items[0].request == 2u);
  REQUIRE(f.items[0].expected.size() == 1);
  CHECK(f.items[0].expected[0].pa == 0x90000000);
  REQUIRE(f.items[0].copy);
  CHECK(f.items[0].copy->from_cache);
}

TEST_CASE("an address no stable state maps is a corrupting DMA", "[checkers][corrupting]") {
  TwoDomains t;
  ReferenceTranslator ref(t.m, three_level(), 0x10000);
  TranslationChecker tc(t.h, ref);
  t.repoint();
  tc.on_dma(t.dma(1, 5, 0x80000000, false));   // before: legitimate
  tc.on_dma(t.dma(2, 30, 0x90000000, false));  // after: legitimate
  tc.on_dma(t.dma(3, 31, 0xdead0000, false));  // neither
  tc.on_dma(t.dma(4, 32, 0xdead0000, false));  // same outcome again
  Findings f;
  tc.finish(f);
  REQUIRE(f.items.size() == 1);
  CHECK(f.items[0].kind == kCorruptingDma);
  CHECK(f.items[0].dma_pa == 0xdead0000);
  CHECK(f.items[0].occurrences == 2);
}
