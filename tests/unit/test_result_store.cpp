#include <catch2/catch.hpp>

#include "scenario/scenario.hpp"
#include "sweep/result_store.hpp"
#include "sweep/sweep.hpp"

using namespace vtd;

namespace {

InterleavingResult result(u64 index) {
  InterleavingResult r;
  r.index = index;
  r.cycles = 1000 + index;
  r.counts.assign(known_verdict_kinds().size(), index % 3);
  r.distance.assign(known_verdict_kinds().size(), index % 2 ? InterleavingResult::kNone : index);
  r.returns_differ = index % 5 == 0;
  r.walker_waits = index % 7;
  return r;
}

bool same(const InterleavingResult& a, const InterleavingResult& b) {
  return a.index == b.index && a.cycles == b.cycles && a.counts == b.counts && a.distance == b.distance &&
         a.error == b.error && a.returns_differ == b.returns_differ && a.walker_waits == b.walker_waits;
}

}  // namespace

TEST_CASE("a result store gives back every result in the order added, as often as asked", "[sweep]") {
  ResultStore store;
  std::vector<InterleavingResult> in;
  for (u64 i = 0; i < 20000; ++i) in.push_back(result(i));
  InterleavingResult err;
  err.index = 20000;
  err.error = std::string(5000, 'x') + "\nstill running at max_cycles";  // longer than a read buffer
  in.push_back(err);
  for (const InterleavingResult& r : in) store.add(r);
  CHECK(store.size() == in.size());
  for (int pass = 0; pass < 2; ++pass) {
    std::size_t n = 0;
    bool all_same = true;
    store.each([&](const InterleavingResult& r) {
      // The last is the error, whose newline comes back as a space (below).
      if (n + 1 < in.size()) all_same = all_same && same(r, in[n]);
      ++n;
    });
    CHECK(n == in.size());
    CHECK(all_same);
  }
  // The error comes back on one line: its newline became a space.
  std::string back;
  store.each([&](const InterleavingResult& r) { back = r.error; });
  CHECK(back == std::string(5000, 'x') + " still running at max_cycles");
  // Results added after a read follow the earlier ones.
  store.add(result(20001));
  u64 last = 0;
  store.each([&](const InterleavingResult& r) { last = r.index; });
  CHECK(last == 20001);
}

TEST_CASE("a result line carries the reduction's news and decodes to the result encoded", "[sweep]") {
  const InterleavingResult r = result(42);
  int news = 0;
  const std::string line = ResultStore::encode(r, 2);
  CHECK(same(ResultStore::decode(line.substr(0, line.size() - 1), news), r));
  CHECK(news == 2);
  CHECK_THROWS(ResultStore::decode("7 12 1", news));
}
