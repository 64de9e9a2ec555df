// The IOMMU's MMIO register file (vtd-facts §5.1, §6), SystemC-free.
// Registers are objects with an offset, size, reset value, a writable mask,
// a write-1-to-clear mask and an optional write hook; software accesses them
// with 4- or 8-byte reads and writes, and the hardware side (the queue
// engine) updates them directly through typed accessors.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/types.hpp"
#include "formats/qi_descriptors.hpp"

namespace vtd {

struct IommuConfig;

// A field of a register value (register fields always lie in word 0).
constexpr u64 reg_get(const Field& f, u64 v) { return (v & f.mask_in_word()) >> f.lsb; }
constexpr u64 reg_set(const Field& f, u64 v, u64 x) {
  return (v & ~f.mask_in_word()) | ((x << f.lsb) & f.mask_in_word());
}

struct Register {
  // Called after a software write has been applied; `old` is the value before.
  using WriteHook = std::function<void(Register& self, u64 old)>;

  std::string_view name;
  Addr offset = 0;
  unsigned size = 4;  // bytes: 4 or 8
  u64 reset = 0;
  u64 writable = 0;         // bits software writes directly
  u64 rw1c = 0;             // bits software clears by writing 1
  bool write_only = false;  // reads return 0 (GCMD)
  WriteHook on_write;
  u64 value = 0;

  bool read_only() const { return writable == 0 && rw1c == 0 && !on_write; }
  // Applies a software write of `data` to the bits in `lanes` (the bytes the
  // access covers), honouring the writable and RW1C masks.
  void apply_write(u64 data, u64 lanes);
};

// Outcome of a software access. Anything but Ok is ignored (reads return 0)
// and meant to be logged by the caller.
enum class RegAccess : u8 { Ok, Unmapped, ReadOnly, BadSize };
std::string_view to_string(RegAccess a);

struct RegRead {
  u64 value = 0;
  RegAccess status = RegAccess::Ok;
};
struct RegWrite {
  RegAccess status = RegAccess::Ok;
  const Register* reg = nullptr;  // the register written (also for ReadOnly)
};

class Registers {
 public:
  struct Config {
    u32 ver = 0x10;  // VER: major.minor in bits 7:4 / 3:0
    u64 cap = 0;
    u64 ecap = 0;
    bool operator==(const Config&) const = default;
  };
  // CAP/ECAP advertising what the scenario's IOMMU models.
  static Config config_from(const IommuConfig& cfg);

  explicit Registers(const Config& cfg);
  // Hooks refer to this object.
  Registers(const Registers&) = delete;
  Registers& operator=(const Registers&) = delete;

  // Software accesses: size 4 (either half of an 8-byte register) or 8.
  RegRead read(Addr offset, unsigned size) const;
  RegWrite write(Addr offset, unsigned size, u64 value);
  void reset();
  const Config& config() const { return cfg_; }

  // The register containing `offset` (its base or, for 8-byte ones, +4).
  const Register* find(Addr offset) const;
  Register* find(Addr offset);
  const std::vector<Register>& all() const { return regs_; }
  // What a software access would meet (Ok, or why the register file refuses
  // it), for the scenario loader: the register set is the same whatever the
  // configuration. The second form lists the registers ("VER 0x0 (4 bytes),
  // CAP 0x8 (8 bytes), ...") for its messages.
  static RegAccess software_access(Addr offset, unsigned size, bool write);
  static std::string register_list();

  // Hardware side: raw value by register base offset, bypassing masks and hooks.
  u64 get(Addr reg_offset) const;
  void set(Addr reg_offset, u64 value);

  // Typed views.
  u64 cap() const { return get(reg::CAP); }
  u64 ecap() const { return get(reg::ECAP); }
  bool translation_enabled() const { return reg_get(reg_fmt::GSTS_TES, get(reg::GSTS)); }
  bool qi_enabled() const { return reg_get(reg_fmt::GSTS_QIES, get(reg::GSTS)); }
  // RTADDR as latched by the last SRTP command, and how many there were.
  u64 root_table() const { return latched_rtaddr_; }
  u64 srtp_count() const { return srtp_count_; }
  u32 fsts() const { return static_cast<u32>(get(reg::FSTS)); }
  bool iqe() const { return reg_get(reg_fmt::FSTS_IQE, fsts()); }
  // Fetching stops while IQE or ITE is pending (§8.5/8.6).
  bool qi_blocked() const { return iqe() || reg_get(reg_fmt::FSTS_ITE, fsts()); }
  u64 iqa() const { return get(reg::IQA); }
  Addr iqa_base() const { return reg_get(reg_fmt::IQA_ADDR, iqa()) << 12; }
  unsigned iqa_qs() const { return static_cast<unsigned>(reg_get(reg_fmt::IQA_QS, iqa())); }
  bool iqa_dw() const { return reg_get(reg_fmt::IQA_DW, iqa()); }
  u64 iqt() const { return get(reg::IQT); }
  u64 iqh() const { return get(reg::IQH); }
  void set_iqh(u64 v) { set(reg::IQH, v); }
  // Records an invalidation queue error: FSTS.IQE and its cause in IQER.IQEI.
  void raise_iqe(u8 iqei);
  void set_ics_iwc() { set(reg::ICS, get(reg::ICS) | reg_fmt::ICS_IWC.mask_in_word()); }

 private:
  void on_gcmd(Register& gcmd);

  Config cfg_;
  std::vector<Register> regs_;
  u64 latched_rtaddr_ = 0;
  u64 srtp_count_ = 0;
};

// What the descriptor decoder accepts given this CAP/ECAP.
DecodeOptions decode_options(const Registers& regs);

}  // namespace vtd
