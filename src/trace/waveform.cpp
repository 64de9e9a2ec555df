#include "trace/waveform.hpp"

#include <cstdio>
#include <stdexcept>

#include "platform/run_result.hpp"
#include "platform/table_builder.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

namespace {

std::string rid_part(Rid rid) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02x_%02x_%x", rid.bus(), rid.devfn() >> 3, rid.devfn() & 7);
  return buf;
}

std::string bus_part(Rid rid) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02x", rid.bus());
  return buf;
}

// Matches one bracket expression at glob[gi] ('[' ... ']') against c; sets
// `next` past it. Returns false with next = npos when unclosed.
bool match_set(std::string_view glob, std::size_t gi, char c, std::size_t& next) {
  std::size_t i = gi + 1;
  bool negate = false;
  if (i < glob.size() && (glob[i] == '!' || glob[i] == '^')) {
    negate = true;
    ++i;
  }
  bool found = false;
  bool first = true;
  while (i < glob.size() && (glob[i] != ']' || first)) {
    first = false;
    char lo = glob[i];
    char hi = lo;
    if (i + 2 < glob.size() && glob[i + 1] == '-' && glob[i + 2] != ']') {
      hi = glob[i + 2];
      i += 3;
    } else {
      ++i;
    }
    if (lo <= c && c <= hi) found = true;
  }
  if (i >= glob.size()) {
    next = std::string_view::npos;
    return false;
  }
  next = i + 1;
  return found != negate;
}

}  // namespace

std::string entry_scope(const EntryId& id) {
  switch (id.kind) {
    case EntryKind::Root: return "root." + bus_part(id.rid);
    case EntryKind::SmRoot: return "sm_root." + bus_part(id.rid);
    case EntryKind::Context: return "context." + rid_part(id.rid);
    case EntryKind::SmContext: return "sm_context." + rid_part(id.rid);
    case EntryKind::PasidDir: return "pasid_dir." + rid_part(id.rid) + ".p" + std::to_string(id.pasid);
    case EntryKind::Pasid: return "pasid." + rid_part(id.rid) + ".p" + std::to_string(id.pasid);
    case EntryKind::SlPte:
    case EntryKind::FlPte: {
      char buf[32];
      std::snprintf(buf, sizeof buf, ".l%u_%llx", id.level, static_cast<unsigned long long>(id.addr));
      return std::string(id.kind == EntryKind::SlPte ? "sl_pte." : "fl_pte.") + rid_part(id.rid) + buf;
    }
  }
  return "entry";
}

bool glob_match(std::string_view glob, std::string_view name) {
  // Iterative matcher with one backtrack point for the last '*'.
  std::size_t g = 0, n = 0;
  std::size_t star = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      star_n = n;
      continue;
    }
    if (g < glob.size()) {
      bool ok = false;
      std::size_t next = g + 1;
      if (glob[g] == '?') {
        ok = true;
      } else if (glob[g] == '[') {
        ok = match_set(glob, g, name[n], next);
        if (next == std::string_view::npos) return false;
      } else if (glob[g] == '\\' && g + 1 < glob.size()) {
        ok = glob[g + 1] == name[n];
        next = g + 2;
      } else {
        ok = glob[g] == name[n];
      }
      if (ok) {
        g = next;
        ++n;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    g = star + 1;
    n = ++star_n;
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

std::vector<std::string> parse_scope_filter(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t comma = text.find(',', pos);
    const std::string_view g = text.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
    if (g.empty()) throw std::invalid_argument("empty glob in '" + std::string(text) + "'");
    // An unclosed bracket expression, or a trailing backslash.
    for (std::size_t i = 0; i < g.size(); ++i) {
      if (g[i] == '\\') {
        if (i + 1 == g.size()) throw std::invalid_argument("glob '" + std::string(g) + "' ends with '\\'");
        ++i;
      } else if (g[i] == '[') {
        std::size_t next = 0;
        match_set(g, i, '\0', next);
        if (next == std::string_view::npos)
          throw std::invalid_argument("glob '" + std::string(g) + "' has an unclosed '['");
        i = next - 1;
      }
    }
    out.emplace_back(g);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

WaveformListener::WaveformListener(std::vector<std::string> filter) : filter_(std::move(filter)) {}

bool WaveformListener::selected(const std::string& scope) const {
  if (filter_.empty()) return true;
  for (const std::string& g : filter_)
    if (glob_match(g, scope)) return true;
  return false;
}

void WaveformListener::on_start(const EpisodeStart& start) {
  entries_.clear();
  words_.clear();
  entry_at_.clear();
  cpus_.clear();
  kinds_.clear();
  iqh_.reset();
  iqt_.reset();
  version_.reset();
  finding_.reset();
  all_scopes_.clear();
  item_names_ = start.item_names;

  const std::vector<EntryId> watched = start.layout.watched_entries();
  for (const EntryId& id : watched) all_scopes_.push_back(entry_scope(id));
  for (std::size_t c = 0; c < start.item_names.size(); ++c) all_scopes_.push_back("cpu" + std::to_string(c));
  for (const char* s : {"qi", "memory", "violations"}) all_scopes_.emplace_back(s);
  for (const std::string& g : filter_) {
    bool any = false;
    for (const std::string& s : all_scopes_) any = any || glob_match(g, s);
    if (!any) {
      std::string list;
      for (const std::string& s : all_scopes_) list += (list.empty() ? "" : ", ") + s;
      throw std::invalid_argument("VCD scope filter '" + g +
                                  "' matches no scope of this run (scopes: " + list + ")");
    }
  }

  vcd_.emplace(
      "vtdsim", "1ns",
      std::vector<std::string>{
          "scenario " + start.scenario.name,
          "one time unit is one simulated cycle (1 ns of SystemC time): read the viewer's ns as cycles",
          "scopes and signals: docs/inspecting.md"});
  VcdWriter& v = *vcd_;

  for (const EntryId& id : watched) {
    const std::string scope = entry_scope(id);
    if (!selected(scope)) continue;
    const Format& fmt = format_of(id.kind);
    Entry e;
    e.id = id;
    e.chunks = fmt.bursts();
    e.last_burst.assign(e.chunks, ~Cycle{0});
    for (unsigned w = 0; w < fmt.bits / 64; ++w) e.value.w[w] = start.memory.peek64(id.addr + 8 * w);
    if (fmt.present)
      e.present_fields.push_back(fmt.present);
    else if (id.kind == EntryKind::SmRoot)
      e.present_fields = {&smroot_fmt::LP, &smroot_fmt::UP};
    for (const Field* f : e.present_fields) {
      const VcdWriter::Signal s = v.add_wire(scope, f->name, 1);
      v.set(s, 0, f->get(e.value));
      e.present.push_back(s);
    }
    for (unsigned c = 0; c < e.chunks; ++c) {
      const std::string n = std::to_string(c);
      e.chunk.push_back(v.add_wire(scope, "chunk" + n, 128));
      v.set(e.chunk.back(), 0, e.value.w[2 * c], 2 * c + 1 < fmt.bits / 64 ? e.value.w[2 * c + 1] : 0);
      e.burst.push_back(v.add_wire(scope, "burst" + n, 1));
      e.burst_data.push_back(v.add_wire(scope, "burst" + n + "_data", 128));
      v.set_x(e.burst_data.back(), 0);  // nothing read yet
      e.burst_request.push_back(v.add_integer(scope, "burst" + n + "_request"));
    }
    const std::size_t idx = entries_.size();
    for (unsigned w = 0; w < fmt.bits / 64; ++w) words_[id.addr + 8 * w] = {idx, w};
    entry_at_[id.addr] = idx;
    entries_.push_back(std::move(e));
  }

  cpus_.resize(start.item_names.size());
  for (std::size_t c = 0; c < start.item_names.size(); ++c) {
    const std::string scope = "cpu" + std::to_string(c);
    if (!selected(scope)) continue;
    cpus_[c] = CpuSignals{v.add_integer(scope, "item"), v.add_string(scope, "item_name"),
                          v.add_integer(scope, "op"), v.add_string(scope, "op_name")};
  }
  if (selected("qi")) {
    iqh_ = v.add_integer("qi", "iqh");
    iqt_ = v.add_integer("qi", "iqt");
    v.set(*iqh_, 0, 0);
    v.set(*iqt_, 0, 0);
  }
  if (selected("memory")) {
    version_ = v.add_integer("memory", "version");
    v.set(*version_, 0, start.memory.version());
  }
  if (selected("violations")) {
    for (const std::string& k : known_verdict_kinds()) kinds_[k] = v.add_wire("violations", k, 1);
    finding_ = v.add_string("violations", "finding");
  }
}

void WaveformListener::on_store(const StoreEvent& e) {
  if (!vcd_) return;
  if (version_) vcd_->set(*version_, e.cycle, e.seq + 1);
  for (unsigned w = 0; w < e.words; ++w) {
    const auto it = words_.find(e.addr + 8 * w);
    if (it == words_.end()) continue;
    Entry& en = entries_[it->second.first];
    const unsigned word = it->second.second;
    en.value.w[word] = e.new_val[w];
    const unsigned c = word / 2;
    vcd_->set(en.chunk[c], e.cycle, en.value.w[2 * c], en.value.w[2 * c + 1]);
    for (std::size_t p = 0; p < en.present.size(); ++p)
      vcd_->set(en.present[p], e.cycle, en.present_fields[p]->get(en.value));
  }
}

void WaveformListener::on_fetch(const FetchEvent& e) {
  if (!vcd_) return;
  const auto it = entry_at_.find(e.entry.addr);
  if (it == entry_at_.end()) return;
  Entry& en = entries_[it->second];
  if (en.id.kind != e.entry.kind) return;
  for (unsigned i = 0; i < e.nbursts; ++i) {
    const Burst& b = e.bursts[i];
    if (b.addr < en.id.addr) continue;
    const Addr c = (b.addr - en.id.addr) / 16;
    if (c >= en.chunks) continue;
    // Walks reading one chunk in the same cycle read the same data: show the first.
    if (en.last_burst[c] == b.cycle) continue;
    en.last_burst[c] = b.cycle;
    vcd_->pulse(en.burst[c], b.cycle);
    vcd_->set(en.burst_data[c], b.cycle, b.data[0], b.data[1]);
    vcd_->set(en.burst_request[c], b.cycle, e.request);
  }
}

void WaveformListener::on_cpu_op(const CpuOpEvent& e) {
  if (!vcd_ || e.cpu >= cpus_.size() || !cpus_[e.cpu] || e.end <= e.start) return;
  const CpuSignals& s = *cpus_[e.cpu];
  vcd_->set(s.op, e.start, e.op);
  vcd_->set(s.op_name, e.start, e.name);
  vcd_->set_x(s.op, e.end, true);
  vcd_->set(s.op_name, e.end, "-", true);
}

void WaveformListener::on_item(const ItemEvent& e) {
  if (!vcd_ || e.cpu >= cpus_.size() || !cpus_[e.cpu] || e.end <= e.start) return;
  const CpuSignals& s = *cpus_[e.cpu];
  vcd_->set(s.item, e.start, e.item);
  vcd_->set(s.item_name, e.start, e.name);
  vcd_->set_x(s.item, e.end, true);
  vcd_->set(s.item_name, e.end, "-", true);
}

void WaveformListener::on_queue(const QueueEvent& e) {
  if (!vcd_ || !iqh_) return;
  vcd_->set(*iqh_, e.cycle, e.head);
  vcd_->set(*iqt_, e.cycle, e.tail);
}

void WaveformListener::on_finish(const RunResult& r) {
  if (!vcd_) return;
  if (finding_) {
    // Violations numbered from 1 in report order (what --explain N takes);
    // benign findings by kind only.
    std::map<Cycle, std::string> at;
    unsigned n = 0;
    for (const Finding& f : r.findings.items) {
      if (const auto k = kinds_.find(f.kind); k != kinds_.end()) vcd_->pulse(k->second, f.cycle);
      std::string& s = at[f.cycle];
      if (!s.empty()) s += ';';
      if (is_violation_kind(f.kind)) s += '#' + std::to_string(++n) + ' ';
      s += f.kind + ' ' + to_string(f.entry);
    }
    for (const auto& [cycle, text] : at) {
      vcd_->set(*finding_, cycle, text);
      vcd_->set(*finding_, cycle + 1, "-", true);
    }
  }
  vcd_->extend_to(r.cycles);
}

void WaveformListener::write(std::ostream& out) const {
  if (!vcd_) throw std::logic_error("waveform: no episode recorded");
  vcd_->write(out);
}

}  // namespace vtd
