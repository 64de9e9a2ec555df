#include <algorithm>

#include "checkers/rules.hpp"

namespace vtd {

namespace {

unsigned stores_seen(const Span& sp, u64 version) {
  return static_cast<unsigned>(
      std::count_if(sp.stores.begin(), sp.stores.end(), [&](u64 s) { return s < version; }));
}

}  // namespace

void check_torn_fetches(const EntryHistory::Entry& e, const std::vector<Span>& spans, Findings& out) {
  const Format& f = format_of(e.id.kind);
  for (const FetchEvent& fe : e.fetches) {
    for (const Span& sp : spans) {
      bool inside = false, before = false, after = false;
      for (unsigned i = 0; i < fe.nbursts; ++i) {
        const u64 v = fe.bursts[i].version;
        if (v <= sp.first())
          before = true;
        else if (v > sp.last())
          after = true;
        else
          inside = true;
      }
      if (!inside && !(before && after)) continue;
      const EntryBits& s = fe.value;
      if (s == sp.old_val || s == sp.new_val) continue;
      const EntryBits used = f.used_bits(s);
      const bool torn = !equal_on(s, sp.old_val, used) && !equal_on(s, sp.new_val, used);
      Finding fd = span_finding(torn ? kTornFetch : kBenignMixedFetch, sp, s, out.detail);
      fd.cycle = fe.cycle();
      fd.request = fe.request;
      for (unsigned i = 0; i < fe.nbursts; ++i) {
        const Burst& b = fe.bursts[i];
        const unsigned chunk = f.bits < 128 ? 0 : static_cast<unsigned>((b.addr - e.id.addr) / 16);
        fd.bursts.push_back(BurstSeen{b, chunk, stores_seen(sp, b.version)});
      }
      out.items.push_back(std::move(fd));
    }
  }
}

}  // namespace vtd
