#include "rules/rule.hpp"

#include <algorithm>

#include "scenario/scenario.hpp"

namespace vtd {

// Each rule's file defines its object.
extern const Rule& torn_fetch_rule;
extern const Rule& unsafe_live_update_rule;
extern const Rule& benign_mixed_fetch_rule;
extern const Rule& present_before_invalidate_rule;
extern const Rule& missing_invalidation_rule;
extern const Rule& stale_translation_rule;
extern const Rule& corrupting_dma_rule;

const std::vector<const Rule*>& rules() {
  static const std::vector<const Rule*> list{
      &torn_fetch_rule,           &unsafe_live_update_rule,
      &benign_mixed_fetch_rule,   &present_before_invalidate_rule,
      &missing_invalidation_rule, &stale_translation_rule,
      &corrupting_dma_rule,
  };
  return list;
}

const Rule* rule_of(std::string_view kind) {
  for (const Rule* r : rules())
    if (r->kind() == kind) return r;
  return nullptr;
}

// The kinds a scenario may name under `expect:` are the rules' (declared in
// scenario.hpp, where the loader and reports find them).
const std::vector<std::string>& known_verdict_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> v;
    for (const Rule* r : rules()) v.emplace_back(r->kind());
    return v;
  }();
  return kinds;
}

bool is_violation_kind(const std::string& kind) {
  const Rule* r = rule_of(kind);
  return r && r->violation();
}

std::string Rule::brief(const Finding&, const ItemName&) const { return ""; }

std::string Rule::store_role(const Finding&, const StoreEvent&, bool) const { return ""; }

std::pair<u64, u64> Rule::story_window(const Finding& f) const {
  if (f.span.stores.empty()) return {0, 0};
  return {f.span.first(), f.span.last()};
}

Evidence::Evidence(const EntryHistory& h, const Handshakes& hs, const DmaOutcomes& d,
                   ReferenceTranslator& ref, bool det)
    : history(h), handshakes(hs), dma(d), reference(ref), detail(det), spans(update_spans(h, &hs)) {}

const std::vector<MixedFetch>& Evidence::mixed_fetches() const {
  if (mixed_) return *mixed_;
  mixed_.emplace();
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const std::vector<Span>& sps = spans[i];
    if (sps.empty()) continue;
    const EntryHistory::Entry& e = history.entries()[i];
    const Format& f = format_of(e.id.kind);
    // Versions no span covers: a fetch wholly before the earliest span or
    // after the latest one overlaps none (most fetches of a run).
    u64 first = ~u64{0}, last = 0;
    for (const Span& sp : sps) {
      first = std::min(first, sp.first());
      last = std::max(last, sp.last());
    }
    for (std::size_t n = 0; n < e.fetches.size(); ++n) {
      // A fetch is related to a span when a burst saw part of it
      // (first < v <= last), or bursts saw both sides of it: with the
      // fetch's lowest and highest versions, hi > first && lo <= last.
      const u64 lo = e.fetches[n].lo, hi = e.fetches[n].hi;
      if (hi <= first || lo > last) continue;
      MixedFetch m{i, n, {}, false};
      for (const Span& sp : sps)
        if (hi > sp.first() && lo <= sp.last()) m.overlapped.push_back(&sp);
      if (m.overlapped.empty()) continue;
      // Every OLD and NEW of the spans it is related to is a state memory
      // really held during the fetch: equal to any of them, it is not mixed;
      // equal to one on the bits hardware uses, benign; else torn.
      const EntryBits& s = e.fetches[n].value;
      const EntryBits used = f.used_bits(s);
      bool exact = false, on_used = false;
      for (const Span* sp : m.overlapped) {
        exact = exact || s == sp->old_val || s == sp->new_val;
        on_used = on_used || equal_on(s, sp->old_val, used) || equal_on(s, sp->new_val, used);
      }
      if (exact) continue;
      m.torn = !on_used;
      mixed_->push_back(std::move(m));
    }
  }
  return *mixed_;
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

std::string span_diff_brief(const Finding& f) {
  auto names = [](const std::vector<FieldDiff>& d) {
    std::string s;
    for (const FieldDiff& x : d) s += (s.empty() ? "" : ", ") + std::string(x.field);
    return s.empty() ? std::string("nothing") : s;
  };
  return "on used bits, differs from OLD in " + names(f.vs_old) + "; from NEW in " + names(f.vs_new);
}

Findings judge(const Evidence& ev) {
  Findings out;
  out.detail = ev.detail;
  for (const Rule* r : rules()) r->judge(ev, out);
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
