#include "report/report.hpp"

#include <algorithm>
#include <sstream>

#include "base/errno.hpp"
#include "iommu_model/fault_reasons.hpp"
#include "rules/rule.hpp"

namespace vtd {

namespace {

std::string item_name(const RunResult& r, u16 cpu, u32 item) {
  if (cpu < r.item_names.size() && item < r.item_names[cpu].size()) return r.item_names[cpu][item];
  return "item " + std::to_string(item);
}

nlohmann::json fields_json(const Format& f, const EntryBits& e) {
  nlohmann::json j = nlohmann::json::object();
  for (const Field& fd : f.fields) {
    const u64 v = fd.get(e);
    if (fd.name.starts_with("RSVD") && v == 0) continue;
    j[std::string(fd.name)] = hex(v);
  }
  return j;
}

nlohmann::json diff_json(const std::vector<FieldDiff>& d, const char* other) {
  nlohmann::json a = nlohmann::json::array();
  for (const FieldDiff& f : d) a.push_back({{"field", f.field}, {"observed", hex(f.a)}, {other, hex(f.b)}});
  return a;
}

nlohmann::json raw_json(const Format& f, const EntryBits& e) {
  nlohmann::json a = nlohmann::json::array();
  for (unsigned i = 0; i < (f.bits + 63) / 64; ++i) a.push_back(hex(e.w[i]));
  return a;
}

std::string writer_text(const RunResult& r, const Writer& w) {
  if (w.cpu == Writer::kIommu) return "the IOMMU";
  return "cpu" + std::to_string(w.cpu) + " \"" + item_name(r, w.cpu, w.item) + "\"";
}

// Software's side: readers' snapshots, then lock waits. Neither is a verdict
// kind; they say what a debugfs-style reader saw and who waited for whom.
void software_text(std::ostringstream& o, const RunResult& r) {
  if (!r.reads.empty()) {
    o << "\nsoftware reads (program items that loaded table words they did not store to):\n";
    for (const ReadSnapshot& s : r.reads) {
      o << "  cpu" << s.cpu << " \"" << s.operation << "\": " << s.loads.size() << " loads, cycles "
        << s.loads.front().cycle << ".." << s.loads.back().cycle << ": ";
      if (s.consistent)
        o << "one snapshot (memory version " << s.version << " holds every word read)\n";
      else
        o << "MIXED: no memory version between the first and the last load holds every word read\n";
      for (const LoadSeen& l : s.loads)
        o << "    cycle " << l.cycle << " version " << l.version << (l.forwarded ? " (forwarded)" : "")
          << "  " << (l.where.empty() ? hex(l.addr) : l.where) << " = " << hex(l.value) << "  [" << l.label
          << "]\n";
      for (const ReadSnapshot::Change& c : s.changes)
        o << "    changed during the read: store #" << c.seq << " at cycle " << c.cycle << " by "
          << writer_text(r, c.writer) << " to " << hex(c.addr) << "\n";
    }
  }
  const bool contended =
      std::any_of(r.locks.begin(), r.locks.end(), [](const LockHold& h) { return h.blocked_by.has_value(); });
  if (!contended) return;
  o << "\nlock holds (some CPU spun on a lock another CPU held):\n";
  for (const LockHold& h : r.locks) {
    o << "  " << h.lock << " @" << hex(h.addr) << ": cpu" << h.cpu << " \"" << h.operation << "\"";
    if (h.blocked_by)
      o << " requested at " << h.requested << ", spun " << h.waited() << " cycles while cpu" << *h.blocked_by
        << " held it,";
    o << " held " << h.acquired << ".." << (h.released ? std::to_string(*h.released) : "end") << "\n";
  }
}

nlohmann::json software_json(const RunResult& r) {
  using nlohmann::json;
  json reads = json::array();
  for (const ReadSnapshot& s : r.reads) {
    json loads = json::array();
    for (const LoadSeen& l : s.loads) {
      json j{{"cycle", l.cycle},     {"addr", hex(l.addr)},      {"value", hex(l.value)},
             {"version", l.version}, {"forwarded", l.forwarded}, {"label", l.label}};
      if (!l.where.empty()) j["entry"] = l.where;
      loads.push_back(std::move(j));
    }
    json changes = json::array();
    for (const ReadSnapshot::Change& c : s.changes)
      changes.push_back({{"store", c.seq}, {"cycle", c.cycle}, {"cpu", c.writer.cpu}, {"addr", hex(c.addr)}});
    json j{{"cpu", s.cpu},
           {"item", s.item},
           {"operation", s.operation},
           {"loads", loads},
           {"consistent", s.consistent},
           {"changes", changes}};
    if (s.consistent) j["version"] = s.version;
    reads.push_back(std::move(j));
  }
  json locks = json::array();
  for (const LockHold& h : r.locks) {
    json j{{"lock", h.lock},         {"addr", hex(h.addr)},      {"cpu", h.cpu},
           {"item", h.item},         {"operation", h.operation}, {"requested", h.requested},
           {"acquired", h.acquired}, {"waited", h.waited()}};
    j["released"] = h.released ? json(*h.released) : json(nullptr);
    j["blocked_by_cpu"] = h.blocked_by ? json(*h.blocked_by) : json(nullptr);
    locks.push_back(std::move(j));
  }
  return json{{"reads", reads}, {"locks", locks}};
}

// "-EBUSY (-16)", "-42", "0".
std::string return_text(int v) {
  const std::string t = linux_errno::text(v);
  return t == std::to_string(v) ? t : t + " (" + std::to_string(v) + ")";
}

std::string item_text(u16 cpu, u32 item, const std::string& operation) {
  return "cpu" + std::to_string(cpu) + " item " + std::to_string(item) +
         (operation.empty() ? "" : " \"" + operation + "\"");
}

// Driver functions that returned an error (nothing when none did).
void returns_text(std::ostringstream& o, const RunResult& r) {
  if (r.returns.empty()) return;
  o << "\ndriver operations that returned an error:\n";
  for (const DriverReturn& d : r.returns)
    o << "  " << item_text(d.cpu, d.item, d.operation) << ": returned " << return_text(d.value)
      << " at cycle " << d.cycle << ", from op " << d.op << " [" << d.op_label << "]\n";
}

}  // namespace

nlohmann::json returns_json(const RunResult& r) {
  nlohmann::json a = nlohmann::json::array();
  for (const DriverReturn& d : r.returns)
    a.push_back({{"cpu", d.cpu},
                 {"item", d.item},
                 {"operation", d.operation},
                 {"value", d.value},
                 {"errno", std::string(linux_errno::name(d.value))},
                 {"cycle", d.cycle},
                 {"op", d.op},
                 {"op_label", d.op_label}});
  return a;
}

nlohmann::json expectations_json(const RunResult& r) {
  using nlohmann::json;
  json expect = json::object();
  for (const KindVerdict& v : r.verdicts) {
    if (!v.expected && !v.implicit_zero) continue;
    expect[v.kind] = {{"expected", v.expected ? v.expected->str() : "== 0"},
                      {"listed", v.expected.has_value()},
                      {"observed", v.observed},
                      {"ok", v.ok}};
  }
  if (!r.return_verdicts.empty()) {
    json rv = json::array();
    for (const ReturnVerdict& v : r.return_verdicts)
      rv.push_back({{"cpu", v.cpu},
                    {"item", v.item},
                    {"operation", v.operation},
                    {"expected", linux_errno::text(v.expected)},
                    {"listed", v.listed},
                    {"observed", linux_errno::text(v.observed)},
                    {"ok", v.ok}});
    expect["returns"] = rv;
  }
  return expect;
}

std::string counts_line(const std::map<std::string, u64>& counts) {
  std::string s;
  for (const std::string& k : known_verdict_kinds()) {
    auto it = counts.find(k);
    if (!s.empty()) s += ' ';
    s += k + "=" + std::to_string(it == counts.end() ? 0 : it->second);
  }
  return s;
}

std::string text_report(const RunResult& r, const std::vector<Story>* stories) {
  std::ostringstream o;
  o << "scenario " << r.scenario << " (" << r.file << ")\n";
  o << "  simulated " << r.cycles << " cycles; " << r.stores << " stores; " << r.iommu.requests
    << " DMA requests: " << r.iommu.translated << " translated, " << r.iommu.faulted << " faulted";
  if (!r.faults_by_reason.empty()) {
    o << " (";
    bool first = true;
    for (const auto& [reason, n] : r.faults_by_reason) {
      o << (first ? "" : ", ") << n << " x " << hex(reason) << " " << fault::name(reason);
      first = false;
    }
    o << ")";
  }
  o << "; " << r.iommu.fetches << " entry fetches in " << r.iommu.bursts << " bursts\n";
  for (const auto& c : r.caches) {
    if (!c.enabled) {
      o << "  " << c.name << ": off\n";
      continue;
    }
    o << "  " << c.name << ": " << c.stats.lookups << " lookups, " << c.stats.hits << " hits, "
      << c.stats.misses << " misses, " << c.stats.fills << " fills, " << c.stats.evictions << " evictions, "
      << c.stats.invalidations << " invalidations dropping " << c.stats.invalidated << " entries\n";
  }

  // Violations, one line each (two for the kinds whose header says little).
  std::vector<const Finding*> violations;
  std::map<std::string, std::vector<const Finding*>> benign;
  for (const Finding& f : r.findings.items) {
    if (is_violation_kind(f.kind))
      violations.push_back(&f);
    else
      benign[f.kind].push_back(&f);
  }
  if (!violations.empty()) {
    o << "\nviolations (" << violations.size() << "; numbered for --explain N";
    if (stories && !stories->empty()) o << "; the story of the first of each kind follows";
    o << "):\n";
  }
  for (std::size_t i = 0; i < violations.size(); ++i) {
    const Finding& f = *violations[i];
    o << "  #" << i + 1 << " " << f.kind << " at cycle " << f.cycle << ": " << to_string(f.entry);
    if (f.request) o << ", DMA request #" << *f.request;
    if (f.store) o << ", store #" << *f.store;
    o << "\n";
    const std::string brief =
        rule_of(f.kind)->brief(f, [&](u16 cpu, u32 item) { return item_name(r, cpu, item); });
    if (!brief.empty()) o << "      " << brief << "\n";
  }
  for (const auto& [kind, list] : benign) {
    o << "\n"
      << kind << " (not a violation): " << list.size() << ", at cycles " << list.front()->cycle << ".."
      << list.back()->cycle << " (each in --json under \"benign\")\n";
  }
  if (stories) {
    for (const Story& s : *stories) o << "\n" << story_text(s);
    if (violations.size() > stories->size())
      o << "\n(" << violations.size() - stories->size() << " more violations; --explain N tells the N-th)\n";
  }

  software_text(o, r);
  returns_text(o, r);

  o << "\ncounts: " << counts_line(r.counts) << "\n";
  for (const KindVerdict& v : r.verdicts) {
    if (!v.expected && !v.implicit_zero) continue;
    o << "  " << (v.ok ? "ok      " : "MISMATCH") << " " << v.kind << ": expected "
      << (v.expected ? v.expected->str() : std::string("== 0 (not in expect:)")) << ", observed "
      << v.observed << "\n";
  }
  for (const ReturnVerdict& v : r.return_verdicts)
    o << "  " << (v.ok ? "ok      " : "MISMATCH") << " return of " << item_text(v.cpu, v.item, v.operation)
      << ": expected " << linux_errno::text(v.expected) << (v.listed ? "" : " (not in expect: returns:)")
      << ", observed " << linux_errno::text(v.observed) << "\n";
  o << "verdict: " << (r.expectations_met ? "as expected" : "NOT as expected") << "\n";
  return o.str();
}

namespace {

// Everything but the driver returns, which json_report adds when there are any.
nlohmann::json report_json(const RunResult& r, const std::vector<Story>* stories) {
  using nlohmann::json;
  json violations = json::array(), benign = json::array();
  for (const Finding& f : r.findings.items) {
    const Format& fmt = format_of(f.entry.kind);
    json v;
    v["kind"] = f.kind;
    v["cycle"] = f.cycle;
    v["entry"] = {
        {"type", std::string(fmt.name)}, {"rid", to_string(f.entry.rid)}, {"addr", hex(f.entry.addr)}};
    if (f.request) v["request"] = *f.request;
    if (f.store) v["store"] = *f.store;
    v["span"] = {{"cpu", f.span.cpu},
                 {"item", f.span.item},
                 {"operation", item_name(r, f.span.cpu, f.span.item)},
                 {"stores", f.span.stores},
                 {"first_cycle", f.span.first_cycle},
                 {"last_cycle", f.span.last_cycle}};
    json bursts = json::array();
    for (const BurstSeen& b : f.bursts)
      bursts.push_back({{"chunk", b.index},
                        {"cycle", b.burst.cycle},
                        {"addr", hex(b.burst.addr)},
                        {"version", b.burst.version},
                        {"span_stores_seen", b.span_stores_seen},
                        {"data", {hex(b.burst.data[0]), hex(b.burst.data[1])}}});
    if (!f.bursts.empty()) v["bursts"] = bursts;
    v["observed"] = fields_json(fmt, f.observed);
    v["old"] = fields_json(fmt, f.span.old_val);
    v["new"] = fields_json(fmt, f.span.new_val);
    v["raw"] = {{"observed", raw_json(fmt, f.observed)},
                {"old", raw_json(fmt, f.span.old_val)},
                {"new", raw_json(fmt, f.span.new_val)},
                {"used", raw_json(fmt, f.used)}};
    v["diff_vs_old"] = diff_json(f.vs_old, "old");
    v["diff_vs_new"] = diff_json(f.vs_new, "new");
    if (!f.detail.empty()) v["detail"] = f.detail;
    if (f.clear_store) {
      v["clear_store"] = *f.clear_store;
      v["clear_cycle"] = f.clear_cycle;
    }
    if (!f.missing.empty()) {
      v["missing"] = f.missing;
      v["why"] = f.why;
    }
    if (f.kind == "missing_invalidation") v["returned"] = f.returned;
    if (f.superseded_by) {
      v["superseded_by"] = *f.superseded_by;
      v["invalidated"] = f.invalidated;
    }
    auto copy_json = [](const DmaEvent::CopyUsed& c) {
      return nlohmann::json{{"entry", hex(c.entry)},
                            {"type", std::string(format_of(c.kind).name)},
                            {"from_cache", c.from_cache},
                            {"fields", fields_json(format_of(c.kind), c.value)},
                            {"source", {{"request", c.source.request}, {"cycle", c.source.cycle}}}};
    };
    if (f.cached) v["cached_copy"] = copy_json(*f.cached);
    if (f.copy) v["copy_used"] = copy_json(*f.copy);
    if (f.kind == "stale_translation" || f.kind == "corrupting_dma") {
      v["iova"] = hex(f.iova);
      v["write"] = f.write;
      v["outcome"] =
          f.dma_fault ? nlohmann::json{{"fault", hex(f.dma_reason)}} : nlohmann::json{{"pa", hex(f.dma_pa)}};
      nlohmann::json ex = nlohmann::json::array();
      for (const Finding::Expected& x : f.expected)
        ex.push_back(x.fault ? nlohmann::json{{"version", x.version}, {"fault", hex(x.reason)}}
                             : nlohmann::json{{"version", x.version}, {"pa", hex(x.pa)}});
      v["tables"] = ex;
      v["occurrences"] = f.occurrences;
    }
    if (is_violation_kind(f.kind)) {
      v["number"] = violations.size() + 1;
      if (stories && violations.size() < stories->size())
        v["story"] = story_json((*stories)[violations.size()]);
    }
    (is_violation_kind(f.kind) ? violations : benign).push_back(std::move(v));
  }
  const json expect = expectations_json(r);
  json faults = json::object();
  for (const auto& [reason, n] : r.faults_by_reason) faults[hex(reason)] = n;
  return json{{"scenario", r.scenario},
              {"file", r.file},
              {"violations", violations},
              {"benign", benign},
              {"software", software_json(r)},
              {"counts", r.counts},
              {"expectations", expect},
              {"expectations_met", r.expectations_met},
              {"stats",
               {{"cycles", r.cycles},
                {"stores", r.stores},
                {"dma_requests", r.iommu.requests},
                {"translated", r.iommu.translated},
                {"faulted", r.iommu.faulted},
                {"faults_recorded", r.iommu.faults_recorded},
                {"faults_by_reason", faults},
                {"fetches", r.iommu.fetches},
                {"caches",
                 [&] {
                   nlohmann::json c = nlohmann::json::object();
                   for (const auto& x : r.caches)
                     c[x.name] = {{"enabled", x.enabled},
                                  {"lookups", x.stats.lookups},
                                  {"hits", x.stats.hits},
                                  {"misses", x.stats.misses},
                                  {"fills", x.stats.fills},
                                  {"evictions", x.stats.evictions},
                                  {"invalidations", x.stats.invalidations},
                                  {"invalidated", x.stats.invalidated}};
                   return c;
                 }()},
                {"bursts", r.iommu.bursts}}}};
}

}  // namespace

nlohmann::json json_report(const RunResult& r, const std::vector<Story>* stories) {
  nlohmann::json j = report_json(r, stories);
  // Only when a driver function returned an error: outputs stay as they were otherwise.
  if (!r.returns.empty()) j["returns"] = returns_json(r);
  return j;
}

}  // namespace vtd
