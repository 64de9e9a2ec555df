#include <catch2/catch.hpp>

#include "formats/formats.hpp"
#include "tables/table_builder.hpp"

using namespace vtd;

TEST_CASE("context entry fields round-trip through the field table", "[formats]") {
  using namespace ctx_fmt;
  EntryBits e;
  P.set(e, 1);
  TT.set(e, TT_DEV_IOTLB);
  SLPTPTR.set(e, 0x12345);
  AW.set(e, 2);
  DID.set(e, 0xbeef);
  CHECK(e.w[0] == (1ull | (1ull << 2) | (0x12345ull << 12)));
  CHECK(e.w[1] == (2ull | (0xbeefull << 8)));
  CHECK(DID.get(e) == 0xbeef);
  CHECK(AW.get(e) == 2);
  CHECK(describe(format_of(EntryKind::Context), e) ==
        "P=1 FPD=0 TT=1 SLPTPTR=0x12345 AW=2 AVAIL=0 DID=0xbeef");
}

TEST_CASE("legacy_context_value is what Linux's mapping writes", "[formats]") {
  DomainLayout d;
  d.did = 7;
  d.aw = 3;
  d.pgd = 0x200000;
  const EntryBits e = legacy_context_value(d, ctx_fmt::TT_MULTI_LEVEL);
  CHECK(e.w[0] == 0x200001);
  CHECK(e.w[1] == (3ull | (7ull << 8)));
}

TEST_CASE("used bits of a non-present context entry are only P", "[formats][used_bits]") {
  EntryBits e;
  e.w[0] = 0xfffffffffffff000;  // garbage, P = 0
  e.w[1] = ~0ull;
  const EntryBits u = context_used_bits(e);
  CHECK(u.w[0] == 1);
  CHECK(u.w[1] == 0);
}

TEST_CASE("used bits of a present context entry", "[formats][used_bits]") {
  using namespace ctx_fmt;
  EntryBits e;
  P.set(e, 1);
  SECTION("translated: address root used, AVAIL not") {
    const EntryBits u = context_used_bits(e);
    CHECK((u.w[0] & SLPTPTR.mask_in_word()) == SLPTPTR.mask_in_word());
    CHECK((u.w[1] & AVAIL.mask_in_word()) == 0);
    CHECK((u.w[1] & DID.mask_in_word()) == DID.mask_in_word());
    CHECK((u.w[1] & AW.mask_in_word()) == AW.mask_in_word());
  }
  SECTION("pass-through ignores the address root") {
    TT.set(e, TT_PASS_THROUGH);
    const EntryBits u = context_used_bits(e);
    CHECK((u.w[0] & SLPTPTR.mask_in_word()) == 0);
    CHECK((u.w[1] & DID.mask_in_word()) == DID.mask_in_word());
  }
}

TEST_CASE("used bits of root entries and paging entries", "[formats][used_bits]") {
  EntryBits r;
  r.w[0] = 0x5000;
  CHECK(root_used_bits(r).w[0] == 1);
  r.w[0] |= 1;
  CHECK(root_used_bits(r).w[0] == ~0ull);
  CHECK(root_used_bits(r).w[1] == ~0ull);
  EntryBits p;
  p.w[0] = 0x7000;
  CHECK(slpte_used_bits(p).w[0] == 3);
}

TEST_CASE("diff_fields reports only fields differing on the mask", "[formats]") {
  using namespace ctx_fmt;
  EntryBits a, b;
  P.set(a, 1);
  DID.set(a, 5);
  AVAIL.set(a, 3);
  P.set(b, 1);
  DID.set(b, 6);
  const Format& f = format_of(EntryKind::Context);
  const auto d = diff_fields(f, a, b, f.used_bits(a));
  REQUIRE(d.size() == 1);
  CHECK(d[0].field == "DID");
  CHECK(d[0].a == 5);
  CHECK(d[0].b == 6);
}
