#include <catch2/catch.hpp>
#include <stdexcept>

#include "formats/formats.hpp"
#include "iommu_model/caches.hpp"

using namespace vtd;

namespace {

Provenance prov(u64 request, Cycle cycle = 100, Addr entry = 0x1000) {
  Provenance p;
  p.request = request;
  p.cycle = cycle;
  p.entry_addr = entry;
  p.nbursts = 2;
  p.versions = {7, 9, 0, 0};
  return p;
}

CacheConfig sized(unsigned entries) {
  CacheConfig c;
  c.entries = entries;
  return c;
}

CacheConfig disabled() {
  CacheConfig c;
  c.enabled = false;
  return c;
}

EntryBits legacy_ctx(bool present, u16 did) {
  EntryBits e;
  ctx_fmt::P.set(e, present);
  ctx_fmt::DID.set(e, did);
  ctx_fmt::SLPTPTR.set(e, 0x5);
  return e;
}

EntryBits sm_ctx(bool present) {
  EntryBits e;
  smctx_fmt::P.set(e, present);
  smctx_fmt::PASIDDIRPTR.set(e, 0x7);
  return e;
}

EntryBits pasid_entry(bool present, u16 did) {
  EntryBits e;
  pasid_fmt::P.set(e, present);
  pasid_fmt::DID.set(e, did);
  pasid_fmt::PGTT.set(e, pasid_fmt::PGTT_SL);
  return e;
}

IotlbValue page(Addr out, u8 shift, Pgtt pgtt = Pgtt::SecondLevel) {
  IotlbValue v;
  v.page_addr = out;
  v.page_shift = shift;
  v.read = true;
  v.write = true;
  v.pgtt = pgtt;
  return v;
}

Rid fn(u8 dev, u8 f) { return Rid::from(0, dev, f); }

}  // namespace

TEST_CASE("lru cache evicts the least recently used entry at capacity", "[caches]") {
  LruCache<int, int> c(sized(3));
  c.fill(1, 10, prov(1), 1);
  c.fill(2, 20, prov(2), 2);
  c.fill(3, 30, prov(3), 3);
  REQUIRE(c.size() == 3);
  REQUIRE(c.lookup(1));  // 1 becomes most recent; 2 is now the victim

  auto r = c.fill(4, 40, prov(4), 4);
  REQUIRE(r.filled);
  REQUIRE(r.evicted);
  CHECK(r.evicted->key == 2);
  CHECK(r.evicted->item.value == 20);
  CHECK(c.size() == 3);
  CHECK_FALSE(c.lookup(2));

  auto contents = c.contents();
  REQUIRE(contents.size() == 3);
  CHECK(contents[0].first == 4);
  CHECK(contents[1].first == 1);
  CHECK(contents[2].first == 3);

  // Refilling a present key replaces it in place, no eviction, and makes it MRU.
  auto again = c.fill(3, 33, prov(5), 5);
  CHECK(again.filled);
  CHECK_FALSE(again.evicted);
  CHECK(c.contents()[0].first == 3);
  CHECK(c.lookup(3)->value == 33);
  CHECK(c.lookup(3)->filled == 5);
  CHECK(c.stats().evictions == 1);
}

TEST_CASE("lru cache of capacity zero counts misses and refuses fills", "[caches]") {
  LruCache<int, int> c(sized(0));
  CHECK_FALSE(c.fill(1, 1, prov(1), 0).filled);
  CHECK_FALSE(c.lookup(1));
  CHECK(c.stats().lookups == 1);
  CHECK(c.stats().misses == 1);
  CHECK(c.stats().fills == 0);
}

TEST_CASE("disabled caches are never consulted or counted", "[caches]") {
  ContextCache cc(disabled(), false, true);
  CHECK_FALSE(cc.fill(fn(2, 0), legacy_ctx(true, 1), prov(1), 0).filled);
  CHECK_FALSE(cc.lookup(fn(2, 0)));
  CHECK(cc.invalidate_global() == 0);

  PasidCache pc(disabled(), false);
  CHECK_FALSE(pc.fill(fn(2, 0), 1, pasid_entry(true, 1), prov(1), 0).filled);
  CHECK_FALSE(pc.lookup(fn(2, 0), 1));
  CHECK(pc.invalidate_domain(1) == 0);

  Iotlb tlb(disabled());
  CHECK_FALSE(tlb.fill(1, std::nullopt, 0x1000, page(0x9000, 12), prov(1), 0).filled);
  CHECK_FALSE(tlb.lookup(1, std::nullopt, 0x1000));
  CHECK(tlb.invalidate_domain(1) == 0);

  CHECK(cc.stats() == CacheStats{});
  CHECK(pc.stats() == CacheStats{});
  CHECK(tlb.stats() == CacheStats{});
  CHECK(tlb.size() == 0);
}

TEST_CASE("cache statistics count lookups hits misses fills evictions and invalidations", "[caches]") {
  ContextCache cc(sized(2), false, false);
  cc.fill(fn(1, 0), legacy_ctx(true, 1), prov(1), 0);
  cc.fill(fn(2, 0), legacy_ctx(true, 2), prov(2), 0);
  cc.fill(fn(3, 0), legacy_ctx(true, 2), prov(3), 0);   // evicts 01.0
  cc.fill(fn(4, 0), legacy_ctx(false, 0), prov(4), 0);  // refused: CM = 0, not counted
  cc.lookup(fn(1, 0));                                  // miss
  cc.lookup(fn(2, 0));                                  // hit
  cc.lookup(fn(3, 0));                                  // hit
  CHECK(cc.invalidate_domain(2) == 2);
  CHECK(cc.invalidate_domain(2) == 0);

  CacheStats want;
  want.lookups = 3;
  want.hits = 2;
  want.misses = 1;
  want.fills = 3;
  want.evictions = 1;
  want.invalidations = 2;
  want.invalidated = 2;
  CHECK(cc.stats() == want);
  CHECK(cc.size() == 0);
}

TEST_CASE("a hit returns the cached copy with its provenance", "[caches]") {
  ContextCache cc(sized(4), false, false);
  const EntryBits e = legacy_ctx(true, 42);
  cc.fill(fn(2, 0), e, prov(17, 250, 0x3010), 260);
  auto hit = cc.lookup(fn(2, 0));
  REQUIRE(hit);
  CHECK(hit->value.entry == e);
  CHECK(hit->value.did == 42);
  CHECK(hit->value.present);
  CHECK(hit->source.request == 17);
  CHECK(hit->source.cycle == 250);
  CHECK(hit->source.entry_addr == 0x3010);
  CHECK(hit->source.nbursts == 2);
  CHECK(hit->source.versions[0] == 7);
  CHECK(hit->source.versions[1] == 9);
  CHECK(hit->filled == 260);

  Iotlb tlb(sized(4));
  IotlbValue v = page(0x80000, 12);
  v.table_source = prov(17, 250, 0x3010);
  tlb.fill(42, std::nullopt, 0x5123, v, prov(18, 300, 0x7028), 310);
  auto t = tlb.lookup(42, std::nullopt, 0x5fff);
  REQUIRE(t);
  CHECK(t->source.request == 18);
  CHECK(t->source.entry_addr == 0x7028);
  CHECK(t->value.table_source.request == 17);
  CHECK(t->value.table_source.entry_addr == 0x3010);
  CHECK(t->filled == 310);
}

TEST_CASE("provenance is taken from a whole-entry fetch", "[caches]") {
  FetchEvent f;
  f.request = 5;
  f.entry.addr = 0x2040;
  f.nbursts = 2;
  f.bursts[0].cycle = 10;
  f.bursts[0].version = 3;
  f.bursts[1].cycle = 20;
  f.bursts[1].version = 4;
  const Provenance p = provenance_from(f);
  CHECK(p.request == 5);
  CHECK(p.cycle == 20);
  CHECK(p.entry_addr == 0x2040);
  CHECK(p.nbursts == 2);
  CHECK(p.versions == std::array<u64, 4>{3, 4, 0, 0});
}

TEST_CASE("context cache refuses non-present entries unless caching mode", "[caches]") {
  SECTION("CM = 0") {
    ContextCache cc(sized(4), false, false);
    CHECK_FALSE(cc.fill(fn(2, 0), legacy_ctx(false, 3), prov(1), 0).filled);
    CHECK_FALSE(cc.lookup(fn(2, 0)));
    CHECK(cc.size() == 0);
  }
  SECTION("CM = 1 caches them tagged DID 0") {
    ContextCache cc(sized(4), false, true);
    REQUIRE(cc.fill(fn(2, 0), legacy_ctx(false, 3), prov(1), 0).filled);
    auto hit = cc.lookup(fn(2, 0));
    REQUIRE(hit);
    CHECK_FALSE(hit->value.present);
    CHECK(hit->value.did == 0);
    CHECK(cc.invalidate_device(3, fn(2, 0), 0) == 0);  // the entry's stale DID is not the tag
    CHECK(cc.invalidate_device(0, fn(2, 0), 0) == 1);  // Linux's CC-dev with DID 0
  }
  SECTION("CM = 1 scalable mode") {
    ContextCache cc(sized(4), true, true);
    REQUIRE(cc.fill(fn(2, 0), sm_ctx(false), prov(1), 0).filled);
    CHECK_FALSE(cc.lookup(fn(2, 0))->value.present);
  }
}

TEST_CASE("context cache global and domain-selective invalidation", "[caches]") {
  SECTION("legacy matches the DID") {
    ContextCache cc(sized(8), false, false);
    cc.fill(fn(1, 0), legacy_ctx(true, 1), prov(1), 0);
    cc.fill(fn(2, 0), legacy_ctx(true, 2), prov(2), 0);
    cc.fill(fn(3, 0), legacy_ctx(true, 2), prov(3), 0);
    CHECK(cc.invalidate_domain(2) == 2);
    CHECK(cc.lookup(fn(1, 0)));
    CHECK(cc.invalidate_global() == 1);
    CHECK(cc.size() == 0);
  }
  SECTION("scalable mode ignores the DID") {
    ContextCache cc(sized(8), true, false);
    cc.fill(fn(1, 0), sm_ctx(true), prov(1), 0);
    cc.fill(fn(2, 0), sm_ctx(true), prov(2), 0);
    CHECK(cc.lookup(fn(1, 0))->value.did == 0);
    CHECK(cc.invalidate_domain(9) == 2);
  }
}

TEST_CASE("context cache device-selective invalidation applies the function mask", "[caches]") {
  auto filled = [](bool scalable) {
    ContextCache cc(sized(16), scalable, false);
    for (u8 f = 0; f < 8; ++f) cc.fill(fn(2, f), scalable ? sm_ctx(true) : legacy_ctx(true, 1), prov(f), 0);
    cc.fill(fn(3, 0), scalable ? sm_ctx(true) : legacy_ctx(true, 1), prov(8), 0);
    return cc;
  };
  auto present_functions = [](ContextCache& cc) {
    std::vector<unsigned> v;
    for (u8 f = 0; f < 8; ++f)
      if (cc.lookup(fn(2, f))) v.push_back(f);
    return v;
  };

  SECTION("FM 0 drops exactly the SID") {
    ContextCache cc = filled(false);
    CHECK(cc.invalidate_device(1, fn(2, 5), 0) == 1);
    CHECK(present_functions(cc) == std::vector<unsigned>{0, 1, 2, 3, 4, 6, 7});
  }
  SECTION("FM 1 masks function bit 2") {
    ContextCache cc = filled(false);
    CHECK(cc.invalidate_device(1, fn(2, 1), 1) == 2);
    CHECK(present_functions(cc) == std::vector<unsigned>{0, 2, 3, 4, 6, 7});
  }
  SECTION("FM 2 masks function bits 2:1") {
    ContextCache cc = filled(false);
    CHECK(cc.invalidate_device(1, fn(2, 1), 2) == 4);
    CHECK(present_functions(cc) == std::vector<unsigned>{0, 2, 4, 6});
  }
  SECTION("FM 3 masks all function bits but not the device") {
    ContextCache cc = filled(false);
    CHECK(cc.invalidate_device(1, fn(2, 6), 3) == 8);
    CHECK(present_functions(cc).empty());
    CHECK(cc.lookup(fn(3, 0)));
  }
  SECTION("legacy requires the DID to match") {
    ContextCache cc = filled(false);
    CHECK(cc.invalidate_device(2, fn(2, 0), 3) == 0);
  }
  SECTION("scalable mode ignores the DID") {
    ContextCache cc = filled(true);
    CHECK(cc.invalidate_device(77, fn(2, 0), 0) == 1);
    CHECK(present_functions(cc).size() == 7);
  }
}

TEST_CASE("pasid cache tags by source ID and PASID with the entry DID", "[caches]") {
  PasidCache pc(sized(8), false);
  pc.fill(fn(2, 0), 1, pasid_entry(true, 10), prov(1), 0);
  pc.fill(fn(2, 0), 2, pasid_entry(true, 10), prov(2), 0);
  pc.fill(fn(3, 0), 1, pasid_entry(true, 10), prov(3), 0);
  pc.fill(fn(3, 0), 2, pasid_entry(true, 20), prov(4), 0);
  auto hit = pc.lookup(fn(3, 0), 2);
  REQUIRE(hit);
  CHECK(hit->value.did == 20);
  CHECK(hit->source.request == 4);
  CHECK_FALSE(pc.lookup(fn(4, 0), 2));

  SECTION("PASID-selective within domain drops that PASID of that DID on every device") {
    CHECK(pc.invalidate_pasid(10, 1) == 2);
    CHECK(pc.lookup(fn(2, 0), 2));
    CHECK(pc.lookup(fn(3, 0), 2));
    CHECK(pc.invalidate_pasid(10, 9) == 0);
    CHECK(pc.invalidate_pasid(20, 1) == 0);
  }
  SECTION("domain-selective drops every PASID of the DID") {
    CHECK(pc.invalidate_domain(10) == 3);
    CHECK(pc.lookup(fn(3, 0), 2));
  }
  SECTION("global drops everything") {
    CHECK(pc.invalidate_global() == 4);
    CHECK(pc.size() == 0);
  }
}

TEST_CASE("pasid cache refuses non-present entries unless caching mode", "[caches]") {
  PasidCache off(sized(4), false);
  CHECK_FALSE(off.fill(fn(2, 0), 1, pasid_entry(false, 5), prov(1), 0).filled);
  CHECK(off.size() == 0);

  PasidCache on(sized(4), true);
  REQUIRE(on.fill(fn(2, 0), 1, pasid_entry(false, 5), prov(1), 0).filled);
  auto hit = on.lookup(fn(2, 0), 1);
  REQUIRE(hit);
  CHECK_FALSE(hit->value.present);
  CHECK(hit->value.did == 0);
  CHECK(on.invalidate_pasid(5, 1) == 0);
  CHECK(on.invalidate_pasid(0, 1) == 1);
}

TEST_CASE("iotlb finds entries of every page size and translates", "[caches]") {
  Iotlb tlb(sized(8));
  tlb.fill(1, std::nullopt, 0x0000'5123, page(0x0008'0000, 12), prov(1), 0);
  tlb.fill(1, std::nullopt, 0x0040'1234, page(0x0120'0000, 21), prov(2), 0);
  tlb.fill(1, std::nullopt, 0x8000'0000, page(0x4000'0000, 30), prov(3), 0);

  auto small = tlb.lookup(1, std::nullopt, 0x5fff);
  REQUIRE(small);
  CHECK(small->value.page_shift == 12);
  CHECK(small->value.translate(0x5abc) == 0x80abc);
  CHECK_FALSE(tlb.lookup(1, std::nullopt, 0x6000));

  auto mid = tlb.lookup(1, std::nullopt, 0x005f'f000);
  REQUIRE(mid);
  CHECK(mid->value.page_shift == 21);
  CHECK(mid->value.translate(0x0045'6789) == 0x0125'6789);

  auto big = tlb.lookup(1, std::nullopt, 0xbfff'ffff);
  REQUIRE(big);
  CHECK(big->value.page_shift == 30);
  CHECK(big->value.translate(0x8123'4567) == 0x4123'4567);
  CHECK_FALSE(tlb.lookup(1, std::nullopt, 0xc000'0000));

  // Tags: another DID, or a PASID where there was none, misses.
  CHECK_FALSE(tlb.lookup(2, std::nullopt, 0x5000));
  CHECK_FALSE(tlb.lookup(1, 0u, 0x5000));

  CHECK(tlb.stats().lookups == 7);
  CHECK(tlb.stats().hits == 3);
  CHECK_THROWS_AS(tlb.fill(1, std::nullopt, 0, page(0, 13), prov(4), 0), std::invalid_argument);
}

TEST_CASE("iotlb type 2 and type 6 invalidations reach different translation types", "[caches]") {
  Iotlb tlb(sized(16));
  // DID 1, PASID 5: one entry per PGTT, at different pages.
  tlb.fill(1, 5u, 0x1000, page(0xa000, 12, Pgtt::FirstLevel), prov(1), 0);
  tlb.fill(1, 5u, 0x2000, page(0xb000, 12, Pgtt::SecondLevel), prov(2), 0);
  tlb.fill(1, 5u, 0x3000, page(0xc000, 12, Pgtt::Nested), prov(3), 0);
  tlb.fill(1, 5u, 0x4000, page(0x4000, 12, Pgtt::PassThrough), prov(4), 0);
  tlb.fill(1, std::nullopt, 0x5000, page(0xd000, 12), prov(5), 0);  // legacy
  tlb.fill(1, 6u, 0x1000, page(0xe000, 12, Pgtt::FirstLevel), prov(6), 0);
  tlb.fill(2, 5u, 0x1000, page(0xf000, 12, Pgtt::FirstLevel), prov(7), 0);
  tlb.fill(2, 5u, 0x2000, page(0xf000, 12, Pgtt::SecondLevel), prov(8), 0);
  auto has = [&](u16 did, std::optional<u32> pasid, Addr iova) {
    return tlb.lookup(did, pasid, iova).has_value();
  };

  SECTION("IOTLB domain-selective: second-level nested pass-through and legacy of the DID") {
    CHECK(tlb.invalidate_domain(1) == 4);
    CHECK(has(1, 5u, 0x1000));
    CHECK(has(1, 6u, 0x1000));
    CHECK_FALSE(has(1, 5u, 0x2000));
    CHECK_FALSE(has(1, 5u, 0x3000));
    CHECK_FALSE(has(1, 5u, 0x4000));
    CHECK_FALSE(has(1, std::nullopt, 0x5000));
    CHECK(has(2, 5u, 0x2000));
  }
  SECTION("PASID-based all-in-PASID: first-level nested and pass-through of the DID and PASID") {
    CHECK(tlb.invalidate_pasid(1, 5) == 3);
    CHECK_FALSE(has(1, 5u, 0x1000));
    CHECK(has(1, 5u, 0x2000));
    CHECK_FALSE(has(1, 5u, 0x3000));
    CHECK_FALSE(has(1, 5u, 0x4000));
    CHECK(has(1, std::nullopt, 0x5000));
    CHECK(has(1, 6u, 0x1000));
    CHECK(has(2, 5u, 0x1000));
  }
  SECTION("IOTLB global: every DID but never first-level") {
    CHECK(tlb.invalidate_global() == 5);
    CHECK(tlb.size() == 3);
    for (const auto& [key, item] : tlb.contents()) CHECK(item.value.pgtt == Pgtt::FirstLevel);
  }
  SECTION("page-selective forms keep the same scopes") {
    CHECK(tlb.invalidate_page(1, 0x1000, 3) == 4);           // 0x0000-0x7fff: SL nested PT legacy
    CHECK(tlb.invalidate_pasid_page(1, 5, 0x1000, 0) == 1);  // the first-level page
    CHECK(tlb.size() == 3);
  }
}

TEST_CASE("iotlb page-selective invalidation drops exactly the AM range", "[caches]") {
  Iotlb tlb(sized(32));
  for (Addr a = 0; a < 0x8000; a += 0x1000) tlb.fill(1, std::nullopt, a, page(0x100000 + a, 12), prov(a), 0);
  tlb.fill(1, std::nullopt, 0x0020'0000, page(0x0060'0000, 21), prov(100), 0);
  tlb.fill(1, std::nullopt, 0x4000'0000, page(0x8000'0000, 30), prov(101), 0);
  tlb.fill(2, std::nullopt, 0x2000, page(0x2000, 12), prov(102), 0);
  auto has = [&](Addr iova) { return tlb.lookup(1, std::nullopt, iova).has_value(); };

  SECTION("AM 0 drops one page") {
    CHECK(tlb.invalidate_page(1, 0x3000, 0) == 1);
    CHECK_FALSE(has(0x3000));
    CHECK(has(0x2000));
    CHECK(has(0x4000));
  }
  SECTION("AM 1 drops two aligned pages") {
    CHECK(tlb.invalidate_page(1, 0x2000, 1) == 2);
    CHECK(has(0x1000));
    CHECK_FALSE(has(0x2000));
    CHECK_FALSE(has(0x3000));
    CHECK(has(0x4000));
    CHECK(tlb.lookup(2, std::nullopt, 0x2000));
  }
  SECTION("an unaligned ADDR is aligned down to the AM size") {
    CHECK(tlb.invalidate_page(1, 0x5000, 2) == 4);  // 0x4000-0x7fff
    CHECK(has(0x3000));
    for (Addr a = 0x4000; a < 0x8000; a += 0x1000) CHECK_FALSE(has(a));
  }
  SECTION("a range inside a large page drops the large page") {
    CHECK(tlb.invalidate_page(1, 0x0030'1000, 0) == 1);
    CHECK_FALSE(has(0x0020'0000));
    CHECK(tlb.invalidate_page(1, 0x5000'0000, 0) == 1);
    CHECK_FALSE(has(0x4000'0000));
  }
  SECTION("a range covering a large page drops it and the small pages in it") {
    CHECK(tlb.invalidate_page(1, 0, 9) == 8);   // 0-0x1fffff: the eight small pages
    CHECK(tlb.invalidate_page(1, 0, 10) == 1);  // 0-0x3fffff: the 2 MiB page
    CHECK(has(0x4000'0000));
  }
  SECTION("a mask past the address width drops the whole DID") {
    CHECK(tlb.invalidate_page(1, 0, 52) == 10);
    CHECK(tlb.invalidate_page(2, 0, 63) == 1);
    CHECK(tlb.size() == 0);
  }
  SECTION("PASID page-selective uses the same range on PASID-tagged entries") {
    Iotlb p(sized(8));
    for (Addr a = 0; a < 0x4000; a += 0x1000) p.fill(3, 7u, a, page(a, 12, Pgtt::FirstLevel), prov(a), 0);
    CHECK(p.invalidate_pasid_page(3, 7, 0x2800, 1) == 2);
    CHECK(p.lookup(3, 7u, 0x1000));
    CHECK_FALSE(p.lookup(3, 7u, 0x2000));
    CHECK_FALSE(p.lookup(3, 7u, 0x3000));
    CHECK(p.invalidate_pasid_page(3, 8, 0, 52) == 0);
  }
}

TEST_CASE("a copied cache is independent of the original", "[caches]") {
  LruCache<int, int> a(sized(2));
  a.fill(1, 10, prov(1), 0);
  a.fill(2, 20, prov(2), 0);
  LruCache<int, int> b = a;
  b.fill(3, 30, prov(3), 0);  // evicts 1 from the copy only
  CHECK(b.invalidate_if([](const int& k, const auto&) { return k == 2; }) == 1);
  CHECK(a.size() == 2);
  CHECK(a.lookup(1));
  CHECK(a.lookup(2));
  CHECK_FALSE(b.lookup(1));
  CHECK(b.lookup(3));
  a = b;
  CHECK(a.size() == 1);
  CHECK(a.lookup(3)->value == 30);
}
