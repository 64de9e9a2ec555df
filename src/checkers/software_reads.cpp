#include "checkers/software_reads.hpp"

#include <algorithm>

#include "formats/formats.hpp"

namespace vtd {

void SoftwareReads::on_load(const LoadEvent& e) {
  // A poll or a lock's cmpxchg waits for a value; it is not a reader's copy of the tables.
  if (e.kind != LoadKind::Plain) return;
  loads_[{e.reader.cpu, e.reader.item}].push_back(
      LoadSeen{e.cycle, e.addr, e.value, e.version, e.forwarded, std::string(e.label), ""});
}

void SoftwareReads::on_store(const StoreEvent& e) {
  if (e.writer.cpu != Writer::kIommu && e.writer.item != Writer::kNone) {
    std::vector<Addr>& words = stored_[{e.writer.cpu, e.writer.item}];
    for (unsigned k = 0; k < e.words; ++k) words.push_back(e.addr + 8 * k);
  }
  if (e.words != 1) return;
  for (const auto& [addr, name] : locks_) {
    if (e.addr != addr) continue;
    if (e.old_val[0] == 0 && e.new_val[0] != 0) {
      // spin_lock's cmpxchg: the CpuOpEvent that follows says when it first tried.
      holds_.push_back(LockHold{name, addr, e.writer.cpu, e.writer.item, "", e.cycle, e.cycle, std::nullopt,
                                std::nullopt});
      awaiting_start_[{e.writer.cpu, e.writer.op}] = holds_.size() - 1;
    } else if (e.old_val[0] != 0 && e.new_val[0] == 0) {
      for (auto it = holds_.rbegin(); it != holds_.rend(); ++it)
        if (it->addr == addr && !it->released) {
          it->released = e.cycle;
          break;
        }
    }
  }
}

void SoftwareReads::on_cpu_op(const CpuOpEvent& e) {
  auto it = awaiting_start_.find({e.cpu, e.op});
  if (it == awaiting_start_.end()) return;
  holds_[it->second].requested = e.start;
  awaiting_start_.erase(it);
}

void SoftwareReads::on_item(const ItemEvent& e) { names_[{e.cpu, e.item}] = std::string(e.name); }

std::string SoftwareReads::item_name(u16 cpu, u32 item) const {
  auto it = names_.find({cpu, item});
  return it == names_.end() ? "item " + std::to_string(item) : it->second;
}

std::vector<ReadSnapshot> SoftwareReads::snapshots(const PhysicalMemory& mem,
                                                   const std::vector<EntryId>& watched) const {
  std::vector<ReadSnapshot> out;
  const std::vector<StoreEvent>& history = mem.history();
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
  for (const auto& kv : loads_) {
    const auto& key = kv.first;
    const auto& loads = kv.second;
    // An item that also stored to a word it loaded is a read-modify-write
    // sequence (the writers' checkers judge those), not a reader.
    auto st = stored_.find(key);
    const bool writes_what_it_reads =
        st != stored_.end() && std::any_of(loads.begin(), loads.end(), [&](const LoadSeen& l) {
          return std::find(st->second.begin(), st->second.end(), l.addr) != st->second.end();
        });
    if (writes_what_it_reads) continue;

    ReadSnapshot s;
    s.cpu = key.first;
    s.item = key.second;
    s.operation = item_name(key.first, key.second);
    s.loads = loads;
    for (LoadSeen& l : s.loads)
      for (const EntryId& id : watched) {
        const unsigned words = format_of(id.kind).bits / 64;
        if (l.addr >= id.addr && l.addr < id.addr + 8 * words) {
          l.where = to_string(id) + " word " + std::to_string((l.addr - id.addr) / 8);
          break;
        }
      }

    // Walk the versions from the first load's to the last load's, keeping the
    // words read up to date, and stop at the first version that holds them all.
    u64 lo = ~u64{0}, hi = 0;
    std::map<Addr, u64> word;  // value at the version under test
    for (const LoadSeen& l : loads) {
      if (l.forwarded) continue;  // its own store: not memory at any version
      lo = std::min(lo, l.version);
      hi = std::max(hi, l.version);
      word[l.addr] = 0;
    }
    if (word.empty()) continue;
    for (auto& [a, v] : word) v = mem.value_at(a, lo);
    auto holds_all = [&] {
      return std::all_of(loads.begin(), loads.end(),
                         [&](const LoadSeen& l) { return l.forwarded || word.at(l.addr) == l.value; });
    };
    s.consistent = false;
    for (u64 v = lo;; ++v) {
      if (!s.consistent && holds_all()) {
        s.consistent = true;
        s.version = v;
      }
      if (v >= hi || v >= history.size()) break;
      const StoreEvent& e = history[v];
      for (unsigned k = 0; k < e.words; ++k) {
        auto w = word.find(e.addr + 8 * k);
        if (w == word.end() || e.old_val[k] == e.new_val[k]) continue;
        w->second = e.new_val[k];
        s.changes.push_back(ReadSnapshot::Change{e.seq, e.cycle, e.writer, w->first});
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<LockHold> SoftwareReads::lock_holds() const {
  std::vector<LockHold> out = holds_;
  for (LockHold& h : out) {
    h.operation = item_name(h.cpu, h.item);
    for (const LockHold& g : holds_)
      if (g.addr == h.addr && g.cpu != h.cpu && g.acquired <= h.requested &&
          (!g.released || *g.released > h.requested))
        h.blocked_by = g.cpu;
  }
  return out;
}

}  // namespace vtd
