#include "rules/story.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "formats/qi_descriptors.hpp"
#include "iommu_model/fault_reasons.hpp"
#include "rules/rule.hpp"

namespace vtd {

namespace {

constexpr std::size_t kAllStoresUpTo = 24;  // list every store of an entry with at most this many
constexpr std::size_t kStoreContext = 3;    // else the window and this many stores either side
constexpr std::size_t kMaxDescriptors = 8;

unsigned entry_words(const EntryId& id) { return format_of(id.kind).bits / 64; }

// The 64-bit words of entry `id` a store writes: [first, last], clipped to the entry.
std::pair<unsigned, unsigned> words_of(const EntryId& id, const StoreEvent& s) {
  const long long lo = (static_cast<long long>(s.addr) - static_cast<long long>(id.addr)) / 8;
  const long long hi = lo + s.words - 1;
  const long long n = entry_words(id);
  return {static_cast<unsigned>(std::clamp(lo, 0LL, n - 1)),
          static_cast<unsigned>(std::clamp(hi, 0LL, n - 1))};
}

// Whether store `s` writes chunk `chunk` (a 128-bit burst) of entry `id`.
// Entries narrower than a burst are one chunk.
bool writes_chunk(const EntryId& id, const StoreEvent& s, unsigned chunk) {
  if (format_of(id.kind).bits < 128) return true;
  const auto [lo, hi] = words_of(id, s);
  return lo <= 2 * chunk + 1 && hi >= 2 * chunk;
}

}  // namespace

StoryBurst story_burst(const EntryHistory::Entry& e, const Burst& b, unsigned chunk) {
  StoryBurst sb{chunk, b.cycle, b.version, b.data, std::nullopt, std::nullopt};
  for (const StoreEvent& s : e.stores) {
    if (!writes_chunk(e.id, s, chunk)) continue;
    if (s.seq < b.version)
      sb.saw = s.seq;
    else if (!sb.missed)
      sb.missed = s.seq;
  }
  return sb;
}

unsigned chunk_of(const EntryId& id, Addr burst_addr) {
  return format_of(id.kind).bits < 128 ? 0 : static_cast<unsigned>((burst_addr - id.addr) / 16);
}

namespace {

std::string field_changes(const Format& f, const EntryBits& before, const EntryBits& after) {
  EntryBits all;
  for (u64& w : all.w) w = ~0ull;
  std::string s;
  for (const FieldDiff& d : diff_fields(f, before, after, all)) {
    if (!s.empty()) s += ", ";
    s += std::string(d.field) + " " + hex(d.a) + "->" + hex(d.b);
  }
  return s.empty() ? "no change (writes the value it held)" : s;
}

bool field_used(const Field& fd, const EntryBits& used) {
  return (used.w[fd.word()] & fd.mask_in_word()) != 0;
}

}  // namespace

StoryTable make_table(const Format& f, std::vector<std::string> columns, const std::vector<EntryBits>& values,
                      const EntryBits& used, std::string used_of) {
  StoryTable t;
  t.columns = std::move(columns);
  t.used_of = std::move(used_of);
  for (const Field& fd : f.fields) {
    StoryTable::Row row;
    row.field = std::string(fd.name);
    bool nonzero = false;
    for (const EntryBits& v : values) {
      row.values.push_back(fd.get(v));
      nonzero = nonzero || row.values.back() != 0;
    }
    row.used = field_used(fd, used);
    const bool same =
        std::all_of(row.values.begin(), row.values.end(), [&](u64 v) { return v == row.values[0]; });
    if (same && !nonzero) {
      if (!fd.name.starts_with("RSVD")) ++t.hidden;
      continue;
    }
    const std::vector<u64>& x = row.values;
    if (x.size() == 3) {
      // OLD, NEW, observed: where the observed value stands.
      const bool eo = x[2] == x[0], en = x[2] == x[1];
      if (!eo && !en)
        row.note = row.used ? "differs from both" : "differs from both (not used)";
      else if (eo && !en)
        row.note = "= " + t.columns[0];
      else if (!eo && en)
        row.note = "= " + t.columns[1];
    } else if (x.size() == 2 && x[0] != x[1]) {
      row.note = row.used ? "differs" : "differs (not used)";
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string mix_text(const StoryTable& t) {
  if (t.columns.size() != 3) return "";
  std::string as_old, as_new, neither;
  for (const StoryTable::Row& r : t.rows) {
    if (!r.used) continue;
    std::string& into = r.note == "= " + t.columns[0]   ? as_old
                        : r.note == "= " + t.columns[1] ? as_new
                        : r.note == "differs from both" ? neither
                                                        : as_old;
    if (&into == &as_old && r.note.empty()) continue;  // equal in all three
    into += (into.empty() ? "" : ", ") + r.field;
  }
  std::string s;
  auto add = [&](const std::string& fields, const std::string& what) {
    if (fields.empty()) return;
    s += (s.empty() ? "" : "; ") + fields + " " + what;
  };
  add(as_old, "as in " + t.columns[0]);
  add(as_new, "as in " + t.columns[1]);
  add(neither, "in neither");
  return s;
}

namespace {

// "[3] PC-PASID(...) fetched at 140, completed at 150", marked when it
// completed after `late`.
std::string desc_text(const StoryContext::Desc& d, Cycle late, const char* late_label) {
  const Descriptor x = decode_descriptor(d.qw, d.qw[2] || d.qw[3]).desc;
  std::string s = "slot " + std::to_string(d.index) + ": " + describe(x);
  if (d.fetched) s += ", fetched at cycle " + std::to_string(*d.fetched);
  if (d.completed) s += ", completed at cycle " + std::to_string(*d.completed);
  if (d.completed && *d.completed > late) s += late_label;
  return s;
}

}  // namespace

std::string store_ref(const EntryHistory::Entry& e, u64 seq) {
  for (const StoreEvent& s : e.stores)
    if (s.seq == seq) return "#" + std::to_string(seq) + " (cycle " + std::to_string(s.cycle) + ")";
  return "#" + std::to_string(seq);
}

Cycle store_cycle(const EntryHistory::Entry& e, u64 seq) {
  for (const StoreEvent& s : e.stores)
    if (s.seq == seq) return s.cycle;
  return 0;
}

// ------------------------------------------------------------------ context

std::string StoryContext::item_name(u16 cpu, u32 item) const {
  if (cpu < item_names.size() && item < item_names[cpu].size()) return item_names[cpu][item];
  return "item " + std::to_string(item);
}

std::string StoryContext::who(const Writer& w) const {
  if (w.cpu == Writer::kIommu) return "the IOMMU";
  std::string s = "cpu" + std::to_string(w.cpu);
  if (w.item != Writer::kNone) s += " \"" + item_name(w.cpu, w.item) + "\"";
  return s;
}

std::string StoryContext::op_text(const Writer& w) const {
  if (w.cpu == Writer::kIommu || w.op == Writer::kNone) return "";
  std::string s = "op " + std::to_string(w.op);
  if (auto it = ops.find({w.cpu, w.op}); it != ops.end() && !it->second.empty()) s += ": " + it->second;
  return s;
}

StoryFetch StoryContext::fetch(const EntryHistory::Entry& e, const FetchEvent& fe, std::string role) const {
  StoryFetch sf;
  sf.request = fe.request;
  sf.role = std::move(role);
  for (unsigned i = 0; i < fe.nbursts; ++i)
    sf.bursts.push_back(story_burst(e, fe.bursts[i], chunk_of(e.id, fe.bursts[i].addr)));
  return sf;
}

std::vector<std::string> StoryContext::descriptors_between(Cycle from, Cycle to, Cycle late,
                                                           const char* late_label) const {
  std::vector<std::string> lines;
  std::size_t n = 0;
  for (const Desc& d : descs) {
    const Cycle at = d.completed.value_or(d.fetched.value_or(0));
    if (at < from || at > to) continue;
    if (n++ < kMaxDescriptors) lines.push_back(desc_text(d, late, late_label));
  }
  if (n > kMaxDescriptors) lines.push_back("(" + std::to_string(n - kMaxDescriptors) + " more)");
  return lines;
}

std::size_t StoryContext::completed_between(Cycle from, Cycle to) const {
  std::size_t n = 0;
  for (const Desc& d : descs)
    if (d.completed && *d.completed > from && *d.completed <= to) ++n;
  return n;
}

// ------------------------------------------------------------------ DMA outcomes

void tell_dma_outcome(const Finding& f, const StoryContext& ctx, Story& st, const std::string& against,
                      u64 against_version) {
  // The IOTLB entry of a fill covers 4 KiB, 2 MiB or 1 GiB: the largest page
  // whose alignment the fill's address has (the event carries no size).
  auto page_size = [](const StoryContext::IotlbFill& x, Addr iova) -> Addr {
    for (unsigned shift : {30u, 21u})
      if ((x.page & ((Addr{1} << shift) - 1)) == 0 && (iova >> shift) == (x.page >> shift) &&
          (x.out & ((Addr{1} << shift) - 1)) == 0)
        return Addr{1} << shift;
    return Addr{1} << 12;
  };
  {
    std::ostringstream m;
    m << "request #" << f.request.value_or(0) << " from " << to_string(f.rid) << " arrived at cycle "
      << f.arrived << ",";
    m << " iova " << hex(f.iova) << (f.write ? " write" : " read") << " -> "
      << (f.dma_fault ? "fault " + hex(f.dma_reason) + " " + std::string(fault::name(f.dma_reason))
                      : hex(f.dma_pa));
    for (const Finding::Expected& x : f.expected)
      m << "; tables at version " << x.version << ": "
        << (x.fault ? "fault " + hex(x.reason) + " " + std::string(fault::name(x.reason)) : hex(x.pa));
    st.missing.push_back(m.str());
  }
  // An IOTLB hit: the translation itself was a cached copy; say who filled it.
  if (f.iotlb_hit) {
    const StoryContext::IotlbFill* fill = nullptr;
    for (const StoryContext::IotlbFill& x : ctx.iotlb_fills)
      if (x.did == f.did && x.cycle <= f.cycle && x.page <= f.iova && f.iova - x.page < page_size(x, f.iova))
        fill = &x;
    std::ostringstream m;
    m << "the translation came from the IOTLB (tag DID " << f.did << ")";
    if (fill) {
      m << ": page " << hex(fill->page) << " -> " << hex(fill->out) << " filled at cycle " << fill->cycle
        << " by a walk for " << to_string(fill->rid);
      const Provenance& t = fill->table;
      if (t.nbursts) {
        m << " through the entry @" << hex(t.entry_addr) << " read at cycle " << t.cycle << " by request #"
          << t.request;
        // Which stores to that entry the walk's copy had seen.
        for (const auto& en : ctx.history.entries()) {
          if (en.id.addr != t.entry_addr) continue;
          u64 lo_v = ~0ull, hi_v = 0;
          for (unsigned i = 0; i < t.nbursts; ++i) {
            lo_v = std::min(lo_v, t.versions[i]);
            hi_v = std::max(hi_v, t.versions[i]);
          }
          std::string saw, not_seen;
          for (const StoreEvent& x : en.stores) {
            std::string& into = x.seq < hi_v ? saw : not_seen;
            into += (into.empty() ? "#" : ", #") + std::to_string(x.seq);
            if (x.seq < hi_v && x.seq >= lo_v) into += " (some bursts)";
          }
          m << " (" << to_string(en.id) << "; its bursts saw " << (saw.empty() ? "no store" : "stores " + saw)
            << (not_seen.empty() ? "" : "; not " + not_seen) << ")";
        }
      }
    }
    st.missing.push_back(m.str());
  }
  const EntryHistory::Entry* e = ctx.history.find(f.entry.kind, f.entry.addr);
  if (!f.copy || !e) return;
  const Format& fmt = format_of(f.entry.kind);
  const DmaEvent::CopyUsed& c = *f.copy;
  const Provenance& p = c.source;
  // The fetch that filled the copy, if it was kept.
  for (const FetchEvent& ev : e->events)
    if (ev.request == p.request && ev.cycle() == p.cycle) {
      st.fetches.push_back(ctx.fetch(*e, ev, "filled the copy used"));
      break;
    }
  u64 vmin = ~0ull, vmax = 0;
  for (unsigned i = 0; i < p.nbursts; ++i) {
    vmin = std::min(vmin, p.versions[i]);
    vmax = std::max(vmax, p.versions[i]);
  }
  std::optional<u64> seen, unseen;  // the newest store the copy saw, the first it did not
  for (const StoreEvent& s : e->stores) {
    if (p.nbursts && s.seq < vmin) seen = s.seq;
    if (p.nbursts && s.seq >= vmin && s.seq < against_version && !unseen) unseen = s.seq;
  }
  std::ostringstream m;
  m << "the copy of the entry used was " << (c.from_cache ? "cached" : "fetched by this request's walk")
    << ": read at cycle " << p.cycle << " by request #" << p.request;
  if (p.nbursts) {
    m << ", bursts at memory version"
      << (vmin == vmax ? " " + std::to_string(vmin)
                       : "s " + std::to_string(vmin) + ".." + std::to_string(vmax));
    if (unseen)
      m << ": it predates store " << store_ref(*e, *unseen)
        << (seen ? " and holds what store " + store_ref(*e, *seen) + " left" : std::string(""));
    else
      m << ": " << (e->stores.empty() ? "the entry never changed" : "it saw every store to the entry");
  }
  st.missing.push_back(m.str());
  st.table = make_table(fmt, {"copy used", against}, {c.value, EntryHistory::value_at(*e, against_version)},
                        fmt.used_bits(c.value), "the copy used");
  if (unseen && store_cycle(*e, *unseen) <= p.cycle) {
    // Read after the store was visible yet without it: the walk read DRAM.
    std::optional<Cycle> wb;
    for (const WritebackEvent& w : ctx.writebacks)
      if (w.line == (e->id.addr & ~Addr{63}) && w.through_seq > *unseen && !wb) wb = w.cycle;
    st.missing.push_back("the walk read DRAM (non-coherent, ECAP.C = 0): store " + store_ref(*e, *unseen) +
                         " was visible to CPUs but its line " + hex(e->id.addr & ~Addr{63}) +
                         " had not been written back (clflush) when the copy was read" +
                         (wb ? "; it was at cycle " + std::to_string(*wb) : "; it never was in this run"));
  }
  if (unseen)
    st.invalidations =
        ctx.descriptors_between(store_cycle(*e, *unseen), f.cycle, f.arrived, " (after the request arrived)");
}

// ------------------------------------------------------------------ telling

std::vector<Story> tell_stories(const StoryContext& ctx, const Findings& findings,
                                const std::function<bool(unsigned)>& want) {
  std::vector<Story> out;
  unsigned number = 0;
  for (const Finding& f : findings.items) {
    const Rule* rule = rule_of(f.kind);
    if (!rule || !rule->violation()) continue;
    ++number;
    if (want && !want(number)) continue;
    Story st;
    st.number = number;
    st.kind = f.kind;
    st.cycle = f.cycle;
    st.entry = f.entry;
    st.headline = f.kind + " at cycle " + std::to_string(f.cycle) + ": " + to_string(f.entry);
    if (f.request) st.headline += ", DMA request #" + std::to_string(*f.request);
    if (f.store) st.headline += ", store #" + std::to_string(*f.store);

    const EntryHistory::Entry* e = ctx.history.find(f.entry.kind, f.entry.addr);
    if (e) {
      // The stores, with who made them and what each changed, around the window.
      const Format& fmt = format_of(f.entry.kind);
      const auto [lo, hi] = rule->story_window(f);
      std::size_t first = 0, last = e->stores.size();
      if (e->stores.size() > kAllStoresUpTo) {
        std::size_t ilo = 0, ihi = 0;
        for (std::size_t i = 0; i < e->stores.size(); ++i) {
          if (e->stores[i].seq <= lo) ilo = i;
          if (e->stores[i].seq <= hi) ihi = i;
        }
        first = ilo > kStoreContext ? ilo - kStoreContext : 0;
        last = std::min(e->stores.size(), ihi + kStoreContext + 1);
      }
      st.stores_left_out = e->stores.size() - (last - first);
      for (std::size_t i = first; i < last; ++i) {
        const StoreEvent& s = e->stores[i];
        StoryStore ss;
        ss.seq = s.seq;
        ss.cycle = s.cycle;
        ss.writer = s.writer;
        ss.who = ctx.who(s.writer);
        ss.op = ctx.op_text(s.writer);
        ss.addr = s.addr;
        ss.words = s.words;
        ss.old_val = s.old_val;
        ss.new_val = s.new_val;
        const EntryBits before = EntryHistory::value_at(*e, s.seq),
                        after = EntryHistory::value_at(*e, s.seq + 1);
        ss.change = field_changes(fmt, before, after);
        const bool clears = fmt.present && fmt.is_present(before) && !fmt.is_present(after);
        ss.role = rule->store_role(f, s, clears);
        if (ss.role.empty() && clears) ss.role = "clears P";
        if (ss.role.empty() && fmt.present && !fmt.is_present(before) && fmt.is_present(after))
          ss.role = "sets P";
        st.stores.push_back(std::move(ss));
      }
    }
    rule->tell(f, ctx, st);
    out.push_back(std::move(st));
  }
  return out;
}

// ------------------------------------------------------------------ rendering

std::string story_text(const Story& s) {
  std::ostringstream o;
  o << "story of violation #" << s.number << ": " << s.headline << "\n";
  o << "  stores to the entry, in order (#seq at the cycle it became visible: the operation; what it "
       "changed):\n";
  if (s.stores_left_out) o << "    (" << s.stores_left_out << " other stores to the entry not shown)\n";
  if (s.stores.empty()) o << "    none\n";
  const std::string* by = nullptr;
  for (const StoryStore& x : s.stores) {
    if (!by || *by != x.who) o << "    by " << x.who << ":\n";
    by = &x.who;
    o << "      #" << x.seq << " at " << x.cycle << (x.op.empty() ? "" : ": " + x.op) << "\n        "
      << x.change;
    if (!x.role.empty()) o << "  <- " << x.role;
    o << "\n";
  }
  for (const StoryFetch& f : s.fetches) {
    o << "  fetch by DMA request #" << f.request << ", " << f.role << ":\n";
    for (const StoryBurst& b : f.bursts) {
      o << "    chunk " << b.chunk << " at cycle " << b.cycle << ", memory version " << b.version << ": ";
      o << (b.saw ? "saw store #" + std::to_string(*b.saw)
                  : std::string("saw no store to this chunk (initial value)"));
      if (b.missed) o << ", not #" << *b.missed;
      o << "  [" << hex(b.data[0]) << " " << hex(b.data[1]) << "]\n";
    }
  }
  if (s.fetches_left_out) o << "  (" << s.fetches_left_out << " more such fetches)\n";
  if (!s.table.rows.empty()) {
    std::vector<std::size_t> w(s.table.columns.size() + 1, 5);
    for (const auto& r : s.table.rows) w[0] = std::max(w[0], r.field.size());
    for (std::size_t c = 0; c < s.table.columns.size(); ++c) {
      w[c + 1] = std::max(w[c + 1], s.table.columns[c].size());
      for (const auto& r : s.table.rows) w[c + 1] = std::max(w[c + 1], hex(r.values[c]).size());
    }
    auto pad = [](const std::string& x, std::size_t n) {
      return x + std::string(n > x.size() ? n - x.size() : 0, ' ');
    };
    o << "  fields (used: the bits hardware interprets in " << s.table.used_of << "):\n";
    o << "    " << pad("field", w[0]);
    for (std::size_t c = 0; c < s.table.columns.size(); ++c) o << "  " << pad(s.table.columns[c], w[c + 1]);
    o << "  used\n";
    for (const auto& r : s.table.rows) {
      o << "    " << pad(r.field, w[0]);
      for (std::size_t c = 0; c < r.values.size(); ++c) o << "  " << pad(hex(r.values[c]), w[c + 1]);
      o << "  " << (r.used ? "yes " : "no  ");
      if (!r.note.empty()) o << "  " << r.note;
      o << "\n";
    }
    if (s.table.hidden) o << "    (" << s.table.hidden << " more fields: 0 in every column)\n";
  }
  if (!s.invalidations.empty()) {
    o << "  invalidation descriptors in the window:\n";
    for (const std::string& d : s.invalidations) o << "    " << d << "\n";
  }
  if (!s.missing.empty()) {
    o << "  what was missing:\n";
    for (const std::string& m : s.missing) o << "    " << m << "\n";
  }
  return o.str();
}

nlohmann::json story_json(const Story& s) {
  using nlohmann::json;
  json stores = json::array();
  for (const StoryStore& x : s.stores) {
    json j{{"seq", x.seq},      {"cycle", x.cycle},    {"cpu", x.writer.cpu}, {"who", x.who},
           {"operation", x.op}, {"addr", hex(x.addr)}, {"change", x.change},  {"role", x.role}};
    if (x.writer.cpu == Writer::kIommu) j["cpu"] = "iommu";
    if (x.writer.item != Writer::kNone) j["item"] = x.writer.item;
    if (x.writer.op != Writer::kNone) j["op"] = x.writer.op;
    json nv = json::array();
    for (unsigned k = 0; k < x.words; ++k) nv.push_back(hex(x.new_val[k]));
    j["new"] = nv;
    stores.push_back(std::move(j));
  }
  json fetches = json::array();
  for (const StoryFetch& f : s.fetches) {
    json bursts = json::array();
    for (const StoryBurst& b : f.bursts) {
      json j{{"chunk", b.chunk},
             {"cycle", b.cycle},
             {"version", b.version},
             {"data", {hex(b.data[0]), hex(b.data[1])}}};
      j["saw_store"] = b.saw ? json(*b.saw) : json(nullptr);
      j["missed_store"] = b.missed ? json(*b.missed) : json(nullptr);
      bursts.push_back(std::move(j));
    }
    fetches.push_back({{"request", f.request}, {"role", f.role}, {"bursts", bursts}});
  }
  json rows = json::array();
  for (const auto& r : s.table.rows) {
    json vals = json::object();
    for (std::size_t c = 0; c < r.values.size(); ++c) vals[s.table.columns[c]] = hex(r.values[c]);
    rows.push_back({{"field", r.field}, {"values", vals}, {"used", r.used}, {"note", r.note}});
  }
  return json{{"number", s.number},
              {"kind", s.kind},
              {"cycle", s.cycle},
              {"entry", to_string(s.entry)},
              {"headline", s.headline},
              {"stores", stores},
              {"stores_left_out", s.stores_left_out},
              {"fetches", fetches},
              {"fetches_left_out", s.fetches_left_out},
              {"fields",
               {{"columns", s.table.columns},
                {"used_of", s.table.used_of},
                {"rows", rows},
                {"hidden", s.table.hidden}}},
              {"invalidations", s.invalidations},
              {"missing", s.missing}};
}

}  // namespace vtd
