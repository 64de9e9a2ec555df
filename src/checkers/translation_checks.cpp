#include "checkers/translation_checks.hpp"

#include <set>

namespace vtd {

void TranslationChecker::on_item(const ItemEvent& e) { item_end_[{e.cpu, e.item}] = e.end; }

namespace {

std::optional<u32> request_pasid(const DmaEvent& e) {
  return e.has_pasid ? std::optional<u32>(e.pasid) : std::nullopt;
}

}  // namespace

void TranslationChecker::on_dma(const DmaEvent& e) {
  if (!e.fault) {
    const long long pasid = e.has_pasid ? static_cast<long long>(e.pasid) : -1LL;
    // A stream repeats its outcome: the last one is usually it again
    // (compared field by field, without building a key).
    const auto& [rid, kpasid, iova, write, pa] = last_key_;
    if (!last_seen_ || rid != e.rid.value || kpasid != pasid || iova != e.iova || write != e.write ||
        pa != e.pa)
      switch_outcome(e, pasid);
    ++last_seen_->count;
  }
  // No driver operation has finished yet: no copy can be of an updated entry.
  if (!item_end_.empty()) check_stale(e);
}

// Out of line (as check_stale): the map lookup would widen on_dma's frame.
[[gnu::noinline]] void TranslationChecker::switch_outcome(const DmaEvent& e, long long pasid) {
  last_key_ = Key{e.rid.value, pasid, e.iova, e.write, e.pa};
  last_seen_ = &outcomes_[last_key_];
  if (last_seen_->count == 0) last_seen_->first = e;  // a new outcome comes through here first
}

// Out of line: the common request (no driver operation finished yet) keeps a small frame.
[[gnu::noinline]] void TranslationChecker::check_stale(const DmaEvent& e) {
  // Only copies of entries whose update software had finished by arrival.
  for (const DmaEvent::CopyUsed& c : e.copies) {
    const EntryHistory::Entry* entry = h_.find(c.kind, c.entry);
    if (!entry) continue;
    bool updated = false;
    for (const StoreEvent& s : entry->stores) {
      auto it = item_end_.find({s.writer.cpu, s.writer.item});
      if (it != item_end_.end() && it->second <= e.arrived) updated = true;
    }
    if (!updated) continue;
    const u64 version = ref_.version_at(e.arrived);
    const ReferenceResult r = ref_.translate(e.rid, request_pasid(e), e.iova, e.write, version);
    if (r.fault == e.fault && (e.fault || r.pa == e.pa)) return;
    Finding fd;
    fd.kind = kStaleTranslation;
    fd.cycle = e.done;
    fd.entry = entry->id;
    fd.request = e.request;
    fd.copy = c;
    fd.iova = e.iova;
    fd.write = e.write;
    fd.dma_fault = e.fault;
    fd.dma_reason = e.fault_reason;
    fd.dma_pa = e.pa;
    fd.expected.push_back({version, r.fault, r.reason, r.pa});
    fd.rid = e.rid;
    fd.arrived = e.arrived;
    fd.did = e.did;
    fd.iotlb_hit = e.iotlb_hit;
    fd.observed = c.value;
    fd.detail = std::string("translated through a ") + (c.from_cache ? "cached" : "fetched") + " copy of " +
                to_string(entry->id) + " filled by request #" + std::to_string(c.source.request) +
                " at cycle " + std::to_string(c.source.cycle) + "; the tables at arrival (cycle " +
                std::to_string(e.arrived) + ") " +
                (r.fault ? "fault it (reason " + hex(r.reason) + ")" : "map it to " + hex(r.pa));
    stale_.items.push_back(std::move(fd));
    return;
  }
}

void TranslationChecker::finish(Findings& out) {
  std::vector<std::vector<Span>> spans;
  for (const auto& e : h_.entries()) spans.push_back(EntryHistory::spans(e));
  finish(out, spans);
}

void TranslationChecker::finish(Findings& out, const std::vector<std::vector<Span>>& spans) {
  for (Finding& f : stale_.items) out.add(std::move(f));
  stale_.items.clear();
  if (outcomes_.empty()) return;
  // Stable states: the start, after every update span, the end.
  std::set<u64> versions{0};
  u64 last = 0;
  for (const auto& entry_spans : spans)
    for (const Span& sp : entry_spans) versions.insert(sp.last() + 1);
  for (const auto& e : h_.entries())
    for (const StoreEvent& s : e.stores) last = std::max(last, s.seq + 1);
  versions.insert(last);
  for (const auto& [key, seen] : outcomes_) {
    const DmaEvent& e = seen.first;
    bool legit = false;
    std::vector<Finding::Expected> expected;
    for (u64 v : versions) {
      const ReferenceResult r = ref_.translate(e.rid, request_pasid(e), e.iova, e.write, v);
      expected.push_back({v, r.fault, r.reason, r.pa});
      if (!r.fault && r.pa == e.pa) legit = true;
    }
    if (legit) continue;
    Finding fd;
    fd.kind = kCorruptingDma;
    fd.cycle = e.done;
    fd.request = e.request;
    fd.entry = EntryId{e.has_pasid ? EntryKind::Pasid : EntryKind::Context, 0, e.rid, 0, e.pasid};
    for (const DmaEvent::CopyUsed& c : e.copies) {
      fd.copy = c;
      fd.entry.addr = c.entry;
      fd.entry.kind = c.kind;
    }
    fd.iova = e.iova;
    fd.write = e.write;
    fd.dma_pa = e.pa;
    fd.expected = std::move(expected);
    fd.rid = e.rid;
    fd.arrived = e.arrived;
    fd.did = e.did;
    fd.iotlb_hit = e.iotlb_hit;
    fd.occurrences = seen.count;
    fd.detail = "request #" + std::to_string(e.request) + " from " + to_string(e.rid) + " reached " +
                hex(e.pa) + ", which no stable state of the tables maps for iova " + hex(e.iova) + " (" +
                std::to_string(seen.count) + " request(s) with this outcome)";
    out.add(std::move(fd));
  }
}

}  // namespace vtd
