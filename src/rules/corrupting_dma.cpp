// corrupting_dma: a translated DMA request whose physical address no stable
// state of the run maps for it: not the initial tables, not the tables after
// any update span (closed at clears of P and sync points), not the final
// tables. The harm users care about: the device reached memory that neither
// the old nor the new domain gave it. One finding per distinct outcome.
#include <set>

#include "rules/rule.hpp"
#include "rules/story.hpp"

namespace vtd {

namespace {

class CorruptingDma final : public Rule {
 public:
  std::string_view kind() const override { return "corrupting_dma"; }

  void judge(const Evidence& ev, Findings& out) const override {
    const auto& outcomes = ev.dma.outcomes();
    if (outcomes.empty()) return;
    // Stable states: the start, after every update span, the end.
    std::set<u64> versions{0};
    u64 last = 0;
    for (const auto& entry_spans : ev.spans)
      for (const Span& sp : entry_spans) versions.insert(sp.last() + 1);
    for (const auto& e : ev.history.entries())
      for (const StoreEvent& s : e.stores) last = std::max(last, s.seq + 1);
    versions.insert(last);
    for (const auto& [key, seen] : outcomes) {
      const DmaEvent& e = seen.first;
      const std::optional<u32> pasid = e.has_pasid ? std::optional<u32>(e.pasid) : std::nullopt;
      bool legit = false;
      std::vector<Finding::Expected> expected;
      for (u64 v : versions) {
        const ReferenceResult r = ev.reference.translate(e.rid, pasid, e.iova, e.write, v);
        expected.push_back({v, r.fault, r.reason, r.pa});
        if (!r.fault && r.pa == e.pa) legit = true;
      }
      if (legit) continue;
      Finding fd;
      fd.kind = "corrupting_dma";
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
      fd.detail = "request #" + std::to_string(e.request) + " from " + to_string(e.rid) + " reached " + hex(e.pa) +
                  ", which no stable state of the tables maps for iova " + hex(e.iova) + " (" +
                  std::to_string(seen.count) + " request(s) with this outcome)";
      out.add(std::move(fd));
    }
  }

  std::string brief(const Finding& f, const ItemName&) const override { return f.detail; }

  void tell(const Finding& f, const StoryContext& ctx, Story& st) const override {
    const EntryHistory::Entry* e = ctx.history.find(f.entry.kind, f.entry.addr);
    if (!e) {
      // An entry nobody watched (through a paging entry): the values are all there is.
      st.missing.push_back(f.detail.empty() ? "no store history for this entry" : f.detail);
      if (f.copy)
        st.table = make_table(format_of(f.copy->kind), {"copy used"}, {f.copy->value},
                              format_of(f.copy->kind).used_bits(f.copy->value), "the copy used");
      return;
    }
    tell_dma_outcome(f, ctx, st, "tables at the end", ~0ull);
    if (f.occurrences > 1) st.missing.push_back(std::to_string(f.occurrences) + " requests had this outcome");
  }
};

const CorruptingDma kRule{};

}  // namespace

const Rule& corrupting_dma_rule = kRule;

}  // namespace vtd
