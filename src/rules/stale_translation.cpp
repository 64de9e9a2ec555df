// stale_translation: a DMA request whose outcome matches the tables (as
// software sees them: the coherent view) at no memory version between its
// arrival and its completion, and which went through a copy of an entry that
// a change had superseded, a change whose covering invalidation (queued after
// software saw the change) completed before the request arrived. A request
// that arrives while the entry is changing, waits, and then walks the new
// entry is legal; so is one that uses a cached copy until the invalidation
// completes (the handshake rules judge software's side of that).
#include <algorithm>
#include <set>
#include <sstream>

#include "iommu_model/fault_reasons.hpp"
#include "rules/rule.hpp"
#include "rules/story.hpp"

namespace vtd {

namespace {

std::optional<u32> request_pasid(const DmaEvent& e) {
  return e.has_pasid ? std::optional<u32>(e.pasid) : std::nullopt;
}

bool same_outcome(const DmaEvent& e, const ReferenceResult& r) {
  return r.fault == e.fault && (e.fault || r.pa == e.pa);
}

class StaleTranslation final : public Rule {
 public:
  std::string_view kind() const override { return "stale_translation"; }

  void judge(const Evidence& ev, Findings& out) const override {
    static const std::size_t index = verdict_kind_index("stale_translation");
    for (const DmaEvent& d : ev.dma.superseded()) {
      for (const DmaEvent::CopyUsed& c : d.copies) {
        const EntryHistory::Entry* entry = ev.history.find(c.kind, c.entry);
        if (!entry) continue;
        const auto superseding = superseded_by(ev, *entry, c, d.arrived);
        if (!superseding) continue;
        // The tables at every version the request could have seen.
        ReferenceTranslator& ref = ev.reference;
        const u64 va = ref.version_at(d.arrived), vd = ref.version_at(d.done);
        const ReferenceResult at_arrival = ref.translate(d.rid, request_pasid(d), d.iova, d.write, va);
        if (same_outcome(d, at_arrival)) break;
        bool legal = false;
        for (const auto& en : ev.history.entries()) {
          for (const StoreEvent& s : en.stores) {
            if (s.seq < va || s.seq >= vd) continue;
            if (same_outcome(d, ref.translate(d.rid, request_pasid(d), d.iova, d.write, s.seq + 1)))
              legal = true;
            if (legal) break;
          }
          if (legal) break;
        }
        if (legal) break;
        if (!out.detail) {
          out.tally_kind(index, 0);
          break;
        }
        Finding fd;
        fd.kind = "stale_translation";
        fd.cycle = d.done;
        fd.entry = entry->id;
        fd.request = d.request;
        fd.copy = c;
        fd.iova = d.iova;
        fd.write = d.write;
        fd.dma_fault = d.fault;
        fd.dma_reason = d.fault_reason;
        fd.dma_pa = d.pa;
        fd.expected.push_back({va, at_arrival.fault, at_arrival.reason, at_arrival.pa});
        if (vd != va) {
          const ReferenceResult r = ref.translate(d.rid, request_pasid(d), d.iova, d.write, vd);
          fd.expected.push_back({vd, r.fault, r.reason, r.pa});
        }
        fd.rid = d.rid;
        fd.arrived = d.arrived;
        fd.did = d.did;
        fd.iotlb_hit = d.iotlb_hit;
        fd.observed = c.value;
        fd.superseded_by = superseding->first;
        fd.invalidated = superseding->second;
        // The update span of the superseding store (every store of an entry
        // has one): who changed the entry, its OLD and NEW.
        for (const Span& sp : ev.spans[static_cast<std::size_t>(entry - ev.history.entries().data())])
          if (std::find(sp.stores.begin(), sp.stores.end(), superseding->first) != sp.stores.end())
            fd.span = sp;
        fd.detail = std::string("translated through a ") + (c.from_cache ? "cached" : "fetched") +
                    " copy of " + to_string(entry->id) + " filled by request #" +
                    std::to_string(c.source.request) + " at cycle " + std::to_string(c.source.cycle) +
                    ", superseded by store #" + std::to_string(superseding->first) +
                    " whose invalidation completed at cycle " + std::to_string(superseding->second) +
                    "; the tables from arrival (cycle " + std::to_string(d.arrived) + ") to completion " +
                    (at_arrival.fault ? "fault it (reason " + hex(at_arrival.reason) + ")"
                                      : "map it to " + hex(at_arrival.pa));
        out.add(std::move(fd));
        break;
      }
    }
  }

  std::string brief(const Finding& f, const ItemName&) const override { return f.detail; }

  std::string store_role(const Finding& f, const StoreEvent& s, bool) const override {
    if (f.superseded_by && s.seq == *f.superseded_by)
      return "superseded the copy used; its invalidation completed before the request arrived";
    return "";
  }

  std::pair<u64, u64> story_window(const Finding& f) const override {
    const u64 s = f.superseded_by.value_or(0);
    return {s, s};
  }

  void tell(const Finding& f, const StoryContext& ctx, Story& st) const override {
    tell_dma_outcome(f, ctx, st, "tables at arrival",
                     f.expected.empty() ? ~0ull : f.expected.front().version);
    if (f.superseded_by)
      st.missing.push_back("store #" + std::to_string(*f.superseded_by) +
                           " superseded the copy; an invalidation that covers it, queued after the store, "
                           "completed at cycle " +
                           std::to_string(f.invalidated) + ", before the request arrived at cycle " +
                           std::to_string(f.arrived) + ": hardware should no longer have used the copy");
  }

 private:
  // The first store to `entry` that the copy did not see, changed what the
  // copy holds on the bits it uses, and whose covering invalidations (queued
  // after software saw it) all completed by `arrived`; with that cycle.
  static std::optional<std::pair<u64, Cycle>> superseded_by(const Evidence& ev,
                                                            const EntryHistory::Entry& entry,
                                                            const DmaEvent::CopyUsed& c, Cycle arrived) {
    const Format& f = format_of(entry.id.kind);
    u64 vmin = ~u64{0};
    for (unsigned i = 0; i < c.source.nbursts; ++i) vmin = std::min(vmin, c.source.versions[i]);
    const EntryBits used = f.used_bits(c.value);
    for (const StoreEvent& s : entry.stores) {
      if (s.seq < vmin || s.cycle > arrived) continue;
      const EntryBits after = EntryHistory::value_at(entry, s.seq + 1);
      if (equal_on(after, c.value, used)) continue;
      const std::vector<Need> needs = needs_for(entry.id, c.value, f.is_present(after), ev.history, s.seq);
      if (needs.empty()) continue;
      Cycle done = 0;
      bool all = true;
      for (const Need& n : needs) {
        const auto at = ev.handshakes.completed_by(n, s, arrived);
        if (!at) {
          all = false;
          break;
        }
        done = std::max(done, *at);
      }
      if (all) return std::pair{s.seq, done};
    }
    return std::nullopt;
  }
};

const StaleTranslation kRule{};

}  // namespace

const Rule& stale_translation_rule = kRule;

}  // namespace vtd
