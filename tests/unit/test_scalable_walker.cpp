#include <catch2/catch.hpp>
#include <map>
#include <vector>

#include "formats/formats.hpp"
#include "iommu_model/fault_reasons.hpp"
#include "iommu_model/scalable_walker.hpp"

using namespace vtd;

namespace {

constexpr Addr kRt = 0x10000;        // root table
constexpr Addr kLowCtx = 0x20000;    // lower context table (devfn < 0x80)
constexpr Addr kHighCtx = 0x21000;   // upper context table
constexpr Addr kDir = 0x30000;       // PASID directory
constexpr Addr kPasidTbl = 0x31000;  // PASID table for PASIDs 0-63
constexpr Addr kSlRoot = 0x40000;
constexpr Addr kFlRoot = 0x50000;            // host-physical, or guest-physical when nested
constexpr Addr kGuestOff = 0x10000000;       // nested: guest page g lives at host g + kGuestOff
const Rid kRid = Rid::from(0, 2, 0);         // devfn 0x10
const Rid kHighRid = Rid::from(0, 0x12, 0);  // devfn 0x90

unsigned idx(Addr a, unsigned level) { return static_cast<unsigned>((a >> (12 + 9 * (level - 1))) & 511); }

EntryBits slpte(Addr next, bool r, bool w, bool ps = false) {
  EntryBits e;
  slpte_fmt::R.set(e, r);
  slpte_fmt::W.set(e, w);
  slpte_fmt::PS.set(e, ps);
  slpte_fmt::ADDR.set(e, next >> 12);
  return e;
}
EntryBits flpte(Addr next, bool p, bool rw, bool ps = false) {
  EntryBits e;
  flpte_fmt::P.set(e, p);
  flpte_fmt::RW.set(e, rw);
  flpte_fmt::US.set(e, 1);
  flpte_fmt::PS.set(e, ps);
  flpte_fmt::ADDR.set(e, next >> 12);
  return e;
}
EntryBits sm_root(Addr lctp, bool lp, Addr uctp, bool up) {
  EntryBits e;
  smroot_fmt::LP.set(e, lp);
  smroot_fmt::LCTP.set(e, lctp >> 12);
  smroot_fmt::UP.set(e, up);
  smroot_fmt::UCTP.set(e, uctp >> 12);
  return e;
}
EntryBits sm_ctx(Addr dir, unsigned pdts = 2, bool paside = true, u32 rid_pasid = 0) {
  using namespace smctx_fmt;
  EntryBits e;
  P.set(e, 1);
  PASIDE.set(e, paside);
  PDTS.set(e, pdts);
  PASIDDIRPTR.set(e, dir >> 12);
  RID_PASID.set(e, rid_pasid);
  return e;
}
EntryBits pdir(Addr table, bool p = true) {
  EntryBits e;
  pdir_fmt::P.set(e, p);
  pdir_fmt::SMPTBLPTR.set(e, table >> 12);
  return e;
}
EntryBits pasid_entry(u64 pgtt, u16 did, u64 aw = 2, Addr slptptr = kSlRoot, Addr flptptr = kFlRoot,
                      u64 flpm = 0) {
  using namespace pasid_fmt;
  EntryBits e;
  P.set(e, 1);
  PGTT.set(e, pgtt);
  DID.set(e, did);
  AW.set(e, aw);
  SLPTPTR.set(e, slptptr >> 12);
  FLPTPTR.set(e, flptptr >> 12);
  FLPM.set(e, flpm);
  return e;
}

// Guest and host memory as a map of entries; absent entries read as zero.
struct Mem {
  std::map<Addr, EntryBits> m;
  Addr host_next = 0x100000;
  Addr guest_next = 0x200000;
  EntryBits get(Addr a) const {
    auto it = m.find(a);
    return it == m.end() ? EntryBits{} : it->second;
  }
  // Map `in` -> `out` in a second-level table, leaf at `leaf_level`.
  void map_sl(Addr root, unsigned levels, Addr in, Addr out, unsigned leaf_level = 1, bool r = true,
              bool w = true) {
    Addr table = root;
    for (unsigned level = levels; level > leaf_level; --level) {
      const Addr ea = table + 8 * idx(in, level);
      if (!m.count(ea)) {
        m[ea] = slpte(host_next, true, true);
        host_next += 0x1000;
      }
      table = slpte_fmt::ADDR.get(m[ea]) << 12;
    }
    m[table + 8 * idx(in, leaf_level)] = slpte(out, r, w, leaf_level > 1);
  }
  // Map `in` -> `out` in a first-level table; with `store_off` the tables are
  // guest-physical and their entries live at guest address + store_off.
  void map_fl(Addr root, unsigned levels, Addr in, Addr out, unsigned leaf_level = 1, bool rw = true,
              Addr store_off = 0) {
    Addr table = root;
    for (unsigned level = levels; level > leaf_level; --level) {
      const Addr ea = table + 8 * idx(in, level) + store_off;
      if (!m.count(ea)) {
        Addr& next = store_off ? guest_next : host_next;
        m[ea] = flpte(next, true, true);
        next += 0x1000;
      }
      table = flpte_fmt::ADDR.get(m[ea]) << 12;
    }
    m[table + 8 * idx(in, leaf_level) + store_off] = flpte(out, true, rw, leaf_level > 1);
  }
};

// Root, context, directory and PASID table for kRid (and kHighRid) with the
// PASID entry `pe` at PASID `pasid`.
Mem structures(const EntryBits& pe, u32 pasid = 0) {
  Mem mem;
  mem.m[kRt] = sm_root(kLowCtx, true, kHighCtx, true);
  mem.m[kLowCtx + 32 * (kRid.devfn() & 0x7f)] = sm_ctx(kDir);
  mem.m[kHighCtx + 32 * (kHighRid.devfn() & 0x7f)] = sm_ctx(kDir);
  mem.m[kDir + 8 * (pasid >> 6)] = pdir(kPasidTbl);
  mem.m[kPasidTbl + 64 * (pasid & 63)] = pe;
  return mem;
}

// Feed the walker whatever it asks for; returns the entries it asked for.
std::vector<EntryId> run(ScalableWalker& w, const Mem& mem) {
  std::vector<EntryId> seen;
  while (!w.done() && seen.size() < 64) {
    seen.push_back(w.next_entry());
    w.on_entry(mem.get(w.next_entry().addr));
  }
  return seen;
}

DmaRequest req(Addr iova, bool write = false, Rid rid = kRid) { return DmaRequest{1, rid, iova, write, 0}; }

}  // namespace

TEST_CASE("scalable walker passes through with PGTT 4", "[scalable_walker]") {
  Mem mem = structures(pasid_entry(pasid_fmt::PGTT_PT, 1), 7);
  ScalableWalker w(ScalableWalkerConfig{});
  w.start(req(0xabc123, true), 7u, kRt);
  CHECK(w.stage() == WalkStage::Root);
  const auto seen = run(w, mem);
  REQUIRE(seen.size() == 4);
  CHECK(seen[0] == EntryId{EntryKind::SmRoot, kRt, Rid::from(0, 0, 0), 0, 0});
  CHECK(seen[1] == EntryId{EntryKind::SmContext, kLowCtx + 32 * 0x10, kRid, 0, 0});
  CHECK(seen[2] == EntryId{EntryKind::PasidDir, kDir, kRid, 0, 7});
  CHECK(seen[3] == EntryId{EntryKind::Pasid, kPasidTbl + 64 * 7, kRid, 0, 7});
  const ScalableResult& r = w.result();
  CHECK_FALSE(r.fault);
  CHECK(r.pa == 0xabc123);
  CHECK(r.read);
  CHECK(r.write);
  CHECK(r.pasid == 7);
  CHECK(r.did == 1);
  CHECK(r.pgtt == pasid_fmt::PGTT_PT);
}

TEST_CASE("scalable walker uses RID_PASID for requests without PASID", "[scalable_walker]") {
  const u32 rid_pasid = 0x45;  // directory index 1, table index 5
  Mem mem = structures(pasid_entry(pasid_fmt::PGTT_PT, 1), rid_pasid);
  mem.m[kLowCtx + 32 * 0x10] = sm_ctx(kDir, 2, false, rid_pasid);  // PASIDE not needed without PASID
  ScalableWalker w(ScalableWalkerConfig{});
  w.start(req(0x5000), std::nullopt, kRt);
  const auto seen = run(w, mem);
  REQUIRE(seen.size() == 4);
  CHECK(seen[2].addr == kDir + 8);
  CHECK(seen[2].pasid == rid_pasid);
  CHECK(seen[3].addr == kPasidTbl + 64 * 5);
  CHECK(seen[3].pasid == rid_pasid);
  CHECK_FALSE(w.result().fault);
  CHECK(w.effective_pasid() == rid_pasid);
  CHECK(w.result().pasid == rid_pasid);
}

TEST_CASE("scalable walker translates through a 4-level second-level table", "[scalable_walker]") {
  const Addr iova = 0x7f12345678;
  Mem mem = structures(pasid_entry(pasid_fmt::PGTT_SL, 9, 2));
  mem.map_sl(kSlRoot, 4, iova, 0x80000000);
  ScalableWalker w(ScalableWalkerConfig{});
  w.start(req(iova, true), std::nullopt, kRt);
  const auto seen = run(w, mem);
  REQUIRE(seen.size() == 8);
  Addr table = kSlRoot;
  for (unsigned i = 0; i < 4; ++i) {
    const unsigned level = 4 - i;
    CHECK(seen[4 + i] == EntryId{EntryKind::SlPte, table + 8 * idx(iova, level), kRid, level, 0});
    table = slpte_fmt::ADDR.get(mem.get(seen[4 + i].addr)) << 12;
  }
  const ScalableResult& r = w.result();
  CHECK_FALSE(r.fault);
  CHECK(r.pa == 0x80000678);
  CHECK(r.read);
  CHECK(r.write);
  CHECK(r.page_shift == 12);
  CHECK(r.did == 9);
  CHECK(r.pgtt == pasid_fmt::PGTT_SL);
}

TEST_CASE("scalable walker honours second-level large pages and 3-level tables", "[scalable_walker]") {
  const Addr iova = 0x4567abcde;
  SECTION("2 MiB page") {
    Mem mem = structures(pasid_entry(pasid_fmt::PGTT_SL, 9, 2));
    mem.map_sl(kSlRoot, 4, iova, 0x40000000, 2);
    ScalableWalker w(ScalableWalkerConfig{});
    w.start(req(iova), std::nullopt, kRt);
    CHECK(run(w, mem).size() == 4 + 3);
    CHECK(w.result().pa == (0x40000000 | (iova & 0x1fffff)));
    CHECK(w.result().page_shift == 21);
  }
  SECTION("1 GiB page") {
    Mem mem = structures(pasid_entry(pasid_fmt::PGTT_SL, 9, 2));
    mem.map_sl(kSlRoot, 4, iova, 0x80000000, 3);
    ScalableWalker w(ScalableWalkerConfig{});
    w.start(req(iova), std::nullopt, kRt);
    CHECK(run(w, mem).size() == 4 + 2);
    CHECK(w.result().pa == (0x80000000 | (iova & 0x3fffffff)));
    CHECK(w.result().page_shift == 30);
  }
  SECTION("3-level table with AW 1") {
    ScalableWalkerConfig cfg;
    cfg.sagaw_mask = 0b0110;
    const Addr small = 0x12345678;
    Mem mem = structures(pasid_entry(pasid_fmt::PGTT_SL, 9, 1));
    mem.map_sl(kSlRoot, 3, small, 0x9000);
    ScalableWalker w(cfg);
    w.start(req(small), std::nullopt, kRt);
    const auto seen = run(w, mem);
    REQUIRE(seen.size() == 4 + 3);
    CHECK(seen[4].level == 3);
    CHECK(w.result().pa == 0x9678);
  }
}

TEST_CASE("scalable walker translates through first-level tables", "[scalable_walker]") {
  SECTION("4 levels") {
    const Addr iova = 0x7fff12345678;
    Mem mem = structures(pasid_entry(pasid_fmt::PGTT_FL, 1), 3);
    mem.map_fl(kFlRoot, 4, iova, 0x66000);
    ScalableWalker w(ScalableWalkerConfig{});
    w.start(req(iova, true), 3u, kRt);
    const auto seen = run(w, mem);
    REQUIRE(seen.size() == 8);
    CHECK(seen[4] == EntryId{EntryKind::FlPte, kFlRoot + 8 * idx(iova, 4), kRid, 4, 3});
    for (unsigned i = 0; i < 4; ++i) {
      CHECK(seen[4 + i].kind == EntryKind::FlPte);
      CHECK(seen[4 + i].level == 4 - i);
      CHECK(seen[4 + i].pasid == 3);
    }
    CHECK_FALSE(w.result().fault);
    CHECK(w.result().pa == 0x66678);
    CHECK(w.result().read);
    CHECK(w.result().write);
    CHECK(w.result().pgtt == pasid_fmt::PGTT_FL);
  }
  SECTION("5 levels") {
    const Addr iova = 0x1ff0012345678;  // needs bits above 47
    Mem mem = structures(pasid_entry(pasid_fmt::PGTT_FL, 1, 2, kSlRoot, kFlRoot, 1), 3);
    mem.map_fl(kFlRoot, 5, iova, 0x66000);
    ScalableWalker w(ScalableWalkerConfig{});
    w.start(req(iova), 3u, kRt);
    const auto seen = run(w, mem);
    REQUIRE(seen.size() == 9);
    CHECK(seen[4].level == 5);
    CHECK(seen[8].level == 1);
    CHECK_FALSE(w.result().fault);
    CHECK(w.result().pa == 0x66678);
  }
  SECTION("5 levels without CAP.FL5LP is an invalid PASID entry") {
    ScalableWalkerConfig cfg;
    cfg.fl5lp = false;
    Mem mem = structures(pasid_entry(pasid_fmt::PGTT_FL, 1, 2, kSlRoot, kFlRoot, 1), 3);
    ScalableWalker w(cfg);
    w.start(req(0x1000), 3u, kRt);
    run(w, mem);
    CHECK(w.result().reason == fault::kSmPasidInvalid);
  }
  SECTION("2 MiB and 1 GiB pages and read-only mappings") {
    const Addr iova = 0x7f0012345678;
    Mem mem = structures(pasid_entry(pasid_fmt::PGTT_FL, 1), 3);
    const bool one_gig = GENERATE(false, true);
    mem.map_fl(kFlRoot, 4, iova, 0xc0000000, one_gig ? 3 : 2, false);
    ScalableWalker w(ScalableWalkerConfig{});
    w.start(req(iova), 3u, kRt);
    run(w, mem);
    const unsigned shift = one_gig ? 30 : 21;
    CHECK_FALSE(w.result().fault);
    CHECK(w.result().page_shift == shift);
    CHECK(w.result().pa == (Addr{0xc0000000} | (iova & ((Addr{1} << shift) - 1))));
    CHECK(w.result().read);
    CHECK_FALSE(w.result().write);
  }
  SECTION("upper-half canonical addresses translate") {
    const Addr iova = 0xffff800000001000;
    Mem mem = structures(pasid_entry(pasid_fmt::PGTT_FL, 1), 3);
    mem.map_fl(kFlRoot, 4, iova, 0x77000);
    ScalableWalker w(ScalableWalkerConfig{});
    w.start(req(iova), 3u, kRt);
    run(w, mem);
    CHECK_FALSE(w.result().fault);
    CHECK(w.result().pa == 0x77000);
  }
}

TEST_CASE("scalable walker nests first-level tables inside second-level translation", "[scalable_walker]") {
  const Addr iova = 0x7fff12345678;
  const Addr gpa_out = 0x600000;  // guest page the first level maps iova to
  Mem mem = structures(pasid_entry(pasid_fmt::PGTT_NESTED, 4, 2, kSlRoot, kFlRoot), 2);
  mem.map_fl(kFlRoot, 4, iova, gpa_out, 1, true, kGuestOff);
  // Guest tables (kFlRoot and 0x200000..) through 4 KiB second-level pages.
  mem.map_sl(kSlRoot, 4, kFlRoot, kFlRoot + kGuestOff);
  for (Addr g = 0x200000; g < mem.guest_next; g += 0x1000) mem.map_sl(kSlRoot, 4, g, g + kGuestOff);
  mem.map_sl(kSlRoot, 4, gpa_out, 0x7777000, 1, true, true);
  ScalableWalker w(ScalableWalkerConfig{});
  w.start(req(iova, true), 2u, kRt);
  const auto seen = run(w, mem);
  // 4 structures, then per first-level level: 4 SL entries for its table and
  // the FL entry; then 4 SL entries for the output.
  REQUIRE(seen.size() == 4 + 4 * 5 + 4);
  for (unsigned fl = 0; fl < 4; ++fl) {
    for (unsigned s = 0; s < 4; ++s) {
      const EntryId& id = seen[4 + 5 * fl + s];
      CHECK(id.kind == EntryKind::SlPte);
      CHECK(id.level == 4 - s);
      CHECK(id.pasid == 2);
    }
    const EntryId& f = seen[4 + 5 * fl + 4];
    CHECK(f.kind == EntryKind::FlPte);
    CHECK(f.level == 4 - fl);
    CHECK(f.pasid == 2);
  }
  // The first FL entry is read from the host copy of the guest's top table.
  CHECK(seen[8].addr == kFlRoot + kGuestOff + 8 * idx(iova, 4));
  for (unsigned s = 0; s < 4; ++s) CHECK(seen[24 + s].kind == EntryKind::SlPte);
  CHECK_FALSE(w.result().fault);
  CHECK(w.result().pa == 0x7777678);
  CHECK(w.result().write);
  CHECK(w.result().page_shift == 12);
  CHECK(w.result().pgtt == pasid_fmt::PGTT_NESTED);
  CHECK(w.result().did == 4);
}

TEST_CASE("scalable walker nested result has the smaller page and both stages' permissions",
          "[scalable_walker]") {
  const Addr iova = 0x7fff12345678;
  Mem mem = structures(pasid_entry(pasid_fmt::PGTT_NESTED, 4), 2);
  // First level: read-only 2 MiB page at guest 0x40000000; second level: a
  // writable 1 GiB page over it, and 4 KiB pages for the guest tables.
  mem.map_fl(kFlRoot, 4, iova, 0x40000000, 2, false, kGuestOff);
  mem.map_sl(kSlRoot, 4, kFlRoot, kFlRoot + kGuestOff);
  for (Addr g = 0x200000; g < mem.guest_next; g += 0x1000) mem.map_sl(kSlRoot, 4, g, g + kGuestOff);
  mem.map_sl(kSlRoot, 4, 0x40000000, 0x80000000, 3);
  ScalableWalker w(ScalableWalkerConfig{});
  w.start(req(iova), 2u, kRt);
  const auto seen = run(w, mem);
  CHECK(seen.size() == 4 + 3 * 5 + 2);
  CHECK_FALSE(w.result().fault);
  CHECK(w.result().pa == (0x80000000 | (iova & 0x1fffff)));
  CHECK(w.result().page_shift == 21);
  CHECK(w.result().read);
  CHECK_FALSE(w.result().write);
  w.start(req(iova, true), 2u, kRt);
  run(w, mem);
  CHECK(w.result().reason == fault::kSmNoWrite);
}

TEST_CASE("scalable walker picks the lower or upper context table by devfn", "[scalable_walker]") {
  Mem mem = structures(pasid_entry(pasid_fmt::PGTT_PT, 1));
  ScalableWalker w(ScalableWalkerConfig{});
  SECTION("devfn below 0x80 uses LCTP") {
    w.start(req(0x1000, false, kRid), std::nullopt, kRt);
    const auto seen = run(w, mem);
    REQUIRE(seen.size() == 4);
    CHECK(seen[1].addr == kLowCtx + 32 * 0x10);
    CHECK_FALSE(w.result().fault);
  }
  SECTION("devfn 0x80 and above uses UCTP") {
    w.start(req(0x1000, false, kHighRid), std::nullopt, kRt);
    const auto seen = run(w, mem);
    REQUIRE(seen.size() == 4);
    CHECK(seen[1] == EntryId{EntryKind::SmContext, kHighCtx + 32 * (0x90 - 0x80), kHighRid, 0, 0});
    CHECK_FALSE(w.result().fault);
  }
  SECTION("each half has its own present bit") {
    mem.m[kRt] = sm_root(kLowCtx, true, kHighCtx, false);
    w.start(req(0x1000, false, kHighRid), std::nullopt, kRt);
    CHECK(run(w, mem).size() == 1);
    CHECK(w.result().reason == fault::kSmRootNotPresent);
    w.start(req(0x1000, false, kRid), std::nullopt, kRt);
    run(w, mem);
    CHECK_FALSE(w.result().fault);
  }
  SECTION("each half has its own reserved bits") {
    EntryBits root = sm_root(kLowCtx, true, kHighCtx, true);
    smroot_fmt::RSVD_HI.set(root, 1);
    mem.m[kRt] = root;
    w.start(req(0x1000, false, kHighRid), std::nullopt, kRt);
    run(w, mem);
    CHECK(w.result().reason == fault::kSmRootReserved);
    w.start(req(0x1000, false, kRid), std::nullopt, kRt);
    run(w, mem);
    CHECK_FALSE(w.result().fault);
  }
}

TEST_CASE("scalable walker faults on the paging structures with scalable-mode codes", "[scalable_walker]") {
  Mem mem = structures(pasid_entry(pasid_fmt::PGTT_PT, 1), 5);
  ScalableWalkerConfig cfg;
  ScalableWalker w(cfg);
  std::optional<u32> pasid = 5u;
  const Addr ctx = kLowCtx + 32 * 0x10;
  const Addr pe = kPasidTbl + 64 * 5;
  std::size_t fetched = 0;
  auto walk = [&] {
    w = ScalableWalker(cfg);
    w.start(req(0x1000), pasid, kRt);
    fetched = run(w, mem).size();
    REQUIRE(w.done());
    REQUIRE(w.result().fault);
    CHECK(w.result().fault_recorded);
    return w.result().reason;
  };
  SECTION("root entry not present") {
    mem.m[kRt] = EntryBits{};
    CHECK(walk() == fault::kSmRootNotPresent);
    CHECK(fetched == 1);
  }
  SECTION("root entry reserved bits") {
    EntryBits r = mem.get(kRt);
    smroot_fmt::RSVD_LO.set(r, 0x10);
    mem.m[kRt] = r;
    CHECK(walk() == fault::kSmRootReserved);
  }
  SECTION("context entry not present") {
    mem.m[ctx] = EntryBits{};
    CHECK(walk() == fault::kSmContextNotPresent);
    CHECK(fetched == 2);
  }
  SECTION("context entry reserved bits in each word") {
    const Field& f = GENERATE(smctx_fmt::RSVD_LO, smctx_fmt::RSVD_HI, smctx_fmt::RSVD_W2, smctx_fmt::RSVD_W3);
    EntryBits c = mem.get(ctx);
    f.set(c, 1);
    mem.m[ctx] = c;
    CHECK(walk() == fault::kSmContextReserved);
  }
  SECTION("PASIDE clear for a request with PASID") {
    mem.m[ctx] = sm_ctx(kDir, 2, false);
    CHECK(walk() == fault::kSmPasidDisabled);
  }
  SECTION("PASID beyond the directory size") {
    // PDTS 0: 128 directory entries, PASIDs 0..8191.
    mem.m[ctx] = sm_ctx(kDir, 0);
    pasid = 8192u;
    CHECK(walk() == fault::kSmPasidTooLarge);
    pasid = 8191u;
    w = ScalableWalker(cfg);
    w.start(req(0x1000), pasid, kRt);
    run(w, mem);
    CHECK(w.result().reason != fault::kSmPasidTooLarge);
  }
  SECTION("RID_PASID beyond the directory size") {
    mem.m[ctx] = sm_ctx(kDir, 0, true, 8192);
    pasid = std::nullopt;
    CHECK(walk() == fault::kSmRidPasidError);
    CHECK(w.result().pasid == 8192);
  }
  SECTION("PASID directory entry not present") {
    mem.m[kDir] = pdir(kPasidTbl, false);
    CHECK(walk() == fault::kSmPasidDirNotPresent);
    CHECK(fetched == 3);
  }
  SECTION("PASID directory entry reserved bits") {
    EntryBits d = pdir(kPasidTbl);
    pdir_fmt::RSVD.set(d, 4);
    mem.m[kDir] = d;
    CHECK(walk() == fault::kSmPasidDirReserved);
  }
  SECTION("PASID entry not present") {
    mem.m[pe] = EntryBits{};
    CHECK(walk() == fault::kSmPasidNotPresent);
    CHECK(fetched == 4);
  }
  SECTION("PASID entry reserved bits") {
    using namespace pasid_fmt;
    const Field& f = GENERATE(RSVD_0, RSVD_1, RSVD_2, RSVD_3, RSVD_4, RSVD_5, RSVD_6, RSVD_7);
    EntryBits p = mem.get(pe);
    f.set(p, 1);
    mem.m[pe] = p;
    CHECK(walk() == fault::kSmPasidReserved);
  }
  SECTION("PGTT outside 1 to 4") {
    const u64 pgtt = GENERATE(0, 5, 6, 7);
    mem.m[pe] = pasid_entry(pgtt, 1);
    CHECK(walk() == fault::kSmPasidInvalid);
  }
  SECTION("pass-through without ECAP.PT") {
    cfg.pass_through = false;
    CHECK(walk() == fault::kSmPasidInvalid);
  }
  SECTION("second-level AW not in SAGAW") {
    const u64 pgtt = GENERATE(pasid_fmt::PGTT_SL, pasid_fmt::PGTT_NESTED);
    mem.m[pe] = pasid_entry(pgtt, 1, 1);  // 3-level: SAGAW here is 48/57 bits only
    CHECK(walk() == fault::kSmPasidInvalid);
  }
  SECTION("reserved FLPM") {
    mem.m[pe] = pasid_entry(pasid_fmt::PGTT_FL, 1, 2, kSlRoot, kFlRoot, 2);
    CHECK(walk() == fault::kSmPasidInvalid);
  }
}

constexpr Addr kWalkIova = 0x7f0012345678;

TEST_CASE("scalable walker faults during the page walk with scalable-mode codes", "[scalable_walker]") {
  const Addr iova = kWalkIova;
  ScalableWalker w(ScalableWalkerConfig{});
  auto walk = [&](const Mem& mem, bool write, Addr a = kWalkIova) {
    w.start(req(a, write), 1u, kRt);
    run(w, mem);
    REQUIRE(w.result().fault);
    CHECK(w.result().fault_recorded);
    return w.result().reason;
  };
  SECTION("second level") {
    Mem mem = structures(pasid_entry(pasid_fmt::PGTT_SL, 3), 1);
    SECTION("entry with R and W clear") {
      mem.map_sl(kSlRoot, 4, iova, 0x80000000, 1, false, false);
      CHECK(walk(mem, false) == fault::kSlNotPresent);
    }
    SECTION("missing table") { CHECK(walk(mem, false) == fault::kSlNotPresent); }
    SECTION("read-only page written") {
      mem.map_sl(kSlRoot, 4, iova, 0x80000000, 1, true, false);
      CHECK(walk(mem, true) == fault::kSmNoWrite);
      w.start(req(iova, false), 1u, kRt);
      run(w, mem);
      CHECK_FALSE(w.result().fault);
      CHECK_FALSE(w.result().write);
    }
    SECTION("write-only page read") {
      mem.map_sl(kSlRoot, 4, iova, 0x80000000, 1, false, true);
      CHECK(walk(mem, false) == fault::kSmNoRead);
    }
    SECTION("write denied at an upper level") {
      mem.map_sl(kSlRoot, 4, iova, 0x80000000);
      const Addr top = kSlRoot + 8 * idx(iova, 4);
      mem.m[top] = slpte(slpte_fmt::ADDR.get(mem.get(top)) << 12, true, false);
      CHECK(walk(mem, true) == fault::kSmNoWrite);
    }
    SECTION("read denied at an upper level") {
      mem.map_sl(kSlRoot, 4, iova, 0x80000000);
      const Addr top = kSlRoot + 8 * idx(iova, 4);
      mem.m[top] = slpte(slpte_fmt::ADDR.get(mem.get(top)) << 12, false, true);
      CHECK(walk(mem, false) == fault::kSmNoRead);
      // A write gets through, and the translation is write-only.
      w.start(req(iova, true), 1u, kRt);
      run(w, mem);
      CHECK_FALSE(w.result().fault);
      CHECK_FALSE(w.result().read);
      CHECK(w.result().write);
    }
    SECTION("input beyond the AGAW") { CHECK(walk(mem, false, Addr{1} << 48) == fault::kSmBeyondMax); }
    SECTION("PS in a level-4 entry") {
      mem.m[kSlRoot + 8 * idx(iova, 4)] = slpte(0, true, true, true);
      CHECK(walk(mem, false) == fault::kSlReserved);
    }
  }
  SECTION("first level") {
    Mem mem = structures(pasid_entry(pasid_fmt::PGTT_FL, 3), 1);
    SECTION("entry not present") { CHECK(walk(mem, false) == fault::kFlNotPresent); }
    SECTION("read-only page written") {
      mem.map_fl(kFlRoot, 4, iova, 0x66000, 1, false);
      CHECK(walk(mem, true) == fault::kSmNoWrite);
    }
    SECTION("PS in a level-4 entry") {
      mem.m[kFlRoot + 8 * idx(iova, 4)] = flpte(0, true, true, true);
      CHECK(walk(mem, false) == fault::kFlReserved);
    }
    SECTION("non-canonical address") {
      CHECK(walk(mem, false, Addr{1} << 47) == fault::kFlNonCanonical);
      CHECK(walk(mem, false, 0x8000000000000000) == fault::kFlNonCanonical);
    }
    SECTION("57-bit canonical check with 5 levels") {
      mem.m[kPasidTbl + 64] = pasid_entry(pasid_fmt::PGTT_FL, 3, 2, kSlRoot, kFlRoot, 1);
      CHECK(walk(mem, false, Addr{1} << 56) == fault::kFlNonCanonical);
      CHECK(walk(mem, false, Addr{1} << 47) == fault::kFlNotPresent);  // canonical for 57 bits
    }
  }
  SECTION("nested") {
    Mem mem = structures(pasid_entry(pasid_fmt::PGTT_NESTED, 3), 1);
    SECTION("FLPTPTR beyond the second-level AGAW") {
      mem.m[kPasidTbl + 64] = pasid_entry(pasid_fmt::PGTT_NESTED, 3, 2, kSlRoot, Addr{1} << 48);
      CHECK(walk(mem, false) == fault::kNestedBeyondMax);
    }
    SECTION("second level denies reading the top first-level table") {
      mem.map_sl(kSlRoot, 4, kFlRoot, kFlRoot + kGuestOff, 1, false, true);
      CHECK(walk(mem, false) == fault::kNestedFlTopNoRead);
    }
    SECTION("second level denies reading a lower first-level table") {
      mem.map_fl(kFlRoot, 4, iova, 0x600000, 1, true, kGuestOff);
      mem.map_sl(kSlRoot, 4, kFlRoot, kFlRoot + kGuestOff);
      mem.map_sl(kSlRoot, 4, 0x200000, 0x200000 + kGuestOff, 1, false, true);
      CHECK(walk(mem, false) == fault::kNestedFlNoRead);
    }
    SECTION("first-level output beyond the second-level AGAW") {
      mem.map_fl(kFlRoot, 4, iova, Addr{1} << 49, 1, true, kGuestOff);
      mem.map_sl(kSlRoot, 4, kFlRoot, kFlRoot + kGuestOff);
      for (Addr g = 0x200000; g < mem.guest_next; g += 0x1000) mem.map_sl(kSlRoot, 4, g, g + kGuestOff);
      CHECK(walk(mem, false) == fault::kNestedBeyondMax);
    }
    SECTION("second level denies the final write") {
      mem.map_fl(kFlRoot, 4, iova, 0x600000, 1, true, kGuestOff);
      mem.map_sl(kSlRoot, 4, kFlRoot, kFlRoot + kGuestOff);
      for (Addr g = 0x200000; g < mem.guest_next; g += 0x1000) mem.map_sl(kSlRoot, 4, g, g + kGuestOff);
      mem.map_sl(kSlRoot, 4, 0x600000, 0x7777000, 1, true, false);
      CHECK(walk(mem, true) == fault::kSmNoWrite);
    }
  }
}

TEST_CASE("scalable walker FPD suppresses fault recording", "[scalable_walker]") {
  Mem mem = structures(pasid_entry(pasid_fmt::PGTT_SL, 3), 1);
  const Addr ctx = kLowCtx + 32 * 0x10;
  const Addr pe = kPasidTbl + 64;
  ScalableWalker w(ScalableWalkerConfig{});
  auto walk = [&] {
    w.start(req(0x1000), 1u, kRt);
    run(w, mem);
    REQUIRE(w.result().fault);
  };
  SECTION("context FPD silences later faults") {
    EntryBits c = mem.get(ctx);
    smctx_fmt::FPD.set(c, 1);
    mem.m[ctx] = c;
    walk();  // second-level table empty
    CHECK(w.result().reason == fault::kSlNotPresent);
    CHECK_FALSE(w.result().fault_recorded);
    mem.m[kDir] = pdir(kPasidTbl, false);
    walk();
    CHECK(w.result().reason == fault::kSmPasidDirNotPresent);
    CHECK_FALSE(w.result().fault_recorded);
  }
  SECTION("FPD of a non-present context entry is not used") {
    EntryBits c;
    smctx_fmt::FPD.set(c, 1);
    mem.m[ctx] = c;
    walk();
    CHECK(w.result().reason == fault::kSmContextNotPresent);
    CHECK(w.result().fault_recorded);
  }
  SECTION("PASID directory FPD") {
    EntryBits d = pdir(kPasidTbl);
    pdir_fmt::FPD.set(d, 1);
    mem.m[kDir] = d;
    mem.m[pe] = EntryBits{};
    walk();
    CHECK(w.result().reason == fault::kSmPasidNotPresent);
    CHECK_FALSE(w.result().fault_recorded);
  }
  SECTION("non-present PASID entry with FPD as Linux leaves it after SVA exit") {
    EntryBits p;
    pasid_fmt::FPD.set(p, 1);
    mem.m[pe] = p;
    walk();
    CHECK(w.result().reason == fault::kSmPasidNotPresent);
    CHECK_FALSE(w.result().fault_recorded);
  }
  SECTION("present PASID entry with FPD") {
    EntryBits p = mem.get(pe);
    pasid_fmt::FPD.set(p, 1);
    mem.m[pe] = p;
    walk();
    CHECK(w.result().reason == fault::kSlNotPresent);
    CHECK_FALSE(w.result().fault_recorded);
  }
  SECTION("without FPD faults are recorded") {
    mem.m[pe] = EntryBits{};
    walk();
    CHECK(w.result().fault_recorded);
  }
}

TEST_CASE("scalable walker ends the page walk on an IOTLB hit", "[scalable_walker]") {
  const Addr iova = 0x7f12345678;
  Mem mem = structures(pasid_entry(pasid_fmt::PGTT_SL, 9), 4);
  mem.map_sl(kSlRoot, 4, iova, 0x80000000);
  ScalableWalker w(ScalableWalkerConfig{});
  auto to_page_walk = [&](bool write) {
    w.start(req(iova, write), 4u, kRt);
    w.complete_from_iotlb(0x1000, true, true, 12);  // ignored before the PASID entry
    CHECK(w.stage() == WalkStage::Root);
    while (w.stage() != WalkStage::PageWalk) {
      REQUIRE_FALSE(w.done());
      w.on_entry(mem.get(w.next_entry().addr));
    }
    CHECK(w.did() == 9);
    CHECK(w.pgtt() == pasid_fmt::PGTT_SL);
    CHECK(w.effective_pasid() == 4);
    CHECK(w.next_entry().kind == EntryKind::SlPte);
  };
  SECTION("hit at 4 KiB") {
    to_page_walk(false);
    w.complete_from_iotlb(0x80000000, true, false, 12);
    REQUIRE(w.done());
    CHECK_FALSE(w.result().fault);
    CHECK(w.result().pa == 0x80000678);
    CHECK(w.result().read);
    CHECK_FALSE(w.result().write);
    CHECK(w.result().did == 9);
  }
  SECTION("hit on a 2 MiB entry mid-walk") {
    to_page_walk(true);
    w.on_entry(mem.get(w.next_entry().addr));  // one second-level entry fetched
    w.complete_from_iotlb(0xa0000000, true, true, 21);
    REQUIRE(w.done());
    CHECK(w.result().pa == (0xa0000000 | (iova & 0x1fffff)));
    CHECK(w.result().page_shift == 21);
  }
  SECTION("cached permissions deny the request") {
    to_page_walk(true);
    w.complete_from_iotlb(0x80000000, true, false, 12);
    REQUIRE(w.done());
    CHECK(w.result().fault);
    CHECK(w.result().reason == fault::kSmNoWrite);
  }
  SECTION("ignored once done") {
    to_page_walk(false);
    run(w, mem);
    w.complete_from_iotlb(0x1000, true, true, 12);
    CHECK(w.result().pa == 0x80000678);
  }
}
