#include "iommu_model/registers.hpp"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "scenario/scenario.hpp"

namespace vtd {

using namespace reg_fmt;

void Register::apply_write(u64 data, u64 lanes) {
  const u64 w = writable & lanes;
  const u64 c = rw1c & lanes;
  value = ((value & ~w) | (data & w)) & ~(data & c);
}

std::string_view to_string(RegAccess a) {
  switch (a) {
    case RegAccess::Ok: return "ok";
    case RegAccess::Unmapped: return "unmapped offset";
    case RegAccess::ReadOnly: return "read-only register";
    case RegAccess::BadSize: return "unsupported access size";
  }
  return "?";
}

Registers::Config Registers::config_from(const IommuConfig& cfg) {
  Config c;
  const bool scalable = cfg.mode == TranslationMode::Scalable;
  // Scalable mode arrived with VT-d 3.0.
  c.ver = scalable ? 0x30 : 0x10;

  u64 sagaw = 0;
  unsigned max_code = 2;
  for (unsigned code : cfg.sagaw) {
    if (code >= CAP_SAGAW.width) continue;
    sagaw |= 1ull << code;
    max_code = std::max(max_code, code);
  }
  u64 cap = 0;
  cap = reg_set(CAP_ND, cap, 6);  // 16-bit domain IDs
  cap = reg_set(CAP_CM, cap, cfg.caching_mode);
  cap = reg_set(CAP_SAGAW, cap, sagaw);
  cap = reg_set(CAP_MGAW, cap, 30 + 9 * max_code - 1);  // AGAW code n is 30 + 9n bits
  cap = reg_set(CAP_PSI, cap, 1);
  cap = reg_set(CAP_MAMV, cap, 18);  // as QEMU: up to 1 GiB per page-selective invalidation
  cap = reg_set(CAP_FL5LP, cap, cfg.fl5lp);
  c.cap = cap;

  u64 ecap = 0;
  ecap = reg_set(ECAP_C, ecap, cfg.coherent);
  ecap = reg_set(ECAP_QI, ecap, 1);
  ecap = reg_set(ECAP_DT, ecap, 1);  // device-TLB descriptors are accepted (no ATS model yet)
  ecap = reg_set(ECAP_PT, ecap, cfg.pass_through);
  ecap = reg_set(ECAP_PASID, ecap, scalable);
  ecap = reg_set(ECAP_SMTS, ecap, scalable);
  c.ecap = ecap;
  return c;
}

Registers::Registers(const Config& cfg) : cfg_(cfg) {
  auto mask = [](std::initializer_list<Field> fs) {
    u64 m = 0;
    for (const Field& f : fs) m |= f.mask_in_word();
    return m;
  };
  auto add = [this](std::string_view name, Addr offset, unsigned size, u64 reset, u64 writable, u64 rw1c) {
    Register r;
    r.name = name;
    r.offset = offset;
    r.size = size;
    r.reset = reset;
    r.writable = writable;
    r.rw1c = rw1c;
    regs_.push_back(std::move(r));
  };
  add("VER", reg::VER, 4, cfg.ver, 0, 0);
  add("CAP", reg::CAP, 8, cfg.cap, 0, 0);
  add("ECAP", reg::ECAP, 8, cfg.ecap, 0, 0);
  add("GCMD", reg::GCMD, 4, 0, mask({GCMD_TE, GCMD_SRTP, GCMD_QIE}), 0);
  add("GSTS", reg::GSTS, 4, 0, 0, 0);
  add("RTADDR", reg::RTADDR, 8, 0, mask({RTADDR_RTA, RTADDR_TTM}), 0);
  add("FSTS", reg::FSTS, 4, 0, 0, mask({FSTS_IQE, FSTS_ICE, FSTS_ITE}));
  add("IQH", reg::IQH, 8, 0, 0, 0);
  add("IQT", reg::IQT, 8, 0, mask({IQ_QH}), 0);
  add("IQA", reg::IQA, 8, 0, mask({IQA_ADDR, IQA_DW, IQA_QS}), 0);
  add("ICS", reg::ICS, 4, 0, 0, mask({ICS_IWC}));
  add("IQER", reg::IQER, 8, 0, 0, 0);
  Register* gcmd = find(reg::GCMD);
  gcmd->write_only = true;
  gcmd->on_write = [this](Register& r, u64) { on_gcmd(r); };
  reset();
}

void Registers::reset() {
  for (Register& r : regs_) r.value = r.reset;
  latched_rtaddr_ = 0;
  srtp_count_ = 0;
}

// GCMD bits are commands: TE and QIE are levels reflected in GSTS at once;
// SRTP is one-shot, latching RTADDR and reporting completion in RTPS.
void Registers::on_gcmd(Register& gcmd) {
  u64 gsts = get(reg::GSTS);
  gsts = reg_set(GSTS_TES, gsts, reg_get(GCMD_TE, gcmd.value));
  gsts = reg_set(GSTS_QIES, gsts, reg_get(GCMD_QIE, gcmd.value));
  if (reg_get(GCMD_SRTP, gcmd.value)) {
    latched_rtaddr_ = get(reg::RTADDR);
    ++srtp_count_;
    gsts = reg_set(GSTS_RTPS, gsts, 1);
    gcmd.value = reg_set(GCMD_SRTP, gcmd.value, 0);
  }
  set(reg::GSTS, gsts);
}

const Register* Registers::find(Addr offset) const {
  for (const Register& r : regs_)
    if (offset == r.offset || (r.size == 8 && offset == r.offset + 4)) return &r;
  return nullptr;
}

Register* Registers::find(Addr offset) {
  return const_cast<Register*>(static_cast<const Registers&>(*this).find(offset));
}

RegRead Registers::read(Addr offset, unsigned size) const {
  if (size != 4 && size != 8) return {0, RegAccess::BadSize};
  const Register* r = find(offset);
  if (!r) return {0, RegAccess::Unmapped};
  if (size == 8 && (r->size != 8 || offset != r->offset)) return {0, RegAccess::BadSize};
  const u64 v = r->write_only ? 0 : r->value;
  if (size == 8) return {v, RegAccess::Ok};
  return {(v >> ((offset - r->offset) * 8)) & 0xffffffffull, RegAccess::Ok};
}

RegWrite Registers::write(Addr offset, unsigned size, u64 value) {
  if (size != 4 && size != 8) return {RegAccess::BadSize, nullptr};
  Register* r = find(offset);
  if (!r) return {RegAccess::Unmapped, nullptr};
  if (size == 8 && (r->size != 8 || offset != r->offset)) return {RegAccess::BadSize, r};
  if (r->read_only()) return {RegAccess::ReadOnly, r};
  const unsigned shift = static_cast<unsigned>(offset - r->offset) * 8;
  const u64 lanes = size == 8 ? ~0ull : 0xffffffffull << shift;
  const u64 data = size == 8 ? value : (value & 0xffffffffull) << shift;
  const u64 old = r->value;
  r->apply_write(data, lanes);
  if (r->on_write) r->on_write(*r, old);
  return {RegAccess::Ok, r};
}

RegAccess Registers::software_access(Addr offset, unsigned size, bool write) {
  Registers r{Config{}};
  if (!write) return r.read(offset, size).status;
  // A write's outcome is decided before any hook runs; this instance is thrown away.
  return r.write(offset, size, 0).status;
}

std::string Registers::register_list() {
  const Registers r{Config{}};
  std::string s;
  for (const Register& x : r.regs_)
    s += (s.empty() ? "" : ", ") + std::string(x.name) + " " + hex(x.offset) + " (" + std::to_string(x.size) +
         " bytes" + (x.read_only() ? ", read-only" : "") + ")";
  return s;
}

u64 Registers::get(Addr reg_offset) const {
  const Register* r = find(reg_offset);
  return r ? r->value : 0;
}

void Registers::set(Addr reg_offset, u64 value) {
  if (Register* r = find(reg_offset)) r->value = value;
}

void Registers::raise_iqe(u8 iqei) {
  set(reg::FSTS, get(reg::FSTS) | FSTS_IQE.mask_in_word());
  set(reg::IQER, reg_set(IQER_IQEI, get(reg::IQER), iqei));
}

DecodeOptions decode_options(const Registers& regs) {
  DecodeOptions o;
  o.pds = reg_get(ECAP_PDS, regs.ecap());
  // Without CAP.PSI hardware may widen page-selective requests, so AM is not limited.
  if (reg_get(CAP_PSI, regs.cap())) o.mamv = static_cast<unsigned>(reg_get(CAP_MAMV, regs.cap()));
  return o;
}

}  // namespace vtd
