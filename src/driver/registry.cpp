#include <algorithm>

#include "driver/driver.hpp"
#include "formats/formats.hpp"

namespace vtd {

const std::vector<SequenceInfo>& sequences() {
  static const std::vector<SequenceInfo> list{
      {"domain_context_mapping_one",
       "legacy context-entry set-up for a device in a domain (vtd-facts §7.2)",
       {"device", "domain", "variant"},
       {"pre_fix", "cmpxchg16b", "dma_wmb"}},
      {"context_teardown",
       "legacy context-entry teardown, domain_context_clear_one (vtd-facts §7.3)",
       {"device", "variant"},
       {"pre_fix", "clear_present"}},
  };
  return list;
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

const Arg& require(const ProgramItem& item, const std::string& key) {
  auto it = item.args.find(key);
  if (it == item.args.end())
    throw ScenarioError(item.loc, "sequence '" + item.sequence + "' needs argument '" + key + "'");
  return it->second;
}

const DeviceLayout& device_arg(const ProgramItem& item, const TableLayout& layout) {
  const Arg& a = require(item, "device");
  Rid rid;
  if (!parse_rid(a.text, rid)) throw ScenarioError(a.loc, "'" + a.text + "' is not a bus:device.function");
  const DeviceLayout* d = layout.device(rid);
  if (!d) throw ScenarioError(a.loc, "device " + a.text + " is not declared under tables.devices");
  return *d;
}

const DomainLayout& domain_arg(const ProgramItem& item, const TableLayout& layout) {
  const Arg& a = require(item, "domain");
  const DomainLayout* d = layout.domain(a.text);
  if (!d) throw ScenarioError(a.loc, "domain '" + a.text + "' is not declared under tables.domains");
  return *d;
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
  if (r.op == "load64") return Operation::simple(OpKind::Load64, "load", r.addr);
  if (r.op == "compiler_barrier") return Operation::simple(OpKind::CompilerBarrier, "barrier()");
  if (r.op == "mfence") return Operation::simple(OpKind::Mfence, "mfence");
  if (r.op == "clflush") return Operation::simple(OpKind::Clflush, "clflush", r.addr);
  if (r.op == "delay") return Operation::delay(r.cycles);
  throw ScenarioError(r.loc, "unknown operation '" + r.op + "'");
}

}  // namespace

std::vector<DriverOp> build_program(const Scenario& s, const TableLayout& layout) {
  const DriverEnv env{layout, s.platform};
  std::vector<DriverOp> out;
  for (const ProgramItem& item : s.program) {
    DriverOp d;
    switch (item.kind) {
      case ProgramItem::Kind::Delay:
        d.ops.push_back(Operation::delay(item.delay));
        d.name = "delay " + std::to_string(item.delay);
        break;
      case ProgramItem::Kind::Ops:
        for (const RawOp& r : item.ops) d.ops.push_back(raw_op(r, s.platform));
        d.name = "ops (" + std::to_string(item.ops.size()) + ")";
        break;
      case ProgramItem::Kind::Sequence: {
        const auto& seqs = sequences();
        auto info = std::find_if(seqs.begin(), seqs.end(),
                                 [&](const SequenceInfo& i) { return i.name == item.sequence; });
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
        const Arg& variant = require(item, "variant");
        if (std::find(info->variants.begin(), info->variants.end(), variant.text) == info->variants.end())
          throw ScenarioError(variant.loc, "sequence '" + item.sequence + "' has no variant '" +
                                               variant.text + "' (variants: " + join(info->variants) + ")");
        const DeviceLayout& dev = device_arg(item, layout);
        if (item.sequence == "domain_context_mapping_one") {
          const DomainLayout& dom = domain_arg(item, layout);
          if (dev.translation == ctx_fmt::TT_PASS_THROUGH)
            throw ScenarioError(item.loc, "domain_context_mapping_one maps translated devices; device " +
                                              to_string(dev.rid) + " is pass_through");
          MapVariant v = variant.text == "pre_fix"      ? MapVariant::PreFix
                         : variant.text == "cmpxchg16b" ? MapVariant::Cmpxchg16b
                                                        : MapVariant::DmaWmb;
          if (v == MapVariant::Cmpxchg16b && !s.platform.cpu.cmpxchg16b)
            throw ScenarioError(
                variant.loc,
                "variant cmpxchg16b needs cmpxchg16b, which this CPU lacks (platform.cpu.cmpxchg16b: false)");
          d = domain_context_mapping_one(env, dev, dom, v);
          d.name = item.sequence + "[" + variant.text + "] " + to_string(dev.rid) + " -> " + dom.name;
        } else {
          TeardownVariant v =
              variant.text == "pre_fix" ? TeardownVariant::PreFix : TeardownVariant::ClearPresent;
          d = domain_context_clear_one(env, dev, v);
          d.name = item.sequence + "[" + variant.text + "] " + to_string(dev.rid);
        }
        break;
      }
    }
    d.loc = item.loc;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace vtd
