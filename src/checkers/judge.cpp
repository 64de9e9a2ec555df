#include <algorithm>

#include "checkers/rules.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

std::size_t verdict_kind_index(const std::string& kind) {
  const auto& kinds = known_verdict_kinds();
  return static_cast<std::size_t>(std::find(kinds.begin(), kinds.end(), kind) - kinds.begin());
}

u64 stores_between(const Finding& f) {
  if (!f.bursts.empty()) {
    u64 lo = ~u64{0}, hi = 0;
    for (const BurstSeen& b : f.bursts) {
      lo = std::min(lo, b.burst.version);
      hi = std::max(hi, b.burst.version);
    }
    return hi - lo;
  }
  if (f.clear_store && f.store && *f.store >= *f.clear_store) return *f.store - *f.clear_store;
  if (f.store && !f.span.stores.empty() && *f.store >= f.span.first()) return *f.store - f.span.first();
  return 0;
}

void Findings::add(Finding&& f) {
  if (detail)
    items.push_back(std::move(f));
  else
    tally_kind(verdict_kind_index(f.kind), stores_between(f));
}

void Findings::tally_kind(std::size_t kind, u64 between, u64 n) {
  if (tally.counts.empty()) {
    tally.counts.assign(known_verdict_kinds().size(), 0);
    tally.distance.assign(known_verdict_kinds().size(), Tally::kNone);
  }
  if (kind >= tally.counts.size() || n == 0) return;
  tally.counts[kind] += n;
  tally.distance[kind] = std::min(tally.distance[kind], between);
}

std::map<std::string, u64> Findings::counts() const {
  std::map<std::string, u64> c;
  const auto& kinds = known_verdict_kinds();
  for (const std::string& k : kinds) c[k] = 0;
  for (const Finding& f : items) ++c[f.kind];
  for (std::size_t k = 0; k < tally.counts.size(); ++k) c[kinds[k]] += tally.counts[k];
  return c;
}

Finding span_finding(const char* kind, const Span& sp, const EntryBits& observed, bool detail) {
  const Format& f = format_of(sp.entry.kind);
  Finding fd;
  fd.kind = kind;
  fd.entry = sp.entry;
  fd.span = sp;
  fd.observed = observed;
  fd.used = f.used_bits(observed);
  if (detail) {
    fd.vs_old = diff_fields(f, observed, sp.old_val, fd.used);
    fd.vs_new = diff_fields(f, observed, sp.new_val, fd.used);
  }
  return fd;
}

namespace {

// The entry rules over spans made once for every rule that reads them.
Findings judge_entries(const EntryHistory& h, bool detail, const std::vector<std::vector<Span>>& spans) {
  Findings out;
  out.detail = detail;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (spans[i].empty()) continue;
    check_torn_fetches(h.entries()[i], spans[i], out);
    check_live_updates(h.entries()[i], spans[i], out);
  }
  sort_findings(out);
  return out;
}

std::vector<std::vector<Span>> all_spans(const EntryHistory& h) {
  std::vector<std::vector<Span>> spans;
  spans.reserve(h.entries().size());
  for (const auto& e : h.entries()) spans.push_back(EntryHistory::spans(e));
  return spans;
}

}  // namespace

Findings judge(const EntryHistory& h, bool detail) { return judge_entries(h, detail, all_spans(h)); }

Findings judge(const EntryHistory& h, const QiLog& qi, TranslationChecker& tc, bool detail) {
  const std::vector<std::vector<Span>> spans = all_spans(h);
  Findings out = judge_entries(h, detail, spans);
  check_ownership(h, qi, out);
  tc.finish(out, spans);
  sort_findings(out);
  return out;
}

// Findings are large: sort their positions, then move each once.
void sort_findings(Findings& out) {
  std::vector<std::size_t> order(out.items.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const std::vector<Finding>& items = out.items;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t ia, std::size_t ib) {
    const Finding& a = items[ia];
    const Finding& b = items[ib];
    if (a.cycle != b.cycle) return a.cycle < b.cycle;
    if (a.entry.addr != b.entry.addr) return a.entry.addr < b.entry.addr;
    return a.kind < b.kind;
  });
  bool sorted = true;
  for (std::size_t i = 0; i < order.size() && sorted; ++i) sorted = order[i] == i;
  if (sorted) return;
  std::vector<Finding> moved;
  moved.reserve(order.size());
  for (std::size_t i : order) moved.push_back(std::move(out.items[i]));
  out.items = std::move(moved);
}

}  // namespace vtd
