#include <algorithm>

#include "checkers/rules.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

std::map<std::string, u64> Findings::counts() const {
  std::map<std::string, u64> c;
  for (const std::string& k : known_verdict_kinds()) c[k] = 0;
  for (const Finding& f : items) ++c[f.kind];
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

Findings judge(const EntryHistory& h, bool detail) {
  Findings out;
  out.detail = detail;
  for (const auto& e : h.entries()) {
    const std::vector<Span> spans = EntryHistory::spans(e);
    if (spans.empty()) continue;
    check_torn_fetches(e, spans, out);
    check_live_updates(e, spans, out);
  }
  sort_findings(out);
  return out;
}

Findings judge(const EntryHistory& h, const QiLog& qi, TranslationChecker& tc, bool detail) {
  Findings out = judge(h, detail);
  check_ownership(h, qi, out);
  tc.finish(out);
  sort_findings(out);
  return out;
}

void sort_findings(Findings& out) {
  std::stable_sort(out.items.begin(), out.items.end(), [](const Finding& a, const Finding& b) {
    if (a.cycle != b.cycle) return a.cycle < b.cycle;
    if (a.entry.addr != b.entry.addr) return a.entry.addr < b.entry.addr;
    return a.kind < b.kind;
  });
}

}  // namespace vtd
