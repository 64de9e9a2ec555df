// torn_fetch: a fetch related to an update span (some burst saw part of it,
// or its bursts straddle it) whose assembled value S differs from every OLD
// and NEW of the spans it is related to on used_bits(S): hardware saw a
// state that memory never held, and used it.
#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "rules/rule.hpp"
#include "rules/story.hpp"

namespace vtd {

namespace {

unsigned stores_seen(const Span& sp, u64 version) {
  return static_cast<unsigned>(
      std::count_if(sp.stores.begin(), sp.stores.end(), [&](u64 s) { return s < version; }));
}

}  // namespace

// The findings of the fetches `mixed` classified as torn (or not): one per
// span each is related to. Shared with benign_mixed_fetch.
void mixed_fetch_findings(const Evidence& ev, bool torn, const char* kind, Findings& out) {
  const std::size_t index = verdict_kind_index(kind);
  for (const MixedFetch& m : ev.mixed_fetches()) {
    if (m.torn != torn) continue;
    const EntryHistory::Entry& e = ev.history.entries()[m.entry];
    const EntryHistory::Fetch& fetch = e.fetches[m.fetch];
    if (!out.detail) {
      // What a sweep keeps: one finding per related span, all of them the
      // fetch's bursts apart (stores_between).
      out.tally_kind(index, fetch.hi - fetch.lo, fetch.count * m.overlapped.size());
      continue;
    }
    // The record's fetches are one run of events (EntryHistory::Fetch).
    if (m.fetch >= e.events.runs().size())
      throw std::logic_error("fetch findings in detail need the fetch events");
    const FetchLog::Run& run = e.events.runs()[m.fetch];
    const Format& f = format_of(e.id.kind);
    for (std::size_t k = 0; k < run.n; ++k) {
      const FetchEvent fe = run.at(k);
      for (const Span* sp : m.overlapped) {
        Finding fd = span_finding(kind, *sp, fetch.value, true);
        fd.cycle = fe.cycle();
        fd.request = fe.request;
        for (unsigned i = 0; i < fe.nbursts; ++i) {
          const Burst& b = fe.bursts[i];
          const unsigned chunk = f.bits < 128 ? 0 : static_cast<unsigned>((b.addr - e.id.addr) / 16);
          fd.bursts.push_back(BurstSeen{b, chunk, stores_seen(*sp, b.version)});
        }
        out.add(std::move(fd));
      }
    }
  }
}

namespace {

class TornFetch final : public Rule {
 public:
  std::string_view kind() const override { return "torn_fetch"; }
  void judge(const Evidence& ev, Findings& out) const override {
    mixed_fetch_findings(ev, true, "torn_fetch", out);
  }
  std::string brief(const Finding& f, const ItemName&) const override { return span_diff_brief(f); }
  std::string store_role(const Finding& f, const StoreEvent& s, bool clears_p) const override {
    if (std::find(f.span.stores.begin(), f.span.stores.end(), s.seq) == f.span.stores.end()) return "";
    return clears_p ? "in the update; clears P" : "in the update";
  }
  void tell(const Finding& f, const StoryContext& ctx, Story& st) const override {
    const EntryHistory::Entry* e = ctx.history.find(f.entry.kind, f.entry.addr);
    if (!e) return;
    const Format& fmt = format_of(f.entry.kind);
    StoryFetch sf;
    sf.request = f.request.value_or(0);
    sf.role = "the torn fetch (bursts in the order read)";
    for (const BurstSeen& b : f.bursts) sf.bursts.push_back(story_burst(*e, b.burst, b.index));
    st.fetches.push_back(std::move(sf));
    st.table = make_table(fmt, {"OLD", "NEW", "observed"}, {f.span.old_val, f.span.new_val, f.observed},
                          f.used, "the observed value");
    Cycle bmin = ~Cycle{0}, bmax = 0;
    u64 vmin = ~0ull, vmax = 0;
    for (const BurstSeen& b : f.bursts) {
      bmin = std::min(bmin, b.burst.cycle);
      bmax = std::max(bmax, b.burst.cycle);
      vmin = std::min(vmin, b.burst.version);
      vmax = std::max(vmax, b.burst.version);
    }
    // The stores to the entry that landed between the bursts.
    std::vector<const StoreEvent*> between;
    for (const StoreEvent& x : e->stores)
      if (x.seq >= vmin && x.seq < vmax) between.push_back(&x);
    std::ostringstream m;
    if (vmin == vmax) {
      // One moment: the fetch itself was atomic, but came in the middle of the update.
      std::optional<u64> after, before;
      for (u64 q : f.span.stores) {
        if (q < vmin) after = q;
        if (q >= vmin && !before) before = q;
      }
      m << "an update hardware cannot catch half done: the fetch read the entry at one moment (cycle"
        << (bmin == bmax ? " " : "s ") << bmin << (bmin == bmax ? "" : ".." + std::to_string(bmax))
        << ", memory version " << vmin << ") in the middle of the update #" << f.span.first() << "..#"
        << f.span.last() << " (cycles " << f.span.first_cycle << ".." << f.span.last_cycle << ")";
      if (after) m << ": after store #" << *after;
      if (before) m << (after ? ", " : ": ") << "before #" << *before;
    } else {
      m << "one atomic view of the entry: its bursts (cycles " << bmin << ".." << bmax
        << ") read memory versions " << vmin << ".." << vmax;
      if (!between.empty())
        m << ", and between them store" << (between.size() == 1 ? " #" : "s #") << between.front()->seq
          << (between.size() == 1 ? "" : "..#" + std::to_string(between.back()->seq)) << " (cycle"
          << (between.size() == 1 ? " " : "s ") << between.front()->cycle
          << (between.size() == 1 ? "" : ".." + std::to_string(between.back()->cycle))
          << ") changed the entry";
      m << "; judged against the update #" << f.span.first()
        << (f.span.stores.size() == 1 ? "" : "..#" + std::to_string(f.span.last()))
        << " (OLD: before it, NEW: after it)";
    }
    st.missing.push_back(m.str());
    if (fmt.is_present(f.observed))
      st.missing.push_back("hardware took the assembled entry as present (P = 1) and used it: " +
                           mix_text(st.table));
  }
};

const TornFetch kRule{};

}  // namespace

const Rule& torn_fetch_rule = kRule;

}  // namespace vtd
