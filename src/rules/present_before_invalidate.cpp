// present_before_invalidate: the ownership handshake of VT-d spec 6.5.3.3
// (vtd-facts §7.10). Once software clears P of an entry, hardware may still
// hold the old present copy; software may change any other bit, or make the
// entry present again, only after it has observed the invalidations that
// cover the old copy complete (Handshakes: queued after the clear was
// visible, a wait after them, its status read before the change). Each
// store that changes the entry earlier is a violation.
#include <sstream>

#include "rules/rule.hpp"
#include "rules/story.hpp"

namespace vtd {

namespace {

class PresentBeforeInvalidate final : public Rule {
 public:
  std::string_view kind() const override { return "present_before_invalidate"; }

  void judge(const Evidence& ev, Findings& out) const override {
    static const std::size_t index = verdict_kind_index("present_before_invalidate");
    const Handshakes& hs = ev.handshakes;
    for (const auto& e : ev.history.entries()) {
      if (!handshake_applies(e.id.kind) || e.stores.empty()) continue;
      const Format& f = format_of(e.id.kind);
      EntryBits p_mask;
      f.present->add_to(p_mask);
      const std::vector<EntryBits> states = EntryHistory::states(e);
      // An open window: P was cleared by store `clear`; hardware may hold `old`.
      struct Window {
        const StoreEvent* clear;
        EntryBits at_clear;
        EntryBits old;
        std::vector<Need> needs;
      };
      std::optional<Window> w;
      for (std::size_t i = 0; i < e.stores.size(); ++i) {
        const StoreEvent& s = e.stores[i];
        const EntryBits& before = i ? states[i - 1] : e.initial;
        const EntryBits& state = states[i];
        if (w && state != before) {
          const bool others_changed =
              ((state ^ w->at_clear) & ~p_mask).any() || ((state ^ before) & ~p_mask).any();
          const bool reused = f.is_present(state);
          if (others_changed || reused) {
            std::vector<Handshakes::Judgement> unmet;
            for (const Need& n : w->needs) {
              Handshakes::Judgement j = hs.judge(n, *w->clear, s.writer);
              if (!j.met()) unmet.push_back(std::move(j));
            }
            if (unmet.empty()) {
              w.reset();  // the entry is software's now
            } else if (!out.detail) {
              out.tally_kind(index, s.seq - w->clear->seq);  // stores_between: the clear to this store
            } else {
              Finding fd;
              fd.kind = "present_before_invalidate";
              fd.cycle = s.cycle;
              fd.entry = e.id;
              fd.observed = state;
              fd.used = f.used_bits(w->old);
              fd.span.entry = e.id;
              fd.span.cpu = s.writer.cpu;
              fd.span.item = s.writer.item;
              fd.span.stores = {w->clear->seq, s.seq};
              fd.span.old_val = w->old;
              fd.span.new_val = state;
              fd.store = s.seq;
              fd.clear_store = w->clear->seq;
              fd.clear_cycle = w->clear->cycle;
              for (const Handshakes::Judgement& j : unmet) {
                fd.missing.push_back(j.need.name());
                fd.why.push_back(hs.explain(j, *w->clear));
              }
              fd.cached = hs.log().last_fill(e.id.addr, e.id.kind, s.cycle);
              fd.detail = std::string(reused ? "entry made present again" : "entry changed") + " at cycle " +
                          std::to_string(s.cycle) + " after P was cleared at cycle " +
                          std::to_string(w->clear->cycle) +
                          ", before software observed these invalidations complete";
              out.add(std::move(fd));
            }
          }
        }
        if (f.is_present(before) && !f.is_present(state)) {
          // P cleared by this store: hardware may still hold `before`.
          Window nw{&s, state, before, needs_for(e.id, before, false, ev.history, s.seq)};
          if (!nw.needs.empty()) w = std::move(nw);
        } else if (f.is_present(state)) {
          w.reset();  // reported above; a present entry starts over
        }
      }
    }
  }

  std::string brief(const Finding& f, const ItemName& item_name) const override {
    std::string s = "P cleared by store #" + std::to_string(f.clear_store.value_or(0)) + " at cycle " +
                    std::to_string(f.clear_cycle) + " (cpu" + std::to_string(f.span.cpu) + " \"" +
                    item_name(f.span.cpu, f.span.item) + "\"); missing: ";
    for (std::size_t k = 0; k < f.missing.size(); ++k) s += (k ? ", " : "") + f.missing[k];
    return s;
  }

  std::string store_role(const Finding& f, const StoreEvent& s, bool) const override {
    if (f.clear_store && s.seq == *f.clear_store) return "clears P";
    if (f.store && s.seq == *f.store)
      return "changes the entry before the invalidations were observed complete";
    return "";
  }

  std::pair<u64, u64> story_window(const Finding& f) const override {
    return {f.clear_store.value_or(0), f.store.value_or(0)};
  }

  void tell(const Finding& f, const StoryContext& ctx, Story& st) const override {
    const EntryHistory::Entry* e = ctx.history.find(f.entry.kind, f.entry.addr);
    if (!e) return;
    const Format& fmt = format_of(f.entry.kind);
    const u64 hi = f.store.value_or(0);
    st.table = make_table(fmt, {"hardware may hold", "memory after #" + std::to_string(hi)},
                          {f.span.old_val, f.observed}, f.used, "the old present value hardware may hold");
    // Fetches with a burst read between the clear and the change: what
    // hardware read of the entry meanwhile.
    std::size_t n = 0;
    for (const FetchEvent& ev : e->events) {
      bool in = false;
      for (unsigned i = 0; i < ev.nbursts; ++i)
        in = in || (ev.bursts[i].cycle >= f.clear_cycle && ev.bursts[i].cycle <= f.cycle);
      if (!in) continue;
      if (n++ < kStoryMaxWindowFetches)
        st.fetches.push_back(ctx.fetch(*e, ev, "a burst read between the clear of P and the change"));
    }
    st.fetches_left_out = n > kStoryMaxWindowFetches ? n - kStoryMaxWindowFetches : 0;
    std::string what = "the entry";
    for (const StoryStore& s : st.stores)
      if (s.seq == hi) what = s.change;
    std::ostringstream m;
    m << "store #" << hi << " at cycle " << f.cycle << " (" << what
      << ") changed the entry after P was cleared at cycle " << f.clear_cycle << " (store #"
      << f.clear_store.value_or(0)
      << "), before software had observed the invalidations that cover the old entry complete:";
    st.missing.push_back(m.str());
    for (const std::string& why : f.why) st.missing.push_back("  " + why);
    if (f.cached)
      st.missing.push_back("the IOMMU held a copy: filled at cycle " +
                           std::to_string(f.cached->source.cycle) + " by request #" +
                           std::to_string(f.cached->source.request) + ": " + describe(fmt, f.cached->value));
    else
      st.missing.push_back(
          "no copy of the entry was cached in this run (caches off or not filled): "
          "hardware that had one could use it");
    // The descriptors after the clear: what came, and when.
    st.invalidations = ctx.descriptors_between(f.clear_cycle, ~Cycle{0}, f.cycle, " (after the change)");
  }
};

const PresentBeforeInvalidate kRule{};

}  // namespace

const Rule& present_before_invalidate_rule = kRule;

}  // namespace vtd
