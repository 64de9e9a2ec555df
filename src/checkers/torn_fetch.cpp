#include <algorithm>

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
  for (const FetchEvent& fe : e.fetches) {
    // A burst saw part of a span (first < v <= last), or bursts saw both
    // sides of it: with the fetch's lowest and highest versions, that is
    // hi > first && lo <= last.
    u64 lo = ~u64{0}, hi = 0;
    for (unsigned i = 0; i < fe.nbursts; ++i) {
      lo = std::min(lo, fe.bursts[i].version);
      hi = std::max(hi, fe.bursts[i].version);
    }
    if (hi <= first || lo > last) continue;
    overlapped.clear();
    for (const Span& sp : spans)
      if (hi > sp.first() && lo <= sp.last()) overlapped.push_back(&sp);
    if (overlapped.empty()) continue;
    const EntryBits& s = fe.value;
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
      out.tally_kind(on_used ? benign : torn, hi - lo, overlapped.size());
      continue;
    }
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
