#include "checkers/findings.hpp"

#include <algorithm>

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

}  // namespace vtd
