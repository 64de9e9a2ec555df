#include <catch2/catch.hpp>

#include "formats/formats.hpp"
#include "iommu_model/fault_reasons.hpp"
#include "iommu_model/legacy_walker.hpp"

using namespace vtd;

namespace {

EntryBits root_present(Addr ctp) {
  EntryBits e;
  root_fmt::P.set(e, 1);
  root_fmt::CTP.set(e, ctp >> 12);
  return e;
}
EntryBits context(u64 p, u64 tt, u64 aw, Addr root, u16 did) {
  using namespace ctx_fmt;
  EntryBits e;
  P.set(e, p);
  TT.set(e, tt);
  AW.set(e, aw);
  SLPTPTR.set(e, root >> 12);
  DID.set(e, did);
  return e;
}
EntryBits pte(Addr next, bool r, bool w) {
  EntryBits e;
  slpte_fmt::R.set(e, r);
  slpte_fmt::W.set(e, w);
  slpte_fmt::ADDR.set(e, next >> 12);
  return e;
}

const Rid kRid = Rid::from(0, 2, 0);

}  // namespace

TEST_CASE("walker asks for root context and four paging levels then translates", "[walker]") {
  LegacyWalker w(WalkerConfig{});
  w.start(DmaRequest{1, kRid, 0x1234, false, 0}, 0x10000);
  CHECK(w.next_entry().kind == EntryKind::Root);
  CHECK(w.next_entry().addr == 0x10000);
  w.on_entry(root_present(0x20000));
  CHECK(w.next_entry().kind == EntryKind::Context);
  CHECK(w.next_entry().addr == Addr{0x20000} + 16u * kRid.devfn());
  w.on_entry(context(1, 0, 2, 0x30000, 2));
  for (unsigned level = 4; level >= 1; --level) {
    REQUIRE(!w.done());
    CHECK(w.next_entry().level == level);
    w.on_entry(pte(level == 1 ? 0x80000000 : 0x40000 + level * 0x1000, true, true));
  }
  REQUIRE(w.done());
  CHECK_FALSE(w.result().fault);
  CHECK(w.result().pa == 0x80000234);
}

TEST_CASE("walker faults with VT-d reason codes", "[walker]") {
  LegacyWalker w(WalkerConfig{});
  auto start = [&](bool write = false, Addr iova = 0x1000) {
    w.start(DmaRequest{1, kRid, iova, write, 0}, 0x10000);
  };
  SECTION("root not present") {
    start();
    w.on_entry(EntryBits{});
    CHECK(w.result().reason == fault::kRootNotPresent);
  }
  SECTION("context not present") {
    start();
    w.on_entry(root_present(0x20000));
    w.on_entry(context(0, 0, 2, 0x30000, 2));
    CHECK(w.result().reason == fault::kContextNotPresent);
  }
  SECTION("unsupported AW (a half-written entry) is an invalid context entry") {
    start();
    w.on_entry(root_present(0x20000));
    w.on_entry(context(1, 0, 0, 0x30000, 0));
    CHECK(w.result().reason == fault::kContextInvalid);
  }
  SECTION("reserved bits") {
    start();
    w.on_entry(root_present(0x20000));
    EntryBits c = context(1, 0, 2, 0x30000, 2);
    ctx_fmt::RSVD_HI.set(c, 1);
    w.on_entry(c);
    CHECK(w.result().reason == fault::kContextReserved);
  }
  SECTION("address beyond the domain's width") {
    start(false, Addr{1} << 48);
    w.on_entry(root_present(0x20000));
    w.on_entry(context(1, 0, 2, 0x30000, 2));
    CHECK(w.result().reason == fault::kBeyondMgaw);
  }
  SECTION("pass-through") {
    start(false, 0xabc000);
    w.on_entry(root_present(0x20000));
    w.on_entry(context(1, ctx_fmt::TT_PASS_THROUGH, 2, 0, 1));
    REQUIRE(w.done());
    CHECK(w.result().pa == 0xabc000);
  }
  SECTION("no write permission and no read permission") {
    WalkerConfig three_level;
    three_level.sagaw_mask = 0b1110;
    w = LegacyWalker(three_level);
    start(true);
    w.on_entry(root_present(0x20000));
    w.on_entry(context(1, 0, 1, 0x30000, 2));  // 3 levels
    w.on_entry(pte(0x41000, true, true));
    w.on_entry(pte(0x42000, true, true));
    w.on_entry(pte(0x80000000, true, false));
    CHECK(w.result().reason == fault::kNoWrite);
    start(false);
    w.on_entry(root_present(0x20000));
    w.on_entry(context(1, 0, 1, 0x30000, 2));
    w.on_entry(pte(0, false, false));
    CHECK(w.result().reason == fault::kNoRead);
  }
}
