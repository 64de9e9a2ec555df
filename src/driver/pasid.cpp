// Scalable-mode PASID-entry sequences (pasid.c): setup, tear-down, flush of a
// present entry and the replace helpers, version by version (vtd-facts §4.2,
// §7.5 – §7.8; seed 000 patches 2/3 and 3/3).
//
// Runtime branches Linux takes on the live entry (present? FPD?) are decided
// here from the driver state: the entry is only changed by these sequences,
// so what they last wrote is what the CPU reads. The loads Linux performs are
// still emitted. The branches that decide a function's return value (setup's
// -EBUSY, replace's -EINVAL) are return_if_* operations the CPU takes at run
// time, so the run observes the outcome instead of assuming it.
#include <stdexcept>

#include "base/errno.hpp"
#include "driver/emit.hpp"
#include "tables/entries.hpp"

namespace vtd {

namespace {

using namespace pasid_fmt;
using drv::field_bits;
using drv::field_mask;

PasidType type_of_pgtt(u64 pgtt) {
  switch (pgtt) {
    case PGTT_FL: return PasidType::FirstLevel;
    case PGTT_NESTED: return PasidType::Nested;
    case PGTT_PT: return PasidType::PassThrough;
    default: return PasidType::SecondLevel;
  }
}

// The type a domain is attached with when no pgtt says otherwise.
PasidType type_of_domain(const DomainLayout& d) {
  if (d.type == "second_level") return PasidType::SecondLevel;
  return d.parent.empty() ? PasidType::FirstLevel : PasidType::Nested;
}

const char* type_name(PasidType t) {
  switch (t) {
    case PasidType::FirstLevel: return "first_level";
    case PasidType::SecondLevel: return "second_level";
    case PasidType::PassThrough: return "pass_through";
    case PasidType::Nested: return "nested";
  }
  return "?";
}

// Emits the operations of one PASID entry; `w(i)` is the address of val[i].
struct PasidEmitter {
  const DriverEnv& env;
  const DeviceLayout& dev;
  u32 pasid;
  Addr entry;
  std::vector<Operation>& ops;

  PasidEmitter(const DriverEnv& e, const DeviceLayout& d, u32 p, std::vector<Operation>& o)
      : env(e), dev(d), pasid(p), entry(entry_of(d, p)), ops(o) {}

  static Addr entry_of(const DeviceLayout& d, u32 p) {
    if (!d.pasid(p))
      throw std::invalid_argument("device " + to_string(d.rid) + " has no PASID-table entry for PASID " +
                                  std::to_string(p));
    return d.pasid(p)->entry;
  }

  Addr w(std::size_t i) const { return entry + 8 * i; }
  PasidState& state() const { return env.state.pasid(dev.rid, pasid); }
  std::string val(std::size_t i) const { return "val[" + std::to_string(i) + "]"; }

  void load(std::size_t i, const std::string& what) {
    ops.push_back(Operation::simple(OpKind::Load64, what, w(i)));
  }
  // pasid_set_bits(): READ_ONCE, then WRITE_ONCE((old & ~mask) | bits).
  void set(const Field& f, u64 v, const std::string& helper) {
    ops.push_back(Operation::rmw64(w(f.word()), field_mask(f), field_bits(f, v), helper, true));
  }
  // pasid_clear_entry() / pasid_clear_entry_with_fpd(): eight WRITE_ONCE, val[0] first.
  void clear_entry(bool with_fpd) {
    const std::string fn = with_fpd ? "pasid_clear_entry_with_fpd" : "pasid_clear_entry";
    for (std::size_t i = 0; i < 8; ++i) {
      const u64 v = (i == 0 && with_fpd) ? field_bits(FPD, 1) : 0;
      ops.push_back(Operation::assign64(w(i), v, fn + ": WRITE_ONCE(" + val(i) + ", " + hex(v) + ")", true));
    }
  }
  void flush_cache() { drv::flush_cache(ops, env, entry, 64, "pte"); }

  u16 did_of(const PasidState& s) const {
    if (s.pgtt == PGTT_PT) return FLPT_DEFAULT_DID;
    const DomainLayout* d = env.layout.domain(s.domain);
    return d ? d->did : 0;
  }

  // pasid_pte_config_*() on the live entry (§4.2 program order), P last.
  void config(PasidType t, const DomainLayout* dom) {
    const unsigned agaw = iommu_agaw(env.platform);
    clear_entry(false);
    switch (t) {
      case PasidType::FirstLevel:
        set(FLPTPTR, dom->pgd >> 12, "pasid_set_flptr");
        if (dom->fl_levels == 5) set(FLPM, 1, "pasid_set_flpm(1)");
        // PASID_FLAG_PAGE_SNOOP (force_snooping) is not modeled: no PGSNP.
        set(DID, dom->did, "pasid_set_domain_id");
        set(AW, agaw, "pasid_set_address_width(iommu->agaw)");
        // PWSNP: first-stage tables are coherent (ECAP.SMPWC assumed).
        set(PWSNP, 1, "pasid_set_page_snoop");
        set(PGTT, PGTT_FL, "pasid_set_translation_type(FL_ONLY)");
        break;
      case PasidType::SecondLevel:
        set(DID, dom->did, "pasid_set_domain_id");
        set(SLPTPTR, dom->pgd >> 12, "pasid_set_slptr");
        set(AW, dom->aw, "pasid_set_address_width");
        set(PGTT, PGTT_SL, "pasid_set_translation_type(SL_ONLY)");
        set(FPD, 0, "pasid_set_fault_enable");
        set(PWSNP, 1, "pasid_set_page_snoop");
        break;
      case PasidType::PassThrough:
        set(DID, FLPT_DEFAULT_DID, "pasid_set_domain_id(FLPT_DEFAULT_DID)");
        set(AW, agaw, "pasid_set_address_width(iommu->agaw)");
        set(PGTT, PGTT_PT, "pasid_set_translation_type(PT)");
        set(FPD, 0, "pasid_set_fault_enable");
        set(PWSNP, 1, "pasid_set_page_snoop(ecap_smpwc)");
        break;
      case PasidType::Nested: {
        const DomainLayout* s2 = env.layout.domain(dom->parent);
        if (dom->fl_levels == 5) set(FLPM, 1, "pasid_set_flpm(1)");
        set(FLPTPTR, dom->pgd >> 12, "pasid_set_flptr(s1_cfg->pgtbl_addr)");
        set(SLPTPTR, s2->pgd >> 12, "pasid_set_slptr(s2)");
        set(FPD, 0, "pasid_set_fault_enable");
        set(DID, dom->did, "pasid_set_domain_id");
        set(AW, s2->aw, "pasid_set_address_width(s2)");
        set(PWSNP, 1, "pasid_set_page_snoop");
        set(PGTT, PGTT_NESTED, "pasid_set_translation_type(NESTED)");
        break;
      }
    }
    ops.push_back(Operation::simple(OpKind::CompilerBarrier, "pasid_set_present: dma_wmb()"));
    set(P, 1, "pasid_set_present");
  }

  // intel_pasid_setup_*(): lock, -EBUSY if present, config, unlock,
  // pasid_flush_caches().
  void setup(PasidType t, const DomainLayout* dom) {
    if (state().present) {
      // The state says the CPU returns -EBUSY at the test below, leaving
      // entry and ring as they are. What follows runs only if another CPU
      // cleared the entry meanwhile: emit it on a copy of the state, so this
      // item changes the state as the return does (in caching mode its
      // invalidations would otherwise take ring slots no CPU fills, and the
      // next submission's doorbell would make the IOMMU fetch empty slots).
      DriverState what_if = env.state;
      what_if.pasid(dev.rid, pasid).present = false;
      const DriverEnv if_absent{env.layout, env.platform, what_if};
      PasidEmitter(if_absent, dev, pasid, ops).setup(t, dom);
      return;
    }
    const u16 did = t == PasidType::PassThrough ? FLPT_DEFAULT_DID : dom->did;
    ops.push_back(drv::lock_iommu(env));
    ops.push_back(Operation::return_if_set(w(0), field_mask(P), "pasid_pte_is_present(pte) -> -EBUSY",
                                           -linux_errno::kEBUSY));
    config(t, dom);
    ops.push_back(drv::unlock_iommu(env));
    flush_cache();
    if (env.platform.iommu.caching_mode) {
      qi_submit_sync(ops, env, {qi_pc_pasid(did, pasid)});
      qi_submit_sync(ops, env, {qi_piotlb_all(did, pasid)});
    }
    PasidState& s = state();
    if (!s.present)
      s = PasidState{true, pgtt_of(t), dom && t != PasidType::PassThrough ? dom->name : "", false};
  }

  // intel_pasid_clear_entry(): `fault_ignore && pasid_pte_is_present(pe)`
  // decides between the FPD and the all-zero clear; P is read only when
  // fault_ignore is set.
  void clear_entry_checked(bool fault_ignore, bool present_now) {
    if (fault_ignore) load(0, "intel_pasid_clear_entry: pasid_pte_is_present(pe)");
    clear_entry(fault_ignore && present_now);
  }

  // The teardown's invalidations, each its own qi_submit_sync; the last one
  // (devTLB with ATS, else the IOTLB's) in mode `last`.
  void invalidate_entry(u16 did, u64 pgtt, QiWait wait, QiWait last) {
    std::vector<QiDesc> descs{qi_pc_pasid(did, pasid), pgtt == PGTT_PT || pgtt == PGTT_FL
                                                           ? qi_piotlb_all(did, pasid)
                                                           : qi_iotlb_dsi(did)};
    if (const std::optional<QiDesc> dt = drv::devtlb_desc_with_pasid(env, dev, pasid)) descs.push_back(*dt);
    for (std::size_t i = 0; i < descs.size(); ++i)
      qi_submit_sync(ops, env, {descs[i]}, i + 1 == descs.size() ? last : wait);
  }

  void tear_down(bool fault_ignore, PasidTeardownVariant v) {
    PasidState& s = state();
    ops.push_back(drv::lock_iommu(env));
    load(0, "pasid_pte_is_present(pte)");
    if (!s.present) {
      load(0, "pasid_pte_is_fault_disabled(pte)");
      if (s.fpd) {
        // Left non-present with FPD by an earlier fault-ignoring teardown.
        clear_entry(false);
        s.fpd = false;
      } else {
        load(0, "WARN_ON(READ_ONCE(pte->val[0]) != 0)");
      }
      ops.push_back(drv::unlock_iommu(env));
      return;
    }
    const u16 did = did_of(s);
    const u64 pgtt = s.pgtt;
    load(1, "did = pasid_get_domain_id(pte)");
    load(0, "pgtt = pasid_pte_get_pgtt(pte)");
    if (v == PasidTeardownVariant::PreFix) {
      clear_entry_checked(fault_ignore, true);
      ops.push_back(drv::unlock_iommu(env));
      flush_cache();
      invalidate_entry(did, pgtt, QiWait::Sync, QiWait::Sync);
      s = PasidState{false, 0, "", fault_ignore};
      return;
    }
    set(P, 0, "pasid_clear_present");
    ops.push_back(Operation::simple(OpKind::CompilerBarrier, "pasid_clear_present: dma_wmb()"));
    ops.push_back(drv::unlock_iommu(env));
    flush_cache();
    // After clear_present, P reads 0 in intel_pasid_clear_entry: the entry
    // is zeroed without FPD even when fault_ignore is set.
    if (v == PasidTeardownVariant::ZeroBeforeFlush) {
      clear_entry_checked(fault_ignore, false);
      flush_cache();
    }
    const QiWait wait = v == PasidTeardownVariant::NoWait      ? QiWait::NoWait
                        : v == PasidTeardownVariant::NoPoll    ? QiWait::NoPoll
                        : v == PasidTeardownVariant::WaitFirst ? QiWait::WaitFirst
                                                               : QiWait::Sync;
    invalidate_entry(did, pgtt, wait, v == PasidTeardownVariant::NoWaitLast ? QiWait::NoPoll : wait);
    if (v != PasidTeardownVariant::ZeroBeforeFlush) {
      clear_entry_checked(fault_ignore, false);
      flush_cache();
    }
    s = PasidState{};
  }

  // intel_pasid_flush_present(); `pasid_cache` false and `wait` other than
  // Sync are deliberately broken copies.
  void flush_present(u16 did, QiWait wait = QiWait::Sync, bool pasid_cache = true) {
    flush_cache();
    if (pasid_cache) qi_submit_sync(ops, env, {qi_pc_pasid(did, pasid)}, wait);
    qi_submit_sync(ops, env, {qi_piotlb_all(did, pasid)}, wait);
    drv::devtlb_invalidation_with_pasid(ops, env, dev, pasid, wait);
  }

  // intel_pasid_setup_page_snoop_control(): lock, WARN and return unless
  // present, pasid_set_pgsnp() (READ_ONCE/WRITE_ONCE of val[1]), read the
  // DID, unlock, intel_pasid_flush_present().
  void page_snoop_control(PageSnoopVariant v) {
    ops.push_back(drv::lock_iommu(env));
    // The function is void: the WARN's return is a normal one.
    ops.push_back(
        Operation::return_if_clear(w(0), field_mask(P), "WARN_ON(!pasid_pte_is_present(pte)) -> return", 0));
    if (state().present) {
      page_snoop_present(v);
      return;
    }
    // Predicted return, as in replace: what follows on a copy of the state.
    DriverState what_if = env.state;
    what_if.pasid(dev.rid, pasid).present = true;
    const DriverEnv if_present{env.layout, env.platform, what_if};
    PasidEmitter(if_present, dev, pasid, ops).page_snoop_present(v);
  }

  void page_snoop_present(PageSnoopVariant v) {
    PasidState& s = state();
    set(PGSNP, 1, "pasid_set_pgsnp");
    load(1, "did = pasid_get_domain_id(pte)");
    ops.push_back(drv::unlock_iommu(env));
    flush_present(did_of(s), v == PageSnoopVariant::NoWait ? QiWait::NoPoll : QiWait::Sync,
                  v != PageSnoopVariant::NoPasidCache);
    s.pgsnp = true;
  }

  void replace(PasidType t, const DomainLayout* new_dom, const DomainLayout* old_dom, ReplaceVariant v) {
    PasidState& s = state();
    if (!old_dom && !s.present) {  // no old domain: the caller sets up
      setup(t, new_dom);
      return;
    }
    if (v == ReplaceVariant::Upstream) {
      tear_down(false, PasidTeardownVariant::ClearPresent);
      setup(t, new_dom);
      return;
    }
    ops.push_back(drv::lock_iommu(env));
    ops.push_back(Operation::return_if_clear(w(0), field_mask(P), "!pasid_pte_is_present(pte) -> -EINVAL",
                                             -linux_errno::kEINVAL));
    if (s.present) {
      replace_present(t, new_dom, old_dom, v);
      return;
    }
    // The state says the CPU will return -EINVAL here, leaving entry and ring
    // as they are. What follows runs only if another CPU made the entry
    // present meanwhile: emit it for an entry holding the caller's old
    // domain, on a copy of the state, so this item changes the state as the
    // return does.
    DriverState what_if = env.state;
    what_if.pasid(dev.rid, pasid) = PasidState{true, pgtt_of(type_of_domain(*old_dom)), old_dom->name, false};
    const DriverEnv if_present{env.layout, env.platform, what_if};
    PasidEmitter(if_present, dev, pasid, ops).replace_present(t, new_dom, old_dom, v);
  }

  // intel_pasid_replace_*() past its present test, on the entry state() has.
  void replace_present(PasidType t, const DomainLayout* new_dom, const DomainLayout* old_dom,
                       ReplaceVariant v) {
    PasidState& s = state();
    const u16 old_did = old_dom ? old_dom->did : did_of(s);
    const EntryBits nv = pasid_entry_value(env.layout, env.platform, t, new_dom);
    load(1, "WARN_ON(old_did != pasid_get_domain_id(pte))");
    const PasidState after{true, pgtt_of(t), new_dom && t != PasidType::PassThrough ? new_dom->name : "",
                           false};
    if (v == ReplaceVariant::StructCopy) {
      // The compiler chooses the stores of a struct assignment: eight plain
      // 64-bit stores, which the compiler model may reorder.
      for (std::size_t i = 0; i < 8; ++i)
        ops.push_back(Operation::assign64(w(i), nv.w[i], "*pte = new_pte: " + val(i)));
      ops.push_back(drv::unlock_iommu(env));
      flush_present(old_did);
      s = after;
      return;
    }
    // pasid_support_hitless_replace(pte, &new_pte, type): first-level and
    // nested keep chunk 0 and rewrite chunk 1; second-level and pass-through
    // the reverse. The && short-circuits the second read.
    const bool fl_like = t == PasidType::FirstLevel || t == PasidType::Nested;
    const std::size_t keep = fl_like ? 0 : 2, write = fl_like ? 2 : 0;
    EntryBits ov =
        pasid_entry_value(env.layout, env.platform, type_of_pgtt(s.pgtt), env.layout.domain(s.domain));
    if (s.pgsnp) ov.w[PGSNP.word()] |= field_bits(PGSNP, 1);
    load(keep, "pasid_support_hitless_replace: READ_ONCE(pte->" + val(keep) + ")");
    bool same = ov.w[keep] == nv.w[keep];
    if (same) {
      load(keep + 1, "pasid_support_hitless_replace: READ_ONCE(pte->" + val(keep + 1) + ")");
      same = ov.w[keep + 1] == nv.w[keep + 1];
    }
    if (!same) {
      ops.push_back(drv::unlock_iommu(env));
      tear_down(false, PasidTeardownVariant::ClearPresent);
      setup(t, new_dom);
      return;
    }
    const std::string chunk = "val128[" + std::to_string(write / 2) + "]";
    if (env.platform.cpu.cmpxchg16b) {
      ops.push_back(Operation::store128(w(write), nv.w[write], nv.w[write + 1],
                                        "intel_iommu_atomic128_set(&pte->" + chunk + ", new)"));
    } else {
      // No cmpxchg16b: the 64-bit fallback the review asks for.
      for (std::size_t i = write; i < write + 2; ++i)
        ops.push_back(Operation::assign64(
            w(i), nv.w[i], "no cmpxchg16b: " + chunk + " as WRITE_ONCE(" + val(i) + ")", true));
    }
    ops.push_back(drv::unlock_iommu(env));
    flush_present(old_did);
    s = after;
  }
};

}  // namespace

u64 pgtt_of(PasidType t) {
  switch (t) {
    case PasidType::FirstLevel: return PGTT_FL;
    case PasidType::SecondLevel: return PGTT_SL;
    case PasidType::PassThrough: return PGTT_PT;
    case PasidType::Nested: return PGTT_NESTED;
  }
  return 0;
}

unsigned iommu_agaw(const Platform& p) {
  unsigned best = 0;
  bool any = false;
  for (unsigned a : p.iommu.sagaw)
    if (a <= 3 && (!any || a > best)) best = a, any = true;
  return any ? best : 2;
}

EntryBits pasid_entry_value(const TableLayout& layout, const Platform& p, PasidType t,
                            const DomainLayout* dom) {
  const auto need = [&](const char* kind) {
    if (!dom) throw std::invalid_argument(std::string(type_name(t)) + " needs a domain");
    if (dom->type != kind)
      throw std::invalid_argument("domain '" + dom->name + "' is " + dom->type + ", but " + type_name(t) +
                                  " needs a " + kind + " domain");
  };
  const auto check_fl = [&] {
    if (dom->fl_levels == 5 && !p.iommu.fl5lp)
      throw std::invalid_argument("domain '" + dom->name +
                                  "' is 5-level, which needs CAP.FL5LP (platform.iommu.fl5lp)");
  };
  switch (t) {
    case PasidType::FirstLevel:
      need("first_level");
      check_fl();
      return pasid_entry_first_level(
          FirstLevelCfg{dom->pgd, dom->fl_levels == 5, dom->did, iommu_agaw(p), true, false});
    case PasidType::SecondLevel:
      need("second_level");
      return pasid_entry_second_level(SecondLevelCfg{dom->did, dom->pgd, dom->aw, true, false});
    case PasidType::PassThrough: return pasid_entry_pass_through(PassThroughCfg{iommu_agaw(p), true});
    case PasidType::Nested: {
      need("first_level");
      check_fl();
      const DomainLayout* s2 = layout.domain(dom->parent);
      if (!s2 || s2->type != "second_level")
        throw std::invalid_argument("nested needs domain '" + dom->name +
                                    "' to have a second_level `parent` domain");
      return pasid_entry_nested(NestedCfg{dom->pgd, dom->fl_levels == 5, s2->pgd, s2->aw, dom->did, true});
    }
  }
  return {};
}

DriverState DriverState::from_layout(const TableLayout& layout) {
  DriverState s;
  for (const auto& [rid, dev] : layout.devices) {
    if (!layout.scalable && !dev.domain.empty()) s.context_domain[rid] = dev.domain;
    for (const auto& [pasid, p] : dev.pasids)
      s.pasid(rid, pasid) = PasidState{p.pgtt != 0, p.pgtt, p.domain, false};
  }
  return s;
}

DriverOp intel_pasid_setup(const DriverEnv& env, const DeviceLayout& dev, u32 pasid, PasidType t,
                           const DomainLayout* dom) {
  pasid_entry_value(env.layout, env.platform, t, dom);  // validates the domain
  DriverOp d;
  PasidEmitter(env, dev, pasid, d.ops).setup(t, dom);
  return d;
}

DriverOp intel_pasid_flush_present(const DriverEnv& env, const DeviceLayout& dev, u32 pasid, u16 did) {
  DriverOp d;
  PasidEmitter(env, dev, pasid, d.ops).flush_present(did);
  return d;
}

DriverOp intel_pasid_setup_page_snoop_control(const DriverEnv& env, const DeviceLayout& dev, u32 pasid,
                                              PageSnoopVariant v) {
  DriverOp d;
  PasidEmitter(env, dev, pasid, d.ops).page_snoop_control(v);
  return d;
}

DriverOp intel_pasid_tear_down_entry(const DriverEnv& env, const DeviceLayout& dev, u32 pasid,
                                     bool fault_ignore, PasidTeardownVariant v) {
  DriverOp d;
  PasidEmitter(env, dev, pasid, d.ops).tear_down(fault_ignore, v);
  return d;
}

DriverOp intel_pasid_replace(const DriverEnv& env, const DeviceLayout& dev, u32 pasid, PasidType t,
                             const DomainLayout* new_dom, const DomainLayout* old_dom, ReplaceVariant v) {
  pasid_entry_value(env.layout, env.platform, t, new_dom);
  DriverOp d;
  PasidEmitter(env, dev, pasid, d.ops).replace(t, new_dom, old_dom, v);
  return d;
}

}  // namespace vtd
