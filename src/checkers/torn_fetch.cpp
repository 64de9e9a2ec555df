#include <algorithm>
#include <stdexcept>

#include "checkers/rules.hpp"

namespace vtd {

namespace {

unsigned stores_seen(const Span& sp, u64 version) {
  return static_cast<unsigned>(
      std::count_if(sp.stores.begin(), sp.stores.end(), [&](u64 s) { return s < version; }));
}

}  // namespace

// A fetch overlaps a span when a burst saw part of it, or bursts saw both
// sides of it. A fetch may overlap several spans (a teardown whose P-clearing
// store ends one span and starts the next): the states software left between
// and around them (each span's OLD and NEW) are all states memory really held,
// so a fetch equal to any of them on the bits hardware uses is not torn.
void check_torn_fetches(const EntryHistory::Entry& e, const std::vector<Span>& spans, Findings& out) {
  const Format& f = format_of(e.id.kind);
  static const std::size_t torn = verdict_kind_index(kTornFetch),
                           benign = verdict_kind_index(kBenignMixedFetch);
  std::vector<const Span*> overlapped;
  // Versions no span covers: a fetch wholly before the earliest span or
  // after the latest one overlaps none (most fetches of a run).
  u64 first = ~u64{0}, last = 0;
  for (const Span& sp : spans) {
    first = std::min(first, sp.first());
    last = std::max(last, sp.last());
  }
  for (std::size_t n = 0; n < e.fetches.size(); ++n) {
    // A burst saw part of a span (first < v <= last), or bursts saw both
    // sides of it: with the fetch's lowest and highest versions, that is
    // hi > first && lo <= last.
    const u64 lo = e.fetches[n].lo, hi = e.fetches[n].hi;
    if (hi <= first || lo > last) continue;
    overlapped.clear();
    for (const Span& sp : spans)
      if (hi > sp.first() && lo <= sp.last()) overlapped.push_back(&sp);
    if (overlapped.empty()) continue;
    const EntryBits& s = e.fetches[n].value;
    const EntryBits used = f.used_bits(s);
    bool exact = false, on_used = false;
    for (const Span* sp : overlapped) {
      exact = exact || s == sp->old_val || s == sp->new_val;
      on_used = on_used || equal_on(s, sp->old_val, used) || equal_on(s, sp->new_val, used);
    }
    if (exact) continue;
    if (!out.detail) {
      // What a sweep keeps: one finding per overlapped span, all of them the
      // fetch's bursts apart (stores_between).
      out.tally_kind(on_used ? benign : torn, hi - lo, e.fetches[n].count * overlapped.size());
      continue;
    }
    if (n >= e.events.size()) throw std::logic_error("torn-fetch findings in detail need the fetch events");
    const FetchEvent& fe = e.events[n];
    for (const Span* sp : overlapped) {
      Finding fd = span_finding(on_used ? kBenignMixedFetch : kTornFetch, *sp, s, out.detail);
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

}  // namespace vtd
