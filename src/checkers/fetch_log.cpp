#include "checkers/fetch_log.hpp"

namespace vtd {

namespace {

// Whether `e` is `f` but for its request and burst cycles, all of which
// moved by the same number of cycles.
bool alike_but_time(const FetchEvent& f, const FetchEvent& e) {
  if (e.nbursts != f.nbursts || !(e.entry == f.entry) || !(e.value == f.value)) return false;
  const u64 dc = e.cycle() - f.cycle();
  for (unsigned i = 0; i < e.nbursts; ++i) {
    const Burst &a = f.bursts[i], &b = e.bursts[i];
    if (b.addr != a.addr || b.data != a.data || b.version != a.version || b.cycle != a.cycle + dc)
      return false;
  }
  return true;
}

}  // namespace

FetchEvent FetchRun::at(std::size_t k) const {
  FetchEvent e = first;
  if (k == 0) return e;
  FetchStep s;
  if (locked) {
    const std::size_t p = steps.size();
    const u64 rounds = k / p;
    s = sums[k % p];
    s.request += rounds * sums[p].request;
    s.cycle += rounds * sums[p].cycle;
  } else {
    s = sums[k];
  }
  e.request += s.request;
  for (unsigned i = 0; i < e.nbursts; ++i) e.bursts[i].cycle += s.cycle;
  return e;
}

bool FetchLog::push_back(const FetchEvent& e) {
  ++size_;
  if (!runs_.empty()) {
    Run& r = runs_.back();
    if (alike_but_time(r.first, e)) {
      const Step step{e.request - r.first.request - r.total.request,
                      e.cycle() - r.first.cycle() - r.total.cycle};
      const Step total{r.total.request + step.request, r.total.cycle + step.cycle};
      if (r.locked) {
        if (r.steps[(r.n - 1) % r.steps.size()] == step) {
          ++r.n;
          r.total = total;
          return true;
        }
      } else if (r.steps.size() < kMaxLearn) {
        // Extend the prefix function by one step: the smallest period of
        // the steps so far is their number less the last border.
        u32 b = r.border.empty() ? 0 : r.border.back();
        if (!r.steps.empty()) {
          while (b > 0 && !(r.steps[b] == step)) b = r.border[b - 1];
          if (r.steps[b] == step) ++b;
        }
        r.steps.push_back(step);
        r.border.push_back(b);
        r.sums.push_back(total);
        r.total = total;
        ++r.n;
        const std::size_t m = r.steps.size(), p = m - b;
        if (m >= kLockAfter && m >= 2 * p) {
          // The period seen twice: keep one, and its sums.
          r.steps.resize(p);
          r.steps.shrink_to_fit();
          r.sums.resize(p + 1);
          r.sums.shrink_to_fit();
          r.border = {};
          r.locked = true;
        }
        return true;
      }
    }
    r.border = {};  // a run that ended while learning keeps its steps and sums
  }
  runs_.push_back(Run{e, 1, {}, {Step{}}, {}, Step{}, false});
  return false;
}

}  // namespace vtd
