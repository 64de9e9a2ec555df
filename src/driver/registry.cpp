#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "driver/driver.hpp"
#include "driver/mutation.hpp"
#include "formats/formats.hpp"

namespace vtd {

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

}  // namespace

// A named sequence call whose arguments sequence_op checked against its
// SequenceInfo: what each sequence's build function reads.
struct SequenceCall {
  const ProgramItem& item;
  const DriverEnv& env;
  const DeviceLayout& dev;
  std::string variant;  // empty: none given
  const Arg* variant_arg = nullptr;

  const TableLayout& layout() const { return env.layout; }
  // "[variant]", or empty: how a report names the variant.
  std::string tag() const { return variant.empty() ? "" : "[" + variant + "]"; }
  // The `pasid` argument, and " BDF pasid N" for the name.
  u32 pasid() const { return pasid_arg(item, dev); }
  std::string where(u32 pasid) const {
    // Built by appending: GCC 12 warns (-Wrestrict, a false positive) on " " + std::string.
    std::string w(" ");
    w += to_string(dev.rid);
    w += " pasid ";
    w += std::to_string(pasid);
    return w;
  }
};

namespace {

PasidTeardownVariant pasid_teardown_variant(const std::string& v) {
  return v == "pre_fix"         ? PasidTeardownVariant::PreFix
         : v == "clear_present" ? PasidTeardownVariant::ClearPresent
         : v == "no_wait"       ? PasidTeardownVariant::NoWait
         : v == "no_poll"       ? PasidTeardownVariant::NoPoll
         : v == "wait_first"    ? PasidTeardownVariant::WaitFirst
         : v == "no_wait_last"  ? PasidTeardownVariant::NoWaitLast
                                : PasidTeardownVariant::ZeroBeforeFlush;
}

// intel_pasid_setup_* for PASID type `t`.
DriverOp pasid_setup(const SequenceCall& c, PasidType t) {
  const u32 pasid = c.pasid();
  const DomainLayout* dom = optional_domain(c.item, "domain", c.layout());
  DriverOp d;
  try {
    d = intel_pasid_setup(c.env, c.dev, pasid, t, dom);
  } catch (const std::invalid_argument& e) {
    throw ScenarioError(find(c.item, "domain") ? find(c.item, "domain")->loc : c.item.loc, e.what());
  }
  d.name = c.item.sequence + c.where(pasid) + (dom ? " -> " + dom->name : "");
  return d;
}

// intel_pasid_replace_* with a PASID type `t` entry.
DriverOp pasid_replace(const SequenceCall& c, PasidType t) {
  const u32 pasid = c.pasid();
  const DomainLayout* new_dom = optional_domain(c.item, "new_domain", c.layout());
  const DomainLayout* old_dom = optional_domain(c.item, "domain", c.layout());
  const ReplaceVariant v = c.variant == "struct_copy" ? ReplaceVariant::StructCopy
                           : c.variant == "hitless"   ? ReplaceVariant::Hitless
                                                      : ReplaceVariant::Upstream;
  DriverOp d;
  try {
    d = intel_pasid_replace(c.env, c.dev, pasid, t, new_dom, old_dom, v);
  } catch (const std::invalid_argument& e) {
    const Arg* a = find(c.item, "new_domain");
    throw ScenarioError(a ? a->loc : c.item.loc, e.what());
  }
  d.name = c.item.sequence + c.tag() + c.where(pasid) + " -> " + (new_dom ? new_dom->name : "pass-through");
  return d;
}

}  // namespace

// Every sequence in one place: what it accepts (checked by sequence_op), the
// tables it needs, and how it is built.
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
       {},
       false,
       [](const SequenceCall& c) {
         const DomainLayout& dom = domain_named(require(c.item, "domain"), c.layout());
         if (c.dev.translation == ctx_fmt::TT_PASS_THROUGH)
           throw ScenarioError(c.item.loc, "domain_context_mapping_one maps translated devices; device " +
                                               to_string(c.dev.rid) + " is pass_through");
         const MapVariant v = map_variant(c.variant);
         if (v == MapVariant::Cmpxchg16b) require_cmpxchg16b(*c.variant_arg, c.env.platform);
         DriverOp d = domain_context_mapping_one(c.env, c.dev, dom, v);
         d.name = c.item.sequence + c.tag() + " " + to_string(c.dev.rid) + " -> " + dom.name;
         return d;
       }},
      {"context_teardown",
       "legacy context-entry teardown, domain_context_clear_one: pre_fix = zero then flush, clear_present = "
       "v2 2/3 / current, no_wait = deliberately broken: clear_present with the invalidations not waited for "
       "(vtd-facts §7.3)",
       {"device", "variant"},
       {"pre_fix", "clear_present", "no_wait"},
       {},
       false,
       [](const SequenceCall& c) {
         DriverOp d = domain_context_clear_one(c.env, c.dev,
                                               c.variant == "pre_fix"         ? TeardownVariant::PreFix
                                               : c.variant == "clear_present" ? TeardownVariant::ClearPresent
                                                                              : TeardownVariant::NoWait);
         d.name = c.item.sequence + c.tag() + " " + to_string(c.dev.rid);
         return d;
       }},
      {"device_pasid_table_setup",
       "scalable-mode context entry pointing at the device's PASID directory; copied: true for an entry "
       "inherited by a kdump kernel (default false), whose global invalidations copied_flush chooses: full "
       "(default: CC-dev, PC-global, IOTLB-global, devTLB), no_pasid_cache and no_iotlb = deliberately "
       "broken, "
       "that one dropped (vtd-facts §7.4)",
       {"device", "variant", "copied", "copied_flush"},
       {"pre_fix", "cmpxchg16b", "dma_wmb"},
       {"copied", "copied_flush"},
       true,
       [](const SequenceCall& c) {
         const MapVariant v = map_variant(c.variant);
         if (v == MapVariant::Cmpxchg16b) require_cmpxchg16b(*c.variant_arg, c.env.platform);
         const bool copied = bool_arg(c.item, "copied", false);
         CopiedFlush flush = CopiedFlush::Full;
         const Arg* a = find(c.item, "copied_flush");
         if (a) {
           if (!copied)
             throw ScenarioError(a->loc, "copied_flush applies only with copied: true (the kdump path)");
           if (a->text == "no_pasid_cache")
             flush = CopiedFlush::NoPasidCache;
           else if (a->text == "no_iotlb")
             flush = CopiedFlush::NoIotlb;
           else if (a->text != "full")
             throw ScenarioError(
                 a->loc, "copied_flush must be full, no_pasid_cache or no_iotlb, not '" + a->text + "'");
         }
         DriverOp d = device_pasid_table_setup(c.env, c.dev, v, copied, flush);
         d.name = c.item.sequence + c.tag() + " " + to_string(c.dev.rid) + (copied ? " (copied)" : "");
         if (flush != CopiedFlush::Full) d.name += " [" + a->text + "]";
         return d;
       }},
      {"device_pasid_table_teardown",
       "scalable-mode context-entry teardown at device release (vtd-facts §7.3)",
       {"device"},
       {},
       {},
       true,
       [](const SequenceCall& c) {
         DriverOp d = device_pasid_table_teardown(c.env, c.dev);
         d.name = c.item.sequence + " " + to_string(c.dev.rid);
         return d;
       }},
      {"intel_pasid_setup_first_level",
       "PASID entry set-up for a first_level domain (vtd-facts §4.2, §7.6)",
       {"device", "pasid", "domain"},
       {},
       {},
       true,
       [](const SequenceCall& c) { return pasid_setup(c, PasidType::FirstLevel); }},
      {"intel_pasid_setup_second_level",
       "PASID entry set-up for a second_level domain (vtd-facts §4.2, §7.6)",
       {"device", "pasid", "domain"},
       {},
       {},
       true,
       [](const SequenceCall& c) { return pasid_setup(c, PasidType::SecondLevel); }},
      {"intel_pasid_setup_pass_through",
       "PASID entry set-up for pass-through, DID 1 (vtd-facts §4.2, §7.6)",
       {"device", "pasid"},
       {},
       {},
       true,
       [](const SequenceCall& c) { return pasid_setup(c, PasidType::PassThrough); }},
      {"intel_pasid_setup_nested",
       "PASID entry set-up for a first_level domain nested on its second_level parent (vtd-facts §4.2, §7.6)",
       {"device", "pasid", "domain"},
       {},
       {},
       true,
       [](const SequenceCall& c) { return pasid_setup(c, PasidType::Nested); }},
      {"intel_pasid_flush_present",
       "invalidations after changing a present PASID entry; domain gives the DID (default: the attached "
       "domain's) (vtd-facts §7.8)",
       {"device", "pasid", "domain"},
       {},
       {"domain"},
       true,
       [](const SequenceCall& c) {
         const u32 pasid = c.pasid();
         const DomainLayout* dom = optional_domain(c.item, "domain", c.layout());
         const PasidState& st = c.env.state.pasid(c.dev.rid, pasid);
         u16 did = 0;
         if (dom)
           did = dom->did;
         else if (st.present && st.pgtt == pasid_fmt::PGTT_PT)
           did = pasid_fmt::FLPT_DEFAULT_DID;
         else if (st.present && c.layout().domain(st.domain))
           did = c.layout().domain(st.domain)->did;
         else
           throw ScenarioError(c.item.loc, "intel_pasid_flush_present: PASID " + std::to_string(pasid) +
                                               " of " + to_string(c.dev.rid) +
                                               " has no domain attached here; name its `domain`");
         DriverOp d = intel_pasid_flush_present(c.env, c.dev, pasid, did);
         d.name = c.item.sequence + c.where(pasid) + " did " + std::to_string(did);
         return d;
       }},
      {"intel_pasid_tear_down_entry",
       "PASID entry teardown: pre_fix = zero then invalidate, clear_present = patch 2/3 / current; "
       "deliberately broken: no_wait and no_poll (the same: every wait descriptor queued, never polled), "
       "wait_first (each wait queued before its descriptors), no_wait_last (only the last submission not "
       "waited for), zero_before_flush (the zeroing before the invalidations); fault_ignore default false "
       "(vtd-facts §7.5)",
       {"device", "pasid", "variant", "fault_ignore"},
       {"pre_fix", "clear_present", "no_wait", "zero_before_flush", "no_poll", "wait_first", "no_wait_last"},
       {"fault_ignore"},
       true,
       [](const SequenceCall& c) {
         const u32 pasid = c.pasid();
         const bool fault_ignore = bool_arg(c.item, "fault_ignore", false);
         DriverOp d = intel_pasid_tear_down_entry(c.env, c.dev, pasid, fault_ignore,
                                                  pasid_teardown_variant(c.variant));
         d.name = c.item.sequence + c.tag() + c.where(pasid) + (fault_ignore ? " fault_ignore" : "");
         return d;
       }},
      {"intel_pasid_setup_page_snoop_control",
       "PGSNP set on a present PASID entry under iommu->lock, then intel_pasid_flush_present: current; "
       "deliberately broken: no_pasid_cache (flush_present without PC-PASID), no_wait (its submissions not "
       "waited for) (vtd-facts §7.8)",
       {"device", "pasid", "variant"},
       {"current", "no_pasid_cache", "no_wait"},
       {},
       true,
       [](const SequenceCall& c) {
         const u32 pasid = c.pasid();
         DriverOp d = intel_pasid_setup_page_snoop_control(c.env, c.dev, pasid,
                                                           c.variant == "current" ? PageSnoopVariant::Current
                                                           : c.variant == "no_pasid_cache"
                                                               ? PageSnoopVariant::NoPasidCache
                                                               : PageSnoopVariant::NoWait);
         d.name = c.item.sequence + c.tag() + c.where(pasid);
         return d;
       }},
      {"intel_pasid_replace_first_level",
       "replace with new_domain (first_level)" + replace_summary,
       {"device", "pasid", "new_domain", "domain", "variant"},
       replace_variants,
       {"domain"},
       true,
       [](const SequenceCall& c) { return pasid_replace(c, PasidType::FirstLevel); }},
      {"intel_pasid_replace_second_level",
       "replace with new_domain (second_level)" + replace_summary,
       {"device", "pasid", "new_domain", "domain", "variant"},
       replace_variants,
       {"domain"},
       true,
       [](const SequenceCall& c) { return pasid_replace(c, PasidType::SecondLevel); }},
      {"intel_pasid_replace_pass_through",
       "replace with pass-through" + replace_summary,
       {"device", "pasid", "domain", "variant"},
       replace_variants,
       {"domain"},
       true,
       [](const SequenceCall& c) { return pasid_replace(c, PasidType::PassThrough); }},
      {"intel_pasid_replace_nested",
       "replace with new_domain (first_level nested on its parent)" + replace_summary,
       {"device", "pasid", "new_domain", "domain", "variant"},
       replace_variants,
       {"domain"},
       true,
       [](const SequenceCall& c) { return pasid_replace(c, PasidType::Nested); }},
      {"dmar_translation_struct_show",
       "debugfs dump of the translation tables (v7.0 debugfs.c), the part of its walk that reaches the "
       "device's PASID entry: locked = under iommu->lock as Linux does, no_lock = hypothetically without it",
       {"device", "pasid", "variant"},
       {"locked", "no_lock"},
       {},
       true,
       [](const SequenceCall& c) {
         const u32 pasid = c.pasid();
         DriverOp d = dmar_translation_struct_show(c.env, c.dev, pasid, c.variant == "locked");
         d.name = c.item.sequence + c.tag() + c.where(pasid);
         return d;
       }},
  };
  return list;
}

namespace {

// One named sequence call: its arguments checked against its SequenceInfo,
// then built by it.
DriverOp sequence_op(const ProgramItem& item, const DriverEnv& env) {
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
  const DeviceLayout& dev = device_arg(item, env.layout);
  require_mode(item, env.layout, info->scalable);
  return info->build(SequenceCall{item, env, dev, variant, variant_arg});
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
