// The independent reference walk (checkers/reference_walk.hpp) on the
// catalog's tables: translations and faults worked out by hand from each
// scenario's mappings, entries corrupted in memory for the faults the
// builder never writes, and agreement with the IOMMU model's walkers (through
// ReferenceTranslator) on every request of every catalog scenario.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "checkers/reference.hpp"
#include "checkers/reference_walk.hpp"
#include "formats/formats.hpp"
#include "iommu_model/fault_reasons.hpp"
#include "scenario/loader.hpp"
#include "tables/table_builder.hpp"

using namespace vtd;

namespace {

struct Built {
  Scenario s;
  PhysicalMemory mem;
  TableLayout L;
  RefWalkConfig cfg;

  explicit Built(Scenario sc)
      : s(std::move(sc)), L(build_tables(s, mem)), cfg(ref_walk_config(s.platform.iommu)) {}
  RefOutcome walk(Rid rid, std::optional<u32> pasid, Addr iova, bool write = false) const {
    return reference_walk(
        cfg, L.rtaddr, [this](Addr a) { return mem.peek64(a); }, rid, pasid, iova, write);
  }
  // Sets `f` of the entry of `bits` at `addr` to v.
  void set(Addr addr, unsigned bits, const Field& f, u64 v) {
    EntryBits e;
    for (unsigned i = 0; i < bits / 64; ++i) e.w[i] = mem.peek64(addr + 8 * i);
    f.set(e, v);
    for (unsigned i = 0; i < bits / 64; ++i) mem.poke64(addr + 8 * i, e.w[i]);
  }
};

std::string source(const std::string& rel) { return std::string(VTDSIM_SOURCE_DIR) + "/" + rel; }

// The scalable-mode example of docs/scenario-format.md: second-level,
// first-level, nested (5-level), pass-through and not-present PASID entries.
Scenario format_doc_example() {
  std::ifstream in(source("docs/scenario-format.md"));
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::size_t start = doc.find("```yaml\n", doc.find("## A scalable-mode example"));
  const std::size_t end = doc.find("```", start + 8);
  return load_scenario_text(doc.substr(start + 8, end - start - 8), "example.yaml");
}

RefOutcome pa(Addr a) { return RefOutcome{false, 0, a}; }
RefOutcome fault_(u8 r) { return RefOutcome{true, r, 0}; }

const Rid kDev2 = Rid::from(0, 2, 0), kDev3 = Rid::from(0, 3, 0);

}  // namespace

namespace vtd {
std::ostream& operator<<(std::ostream& os, const RefOutcome& o) { return os << to_string(o); }
}  // namespace vtd

TEST_CASE("reference walk, legacy: translations, not present, beyond the AGAW, permissions",
          "[reference_walk]") {
  // dom1 (aw 2, 4 levels) maps 0x1000 -> 0x80001000 for 00:02.0.
  Built b(load_scenario(source("scenarios/context/teardown-clear-present.yaml")));
  CHECK(b.walk(kDev2, {}, 0x1000) == pa(0x80001000));
  CHECK(b.walk(kDev2, {}, 0x1abc, true) == pa(0x80001abc));
  CHECK(b.walk(kDev2, {}, 0x2000) == fault_(fault::kNoRead));
  CHECK(b.walk(kDev2, {}, 0x2000, true) == fault_(fault::kNoWrite));
  CHECK(b.walk(kDev2, {}, Addr{1} << 48) == fault_(fault::kBeyondMgaw));
  CHECK(b.walk(kDev3, {}, 0x1000) == fault_(fault::kContextNotPresent));
  CHECK(b.walk(Rid::from(1, 0, 0), {}, 0x1000) == fault_(fault::kRootNotPresent));

  const Addr ctx = b.L.device(kDev2)->context_entry;
  SECTION("a read-only leaf refuses writes") {
    // The leaf: walk the table by hand, level 4 down to 1, index 0 then 1 at the leaf.
    Addr t = b.L.domain("dom1")->pgd;
    for (int level = 4; level > 1; --level) t = b.mem.peek64(t) & 0xffffffffff000ull;
    b.mem.poke64(t + 8, b.mem.peek64(t + 8) & ~u64{2});
    CHECK(b.walk(kDev2, {}, 0x1000) == pa(0x80001000));
    CHECK(b.walk(kDev2, {}, 0x1000, true) == fault_(fault::kNoWrite));
  }
  SECTION("a 2 MiB page (PS at level 2) and PS where it is reserved") {
    Addr l2 = b.L.domain("dom1")->pgd;
    for (int level = 4; level > 2; --level) l2 = b.mem.peek64(l2) & 0xffffffffff000ull;
    b.mem.poke64(l2, 0x40000000 | 0x80 | 3);
    CHECK(b.walk(kDev2, {}, 0x1f2345) == pa(0x401f2345));
    b.mem.poke64(b.L.domain("dom1")->pgd, b.mem.peek64(b.L.domain("dom1")->pgd) | 0x80);
    CHECK(b.walk(kDev2, {}, 0x1000) == fault_(fault::kPteReserved));
  }
  SECTION("bad context entries") {
    b.set(ctx, 128, ctx_fmt::TT, 3);
    CHECK(b.walk(kDev2, {}, 0x1000) == fault_(fault::kContextInvalid));
    b.set(ctx, 128, ctx_fmt::TT, ctx_fmt::TT_PASS_THROUGH);
    CHECK(b.walk(kDev2, {}, 0x1234) == pa(0x1234));
    b.cfg.pass_through = false;
    CHECK(b.walk(kDev2, {}, 0x1234) == fault_(fault::kContextInvalid));
    b.set(ctx, 128, ctx_fmt::TT, ctx_fmt::TT_MULTI_LEVEL);
    b.set(ctx, 128, ctx_fmt::AW, 0);
    CHECK(b.walk(kDev2, {}, 0x1000) == fault_(fault::kContextInvalid));
    b.set(ctx, 128, ctx_fmt::AW, 2);
    b.set(ctx, 128, ctx_fmt::RSVD_HI, 1);
    CHECK(b.walk(kDev2, {}, 0x1000) == fault_(fault::kContextReserved));
  }
  SECTION("a reserved bit in the root entry") {
    b.set(b.L.rtaddr, 128, root_fmt::RSVD_HI, 1);
    CHECK(b.walk(kDev2, {}, 0x1000) == fault_(fault::kRootReserved));
  }
}

TEST_CASE("reference walk, scalable: second-level, first-level, nested, pass-through and faults",
          "[reference_walk]") {
  Built b(format_doc_example());
  // PASID 0 (RID_PASID) -> host (second level): 0x40000000 -> 0x80000000, 2 pages.
  CHECK(b.walk(kDev2, {}, 0x40000000) == pa(0x80000000));
  CHECK(b.walk(kDev2, 0u, 0x40001008, true) == pa(0x80001008));
  CHECK(b.walk(kDev2, {}, 0x50000000) == fault_(fault::kSlNotPresent));
  CHECK(b.walk(kDev2, {}, Addr{1} << 48) == fault_(fault::kSmBeyondMax));
  // PASID 1 -> user (first level, read-only): 0x1000 -> 0x81000000.
  CHECK(b.walk(kDev2, 1u, 0x1010) == pa(0x81000010));
  CHECK(b.walk(kDev2, 1u, 0x1010, true) == fault_(fault::kSmNoWrite));
  CHECK(b.walk(kDev2, 1u, 0x3000) == fault_(fault::kFlNotPresent));
  CHECK(b.walk(kDev2, 1u, Addr{1} << 47) == fault_(fault::kFlNonCanonical));
  CHECK(b.walk(kDev2, 1u, ~Addr{0xfff}) == fault_(fault::kFlNotPresent));  // canonical, not mapped
  // PASID 2 -> guest (first level, 5 levels, nested in host): 0x2000 -> GPA
  // 0x40001000 -> host 0x80001000.
  CHECK(b.walk(kDev2, 2u, 0x2004, true) == pa(0x80001004));
  CHECK(b.walk(kDev2, 2u, Addr{1} << 47) == fault_(fault::kFlNotPresent));  // canonical with 5 levels
  // PASID 3 pass-through, PASID 4 allocated but not present, PASID 5 in the
  // same table page (zero), PASID 64 in a directory entry never set.
  CHECK(b.walk(kDev2, 3u, 0x123456) == pa(0x123456));
  CHECK(b.walk(kDev2, 4u, 0x1000) == fault_(fault::kSmPasidNotPresent));
  CHECK(b.walk(kDev2, 5u, 0x1000) == fault_(fault::kSmPasidNotPresent));
  CHECK(b.walk(kDev2, 64u, 0x1000) == fault_(fault::kSmPasidDirNotPresent));
  CHECK(b.walk(kDev2, 0x8000u, 0x1000) == fault_(fault::kSmPasidTooLarge));
  CHECK(b.walk(kDev3, {}, 0x1000) == fault_(fault::kSmContextNotPresent));
  CHECK(b.walk(Rid::from(0, 0x10, 0), {}, 0x1000) == fault_(fault::kSmRootNotPresent));  // upper half

  const Addr e1 = b.L.device(kDev2)->pasid(1)->entry;
  SECTION("bad PGTT, pass-through without ECAP.PT, 5-level without FL5LP, reserved bits") {
    b.set(e1, 512, pasid_fmt::PGTT, 5);
    CHECK(b.walk(kDev2, 1u, 0x1000) == fault_(fault::kSmPasidInvalid));
    b.set(e1, 512, pasid_fmt::PGTT, 0);
    CHECK(b.walk(kDev2, 1u, 0x1000) == fault_(fault::kSmPasidInvalid));
    b.cfg.pass_through = false;
    CHECK(b.walk(kDev2, 3u, 0x1000) == fault_(fault::kSmPasidInvalid));
    b.cfg.fl5lp = false;
    CHECK(b.walk(kDev2, 2u, 0x2000) == fault_(fault::kSmPasidInvalid));
    b.set(e1, 512, pasid_fmt::PGTT, pasid_fmt::PGTT_FL);
    b.set(e1, 512, pasid_fmt::RSVD_5, 1);
    CHECK(b.walk(kDev2, 1u, 0x1000) == fault_(fault::kSmPasidReserved));
  }
  SECTION("a nested walk whose second level cannot read the first-level table") {
    // The host's identity mapping of the guest's top table page: make it write-only.
    const DomainLayout& host = *b.L.domain("host");
    const Addr top = b.L.domain("guest")->pgd;
    Addr t = host.pgd;
    for (int level = 4; level > 1; --level)
      t = b.mem.peek64(t + 8 * ((top >> (12 + 9 * (level - 1))) & 511)) & 0xffffffffff000ull;
    const Addr leaf = t + 8 * ((top >> 12) & 511);
    b.mem.poke64(leaf, (b.mem.peek64(leaf) & ~u64{3}) | 2);
    CHECK(b.walk(kDev2, 2u, 0x2000) == fault_(fault::kNestedFlTopNoRead));
  }
}

TEST_CASE("reference walk agrees with the IOMMU model's walkers on the catalog's requests",
          "[reference_walk]") {
  // The model's walkers through ReferenceTranslator (no caches, no timing),
  // on each scenario's initial tables, for every traffic stream and a few
  // addresses around it: a disagreement is a bug in one of the two.
  unsigned compared = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(source("scenarios"))) {
    if (f.path().extension() != ".yaml") continue;
    Built b(load_scenario(f.path().string()));
    ReferenceTranslator model(b.mem, b.s.platform.iommu, b.L.rtaddr);
    for (const TrafficStream& t : b.s.traffic)
      for (const Addr iova : {t.iova, t.iova + 0xff8, t.iova + 0x1000, t.iova ^ (Addr{1} << 40), Addr{0}})
        for (const bool write : {false, true}) {
          const ReferenceResult m = model.translate(t.rid, t.pasid, iova, write, 0);
          INFO(f.path().string() << " " << to_string(t.rid) << " iova " << hex(iova)
                                 << (write ? " write" : " read"));
          CHECK(b.walk(t.rid, t.pasid, iova, write) ==
                RefOutcome{m.fault, m.fault ? m.reason : u8{0}, m.fault ? 0 : m.pa});
          ++compared;
        }
  }
  CHECK(compared >= 400);  // 40 scenarios, none skipped
}
