// unsafe_live_update: a store of an update span after which the entry's
// memory state has P = 1 and equals neither OLD nor NEW on its used bits:
// hardware may fetch that state whether or not a fetch of this run did.
#include <sstream>

#include "rules/rule.hpp"
#include "rules/story.hpp"

namespace vtd {

namespace {

class UnsafeLiveUpdate final : public Rule {
 public:
  std::string_view kind() const override { return "unsafe_live_update"; }

  void judge(const Evidence& ev, Findings& out) const override {
    static const std::size_t index = verdict_kind_index("unsafe_live_update");
    for (std::size_t i = 0; i < ev.spans.size(); ++i) {
      const EntryHistory::Entry& e = ev.history.entries()[i];
      const Format& f = format_of(e.id.kind);
      for (const Span& sp : ev.spans[i]) {
        for (u64 seq : sp.stores) {
          if (seq == sp.last()) break;
          const EntryBits state = EntryHistory::value_at(e, seq + 1);
          if (!f.is_present(state)) continue;
          const EntryBits used = f.used_bits(state);
          if (equal_on(state, sp.old_val, used) || equal_on(state, sp.new_val, used)) continue;
          if (!out.detail) {
            out.tally_kind(index, seq - sp.first());  // stores_between: the span's first store to this one
            continue;
          }
          Finding fd = span_finding("unsafe_live_update", sp, state, true);
          fd.cycle = store_cycle(e, seq);
          fd.store = seq;
          out.add(std::move(fd));
        }
      }
    }
  }

  std::string brief(const Finding& f, const ItemName&) const override { return span_diff_brief(f); }

  std::string store_role(const Finding& f, const StoreEvent& s, bool clears_p) const override {
    if (f.store && s.seq == *f.store) return "leaves the torn present state";
    if (std::find(f.span.stores.begin(), f.span.stores.end(), s.seq) == f.span.stores.end()) return "";
    return clears_p ? "in the update; clears P" : "in the update";
  }

  void tell(const Finding& f, const StoryContext& ctx, Story& st) const override {
    const EntryHistory::Entry* e = ctx.history.find(f.entry.kind, f.entry.addr);
    if (!e) return;
    const Format& fmt = format_of(f.entry.kind);
    const u64 k = f.store.value_or(f.span.stores.empty() ? 0 : f.span.last());
    // The state lasts until a later store changes the entry.
    std::optional<u64> next;
    const EntryBits left = EntryHistory::value_at(*e, k + 1);
    for (const StoreEvent& s : e->stores)
      if (s.seq > k && EntryHistory::value_at(*e, s.seq + 1) != left) {
        next = s.seq;
        break;
      }
    st.table = make_table(fmt, {"OLD", "NEW", "left by #" + std::to_string(k)},
                          {f.span.old_val, f.span.new_val, f.observed}, f.used,
                          "the state store #" + std::to_string(k) + " left");
    std::size_t n = 0;
    for (const FetchEvent& ev : e->events) {
      bool all = ev.nbursts > 0;
      for (unsigned i = 0; i < ev.nbursts; ++i) {
        const u64 v = ev.bursts[i].version;
        if (v <= k || (next && v > *next)) all = false;
      }
      if (!all) continue;
      if (n++ < kStoryMaxFetches)
        st.fetches.push_back(ctx.fetch(*e, ev, "read the state left by #" + std::to_string(k)));
    }
    st.fetches_left_out = n > kStoryMaxFetches ? n - kStoryMaxFetches : 0;
    std::ostringstream m;
    m << "store " << store_ref(*e, k)
      << " left the entry present (P = 1) and neither OLD nor NEW on the used bits (" << mix_text(st.table)
      << ")";
    if (next) {
      const Cycle lasted = store_cycle(*e, *next) - f.cycle;
      m << " until store " << store_ref(*e, *next) << ": for " << lasted << " cycle"
        << (lasted == 1 ? "" : "s") << " any fetch of the entry would use that state";
    }
    st.missing.push_back(m.str());
    st.missing.push_back(
        "nothing made the update atomic for hardware: P stayed 1 while the fields changed one "
        "store at a time (no single cmpxchg16b, no clearing of P first)");
    st.missing.push_back(n ? std::to_string(n) + " fetch" + (n == 1 ? "" : "es") + " of this run read it"
                           : "no fetch of this run landed on it: another timing would");
  }
};

const UnsafeLiveUpdate kRule{};

}  // namespace

const Rule& unsafe_live_update_rule = kRule;

}  // namespace vtd
