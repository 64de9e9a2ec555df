#include "checkers/rules.hpp"

namespace vtd {

void check_live_updates(const EntryHistory::Entry& e, const std::vector<Span>& spans, Findings& out) {
  const Format& f = format_of(e.id.kind);
  for (const Span& sp : spans) {
    for (u64 seq : sp.stores) {
      if (seq == sp.last()) break;
      const EntryBits state = EntryHistory::value_at(e, seq + 1);
      if (!f.is_present(state)) continue;
      const EntryBits used = f.used_bits(state);
      if (equal_on(state, sp.old_val, used) || equal_on(state, sp.new_val, used)) continue;
      if (!out.detail) {
        static const std::size_t kind = verdict_kind_index(kUnsafeLiveUpdate);
        out.tally_kind(kind, seq - sp.first());  // stores_between: the span's first store to this one
        continue;
      }
      Finding fd = span_finding(kUnsafeLiveUpdate, sp, state, out.detail);
      for (const StoreEvent& s : e.stores)
        if (s.seq == seq) fd.cycle = s.cycle;
      fd.store = seq;
      out.add(std::move(fd));
    }
  }
}

}  // namespace vtd
