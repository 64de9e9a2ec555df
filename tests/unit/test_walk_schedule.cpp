#include <algorithm>
#include <catch2/catch.hpp>
#include <tuple>
#include <vector>

#include "iommu_model/walk_schedule.hpp"

using namespace vtd;

namespace {
struct Item {
  int id = 0;
};
using Sched = WalkSchedule<Item>;
}  // namespace

TEST_CASE("walk schedule: a cycle's items come out in admission order") {
  Sched s;
  std::vector<Item> it(4);
  s.push(10, 3, &it[3]);
  s.push(10, 1, &it[1]);
  s.push(12, 0, &it[0]);
  s.push(10, 2, &it[2]);
  REQUIRE(s.next() == 10);
  std::vector<Sched::Due> out;
  s.take(10, out);
  REQUIRE(out.size() == 3);
  CHECK(out[0].item == &it[1]);
  CHECK(out[1].item == &it[2]);
  CHECK(out[2].item == &it[3]);
  REQUIRE(s.next() == 12);
  s.take(12, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].item == &it[0]);
  CHECK(s.empty());
  CHECK(s.next() == ~Cycle{0});
}

TEST_CASE("walk schedule: items beyond the wheel and re-scheduled items keep (cycle admission) order") {
  // Against a reference: every item's steps, in (cycle, seq) order. Items are
  // re-pushed after each step with delays from 0 to well past kSlots.
  Sched s;
  std::vector<Item> items(40);
  std::vector<std::tuple<Cycle, u64, int>> expected, got;
  const Cycle delays[] = {0, 1, 3, 10, 10, 255, 256, 257, 1000, 7};
  std::vector<int> steps(items.size(), 0);
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].id = static_cast<int>(i);
    s.push(5 + (i * 37) % 300, i, &items[i]);
  }
  std::vector<Sched::Due> out;
  Cycle last = 0;
  while (!s.empty()) {
    const Cycle at = s.next();
    REQUIRE(at >= last);
    last = at;
    s.take(at, out);
    REQUIRE(!out.empty());
    for (std::size_t k = 1; k < out.size(); ++k) CHECK(out[k - 1].seq < out[k].seq);
    for (const auto& d : out) {
      CHECK(d.next == at);
      got.emplace_back(d.next, d.seq, d.item->id);
      const int n = ++steps[d.item->id];
      if (n < 6) s.push(at + delays[(d.item->id + n) % 10], d.seq, d.item);
    }
  }
  for (int n : steps) CHECK(n == 6);
  expected = got;
  std::sort(expected.begin(), expected.end());
  CHECK(got == expected);
  CHECK(got.size() == items.size() * 6);
}
