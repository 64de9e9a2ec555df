#include <catch2/catch.hpp>

#include "iommu_model/registers.hpp"
#include "scenario/scenario.hpp"

using namespace vtd;

namespace {

constexpr u64 kIqe = 1u << 4, kIce = 1u << 5, kIte = 1u << 6;
constexpr u32 kGcmdTe = 1u << 31, kGcmdSrtp = 1u << 30, kGcmdQie = 1u << 26;

Registers::Config test_config() {
  Registers::Config c;
  c.ver = 0x10;
  c.cap = 0x00d2008c40660462ull;
  c.ecap = 0x0000000000f050daull;
  return c;
}

}  // namespace

TEST_CASE("registers reset to their configured and zero values", "[registers]") {
  Registers r(test_config());
  CHECK(r.read(reg::VER, 4).value == 0x10);
  CHECK(r.read(reg::CAP, 8).value == test_config().cap);
  CHECK(r.read(reg::ECAP, 8).value == test_config().ecap);
  for (Addr off : {reg::GSTS, reg::FSTS, reg::ICS}) CHECK(r.read(off, 4).value == 0);
  for (Addr off : {reg::RTADDR, reg::IQH, reg::IQT, reg::IQA, reg::IQER}) CHECK(r.read(off, 8).value == 0);
  REQUIRE(r.find(reg::IQA) != nullptr);
  CHECK(r.find(reg::IQA)->name == "IQA");
  CHECK(r.find(reg::IQA + 4) == r.find(reg::IQA));
  CHECK(r.find(reg::FSTS + 4) == nullptr);  // 4-byte register: no upper half
}

TEST_CASE("CAP and ECAP follow the scenario configuration", "[registers]") {
  IommuConfig cfg;
  cfg.mode = TranslationMode::Scalable;
  cfg.coherent = false;
  cfg.caching_mode = true;
  cfg.sagaw = {2, 3};
  const Registers::Config c = Registers::config_from(cfg);
  using namespace reg_fmt;
  CHECK(reg_get(CAP_CM, c.cap) == 1);
  CHECK(reg_get(CAP_SAGAW, c.cap) == 0b01100);
  CHECK(reg_get(CAP_MGAW, c.cap) == 56);  // 57-bit
  CHECK(reg_get(CAP_ND, c.cap) == 6);
  CHECK(reg_get(ECAP_QI, c.ecap) == 1);
  CHECK(reg_get(ECAP_C, c.ecap) == 0);
  CHECK(reg_get(ECAP_SMTS, c.ecap) == 1);
  CHECK(reg_get(ECAP_PASID, c.ecap) == 1);
  cfg.mode = TranslationMode::Legacy;
  CHECK(reg_get(ECAP_SMTS, Registers::config_from(cfg).ecap) == 0);
  Registers r(c);
  CHECK(decode_options(r).mamv == 18);
  CHECK_FALSE(decode_options(r).pds);
}

TEST_CASE("FSTS queue error bits are write-1-to-clear", "[registers]") {
  Registers r(test_config());
  r.raise_iqe(reg_fmt::IQEI_RESERVED);
  r.set(reg::FSTS, r.get(reg::FSTS) | kIce | kIte);
  CHECK(r.iqe());
  CHECK(reg_get(reg_fmt::IQER_IQEI, r.read(reg::IQER, 8).value) == 4);

  SECTION("writing 0 clears nothing") {
    CHECK(r.write(reg::FSTS, 4, 0).status == RegAccess::Ok);
    CHECK(r.fsts() == (kIqe | kIce | kIte));
  }
  SECTION("writing 1 clears only that bit") {
    r.write(reg::FSTS, 4, kIqe);
    CHECK_FALSE(r.iqe());
    CHECK(r.fsts() == (kIce | kIte));
    CHECK(r.qi_blocked());  // ITE still pending
    r.write(reg::FSTS, 4, kIte | kIce);
    CHECK(r.fsts() == 0);
    CHECK_FALSE(r.qi_blocked());
  }
  SECTION("ICS.IWC likewise") {
    r.set_ics_iwc();
    CHECK(r.read(reg::ICS, 4).value == 1);
    r.write(reg::ICS, 4, 0);
    CHECK(r.read(reg::ICS, 4).value == 1);
    r.write(reg::ICS, 4, 1);
    CHECK(r.read(reg::ICS, 4).value == 0);
  }
}

TEST_CASE("GCMD writes are reflected in GSTS", "[registers]") {
  Registers r(test_config());
  r.write(reg::RTADDR, 8, 0x123400);  // dmar_writeq
  CHECK(r.read(reg::GSTS, 4).value == 0);

  r.write(reg::GCMD, 4, kGcmdSrtp);  // iommu_set_root_entry
  CHECK(r.read(reg::GSTS, 4).value == (1u << 30));
  CHECK(r.root_table() == 0x123400);
  CHECK(r.srtp_count() == 1);
  CHECK(r.read(reg::GCMD, 4).value == 0);  // write-only

  r.write(reg::GCMD, 4, kGcmdQie);  // __dmar_enable_qi
  CHECK(r.qi_enabled());
  CHECK(r.read(reg::GSTS, 4).value == ((1u << 30) | (1u << 26)));

  r.write(reg::GCMD, 4, kGcmdQie | kGcmdTe);  // iommu_enable_translation
  CHECK(r.translation_enabled());
  CHECK(r.read(reg::GSTS, 4).value == ((1u << 31) | (1u << 30) | (1u << 26)));
  CHECK(r.srtp_count() == 1);  // SRTP is one-shot

  r.write(reg::RTADDR, 8, 0x999000);
  CHECK(r.root_table() == 0x123400);  // only SRTP latches RTADDR
  r.write(reg::GCMD, 4, kGcmdTe);     // QI off, TE on
  CHECK_FALSE(r.qi_enabled());
  CHECK(r.translation_enabled());
}

TEST_CASE("8-byte registers take 32-bit accesses to either half", "[registers]") {
  Registers r(test_config());
  SECTION("two writel halves equal one writeq") {
    CHECK(r.write(reg::IQA, 4, 0x45678801).status == RegAccess::Ok);
    CHECK(r.write(reg::IQA + 4, 4, 0x1).status == RegAccess::Ok);
    CHECK(r.read(reg::IQA, 8).value == 0x145678801ull);
    CHECK(r.read(reg::IQA, 4).value == 0x45678801);
    CHECK(r.read(reg::IQA + 4, 4).value == 0x1);
    CHECK(r.iqa_base() == 0x145678000ull);
    CHECK(r.iqa_dw());
    CHECK(r.iqa_qs() == 1);
  }
  SECTION("a half write leaves the other half") {
    r.write(reg::RTADDR, 8, 0xaaaabbbbccccd000ull);
    r.write(reg::RTADDR, 4, 0x11111000);
    CHECK(r.read(reg::RTADDR, 8).value == 0xaaaabbbb11111000ull);
    r.write(reg::RTADDR + 4, 4, 0x22222222);
    CHECK(r.read(reg::RTADDR, 8).value == 0x2222222211111000ull);
  }
  SECTION("CAP reads in halves") {
    CHECK(r.read(reg::CAP, 4).value == 0x40660462);
    CHECK(r.read(reg::CAP + 4, 4).value == 0x00d2008c);
  }
  SECTION("IQH is read with readl") {
    r.set_iqh(0x30);
    CHECK(r.read(reg::IQH, 4).value == 0x30);
  }
}

TEST_CASE("writable masks drop reserved bits", "[registers]") {
  Registers r(test_config());
  r.write(reg::IQT, 8, ~0ull);
  CHECK(r.read(reg::IQT, 8).value == 0x7fff0);  // QT = bits 18:4
  r.write(reg::IQA, 8, ~0ull);
  CHECK(r.read(reg::IQA, 8).value == 0xfffffffffffff807ull);  // IQA | DW | QS
}

TEST_CASE("unknown offsets and read-only registers are reported", "[registers]") {
  Registers r(test_config());
  SECTION("unmapped") {
    const RegRead rd = r.read(0x400, 4);
    CHECK(rd.value == 0);
    CHECK(rd.status == RegAccess::Unmapped);
    const RegWrite wr = r.write(reg::CCMD, 8, 1ull << 63);
    CHECK(wr.status == RegAccess::Unmapped);
    CHECK(wr.reg == nullptr);
    CHECK(to_string(wr.status) == "unmapped offset");
  }
  SECTION("read-only") {
    const RegWrite wr = r.write(reg::CAP, 8, 0);
    CHECK(wr.status == RegAccess::ReadOnly);
    REQUIRE(wr.reg != nullptr);
    CHECK(wr.reg->name == "CAP");
    CHECK(r.read(reg::CAP, 8).value == test_config().cap);
    CHECK(r.write(reg::IQH, 4, 0x40).status == RegAccess::ReadOnly);
    CHECK(r.iqh() == 0);
    CHECK(r.write(reg::GSTS, 4, ~0u).status == RegAccess::ReadOnly);
    CHECK(r.read(reg::GSTS, 4).value == 0);
  }
  SECTION("bad sizes") {
    CHECK(r.read(reg::GCMD, 8).status == RegAccess::BadSize);  // would span GCMD and GSTS
    CHECK(r.read(reg::IQA + 4, 8).status == RegAccess::BadSize);
    CHECK(r.write(reg::IQT, 2, 0x10).status == RegAccess::BadSize);
    CHECK(r.iqt() == 0);
  }
}

TEST_CASE("register reset restores reset values", "[registers]") {
  Registers r(test_config());
  r.write(reg::IQA, 8, 0x5000);
  r.write(reg::GCMD, 4, kGcmdQie | kGcmdSrtp);
  r.raise_iqe(1);
  r.reset();
  CHECK(r.iqa() == 0);
  CHECK(r.read(reg::GSTS, 4).value == 0);
  CHECK(r.fsts() == 0);
  CHECK(r.srtp_count() == 0);
  CHECK(r.read(reg::VER, 4).value == 0x10);
}
