#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "driver/driver.hpp"
#include "driver/mutation.hpp"
#include "formats/formats.hpp"

namespace vtd {

const std::vector<SequenceInfo>& sequences() {
  static const std::vector<std::string> replace_variants{"struct_copy", "hitless", "upstream"};
  static const std::string replace_summary =
      " on a present PASID entry: struct_copy = 6.x `*pte = new_pte`, hitless = patch 3/3 (one 128-bit "
      "chunk, else tear down + set up), upstream = tear down then set up; `domain` = the caller's old domain "
      "(default: the attached one); without an old domain, plain setup (vtd-facts §7.7)";
  static const std::vector<SequenceInfo> list{
      {"domain_context_mapping_one",
       "legacy context-entry set-up for a device in a domain (vtd-facts §7.2)",
       {"device", "domain", "variant"},
       {"pre_fix", "cmpxchg16b", "dma_wmb"},
       {}},
      {"context_teardown",
       "legacy context-entry teardown, domain_context_clear_one: pre_fix = zero then flush, clear_present = "
       "v2 2/3 / current, no_wait = deliberately broken: clear_present with the invalidations not waited for "
       "(vtd-facts §7.3)",
       {"device", "variant"},
       {"pre_fix", "clear_present", "no_wait"},
       {}},
      {"device_pasid_table_setup",
       "scalable-mode context entry pointing at the device's PASID directory; copied: true for an entry "
       "inherited by a kdump kernel (default false), whose global invalidations copied_flush chooses: full "
       "(default: CC-dev, PC-global, IOTLB-global, devTLB), no_pasid_cache and no_iotlb = deliberately "
       "broken, "
       "that one dropped (vtd-facts §7.4)",
       {"device", "variant", "copied", "copied_flush"},
       {"pre_fix", "cmpxchg16b", "dma_wmb"},
       {"copied", "copied_flush"}},
      {"device_pasid_table_teardown",
       "scalable-mode context-entry teardown at device release (vtd-facts §7.3)",
       {"device"},
       {},
       {}},
      {"intel_pasid_setup_first_level",
       "PASID entry set-up for a first_level domain (vtd-facts §4.2, §7.6)",
       {"device", "pasid", "domain"},
       {},
       {}},
      {"intel_pasid_setup_second_level",
       "PASID entry set-up for a second_level domain (vtd-facts §4.2, §7.6)",
       {"device", "pasid", "domain"},
       {},
       {}},
      {"intel_pasid_setup_pass_through",
       "PASID entry set-up for pass-through, DID 1 (vtd-facts §4.2, §7.6)",
       {"device", "pasid"},
       {},
       {}},
      {"intel_pasid_setup_nested",
       "PASID entry set-up for a first_level domain nested on its second_level parent (vtd-facts §4.2, §7.6)",
       {"device", "pasid", "domain"},
       {},
       {}},
      {"intel_pasid_flush_present",
       "invalidations after changing a present PASID entry; domain gives the DID (default: the attached "
       "domain's) (vtd-facts §7.8)",
       {"device", "pasid", "domain"},
       {},
       {"domain"}},
      {"intel_pasid_tear_down_entry",
       "PASID entry teardown: pre_fix = zero then invalidate, clear_present = patch 2/3 / current; "
       "deliberately broken: no_wait and no_poll (the same: every wait descriptor queued, never polled), "
       "wait_first (each wait queued before its descriptors), no_wait_last (only the last submission not "
       "waited for), zero_before_flush (the zeroing before the invalidations); fault_ignore default false "
       "(vtd-facts §7.5)",
       {"device", "pasid", "variant", "fault_ignore"},
       {"pre_fix", "clear_present", "no_wait", "zero_before_flush", "no_poll", "wait_first", "no_wait_last"},
       {"fault_ignore"}},
      {"intel_pasid_setup_page_snoop_control",
       "PGSNP set on a present PASID entry under iommu->lock, then intel_pasid_flush_present: current; "
       "deliberately broken: no_pasid_cache (flush_present without PC-PASID), no_wait (its submissions not "
       "waited for) (vtd-facts §7.8)",
       {"device", "pasid", "variant"},
       {"current", "no_pasid_cache", "no_wait"},
       {}},
      {"intel_pasid_replace_first_level",
       "replace with new_domain (first_level)" + replace_summary,
       {"device", "pasid", "new_domain", "domain", "variant"},
       replace_variants,
       {"domain"}},
      {"intel_pasid_replace_second_level",
       "replace with new_domain (second_level)" + replace_summary,
       {"device", "pasid", "new_domain", "domain", "variant"},
       replace_variants,
       {"domain"}},
      {"intel_pasid_replace_pass_through",
       "replace with pass-through" + replace_summary,
       {"device", "pasid", "domain", "variant"},
       replace_variants,
       {"domain"}},
      {"intel_pasid_replace_nested",
       "replace with new_domain (first_level nested on its parent)" + replace_summary,
       {"device", "pasid", "new_domain", "domain", "variant"},
       replace_variants,
       {"domain"}},
      {"dmar_translation_struct_show",
       "debugfs dump of the translation tables (v7.0 debugfs.c), the part of its walk that reaches the "
       "device's PASID entry: locked = under iommu->lock as Linux does, no_lock = hypothetically without it",
       {"device", "pasid", "variant"},
       {"locked", "no_lock"},
       {}},
  };
  return list;
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

const Arg* find(const ProgramItem& item, const std::string& key) {
  auto it = item.args.find(key);
  return it == item.args.end() ? nullptr : &it->second;
}

const Arg& require(const ProgramItem& item, const std::string& key) {
  const Arg* a = find(item, key);
  if (!a) throw ScenarioError(item.loc, "sequence '" + item.sequence + "' needs argument '" + key + "'");
  return *a;
}

const DeviceLayout& device_arg(const ProgramItem& item, const TableLayout& layout) {
  const Arg& a = require(item, "device");
  Rid rid;
  if (!parse_rid(a.text, rid)) throw ScenarioError(a.loc, "'" + a.text + "' is not a bus:device.function");
  const DeviceLayout* d = layout.device(rid);
  if (!d) throw ScenarioError(a.loc, "device " + a.text + " is not declared under tables.devices");
  return *d;
}

const DomainLayout& domain_named(const Arg& a, const TableLayout& layout) {
  const DomainLayout* d = layout.domain(a.text);
  if (!d) throw ScenarioError(a.loc, "domain '" + a.text + "' is not declared under tables.domains");
  return *d;
}

const DomainLayout* optional_domain(const ProgramItem& item, const std::string& key,
                                    const TableLayout& layout) {
  const Arg* a = find(item, key);
  return a ? &domain_named(*a, layout) : nullptr;
}

bool bool_arg(const ProgramItem& item, const std::string& key, bool dflt) {
  const Arg* a = find(item, key);
  if (!a) return dflt;
  if (a->text == "true") return true;
  if (a->text == "false") return false;
  throw ScenarioError(a->loc, "'" + key + "' must be true or false, not '" + a->text + "'");
}

u32 pasid_arg(const ProgramItem& item, const DeviceLayout& dev) {
  const Arg& a = require(item, "pasid");
  const std::string& t = a.text;
  const bool hex = t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X');
  const char* first = t.data() + (hex ? 2 : 0);
  const char* last = t.data() + t.size();
  u64 v = 0;
  auto [p, ec] = std::from_chars(first, last, v, hex ? 16 : 10);
  if (t.empty() || ec != std::errc() || p != last)
    throw ScenarioError(a.loc, "pasid must be an unsigned integer, not '" + t + "'");
  if (v >= (u64{1} << 20)) throw ScenarioError(a.loc, "pasid " + t + " is beyond the 20-bit PASID space");
  const u32 pasid = static_cast<u32>(v);
  if (!dev.pasid(pasid))
    throw ScenarioError(a.loc, "device " + to_string(dev.rid) + " has no PASID-table entry for PASID " +
                                   std::to_string(pasid) + " (list it under the device's pasids)");
  return pasid;
}

void require_mode(const ProgramItem& item, const TableLayout& layout, bool scalable) {
  if (layout.scalable != scalable)
    throw ScenarioError(item.loc, "sequence '" + item.sequence +
                                      "' needs platform.iommu.mode: " + (scalable ? "scalable" : "legacy"));
}

MapVariant map_variant(const std::string& v) {
  return v == "pre_fix"      ? MapVariant::PreFix
         : v == "cmpxchg16b" ? MapVariant::Cmpxchg16b
                             : MapVariant::DmaWmb;
}

void require_cmpxchg16b(const Arg& variant, const Platform& p) {
  if (!p.cpu.cmpxchg16b)
    throw ScenarioError(
        variant.loc,
        "variant cmpxchg16b needs cmpxchg16b, which this CPU lacks (platform.cpu.cmpxchg16b: false)");
}

PasidType pasid_type(const std::string& suffix) {
  if (suffix == "first_level") return PasidType::FirstLevel;
  if (suffix == "second_level") return PasidType::SecondLevel;
  if (suffix == "pass_through") return PasidType::PassThrough;
  return PasidType::Nested;
}

Operation raw_op(const RawOp& r, const Platform& p) {
  if (r.op == "store64") {
    Operation o = Operation::assign64(r.addr, r.value, r.once ? "WRITE_ONCE" : "store", r.once);
    return o;
  }
  if (r.op == "store128") {
    if (!p.cpu.cmpxchg16b)
      throw ScenarioError(r.loc,
                          "store128 needs cmpxchg16b, which this CPU lacks (platform.cpu.cmpxchg16b: false)");
    return Operation::store128(r.addr, r.lo, r.hi, "cmpxchg16b");
  }
  if (r.op == "store32") {
    if (r.addr & 3) throw ScenarioError(r.loc, "store32 needs a 4-byte aligned address, not " + hex(r.addr));
    return Operation::store32(r.addr, static_cast<u32>(r.value), r.once ? "WRITE_ONCE (32-bit)" : "store32",
                              r.once);
  }
  if (r.op == "load64") return Operation::simple(OpKind::Load64, "load", r.addr);
  if (r.op == "compiler_barrier") return Operation::simple(OpKind::CompilerBarrier, "barrier()");
  if (r.op == "mfence") return Operation::simple(OpKind::Mfence, "mfence");
  if (r.op == "clflush") return Operation::simple(OpKind::Clflush, "clflush", r.addr);
  if (r.op == "lock") return Operation::lock(r.addr, "spin_lock");
  if (r.op == "unlock") return Operation::unlock(r.addr, "spin_unlock");
  if (r.op == "delay") return Operation::delay(r.cycles);
  if (r.op == "mmio_write")
    return Operation::mmio_write(r.addr, r.value, static_cast<u8>(r.bytes), "writel/writeq");
  if (r.op == "mmio_read") return Operation::mmio_read(r.addr, static_cast<u8>(r.bytes), "readl/readq");
  if (r.op == "poll") return Operation::poll_until(r.addr, r.mask, r.value, "poll");
  throw ScenarioError(r.loc, "unknown operation '" + r.op + "'");
}

// One named sequence call.
DriverOp sequence_op(const ProgramItem& item, const DriverEnv& env) {
  const TableLayout& layout = env.layout;
  const auto& seqs = sequences();
  auto info =
      std::find_if(seqs.begin(), seqs.end(), [&](const SequenceInfo& i) { return i.name == item.sequence; });
  if (info == seqs.end()) {
    std::vector<std::string> names;
    for (const auto& i : seqs) names.push_back(i.name);
    throw ScenarioError(item.loc,
                        "unknown driver sequence '" + item.sequence + "' (known: " + join(names) + ")");
  }
  for (const auto& [key, arg] : item.args)
    if (std::find(info->args.begin(), info->args.end(), key) == info->args.end())
      throw ScenarioError(arg.loc, "sequence '" + item.sequence + "' takes no argument '" + key +
                                       "' (arguments: " + join(info->args) + ")");
  for (const std::string& key : info->args)
    if (!find(item, key) &&
        std::find(info->optional.begin(), info->optional.end(), key) == info->optional.end())
      require(item, key);
  std::string variant;
  const Arg* variant_arg = find(item, "variant");
  if (variant_arg) {
    variant = variant_arg->text;
    if (std::find(info->variants.begin(), info->variants.end(), variant) == info->variants.end())
      throw ScenarioError(variant_arg->loc, "sequence '" + item.sequence + "' has no variant '" + variant +
                                                "' (variants: " + join(info->variants) + ")");
  }
  const std::string tag = variant.empty() ? "" : "[" + variant + "]";
  const DeviceLayout& dev = device_arg(item, layout);
  const std::string& seq = item.sequence;
  DriverOp d;

  if (seq == "domain_context_mapping_one") {
    require_mode(item, layout, false);
    const DomainLayout& dom = domain_named(require(item, "domain"), layout);
    if (dev.translation == ctx_fmt::TT_PASS_THROUGH)
      throw ScenarioError(item.loc, "domain_context_mapping_one maps translated devices; device " +
                                        to_string(dev.rid) + " is pass_through");
    const MapVariant v = map_variant(variant);
    if (v == MapVariant::Cmpxchg16b) require_cmpxchg16b(*variant_arg, env.platform);
    d = domain_context_mapping_one(env, dev, dom, v);
    d.name = seq + tag + " " + to_string(dev.rid) + " -> " + dom.name;
    return d;
  }
  if (seq == "context_teardown") {
    require_mode(item, layout, false);
    d = domain_context_clear_one(env, dev,
                                 variant == "pre_fix"         ? TeardownVariant::PreFix
                                 : variant == "clear_present" ? TeardownVariant::ClearPresent
                                                              : TeardownVariant::NoWait);
    d.name = seq + tag + " " + to_string(dev.rid);
    return d;
  }

  require_mode(item, layout, true);
  if (seq == "device_pasid_table_setup") {
    const MapVariant v = map_variant(variant);
    if (v == MapVariant::Cmpxchg16b) require_cmpxchg16b(*variant_arg, env.platform);
    const bool copied = bool_arg(item, "copied", false);
    CopiedFlush flush = CopiedFlush::Full;
    if (const Arg* a = find(item, "copied_flush")) {
      if (!copied)
        throw ScenarioError(a->loc, "copied_flush applies only with copied: true (the kdump path)");
      if (a->text == "no_pasid_cache")
        flush = CopiedFlush::NoPasidCache;
      else if (a->text == "no_iotlb")
        flush = CopiedFlush::NoIotlb;
      else if (a->text != "full")
        throw ScenarioError(a->loc,
                            "copied_flush must be full, no_pasid_cache or no_iotlb, not '" + a->text + "'");
    }
    d = device_pasid_table_setup(env, dev, v, copied, flush);
    d.name = seq + tag + " " + to_string(dev.rid) + (copied ? " (copied)" : "");
    if (flush != CopiedFlush::Full) d.name += " [" + find(item, "copied_flush")->text + "]";
    return d;
  }
  if (seq == "device_pasid_table_teardown") {
    d = device_pasid_table_teardown(env, dev);
    d.name = seq + " " + to_string(dev.rid);
    return d;
  }

  const u32 pasid = pasid_arg(item, dev);
  // Built by appending: GCC 12 warns (-Wrestrict, a false positive) on " " + std::string.
  std::string where(" ");
  where += to_string(dev.rid);
  where += " pasid ";
  where += std::to_string(pasid);
  const std::string setup = "intel_pasid_setup_", replace = "intel_pasid_replace_";
  if (seq == "dmar_translation_struct_show") {
    d = dmar_translation_struct_show(env, dev, pasid, variant == "locked");
    d.name = seq + tag + where;
    return d;
  }
  // Before the setup_ prefix below, which it shares.
  if (seq == "intel_pasid_setup_page_snoop_control") {
    d = intel_pasid_setup_page_snoop_control(env, dev, pasid,
                                             variant == "current"          ? PageSnoopVariant::Current
                                             : variant == "no_pasid_cache" ? PageSnoopVariant::NoPasidCache
                                                                           : PageSnoopVariant::NoWait);
    d.name = seq + tag + where;
    return d;
  }
  if (seq.starts_with(setup)) {
    const PasidType t = pasid_type(seq.substr(setup.size()));
    const DomainLayout* dom = optional_domain(item, "domain", layout);
    try {
      d = intel_pasid_setup(env, dev, pasid, t, dom);
    } catch (const std::invalid_argument& e) {
      throw ScenarioError(find(item, "domain") ? find(item, "domain")->loc : item.loc, e.what());
    }
    d.name = seq + where + (dom ? " -> " + dom->name : "");
    return d;
  }
  if (seq == "intel_pasid_flush_present") {
    const DomainLayout* dom = optional_domain(item, "domain", layout);
    const PasidState& st = env.state.pasid(dev.rid, pasid);
    u16 did = 0;
    if (dom)
      did = dom->did;
    else if (st.present && st.pgtt == pasid_fmt::PGTT_PT)
      did = pasid_fmt::FLPT_DEFAULT_DID;
    else if (st.present && layout.domain(st.domain))
      did = layout.domain(st.domain)->did;
    else
      throw ScenarioError(item.loc, "intel_pasid_flush_present: PASID " + std::to_string(pasid) + " of " +
                                        to_string(dev.rid) +
                                        " has no domain attached here; name its `domain`");
    d = intel_pasid_flush_present(env, dev, pasid, did);
    d.name = seq + where + " did " + std::to_string(did);
    return d;
  }
  if (seq == "intel_pasid_tear_down_entry") {
    const bool fault_ignore = bool_arg(item, "fault_ignore", false);
    const PasidTeardownVariant v = variant == "pre_fix"         ? PasidTeardownVariant::PreFix
                                   : variant == "clear_present" ? PasidTeardownVariant::ClearPresent
                                   : variant == "no_wait"       ? PasidTeardownVariant::NoWait
                                   : variant == "no_poll"       ? PasidTeardownVariant::NoPoll
                                   : variant == "wait_first"    ? PasidTeardownVariant::WaitFirst
                                   : variant == "no_wait_last"  ? PasidTeardownVariant::NoWaitLast
                                                                : PasidTeardownVariant::ZeroBeforeFlush;
    d = intel_pasid_tear_down_entry(env, dev, pasid, fault_ignore, v);
    d.name = seq + tag + where + (fault_ignore ? " fault_ignore" : "");
    return d;
  }
  if (seq.starts_with(replace)) {
    const PasidType t = pasid_type(seq.substr(replace.size()));
    const DomainLayout* new_dom = optional_domain(item, "new_domain", layout);
    const DomainLayout* old_dom = optional_domain(item, "domain", layout);
    const ReplaceVariant v = variant == "struct_copy" ? ReplaceVariant::StructCopy
                             : variant == "hitless"   ? ReplaceVariant::Hitless
                                                      : ReplaceVariant::Upstream;
    try {
      d = intel_pasid_replace(env, dev, pasid, t, new_dom, old_dom, v);
    } catch (const std::invalid_argument& e) {
      const Arg* a = find(item, "new_domain");
      throw ScenarioError(a ? a->loc : item.loc, e.what());
    }
    d.name = seq + tag + where + " -> " + (new_dom ? new_dom->name : "pass-through");
    return d;
  }
  throw ScenarioError(item.loc, "sequence '" + seq + "' is listed but not built");
}

}  // namespace

std::vector<DriverOp> build_items(const std::vector<ProgramItem>& items, const Platform& platform,
                                  const TableLayout& layout, DriverState& state) {
  const DriverEnv env{layout, platform, state};
  std::vector<DriverOp> out;
  for (const ProgramItem& item : items) {
    if (state.mutation) state.mutation->begin_item(static_cast<u32>(out.size()));
    DriverOp d;
    switch (item.kind) {
      case ProgramItem::Kind::Delay:
        d.ops.push_back(Operation::delay(item.delay));
        d.name = "delay " + std::to_string(item.delay);
        break;
      case ProgramItem::Kind::Ops:
        for (const RawOp& r : item.ops) d.ops.push_back(raw_op(r, platform));
        d.name = "ops (" + std::to_string(item.ops.size()) + ")";
        break;
      case ProgramItem::Kind::Sequence: d = sequence_op(item, env); break;
    }
    d.loc = item.loc;
    out.push_back(std::move(d));
  }
  return out;
}

namespace {

// Every CPU's items, one driver state for all, `mc` numbering (and maybe
// mutating) their queued-invalidation submissions.
std::vector<std::vector<DriverOp>> build_cpus(const Scenario& s, const TableLayout& layout,
                                              MutationContext* mc) {
  DriverState state = DriverState::from_layout(layout);
  state.mutation = mc;
  std::vector<std::vector<DriverOp>> out;
  const auto add = [&](const std::vector<ProgramItem>& items) {
    if (mc) mc->cpu = static_cast<u16>(out.size());
    out.push_back(build_items(items, s.platform, layout, state));
  };
  add(s.program);
  for (const ExtraCpu& c : s.more_cpus) add(c.program);
  return out;
}

MutationTargets targets_of(const TableLayout& layout) {
  return {layout.watched_entries(), layout.driver.qi_lock};
}

}  // namespace

MutantCatalog catalog_mutants(const Scenario& s, const TableLayout& layout) {
  MutationContext record;
  MutantCatalog c;
  c.programs = build_cpus(s, layout, &record);
  c.sites = std::move(record.sites);
  c.mutants = enumerate_mutants(c.programs, c.sites, targets_of(layout));
  return c;
}

std::vector<std::vector<DriverOp>> build_cpu_programs(const Scenario& s, const TableLayout& layout) {
  if (!s.mutant) return build_cpus(s, layout, nullptr);
  const std::vector<Mutant> all = catalog_mutants(s, layout).mutants;
  const auto m = std::find_if(all.begin(), all.end(), [&](const Mutant& x) { return x.id == s.mutant->id; });
  if (m == all.end()) {
    std::string msg = "unknown mutant '" + s.mutant->id + "': ";
    if (all.empty()) {
      msg += "this scenario's program has no mutants";
    } else if (all.size() <= 12) {
      std::vector<std::string> ids;
      for (const Mutant& x : all) ids.push_back(x.id);
      msg += "its mutants are " + join(ids);
    } else {
      msg += "it has " + std::to_string(all.size()) + " (" + all.front().id + ", " + all[1].id +
             ", ...); vtdsim mutate " + (s.file.empty() ? std::string("FILE") : s.file) +
             " --list lists them";
    }
    throw ScenarioError(s.mutant->loc, msg);
  }
  MutationContext apply;
  apply.apply = &*m;
  std::vector<std::vector<DriverOp>> cpus = build_cpus(s, layout, &apply);
  apply_mutant(*m, cpus[m->cpu][m->item]);
  return cpus;
}

std::vector<DriverOp> build_program(const Scenario& s, const TableLayout& layout) {
  return build_cpu_programs(s, layout).front();
}

}  // namespace vtd
