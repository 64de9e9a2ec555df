#include "trace/waveform.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "platform/run_result.hpp"
#include "scenario/scenario.hpp"
#include "tables/table_builder.hpp"

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

std::string paging_scope(EntryKind kind, std::string_view domain, unsigned level, Addr addr) {
  std::string d(domain);
  for (char& c : d)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) c = '_';
  if (d.empty()) d = "_";
  char buf[32];
  std::snprintf(buf, sizeof buf, ".l%u_%llx", level, static_cast<unsigned long long>(addr));
  return std::string(kind == EntryKind::FlPte ? "fl_pte." : "sl_pte.") + d + buf;
}

std::string field_signal_name(std::string_view field) {
  std::string n(field);
  for (char& c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) c = '_';
  return n;
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

namespace {

struct OptionalEntry {
  EntryId id;
  std::string scope;
};

// The entries only an explicit filter selects: each device's PASID-directory
// entries (one per 64 PASIDs it uses) and every paging entry of every
// domain's tables as built, top level first, in address order.
std::vector<OptionalEntry> optional_entries(const TableLayout& layout, const PhysicalMemory& mem) {
  std::vector<OptionalEntry> out;
  if (layout.scalable)
    for (const auto& [rid, dev] : layout.devices) {
      std::set<u32> slots;
      for (const auto& [pasid, p] : dev.pasids) slots.insert(pasid >> 6);
      for (const u32 slot : slots) {
        const EntryId id{EntryKind::PasidDir, dev.pasid_dir + 8 * slot, rid, 0, slot * 64};
        out.push_back({id, entry_scope(id)});
      }
    }
  for (const auto& [name, d] : layout.domains) {
    const bool fl = d.type == "first_level";
    const unsigned levels = fl ? d.fl_levels : agaw_levels(d.aw);
    std::set<std::pair<unsigned, Addr>> seen;  // (levels - level, address)
    for (const auto& [iova, page] : d.pages) {
      Addr table = d.pgd;
      const unsigned leaf = 1 + (page.shift - 12) / 9;  // a large page's PS leaf is above level 1
      for (unsigned level = levels; level >= leaf; --level) {
        const Addr slot = table + 8 * ((iova >> (12 + 9 * (level - 1))) & 511);
        seen.insert({levels - level, slot});
        if (level == leaf) break;
        EntryBits e;
        e.w[0] = mem.peek64(slot);
        const bool present = fl ? flpte_fmt::P.get(e) != 0 : (slpte_fmt::R.get(e) | slpte_fmt::W.get(e)) != 0;
        if (!present) break;
        table = (fl ? flpte_fmt::ADDR.get(e) : slpte_fmt::ADDR.get(e)) << 12;
      }
    }
    for (const auto& [depth, addr] : seen) {
      const EntryId id{fl ? EntryKind::FlPte : EntryKind::SlPte, addr, Rid{}, levels - depth, 0};
      out.push_back({id, paging_scope(id.kind, name, id.level, addr)});
    }
  }
  return out;
}

bool is_paging_scope(const std::string& s) { return s.starts_with("sl_pte.") || s.starts_with("fl_pte."); }

// The scopes of a run for an error message: paging entries counted per
// domain, not listed (a domain may have thousands).
std::string scope_list(const std::vector<std::string>& scopes) {
  std::string list;
  std::map<std::string, unsigned> paging;  // "sl_pte.dom1.*" -> entries
  std::vector<std::string> order;
  for (const std::string& s : scopes) {
    if (is_paging_scope(s)) {
      const std::string key = s.substr(0, s.rfind('.')) + ".*";
      if (paging[key]++ == 0) order.push_back(key);
      continue;
    }
    list += (list.empty() ? "" : ", ") + s;
  }
  for (const std::string& k : order)
    list += (list.empty() ? "" : ", ") + k + " (" + std::to_string(paging[k]) + " entries)";
  return list;
}

}  // namespace

WaveformListener::WaveformListener(std::vector<std::string> filter) : filter_(std::move(filter)) {}

bool WaveformListener::selected(const std::string& scope, bool optional) const {
  if (filter_.empty()) return !optional;
  for (const std::string& g : filter_)
    if (glob_match(g, scope)) return true;
  return false;
}

void WaveformListener::add_entry(const EntryId& id, std::string scope, const PhysicalMemory& mem) {
  VcdWriter& v = *vcd_;
  const Format& fmt = format_of(id.kind);
  Entry e;
  e.id = id;
  e.scope = std::move(scope);
  e.fmt = &fmt;
  e.chunks = fmt.bursts();
  e.narrow = fmt.bits < 128;
  e.last_burst.assign(e.chunks, ~Cycle{0});
  for (unsigned w = 0; w < fmt.bits / 64; ++w) e.value.w[w] = mem.peek64(id.addr + 8 * w);
  // Decoded fields first, from the format's own table.
  for (const Field& f : fmt.fields) {
    e.field.push_back(v.add_wire(e.scope, field_signal_name(f.name), f.width));
    v.set(e.field.back(), 0, f.get(e.value));
    e.field_set.push_back(f.get(e.value) != 0 || &f == fmt.present);
  }
  const unsigned width = std::min(128u, fmt.bits);
  for (unsigned c = 0; c < e.chunks; ++c) {
    const std::string n = std::to_string(c);
    e.chunk.push_back(v.add_wire(e.scope, "chunk" + n, width));
    v.set(e.chunk.back(), 0, e.value.w[2 * c], e.value.w[2 * c + 1]);
    e.chunk_set.push_back((e.value.w[2 * c] | (e.narrow ? 0 : e.value.w[2 * c + 1])) != 0);
    e.burst.push_back(v.add_wire(e.scope, "burst" + n, 1));
    e.burst_data.push_back(v.add_wire(e.scope, "burst" + n + "_data", width));
    v.set_x(e.burst_data.back(), 0);  // nothing read yet
    e.burst_request.push_back(v.add_integer(e.scope, "burst" + n + "_request"));
  }
  const std::size_t idx = entries_.size();
  for (unsigned w = 0; w < fmt.bits / 64; ++w) words_[id.addr + 8 * w] = {idx, w};
  entry_at_[id.addr] = idx;
  entries_.push_back(std::move(e));
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
  violations_.clear();
  kinds_seen_.clear();
  end_ = 0;
  scenario_ = start.scenario.name;
  item_names_ = start.item_names;

  const std::vector<EntryId> watched = start.layout.watched_entries();
  // Enumerated only when a filter could select them: a large domain has
  // an entry per mapped page.
  const std::vector<OptionalEntry> optional =
      filter_.empty() ? std::vector<OptionalEntry>{} : optional_entries(start.layout, start.memory);
  for (const EntryId& id : watched) all_scopes_.push_back(entry_scope(id));
  for (const OptionalEntry& o : optional) all_scopes_.push_back(o.scope);
  for (std::size_t c = 0; c < start.item_names.size(); ++c) all_scopes_.push_back("cpu" + std::to_string(c));
  for (const char* s : {"qi", "memory", "violations"}) all_scopes_.emplace_back(s);
  for (const std::string& g : filter_) {
    bool any = false;
    for (const std::string& s : all_scopes_) any = any || glob_match(g, s);
    if (!any)
      throw std::invalid_argument("VCD scope filter '" + g +
                                  "' matches no scope of this run (scopes: " + scope_list(all_scopes_) + ")");
  }

  vcd_.emplace(
      "vtdsim", "1ns",
      std::vector<std::string>{
          "scenario " + start.scenario.name,
          "one time unit is one simulated cycle (1 ns of SystemC time): read the viewer's ns as cycles",
          "scopes and signals: docs/inspecting.md"});
  VcdWriter& v = *vcd_;

  for (const EntryId& id : watched) {
    std::string scope = entry_scope(id);
    if (selected(scope)) add_entry(id, std::move(scope), start.memory);
  }
  for (const OptionalEntry& o : optional)
    if (selected(o.scope, true)) add_entry(o.id, o.scope, start.memory);

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
    en.stored = true;
    const unsigned c = word / 2;
    vcd_->set(en.chunk[c], e.cycle, en.value.w[2 * c], en.value.w[2 * c + 1]);
    if (e.new_val[w]) en.chunk_set[c] = 1;
    for (std::size_t f = 0; f < en.fmt->fields.size(); ++f) {
      const Field& fd = en.fmt->fields[f];
      if (fd.word() != word) continue;
      const u64 val = fd.get(en.value);
      vcd_->set(en.field[f], e.cycle, val);
      if (val) en.field_set[f] = 1;
    }
  }
}

void WaveformListener::on_fetch(const FetchEvent& e) {
  if (!vcd_) return;
  const auto it = entry_at_.find(e.entry.addr);
  if (it == entry_at_.end()) return;
  Entry& en = entries_[it->second];
  if (en.id.kind != e.entry.kind) return;
  en.fetched = true;
  // A 64-bit entry comes in the aligned 128-bit burst that holds it.
  const Addr base = en.narrow ? en.id.addr & ~Addr{15} : en.id.addr;
  const unsigned half = (en.id.addr >> 3) & 1;
  for (unsigned i = 0; i < e.nbursts; ++i) {
    const Burst& b = e.bursts[i];
    if (b.addr < base) continue;
    const Addr c = (b.addr - base) / 16;
    if (c >= en.chunks) continue;
    // Walks reading one chunk in the same cycle read the same data: show the first.
    if (en.last_burst[c] == b.cycle) continue;
    en.last_burst[c] = b.cycle;
    vcd_->pulse(en.burst[c], b.cycle);
    if (en.narrow)
      vcd_->set(en.burst_data[c], b.cycle, b.data[half]);
    else
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
  // Violations numbered from 1 in report order (what --explain N takes);
  // benign findings by kind only.
  std::map<Cycle, std::string> at;
  unsigned n = 0;
  for (const Finding& f : r.findings.items) {
    kinds_seen_.insert(f.kind);
    if (const auto k = kinds_.find(f.kind); k != kinds_.end()) vcd_->pulse(k->second, f.cycle);
    std::string& s = at[f.cycle];
    if (!s.empty()) s += ';';
    if (is_violation_kind(f.kind)) {
      violations_.push_back({f.cycle, ++n, f.kind});
      s += '#' + std::to_string(n) + ' ';
    }
    s += f.kind + ' ' + to_string(f.entry);
  }
  if (finding_)
    for (const auto& [cycle, text] : at) {
      vcd_->set(*finding_, cycle, text);
      vcd_->set(*finding_, cycle + 1, "-", true);
    }
  end_ = r.cycles;
  vcd_->extend_to(r.cycles);
}

void WaveformListener::write(std::ostream& out) const {
  if (!vcd_) throw std::logic_error("waveform: no episode recorded");
  vcd_->write(out);
}

namespace {

// A signal as GTKWave names it: vectors carry their range.
std::string gtkw_name(const std::string& scope, std::string_view name, unsigned width) {
  std::string n = scope + "." + std::string(name);
  if (width > 1) n += "[" + std::to_string(width - 1) + ":0]";
  return n;
}

// A scope's name for people: "pasid 00:02.0 PASID 0 @0x107000".
std::string entry_title(const EntryId& id, const std::string& scope) {
  char buf[48];
  std::snprintf(buf, sizeof buf, " @0x%llx", static_cast<unsigned long long>(id.addr));
  return scope + buf;
}

}  // namespace

void WaveformListener::write_gtkw(std::ostream& out, const std::string& vcd_path,
                                  const std::string& gtkw_name_) const {
  if (!vcd_) throw std::logic_error("waveform: no episode recorded");
  // Trace flags of GTKWave save files: 0x200 a comment line, 0x20 right
  // justified, with 0x8 binary, 0x2 hex, 0x4 decimal; strings as GTKWave
  // writes them itself (0x400 | 0x20).
  constexpr const char* kComment = "@200";
  constexpr const char* kBit = "@28";
  constexpr const char* kHex = "@22";
  constexpr const char* kDec = "@24";
  constexpr const char* kText = "@420";

  // Named markers: one per cycle with violations, at most GTKWave's 26.
  std::vector<std::pair<Cycle, std::string>> marks;  // cycle, text
  for (const Violation& v : violations_) {
    if (marks.empty() || marks.back().first != v.cycle) marks.emplace_back(v.cycle, "");
    std::string& t = marks.back().second;
    // "#3,#4 torn_fetch #5 present_before_invalidate": numbers joined while the kind repeats.
    const std::string tail = " " + v.kind;
    if (!t.empty() && t.size() >= tail.size() && t.compare(t.size() - tail.size(), tail.size(), tail) == 0)
      t.insert(t.size() - tail.size(), ",#" + std::to_string(v.number));
    else
      t += (t.empty() ? "#" : " #") + std::to_string(v.number) + tail;
  }
  const std::size_t marked = std::min(marks.size(), kGtkwaveNamedMarkers);

  const bool any_stored =
      std::any_of(entries_.begin(), entries_.end(), [](const Entry& e) { return e.stored; });
  // The view: from a little before the first violation to a little after the
  // last marked one (at least 100 cycles), or the whole run.
  Cycle from = 0, span = std::max<Cycle>(end_, 1);
  if (!marks.empty()) {
    from = marks.front().first > 20 ? marks.front().first - 20 : 0;
    span = std::max<Cycle>(marks[marked - 1].first + 20 - from, 100);
    span = std::min<Cycle>(span, std::max<Cycle>(end_ - from, 1));
  }
  // Zoom z draws about 203 * 2^z pixels per time unit (measured with GTKWave
  // 3.3.118: the window's start and end time through its Tcl interface);
  // the wave area is the window less the signal list and the frame.
  constexpr int kWidth = 1600, kHeight = 900, kSignalsWidth = 330;
  constexpr double kWavePixels = kWidth - kSignalsWidth - 50;
  constexpr double kPixelsAtZoomZero = 203;
  const double zoom = std::log2(kWavePixels / static_cast<double>(span) / kPixelsAtZoomZero);

  out << "[*] GTKWave save file written by vtdsim run --gtkw (scenario " << scenario_ << ")\n";
  out << "[*] open it with: gtkwave " << gtkw_name_ << " (it loads the VCD below; read ns as cycles)\n";
  if (violations_.empty()) {
    out << "[*] no violations: the view shows the whole run\n";
  } else {
    out << "[*] primary marker: cycle " << marks.front().first << " (violation #1); named markers A..";
    out << static_cast<char>('A' + marked - 1)
        << ": the cycles with violations, numbered as the report does\n";
    if (marks.size() > marked)
      out << "[*] " << marks.size() - marked << " more cycles with violations (from cycle "
          << marks[marked].first << ", violation #"
          << violations_[std::find_if(violations_.begin(), violations_.end(),
                                      [&](const Violation& v) { return v.cycle == marks[marked].first; }) -
                         violations_.begin()]
                 .number
          << ") have no marker: GTKWave holds " << kGtkwaveNamedMarkers << "\n";
  }
  std::string hidden;
  for (const Entry& e : entries_)
    if (!(any_stored ? e.stored : e.fetched)) hidden += (hidden.empty() ? "" : ", ") + e.scope;
  if (!hidden.empty())
    out << "[*] in the VCD but not shown (" << (any_stored ? "no store in the run" : "not read in the run")
        << "): " << hidden << "\n";
  out << "[dumpfile] \"" << vcd_path << "\"\n";
  out << "[savefile] \"" << gtkw_name_ << "\"\n";
  out << "[timestart] " << from << "\n";
  out << "[size] " << kWidth << " " << kHeight << "\n";
  out << "[pos] -1 -1\n";
  char z[32];
  std::snprintf(z, sizeof z, "%.3f", zoom);
  out << "*" << z << " " << (marks.empty() ? std::string("-1") : std::to_string(marks.front().first));
  for (std::size_t m = 0; m < kGtkwaveNamedMarkers; ++m)
    out << " " << (m < marked ? std::to_string(marks[m].first) : std::string("-1"));
  out << "\n";
  for (std::size_t m = 0; m < marked; ++m)
    out << "[markername] " << static_cast<char>('A' + m) << marks[m].second << "\n";
  out << "[sst_width] 1\n[signals_width] " << kSignalsWidth << "\n[sst_expanded] 0\n";

  const char* last = nullptr;
  auto line = [&](const char* flags, const std::string& text) {
    if (flags != last) out << flags << "\n";
    last = flags;
    out << text << "\n";
  };
  auto comment = [&](const std::string& text) { line(kComment, "-" + text); };

  // CPUs: what the driver does.
  for (std::size_t c = 0; c < cpus_.size(); ++c) {
    if (!cpus_[c]) continue;
    const std::string scope = "cpu" + std::to_string(c);
    comment("CPU " + std::to_string(c));
    line(kText, scope + ".item_name");
    line(kText, scope + ".op_name");
  }
  // The entries the run stored to (the update under study; if none, those
  // the IOMMU read): their fields (those ever non-zero, and P) and chunks.
  auto shown = [&](const Entry& e) { return any_stored ? e.stored : e.fetched; };
  for (const Entry& e : entries_) {
    if (!shown(e)) continue;
    comment(entry_title(e.id, e.scope) + " in memory");
    for (std::size_t f = 0; f < e.fmt->fields.size(); ++f) {
      const Field& fd = e.fmt->fields[f];
      if (!e.field_set[f]) continue;
      line(fd.width == 1 ? kBit : kHex, gtkw_name(e.scope, field_signal_name(fd.name), fd.width));
    }
    for (unsigned c = 0; c < e.chunks; ++c)
      if (e.chunk_set[c])
        line(kHex, gtkw_name(e.scope, "chunk" + std::to_string(c), std::min(128u, e.fmt->bits)));
  }
  // The IOMMU's reads of them.
  for (const Entry& e : entries_) {
    if (!shown(e)) continue;
    bool any = false;
    for (unsigned c = 0; c < e.chunks; ++c) {
      if (e.last_burst[c] == ~Cycle{0}) continue;
      if (!any) comment("IOMMU reads " + entry_title(e.id, e.scope));
      any = true;
      const std::string n = std::to_string(c);
      line(kBit, gtkw_name(e.scope, "burst" + n, 1));
      line(kHex, gtkw_name(e.scope, "burst" + n + "_data", std::min(128u, e.fmt->bits)));
      line(kDec, gtkw_name(e.scope, "burst" + n + "_request", 1));
    }
  }
  if (iqt_) {
    comment("Queued invalidation");
    line(kDec, "qi.iqt");
    line(kDec, "qi.iqh");
  }
  if (finding_) {
    comment("Violations");
    for (const auto& [kind, sig] : kinds_)
      if (kinds_seen_.count(kind)) line(kBit, "violations." + kind);
    line(kText, "violations.finding");
  }
  if (version_) {
    comment("Memory");
    line(kDec, "memory.version");
  }
}

}  // namespace vtd
