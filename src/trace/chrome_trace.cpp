#include "trace/chrome_trace.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "formats/qi_descriptors.hpp"
#include "iommu_model/fault_reasons.hpp"
#include "platform/run_result.hpp"
#include "scenario/scenario.hpp"
#include "tables/table_builder.hpp"

namespace vtd {

namespace {

using nlohmann::json;

// Process ids (track groups) and their order in the viewer.
enum Pid : int { kChecks = 1, kCpus = 2, kWalker = 3, kQueue = 4, kCaches = 5, kMemory = 6, kDevices = 100 };

// One slice ("X") or instant ("i"), its arguments already serialized (a
// trace holds many events: no JSON tree is kept per event).
struct Ev {
  int pid = 0, tid = 0;
  Cycle ts = 0, dur = 0;
  int order = 0;  // parent before child when ts and dur tie
  bool instant = false;
  std::string name;
  const char* cat = "";
  std::string args;  // a JSON object, or empty
};

// `s` as a JSON string literal.
void quote(std::string& out, const std::string& s) {
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      static const char* hexd = "0123456789abcdef";
      out += "\\u00";
      out += hexd[u >> 4];
      out += hexd[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

// The event as one JSON object, keys in alphabetical order.
void serialize(std::string& out, const Ev& e) {
  out += '{';
  if (!e.args.empty()) {
    out += "\"args\":";
    out += e.args;
    out += ',';
  }
  out += "\"cat\":\"";
  out += e.cat;
  out += '"';
  if (!e.instant) {
    out += ",\"dur\":";
    out += std::to_string(e.dur);
  }
  out += ",\"name\":";
  quote(out, e.name);
  out += e.instant ? ",\"ph\":\"i\"" : ",\"ph\":\"X\"";
  out += ",\"pid\":";
  out += std::to_string(e.pid);
  if (e.instant) out += ",\"s\":\"t\"";
  out += ",\"tid\":";
  out += std::to_string(e.tid);
  out += ",\"ts\":";
  out += std::to_string(e.ts);
  out += '}';
}

// Greedy lanes: each interval [start, end) goes to the lowest lane free at
// its start. Intervals must come in start order.
class Lanes {
 public:
  unsigned take(Cycle start, Cycle end) {
    for (unsigned i = 0; i < free_at_.size(); ++i)
      if (free_at_[i] <= start) {
        free_at_[i] = end;
        return i;
      }
    free_at_.push_back(end);
    return static_cast<unsigned>(free_at_.size() - 1);
  }
  unsigned count() const { return static_cast<unsigned>(free_at_.size()); }

 private:
  std::vector<Cycle> free_at_;
};

json words(const std::array<u64, 2>& w, unsigned n) {
  json a = json::array();
  for (unsigned i = 0; i < n; ++i) a.push_back(hex(w[i]));
  return a;
}

std::string desc_name(const std::array<u64, 4>& qw) {
  return describe(decode_descriptor(qw, qw[2] || qw[3]).desc);
}

}  // namespace

void ChromeTrace::begin(std::string scenario, std::string file,
                        std::vector<std::vector<std::string>> item_names, std::vector<EntryId> watched) {
  watched_ = std::move(watched);
  scenario_ = std::move(scenario);
  file_ = std::move(file);
  item_names_ = std::move(item_names);
}

void ChromeTrace::on_start(const EpisodeStart& s) {
  begin(s.scenario.name, s.scenario.file, s.item_names, s.layout.watched_entries());
}

void ChromeTrace::on_dma(const DmaEvent& e) {
  Dma d{e, {}};
  d.ev.copies.clear();
  for (const DmaEvent::CopyUsed& c : e.copies) {
    if (!d.copies.empty()) d.copies += ", ";
    d.copies += std::string(to_string(c.kind)) + "@" + hex(c.entry) +
                (c.from_cache ? " cached (request #" + std::to_string(c.source.request) + ")" : " fetched");
  }
  dmas_.push_back(std::move(d));
}

void ChromeTrace::on_cpu_op(const CpuOpEvent& e) {
  ops_.push_back(Op{e.cpu, e.item, e.op, e.start, e.end, std::string(e.name)});
}

void ChromeTrace::on_item(const ItemEvent& e) {
  items_.push_back(Op{e.cpu, e.item, 0, e.start, e.end, std::string(e.name)});
}

void ChromeTrace::on_cache(const CacheEvent& e) {
  if (e.what == CacheEvent::What::Hit || e.what == CacheEvent::What::Miss) return;
  caches_.push_back(e);
}

void ChromeTrace::on_descriptor(const DescriptorEvent& e) {
  descriptors_.push_back(Desc{e.what, e.cycle, e.index, e.qw, std::string(e.error)});
}

void ChromeTrace::finish(const Findings& findings, Cycle end) {
  findings_ = findings.items;
  end_ = end;
}

std::string ChromeTrace::text() const {
  std::vector<Ev> evs;
  std::map<std::pair<int, int>, std::string> threads;  // (pid, tid) -> name
  std::map<int, std::string> processes;

  auto slice = [&](int pid, int tid, Cycle ts, Cycle dur, int order, std::string name, const char* cat,
                   const json& args) {
    evs.push_back(
        Ev{pid, tid, ts, dur, order, false, std::move(name), cat, args.is_null() ? "" : args.dump()});
  };
  auto instant = [&](int pid, int tid, Cycle ts, int order, std::string name, const char* cat,
                     const json& args) {
    evs.push_back(Ev{pid, tid, ts, 0, order, true, std::move(name), cat, args.is_null() ? "" : args.dump()});
  };

  // ---- violations (and benign findings) at the cycle the checkers give
  processes[kChecks] = "checkers";
  threads[{kChecks, 1}] = "violations";
  unsigned number = 0;
  for (const Finding& f : findings_) {
    const bool violation = is_violation_kind(f.kind);
    json a{{"kind", f.kind}, {"entry", to_string(f.entry)}, {"cycle", f.cycle}};
    if (violation) a["violation"] = ++number;
    if (f.request) a["request"] = *f.request;
    if (f.store) a["store"] = *f.store;
    if (f.clear_store) a["clear_store"] = *f.clear_store;
    if (!f.span.stores.empty()) a["span_stores"] = f.span.stores;
    if (!f.missing.empty()) a["missing"] = f.missing;
    if (!f.detail.empty()) a["detail"] = f.detail;
    if (!violation) threads[{kChecks, 2}] = "benign findings";
    instant(kChecks, violation ? 1 : 2, f.cycle, 0, f.kind, violation ? "violation" : "benign", std::move(a));
  }

  // ---- CPUs: driver operations with their emitted operations nested
  processes[kCpus] = "CPUs";
  std::size_t ncpus = item_names_.size();
  for (const Op& o : items_) ncpus = std::max<std::size_t>(ncpus, o.cpu + 1u);
  for (const Op& o : ops_) ncpus = std::max<std::size_t>(ncpus, o.cpu + 1u);
  for (std::size_t c = 0; c < ncpus; ++c) {
    threads[{kCpus, static_cast<int>(2 * c + 1)}] = "cpu" + std::to_string(c);
    threads[{kCpus, static_cast<int>(2 * c + 2)}] = "cpu" + std::to_string(c) + " stores visible";
  }
  for (const Op& o : items_)
    slice(kCpus, 2 * o.cpu + 1, o.start, o.end - o.start, 0, o.name, "driver_op", json{{"item", o.item}});
  for (const Op& o : ops_)
    slice(kCpus, 2 * o.cpu + 1, o.start, o.end - o.start, 1, o.name, "cpu_op",
          json{{"item", o.item}, {"op", o.op}});
  // Store visibility: on the writer CPU's track; the IOMMU's status writes on the queue's.
  for (const StoreEvent& s : stores_) {
    json a{{"seq", s.seq},
           {"addr", hex(s.addr)},
           {"old", words(s.old_val, s.words)},
           {"new", words(s.new_val, s.words)}};
    // The watched entry (and word of it) the store wrote, if any.
    std::string where = hex(s.addr);
    for (const EntryId& id : watched_)
      if (s.addr + 8 * s.words > id.addr && s.addr < id.addr + format_of(id.kind).bits / 8) {
        where = to_string(id) + " word " + std::to_string((s.addr - id.addr) / 8);
        a["entry"] = to_string(id);
        break;
      }
    if (s.writer.item != Writer::kNone) a["item"] = s.writer.item;
    if (s.writer.op != Writer::kNone) a["op"] = s.writer.op;
    if (s.writer.cpu == Writer::kIommu) {
      threads[{kQueue, 1000}] = "status writes, errors";
      instant(kQueue, 1000, s.cycle, 0, "status write #" + std::to_string(s.seq) + " " + hex(s.addr), "store",
              std::move(a));
    } else {
      ncpus = std::max<std::size_t>(ncpus, s.writer.cpu + 1u);
      threads[{kCpus, 2 * s.writer.cpu + 1}] = "cpu" + std::to_string(s.writer.cpu);
      threads[{kCpus, 2 * s.writer.cpu + 2}] = "cpu" + std::to_string(s.writer.cpu) + " stores visible";
      instant(kCpus, 2 * s.writer.cpu + 2, s.cycle, 0, "store #" + std::to_string(s.seq) + " " + where,
              "store", std::move(a));
    }
  }

  // ---- IOMMU walker: walks (per request) holding their fetches and bursts
  {
    struct Walk {
      u64 request;
      Cycle start, end;
      std::vector<const FetchEvent*> fetches;
    };
    std::map<u64, Walk> walks;
    for (const FetchEvent& f : fetches_) {
      if (!f.nbursts) continue;
      auto [it, fresh] = walks.try_emplace(f.request, Walk{f.request, f.first_cycle(), f.cycle() + 1, {}});
      Walk& w = it->second;
      w.start = std::min(w.start, f.first_cycle());
      w.end = std::max(w.end, f.cycle() + 1);
      w.fetches.push_back(&f);
    }
    std::vector<Walk*> order;
    for (auto& [q, w] : walks) order.push_back(&w);
    std::stable_sort(order.begin(), order.end(), [](const Walk* a, const Walk* b) {
      return std::tie(a->start, a->request) < std::tie(b->start, b->request);
    });
    Lanes lanes;
    processes[kWalker] = "IOMMU walker";
    for (const Walk* w : order) {
      const int tid = static_cast<int>(lanes.take(w->start, w->end)) + 1;
      slice(kWalker, tid, w->start, w->end - w->start, 0, "walk #" + std::to_string(w->request), "walk",
            json{{"request", w->request}, {"fetches", w->fetches.size()}});
      for (const FetchEvent* f : w->fetches) {
        const Format& fmt = format_of(f->entry.kind);
        json value = json::array();
        for (unsigned i = 0; i < fmt.bits / 64 || i == 0; ++i) value.push_back(hex(f->value.w[i]));
        slice(kWalker, tid, f->first_cycle(), f->cycle() + 1 - f->first_cycle(), 1,
              "fetch " + std::string(fmt.name) + " @" + hex(f->entry.addr), "fetch",
              json{{"request", f->request},
                   {"entry", to_string(f->entry)},
                   {"value", value},
                   {"fields", describe(fmt, f->value)}});
        for (unsigned i = 0; i < f->nbursts; ++i) {
          const Burst& b = f->bursts[i];
          const unsigned chunk = fmt.bits < 128 ? 0 : static_cast<unsigned>((b.addr - f->entry.addr) / 16);
          slice(kWalker, tid, b.cycle, 1, 2 + static_cast<int>(i), "burst chunk " + std::to_string(chunk),
                "burst", json{{"addr", hex(b.addr)}, {"version", b.version}, {"data", words(b.data, 2)}});
        }
      }
    }
    for (unsigned i = 0; i < lanes.count(); ++i)
      threads[{kWalker, static_cast<int>(i) + 1}] = "walker lane " + std::to_string(i);
  }

  // ---- invalidation queue: descriptors from fetch to completion
  {
    struct D {
      unsigned index;
      Cycle fetched, completed;
      std::array<u64, 4> qw;
      bool done;
    };
    std::vector<D> ds;
    std::map<unsigned, std::size_t> open;
    for (const Desc& d : descriptors_) {
      if (d.what == DescriptorEvent::What::Fetched) {
        open[d.index] = ds.size();
        ds.push_back(D{d.index, d.cycle, d.cycle, d.qw, false});
      } else if (d.what == DescriptorEvent::What::Completed) {
        auto it = open.find(d.index);
        if (it == open.end()) {
          ds.push_back(D{d.index, d.cycle, d.cycle, d.qw, true});
        } else {
          ds[it->second].completed = d.cycle;
          ds[it->second].done = true;
          open.erase(it);
        }
      } else {
        threads[{kQueue, 1000}] = "status writes, errors";
        instant(kQueue, 1000, d.cycle, 0, "queue error at slot " + std::to_string(d.index), "qi_error",
                json{{"slot", d.index}, {"reason", d.error}, {"descriptor", desc_name(d.qw)}});
      }
    }
    processes[kQueue] = "invalidation queue";
    std::stable_sort(ds.begin(), ds.end(), [](const D& a, const D& b) { return a.fetched < b.fetched; });
    Lanes lanes;
    for (const D& d : ds) {
      const Cycle end = d.done ? d.completed : std::max(d.fetched, end_);
      const int tid = static_cast<int>(lanes.take(d.fetched, std::max(end, d.fetched + 1))) + 1;
      json qw = json::array();
      for (u64 w : d.qw) qw.push_back(hex(w));
      slice(kQueue, tid, d.fetched, end - d.fetched, 0, desc_name(d.qw), "descriptor",
            json{{"slot", d.index}, {"qw", qw}, {"completed", d.done}});
    }
    for (unsigned i = 0; i < lanes.count(); ++i)
      threads[{kQueue, static_cast<int>(i) + 1}] = "descriptors lane " + std::to_string(i);
  }

  // ---- IOMMU caches
  for (const CacheEvent& c : caches_) {
    processes[kCaches] = "IOMMU caches";
    const int tid = static_cast<int>(c.cache) + 1;
    threads[{kCaches, tid}] = std::string(to_string(c.cache));
    const char* what = c.what == CacheEvent::What::Fill         ? "fill"
                       : c.what == CacheEvent::What::Invalidate ? "invalidate"
                                                                : "evict";
    json a{{"rid", to_string(c.rid)}, {"did", c.did}, {"pasid", c.pasid}, {"addr", hex(c.addr)}};
    if (c.what == CacheEvent::What::Invalidate) a["dropped"] = c.count;
    if (c.what == CacheEvent::What::Fill) a["from_request"] = c.source.request;
    instant(kCaches, tid, c.cycle, 0, std::string(what) + " " + hex(c.addr), "cache", std::move(a));
  }

  // ---- memory: write-backs of dirty CPU-cache lines (non-coherent walks)
  for (const WritebackEvent& w : writebacks_) {
    processes[kMemory] = "memory";
    threads[{kMemory, 1}] = "write-backs to DRAM";
    instant(kMemory, 1, w.cycle, 0, std::string(w.eviction ? "eviction " : "clflush ") + hex(w.line),
            "writeback", json{{"line", hex(w.line)}, {"through_seq", w.through_seq}});
  }

  // ---- devices: DMA requests from arrival to translation or fault
  {
    std::map<u16, std::vector<const Dma*>> by_rid;
    for (const Dma& d : dmas_) by_rid[d.ev.rid.value].push_back(&d);
    int pid = kDevices;
    for (auto& [rid, list] : by_rid) {
      std::stable_sort(list.begin(), list.end(), [](const Dma* a, const Dma* b) {
        return std::tie(a->ev.arrived, a->ev.request) < std::tie(b->ev.arrived, b->ev.request);
      });
      processes[pid] = "device " + to_string(Rid{rid});
      Lanes lanes;
      for (const Dma* d : list) {
        const DmaEvent& e = d->ev;
        const int tid = static_cast<int>(lanes.take(e.arrived, std::max(e.done, e.arrived + 1))) + 1;
        json a{{"request", e.request}, {"rid", to_string(e.rid)},
               {"iova", hex(e.iova)},  {"access", e.write ? "write" : "read"},
               {"did", e.did},         {"iotlb_hit", e.iotlb_hit}};
        a["pasid"] = e.has_pasid ? json(e.pasid) : json("none (RID_PASID)");
        if (e.fault) {
          a["fault_reason"] = hex(e.fault_reason);
          a["fault"] = std::string(fault::name(e.fault_reason));
          a["fault_recorded"] = e.fault_recorded;
        } else {
          a["pa"] = hex(e.pa);
        }
        if (!d->copies.empty()) a["copies_used"] = d->copies;
        // Built by appending: GCC 12 warns (-Wrestrict) about a chain of operator+ here.
        std::string name = "#";
        name += std::to_string(e.request);
        name += ' ';
        name += hex(e.iova);
        name += " -> ";
        name += e.fault ? "fault " + hex(e.fault_reason) : hex(e.pa);
        slice(pid, tid, e.arrived, e.done - e.arrived, 0, name, e.fault ? "dma_fault" : "dma", std::move(a));
      }
      for (unsigned i = 0; i < lanes.count(); ++i)
        threads[{pid, static_cast<int>(i) + 1}] = to_string(Rid{rid}) + " lane " + std::to_string(i);
      ++pid;
    }
  }

  std::stable_sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) {
    return std::make_tuple(a.pid, a.tid, a.ts, ~a.dur, a.order) <
           std::make_tuple(b.pid, b.tid, b.ts, ~b.dur, b.order);
  });

  std::string out = "{\"otherData\":" +
                    json{{"generator", "vtdsim"},
                         {"scenario", scenario_},
                         {"file", file_},
                         {"cycles", end_},
                         {"time_unit", "ts and dur are cycles: 1 cycle = 1 us of trace time"}}
                        .dump() +
                    ",\n\"traceEvents\":[\n";
  bool first = true;
  auto emit = [&](const json& j) {
    if (!first) out += ",\n";
    first = false;
    out += j.dump();
  };
  for (const auto& [pid, name] : processes) {
    emit(json{{"ph", "M"}, {"pid", pid}, {"tid", 0}, {"name", "process_name"}, {"args", {{"name", name}}}});
    emit(json{{"ph", "M"},
              {"pid", pid},
              {"tid", 0},
              {"name", "process_sort_index"},
              {"args", {{"sort_index", pid}}}});
  }
  for (const auto& [key, name] : threads) {
    emit(json{{"ph", "M"},
              {"pid", key.first},
              {"tid", key.second},
              {"name", "thread_name"},
              {"args", {{"name", name}}}});
    emit(json{{"ph", "M"},
              {"pid", key.first},
              {"tid", key.second},
              {"name", "thread_sort_index"},
              {"args", {{"sort_index", key.second}}}});
  }
  for (const Ev& e : evs) {
    if (!first) out += ",\n";
    first = false;
    serialize(out, e);
  }
  out += "\n]}\n";
  return out;
}

void ChromeTrace::on_finish(const RunResult& r) { finish(r.findings, r.cycles); }

bool ChromeTrace::write(const std::string& path) const {
  std::ofstream f(path, std::ios::binary);
  f << text();
  return static_cast<bool>(f);
}

}  // namespace vtd
