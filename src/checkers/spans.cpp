#include "checkers/spans.hpp"

#include <utility>

namespace vtd {

namespace {
constexpr std::size_t kClosed = ~std::size_t{0};
}  // namespace

std::vector<Span> update_spans(const EntryHistory::Entry& e, const EntryHistory& h, const Handshakes* hs) {
  const Format& f = format_of(e.id.kind);
  const std::vector<EntryBits> after = EntryHistory::states(e);
  std::vector<Span> out;
  struct Open {
    std::pair<u16, u32> owner;
    std::size_t span = kClosed;  // index in `out`
    std::size_t last = 0;        // index in e.stores of the span's last store
    std::vector<Need> needs;     // what covers every present state held since the span opened
  };
  std::vector<Open> open;
  for (std::size_t i = 0; i < e.stores.size(); ++i) {
    const StoreEvent& s = e.stores[i];
    const EntryBits& before = i ? after[i - 1] : e.initial;
    const std::pair<u16, u32> owner{s.writer.cpu, s.writer.item};
    std::size_t k = 0;
    while (k < open.size() && open[k].owner != owner) ++k;
    if (k == open.size()) open.push_back(Open{owner, kClosed, 0, {}});
    Open& o = open[k];
    // A sync point between this operation's previous store and this one.
    if (o.span != kClosed && hs && hs->synced(o.needs, e.stores[o.last], s.writer)) o.span = kClosed;
    if (o.span == kClosed) {
      out.push_back(Span{e.id, s.writer.cpu, s.writer.item, {}, s.cycle, s.cycle, before, {}});
      o.span = out.size() - 1;
      o.needs.clear();
      if (hs && f.is_present(before)) o.needs = needs_for(e.id, before, true, h, s.seq);
    }
    Span& span = out[o.span];
    span.stores.push_back(s.seq);
    span.last_cycle = s.cycle;
    span.new_val = after[i];
    o.last = i;
    if (hs && f.is_present(after[i])) add_needs(o.needs, needs_for(e.id, after[i], true, h, s.seq + 1));
    if (f.present && f.is_present(before) && !f.is_present(after[i])) o.span = kClosed;
  }
  return out;
}

std::vector<std::vector<Span>> update_spans(const EntryHistory& h, const Handshakes* hs) {
  std::vector<std::vector<Span>> spans;
  spans.reserve(h.entries().size());
  for (const auto& e : h.entries()) spans.push_back(update_spans(e, h, hs));
  return spans;
}

}  // namespace vtd
