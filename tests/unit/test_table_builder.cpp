// The table builder: the initial tables walked by hand with the field tables
// (root -> context -> PASID directory -> PASID entry -> paging entries), in
// legacy and scalable mode, plus the driver memory both modes allocate.
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "formats/formats.hpp"
#include "scenario/loader.hpp"
#include "tables/entries.hpp"
#include "tables/table_builder.hpp"

using namespace vtd;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

constexpr Addr kBase = 0x100000;

std::string yaml(const char* text) {
  std::string s = text;
  if (!s.empty() && s.front() == '\n') s.erase(0, 1);
  return s;
}

struct Built {
  Scenario scenario;
  PhysicalMemory mem;
  TableLayout layout;
};

std::unique_ptr<Built> build(const char* text) {
  auto b = std::make_unique<Built>();
  b->scenario = load_scenario_text(yaml(text), "t.yaml");
  b->layout = build_tables(b->scenario, b->mem, kBase);
  return b;
}

std::string build_error(const char* text) {
  try {
    build(text);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "<no error>";
}

EntryBits read_entry(const PhysicalMemory& mem, Addr addr, unsigned bits) {
  EntryBits e;
  for (unsigned i = 0; i < bits / 64; ++i) e.w[i] = mem.peek64(addr + 8 * i);
  return e;
}

// One second-level translation: the output page, or nothing if not mapped.
struct Leaf {
  Addr pa = 0;
  bool r = false, w = false, u = false;
};

std::optional<Leaf> sl_walk(const PhysicalMemory& mem, Addr root, unsigned aw, Addr iova) {
  using namespace slpte_fmt;
  Addr table = root;
  for (unsigned level = agaw_levels(aw); level >= 1; --level) {
    EntryBits e;
    e.w[0] = mem.peek64(table + 8 * ((iova >> (12 + 9 * (level - 1))) & 511));
    if (!R.get(e) && !W.get(e)) return std::nullopt;
    if (level == 1) return Leaf{ADDR.get(e) << 12, R.get(e) != 0, W.get(e) != 0, false};
    CHECK(R.get(e) == 1);  // non-leaf entries allow both
    CHECK(W.get(e) == 1);
    CHECK(PS.get(e) == 0);
    table = ADDR.get(e) << 12;
  }
  return std::nullopt;
}

// A first-level walk; `gpa_to_hpa` translates each table pointer and the
// output (identity when not nested).
template <typename Xlate>
std::optional<Leaf> fl_walk(const PhysicalMemory& mem, Addr root, unsigned levels, Addr iova,
                            Xlate gpa_to_hpa) {
  using namespace flpte_fmt;
  Addr table = gpa_to_hpa(root);
  for (unsigned level = levels; level >= 1; --level) {
    EntryBits e;
    e.w[0] = mem.peek64(table + 8 * ((iova >> (12 + 9 * (level - 1))) & 511));
    if (!P.get(e)) return std::nullopt;
    CHECK(US.get(e) == 1);  // user-accessible on every level
    CHECK(PS.get(e) == 0);
    if (level == 1) return Leaf{gpa_to_hpa(ADDR.get(e) << 12), true, RW.get(e) != 0, true};
    CHECK(RW.get(e) == 1);
    table = gpa_to_hpa(ADDR.get(e) << 12);
  }
  return std::nullopt;
}

Addr identity(Addr a) { return a; }

// Scalable root -> context entry for `rid`.
EntryBits sm_context_of(const PhysicalMemory& mem, Addr rtaddr, Rid rid, Addr* where = nullptr) {
  const EntryBits root = read_entry(mem, rtaddr + 16 * rid.bus(), smroot_fmt::bits);
  const bool upper = rid.devfn() >= 0x80;
  REQUIRE((upper ? smroot_fmt::UP : smroot_fmt::LP).get(root) == 1);
  const Addr table = (upper ? smroot_fmt::UCTP : smroot_fmt::LCTP).get(root) << 12;
  // Linux's indexing: devfn (minus 0x80 in the upper table) times two 128-bit halves.
  const Addr addr = table + 16 * (2 * (rid.devfn() & 0x7f));
  if (where) *where = addr;
  return read_entry(mem, addr, smctx_fmt::bits);
}

// Context entry -> PASID directory -> PASID-table entry.
EntryBits pasid_entry_of(const PhysicalMemory& mem, const EntryBits& ctx, u32 pasid, Addr* where = nullptr) {
  REQUIRE(smctx_fmt::P.get(ctx) == 1);
  const Addr dir = smctx_fmt::PASIDDIRPTR.get(ctx) << 12;
  REQUIRE(pasid >> 6 < (1u << (smctx_fmt::PDTS.get(ctx) + 7)));
  EntryBits de;
  de.w[0] = mem.peek64(dir + 8 * (pasid >> 6));
  REQUIRE(pdir_fmt::P.get(de) == 1);
  const Addr addr = (pdir_fmt::SMPTBLPTR.get(de) << 12) + 64 * (pasid & 63);
  if (where) *where = addr;
  return read_entry(mem, addr, pasid_fmt::bits);
}

bool is_page_aligned(Addr a) { return (a & 0xfff) == 0; }

}  // namespace

TEST_CASE("legacy layout: root then domains then context tables then driver memory", "[table_builder]") {
  const auto b = build(R"(
tables:
  domains:
    - name: dom1
      did: 2
      aw: 2
      mappings: [{iova: 0x1000, pa: 0x80001000, write: false}]
  devices:
    - {bdf: "00:02.0", domain: dom1, translation: dev_iotlb}
    - {bdf: "00:03.0"}
)");
  const TableLayout& L = b->layout;
  CHECK_FALSE(L.scalable);
  CHECK(L.rtaddr == kBase);
  const DomainLayout& d = *L.domain("dom1");
  CHECK(d.pgd == kBase + 0x1000);  // then three lower levels: 0x102000..0x104000
  CHECK(d.type == "second_level");
  CHECK(d.pages.at(0x1000).pa == 0x80001000);
  const DeviceLayout& dev = *L.device(Rid::from(0, 2, 0));
  CHECK(dev.root_entry == kBase);
  CHECK(dev.context_entry == kBase + 0x5000 + 16 * 0x10);
  CHECK(dev.translation == ctx_fmt::TT_DEV_IOTLB);

  const EntryBits root = read_entry(b->mem, L.rtaddr, root_fmt::bits);
  CHECK(root_fmt::P.get(root) == 1);
  CHECK(root_fmt::CTP.get(root) << 12 == kBase + 0x5000);
  const EntryBits ctx = read_entry(b->mem, dev.context_entry, ctx_fmt::bits);
  CHECK(ctx == legacy_context_value(d, ctx_fmt::TT_DEV_IOTLB));
  const auto leaf = sl_walk(b->mem, ctx_fmt::SLPTPTR.get(ctx) << 12, ctx_fmt::AW.get(ctx), 0x1000);
  REQUIRE(leaf);
  CHECK(leaf->pa == 0x80001000);
  CHECK(leaf->r);
  CHECK_FALSE(leaf->w);
  // A device without a domain: a zero context entry in the same table.
  CHECK_FALSE(read_entry(b->mem, L.device(Rid::from(0, 3, 0))->context_entry, ctx_fmt::bits).any());

  // Driver memory last: 16-byte descriptors, one page each for ring, status and locks.
  CHECK(L.driver.qi_shift == 4);
  CHECK(L.driver.qi_queue == kBase + 0x6000);
  CHECK(L.driver.qi_status == kBase + 0x7000);
  CHECK(L.driver.iommu_lock == kBase + 0x8000);
  CHECK(L.driver.qi_lock == kBase + 0x8040);
  CHECK(L.next_free == kBase + 0x9000);

  const std::vector<EntryId> w = L.watched_entries();
  REQUIRE(w.size() == 3);
  CHECK(w[0].kind == EntryKind::Root);
  CHECK(w[1].kind == EntryKind::Context);
  CHECK(w[1].rid == Rid::from(0, 2, 0));
  CHECK(w[2].kind == EntryKind::Context);
}

TEST_CASE("the tables-only builder stays legacy", "[table_builder]") {
  Tables t;
  Domain d;
  d.name = "a";
  d.did = 3;
  t.domains.push_back(d);
  PhysicalMemory mem;
  const TableLayout L = build_tables(t, mem);
  CHECK_FALSE(L.scalable);
  CHECK(L.rtaddr == 0x100000);
  CHECK(L.driver.qi_shift == 4);

  Tables fl = t;
  fl.domains[0].type = "first_level";
  PhysicalMemory mem2;
  CHECK_THROWS_WITH(build_tables(fl, mem2), Contains("first_level domains need scalable mode"));
}

TEST_CASE("scalable second-level PASID entry walked from the root", "[table_builder]") {
  const auto b = build(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - name: sl
      did: 7
      aw: 3
      mappings: [{iova: 0x40000000, pa: 0x9000, size: 0x2000, read: false}]
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 0, domain: sl}]
)");
  const TableLayout& L = b->layout;
  CHECK(L.scalable);
  const Rid rid = Rid::from(0, 2, 0);
  Addr ctx_addr = 0;
  const EntryBits ctx = sm_context_of(b->mem, L.rtaddr, rid, &ctx_addr);
  const DeviceLayout& dev = *L.device(rid);
  CHECK(ctx_addr == dev.context_entry);
  CHECK(dev.root_entry == L.rtaddr);
  CHECK(smctx_fmt::PDTS.get(ctx) == 2);
  CHECK(dev.pdts == 2);
  CHECK(smctx_fmt::PASIDDIRPTR.get(ctx) << 12 == dev.pasid_dir);
  CHECK(smctx_fmt::PASIDE.get(ctx) == 1);
  CHECK(smctx_fmt::DTE.get(ctx) == 0);
  CHECK(smctx_fmt::PRE.get(ctx) == 0);
  CHECK(smctx_fmt::RID_PASID.get(ctx) == 0);
  CHECK(ctx == sm_context_entry(dev.pasid_dir, 2, false, true, false));

  Addr pe_addr = 0;
  const EntryBits pe = pasid_entry_of(b->mem, ctx, 0, &pe_addr);
  REQUIRE(dev.pasid(0));
  CHECK(dev.pasid(0)->entry == pe_addr);
  CHECK(dev.pasid(0)->domain == "sl");
  CHECK(dev.pasid(0)->pgtt == pasid_fmt::PGTT_SL);
  CHECK(pasid_fmt::P.get(pe) == 1);
  CHECK(pasid_fmt::FPD.get(pe) == 0);
  CHECK(pasid_fmt::PGTT.get(pe) == pasid_fmt::PGTT_SL);
  CHECK(pasid_fmt::DID.get(pe) == 7);
  CHECK(pasid_fmt::AW.get(pe) == 3);
  CHECK(pasid_fmt::PWSNP.get(pe) == 1);
  const DomainLayout& d = *L.domain("sl");
  CHECK(pasid_fmt::SLPTPTR.get(pe) << 12 == d.pgd);
  CHECK(pe == pasid_entry_second_level(SecondLevelCfg{7, d.pgd, 3, true, false}));

  for (Addr off : {Addr{0}, Addr{0x1000}}) {
    const auto leaf =
        sl_walk(b->mem, pasid_fmt::SLPTPTR.get(pe) << 12, pasid_fmt::AW.get(pe), 0x40000000 + off);
    REQUIRE(leaf);
    CHECK(leaf->pa == 0x9000 + off);
    CHECK_FALSE(leaf->r);
    CHECK(leaf->w);
  }
  CHECK_FALSE(sl_walk(b->mem, d.pgd, 3, 0x40002000));
}

TEST_CASE("scalable first-level PASID entries with 4 and 5 levels", "[table_builder]") {
  const auto b = build(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - name: fl4
      did: 3
      type: first_level
      mappings:
        - {iova: 0x7fffffff000, pa: 0x200000, write: false}
        - {iova: 0x1000, pa: 0x201000}
    - name: fl5
      did: 4
      type: first_level
      fl_levels: 5
      mappings: [{iova: 0xff000000000000, pa: 0x300000}]
  devices:
    - bdf: "00:02.0"
      ats: true
      pasids:
        - {pasid: 1, domain: fl4}
        - {pasid: 2, domain: fl5}
)");
  const TableLayout& L = b->layout;
  const Rid rid = Rid::from(0, 2, 0);
  const EntryBits ctx = sm_context_of(b->mem, L.rtaddr, rid);
  CHECK(smctx_fmt::DTE.get(ctx) == 1);
  CHECK(L.device(rid)->ats);

  const EntryBits pe4 = pasid_entry_of(b->mem, ctx, 1);
  const DomainLayout& d4 = *L.domain("fl4");
  CHECK(d4.type == "first_level");
  CHECK(pasid_fmt::PGTT.get(pe4) == pasid_fmt::PGTT_FL);
  CHECK(pasid_fmt::FLPM.get(pe4) == 0);
  CHECK(pasid_fmt::FLPTPTR.get(pe4) << 12 == d4.pgd);
  CHECK(pasid_fmt::DID.get(pe4) == 3);
  CHECK(pasid_fmt::AW.get(pe4) == 3);  // iommu->agaw: the highest of the default sagaw [2, 3]
  CHECK(pasid_fmt::PWSNP.get(pe4) == 1);
  CHECK(pasid_fmt::SLPTPTR.get(pe4) == 0);
  CHECK(L.device(rid)->pasid(1)->pgtt == pasid_fmt::PGTT_FL);
  auto leaf = fl_walk(b->mem, d4.pgd, 4, 0x7fffffff000, identity);
  REQUIRE(leaf);
  CHECK(leaf->pa == 0x200000);
  CHECK_FALSE(leaf->w);
  leaf = fl_walk(b->mem, d4.pgd, 4, 0x1000, identity);
  REQUIRE(leaf);
  CHECK(leaf->pa == 0x201000);
  CHECK(leaf->w);

  const EntryBits pe5 = pasid_entry_of(b->mem, ctx, 2);
  const DomainLayout& d5 = *L.domain("fl5");
  CHECK(pasid_fmt::FLPM.get(pe5) == 1);
  CHECK(pasid_fmt::DID.get(pe5) == 4);
  leaf = fl_walk(b->mem, pasid_fmt::FLPTPTR.get(pe5) << 12, 5, 0xff000000000000, identity);
  REQUIRE(leaf);
  CHECK(leaf->pa == 0x300000);
  // The 5-level table is not a 4-level one: the top index decides.
  CHECK_FALSE(fl_walk(b->mem, d5.pgd, 5, 0xff000000001000, identity));

  // PASIDs 1 and 2 share one PASID-table page.
  CHECK(L.device(rid)->pasid(2)->entry == L.device(rid)->pasid(1)->entry + 64);
}

TEST_CASE("nested PASID entry: first-level tables reached through the parent", "[table_builder]") {
  const auto b = build(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - name: host
      did: 2
      aw: 2
      mappings: [{iova: 0x40000000, pa: 0x7000000, size: 0x2000}]
    - name: guest
      did: 5
      type: first_level
      fl_levels: 5
      parent: host
      mappings: [{iova: 0x5000, pa: 0x40001000}]
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 9, domain: guest}]
)");
  const TableLayout& L = b->layout;
  const Rid rid = Rid::from(0, 2, 0);
  const EntryBits pe = pasid_entry_of(b->mem, sm_context_of(b->mem, L.rtaddr, rid), 9);
  const DomainLayout& host = *L.domain("host");
  const DomainLayout& guest = *L.domain("guest");
  CHECK(guest.parent == "host");
  CHECK(pasid_fmt::PGTT.get(pe) == pasid_fmt::PGTT_NESTED);
  CHECK(pasid_fmt::FLPTPTR.get(pe) << 12 == guest.pgd);
  CHECK(pasid_fmt::FLPM.get(pe) == 1);
  CHECK(pasid_fmt::SLPTPTR.get(pe) << 12 == host.pgd);
  CHECK(pasid_fmt::AW.get(pe) == 2);
  CHECK(pasid_fmt::DID.get(pe) == 5);
  CHECK(L.device(rid)->pasid(9)->pgtt == pasid_fmt::PGTT_NESTED);

  // Every guest-physical address of the walk goes through the parent.
  std::set<Addr> table_gpas;
  auto through_host = [&](Addr gpa) {
    const auto s = sl_walk(b->mem, pasid_fmt::SLPTPTR.get(pe) << 12, pasid_fmt::AW.get(pe), gpa);
    REQUIRE(s);
    if (gpa != 0x40001000) {  // a table page: identity, read-only
      table_gpas.insert(gpa);
      CHECK(s->pa == gpa);
      CHECK(s->r);
      CHECK_FALSE(s->w);
    }
    return s->pa;
  };
  const auto leaf = fl_walk(b->mem, pasid_fmt::FLPTPTR.get(pe) << 12, 5, 0x5000, through_host);
  REQUIRE(leaf);
  CHECK(leaf->pa == 0x7001000);
  CHECK(table_gpas.size() == 5);
  CHECK(table_gpas.count(guest.pgd));
  // The identity mappings are recorded with the parent's pages.
  for (Addr t : table_gpas) {
    REQUIRE(host.pages.count(t));
    CHECK(host.pages.at(t).pa == t);
    CHECK_FALSE(host.pages.at(t).write);
  }
  CHECK(host.pages.at(0x40000000).pa == 0x7000000);
}

TEST_CASE("nested output addresses must be mapped by the parent", "[table_builder]") {
  const std::string msg = build_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - name: host
      did: 2
      mappings: [{iova: 0x40000000, pa: 0x7000000}]
    - name: guest
      did: 5
      type: first_level
      parent: host
      mappings:
        - {iova: 0x5000, pa: 0x40000000, size: 0x2000}
)");
  INFO(msg);
  CHECK_THAT(msg, StartsWith("t.yaml:12:11: "));
  CHECK_THAT(msg, Contains("pa 0x40001000 of nested domain 'guest'"));
  CHECK_THAT(msg, Contains("parent domain 'host' does not map it"));
}

TEST_CASE("a parent mapping over a first-level table page is an error", "[table_builder]") {
  // The root table is at 0x100000 and the host's page table at 0x101000 ...
  // (four levels), so the guest's first-level root is the next page, 0x105000.
  const std::string msg = build_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - name: host
      did: 2
      mappings: [{iova: 0x105000, pa: 0x9000}]
    - name: guest
      did: 5
      type: first_level
      parent: host
)");
  INFO(msg);
  CHECK_THAT(msg, StartsWith("t.yaml:7:7: "));
  CHECK_THAT(msg, Contains("first-level table page 0x105000 of nested domain 'guest' must be mapped 1:1"));
}

TEST_CASE("pass-through and empty PASID entries", "[table_builder]") {
  const auto b = build(R"(
platform: {iommu: {mode: scalable}}
tables:
  devices:
    - bdf: "00:02.0"
      pasids:
        - {pasid: 0, pgtt: pass_through}
        - {pasid: 100}
        - {pasid: 101, fpd: true}
        - {pasid: 0x7fff, pgtt: pass_through, fpd: true}
)");
  const TableLayout& L = b->layout;
  const Rid rid = Rid::from(0, 2, 0);
  const DeviceLayout& dev = *L.device(rid);
  const EntryBits ctx = sm_context_of(b->mem, L.rtaddr, rid);

  const EntryBits pt = pasid_entry_of(b->mem, ctx, 0);
  CHECK(pt == pasid_entry_pass_through(PassThroughCfg{3, true}));
  CHECK(pasid_fmt::PGTT.get(pt) == pasid_fmt::PGTT_PT);
  CHECK(pasid_fmt::DID.get(pt) == pasid_fmt::FLPT_DEFAULT_DID);
  CHECK(dev.pasid(0)->pgtt == pasid_fmt::PGTT_PT);
  CHECK(dev.pasid(0)->domain.empty());

  // Listed without a domain: the table page exists, the entry is zero.
  Addr where = 0;
  CHECK_FALSE(pasid_entry_of(b->mem, ctx, 100, &where).any());
  CHECK(dev.pasid(100)->entry == where);
  CHECK(dev.pasid(100)->pgtt == 0);
  // With fpd: P = 0 and FPD = 1, as a fault-ignoring teardown leaves it.
  const EntryBits fpd = pasid_entry_of(b->mem, ctx, 101);
  CHECK(fpd.w[0] == 2);
  CHECK(dev.pasid(101)->pgtt == 0);

  const EntryBits last = pasid_entry_of(b->mem, ctx, 0x7fff);
  CHECK(pasid_fmt::P.get(last) == 1);
  CHECK(pasid_fmt::FPD.get(last) == 1);

  // PASIDs 0, 100 (dir entry 1) and 0x7fff (dir entry 511): three table pages.
  std::set<Addr> pages;
  for (u32 p : {0u, 100u, 101u, 0x7fffu}) pages.insert(dev.pasid(p)->entry & ~Addr{0xfff});
  CHECK(pages.size() == 3);
  for (unsigned i = 0; i < 512; ++i) {
    const bool present = i == 0 || i == 1 || i == 511;
    CHECK((b->mem.peek64(dev.pasid_dir + 8 * i) & 1) == (present ? 1u : 0u));
  }
}

TEST_CASE("a PASID beyond the one-page directory is an error", "[table_builder]") {
  const std::string msg = build_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 0x8000}]
)");
  INFO(msg);
  CHECK_THAT(msg, StartsWith("t.yaml:5:16: "));
  CHECK_THAT(msg, Contains("beyond the one-page PASID directory (PASIDs 0..0x7fff)"));
}

TEST_CASE("devfn 0x80 and up use the upper context table", "[table_builder]") {
  const auto b = build(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains: [{name: d, did: 2, mappings: [{iova: 0, pa: 0x1000}]}]
  devices:
    - bdf: "03:10.0"
      pasids: [{pasid: 0, domain: d}]
    - bdf: "03:02.1"
      pasids: [{pasid: 0, domain: d}]
    - bdf: "03:1f.7"
      context: false
)");
  const TableLayout& L = b->layout;
  const Rid hi = Rid::from(3, 0x10, 0);   // devfn 0x80
  const Rid lo = Rid::from(3, 2, 1);      // devfn 0x11
  const Rid top = Rid::from(3, 0x1f, 7);  // devfn 0xff
  const EntryBits root = read_entry(b->mem, L.rtaddr + 16 * 3, smroot_fmt::bits);
  CHECK(smroot_fmt::LP.get(root) == 1);
  CHECK(smroot_fmt::UP.get(root) == 1);
  const Addr upper = smroot_fmt::UCTP.get(root) << 12;
  const Addr lower = smroot_fmt::LCTP.get(root) << 12;
  CHECK(upper != lower);
  CHECK(L.device(hi)->context_entry == upper);
  CHECK(L.device(lo)->context_entry == lower + 32 * 0x11);
  CHECK(L.device(top)->context_entry == upper + 32 * 0x7f);
  CHECK(L.device(hi)->root_entry == L.rtaddr + 48);

  for (Rid rid : {hi, lo}) {
    const EntryBits pe = pasid_entry_of(b->mem, sm_context_of(b->mem, L.rtaddr, rid), 0);
    const auto leaf = sl_walk(b->mem, pasid_fmt::SLPTPTR.get(pe) << 12, pasid_fmt::AW.get(pe), 0);
    REQUIRE(leaf);
    CHECK(leaf->pa == 0x1000);
  }
  // context: false: the entry is zero but the directory is ready for the driver.
  CHECK_FALSE(read_entry(b->mem, L.device(top)->context_entry, smctx_fmt::bits).any());
  CHECK(L.device(top)->pasid_dir != 0);
  CHECK(L.device(top)->pasid_dir != L.device(hi)->pasid_dir);
  // The upper 128 bits of every 256-bit context entry stay zero.
  CHECK(b->mem.peek64(L.device(hi)->context_entry + 16) == 0);
  CHECK(b->mem.peek64(L.device(hi)->context_entry + 24) == 0);

  // Only the root entry of the one bus, each context entry, each PASID entry.
  const std::vector<EntryId> w = L.watched_entries();
  REQUIRE(w.size() == 6);
  CHECK(w[0].kind == EntryKind::SmRoot);
  CHECK(w[0].addr == L.rtaddr + 48);
  CHECK(w[0].rid.bus() == 3);
  unsigned contexts = 0, pasids = 0;
  for (const EntryId& id : w) {
    if (id.kind == EntryKind::SmContext) {
      ++contexts;
      CHECK(id.addr == L.device(id.rid)->context_entry);
    }
    if (id.kind == EntryKind::Pasid) {
      ++pasids;
      CHECK(id.pasid == 0);
      CHECK(id.addr == L.device(id.rid)->pasid(0)->entry);
    }
  }
  CHECK(contexts == 3);
  CHECK(pasids == 2);
}

TEST_CASE("driver memory is distinct and aligned in both modes", "[table_builder]") {
  for (const char* mode : {"legacy", "scalable"}) {
    const std::string text = std::string("platform: {iommu: {mode: ") + mode +
                             "}}\n"
                             "tables:\n"
                             "  domains: [{name: d, did: 2, mappings: [{iova: 0, pa: 0x1000}]}]\n"
                             "  devices: [{bdf: \"00:02.0\"}]\n";
    const bool scalable = std::string(mode) == "scalable";
    INFO(mode);
    PhysicalMemory mem;
    const TableLayout L = build_tables(load_scenario_text(text, "t.yaml"), mem, kBase);
    const DriverMemory& m = L.driver;
    CHECK(m.qi_shift == (scalable ? 5u : 4u));
    const Addr ring_end = m.qi_queue + (Addr{256} << m.qi_shift);
    CHECK(is_page_aligned(m.qi_queue));
    CHECK(is_page_aligned(m.qi_status));
    CHECK(m.qi_status >= ring_end);
    CHECK(m.iommu_lock % 8 == 0);
    CHECK(m.qi_lock % 8 == 0);
    CHECK(m.iommu_lock >= m.qi_status + 256 * 4);
    CHECK(m.qi_lock >= m.iommu_lock + 8);
    CHECK(L.next_free > m.qi_lock);
    CHECK(is_page_aligned(L.next_free));
    // After every table page.
    CHECK(m.qi_queue > L.device(Rid::from(0, 2, 0))->context_entry);
    CHECK(m.qi_queue > L.domain("d")->pgd);
    if (scalable) CHECK(m.qi_queue > L.device(Rid::from(0, 2, 0))->pasid_dir);
    // Allocated zeroed.
    for (Addr a = m.qi_queue; a < L.next_free; a += 8) REQUIRE(mem.peek64(a) == 0);
  }
}

TEST_CASE("first-level address range and read permission", "[table_builder]") {
  std::string msg = build_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - name: f
      did: 2
      type: first_level
      mappings: [{iova: 0x800000000000, pa: 0}]
)");
  INFO(msg);
  CHECK_THAT(msg, StartsWith("t.yaml:7:18: "));
  CHECK_THAT(msg, Contains("beyond the domain's 47-bit address width"));

  Tables t;
  Domain d;
  d.name = "f";
  d.did = 2;
  d.type = "first_level";
  Mapping mp;
  mp.read = false;
  d.mappings.push_back(mp);
  t.domains.push_back(d);
  IommuConfig io;
  io.mode = TranslationMode::Scalable;
  PhysicalMemory mem;
  CHECK_THROWS_WITH(build_tables(t, io, mem), Contains("cannot deny reads"));
}

TEST_CASE("first-level and pass-through AW is the highest supported AGAW", "[table_builder]") {
  const auto b = build(R"(
platform: {iommu: {mode: scalable, sagaw: [2, 1]}}
tables:
  domains: [{name: f, did: 2, type: first_level}]
  devices:
    - bdf: "00:02.0"
      pasids:
        - {pasid: 1, domain: f}
        - {pasid: 2, pgtt: pass_through}
)");
  const EntryBits ctx = sm_context_of(b->mem, b->layout.rtaddr, Rid::from(0, 2, 0));
  CHECK(pasid_fmt::AW.get(pasid_entry_of(b->mem, ctx, 1)) == 2);
  CHECK(pasid_fmt::AW.get(pasid_entry_of(b->mem, ctx, 2)) == 2);
}

TEST_CASE("the scalable-mode example of the format doc builds as its comments say", "[table_builder]") {
  std::ifstream in(std::string(VTDSIM_SOURCE_DIR) + "/docs/scenario-format.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::size_t section = doc.find("## A scalable-mode example");
  REQUIRE(section != std::string::npos);
  const std::size_t start = doc.find("```yaml\n", section);
  REQUIRE(start != std::string::npos);
  const std::size_t end = doc.find("```", start + 8);
  REQUIRE(end != std::string::npos);

  const Scenario s = load_scenario_text(doc.substr(start + 8, end - start - 8), "example.yaml");
  PhysicalMemory mem;
  const TableLayout L = build_tables(s, mem);
  CHECK(L.scalable);
  CHECK(L.driver.qi_queue == 0x114000);
  CHECK(L.driver.qi_status == 0x116000);
  CHECK(L.driver.iommu_lock == 0x117000);
  CHECK(L.driver.qi_lock == 0x117040);
  REQUIRE(s.more_cpus.size() == 1);
  const std::vector<RawOp>& ops = s.more_cpus[0].program.at(0).ops;
  REQUIRE(ops.size() == 3);
  CHECK(ops[0].addr == L.driver.iommu_lock);
  CHECK(ops[2].addr == L.driver.iommu_lock);
  CHECK(L.device(Rid::from(0, 2, 0))->pasid_dir == 0x111000);
  CHECK(L.device(Rid::from(0, 3, 0))->pasid_dir == 0x113000);
  CHECK(L.device(Rid::from(0, 2, 0))->pasid(2)->pgtt == pasid_fmt::PGTT_NESTED);
}
