#include <algorithm>
#include <catch2/catch.hpp>
#include <tuple>
#include <vector>

#include "iommu_model/walk_schedule.hpp"

using namespace vtd;

namespace {
struct Item {
  int id = 0;
  u64 seq = 0;
  Item* link = nullptr;
};
// Pushes `item` with admission number `seq`.
void push(WalkSchedule<Item>& s, Cycle at, u64 seq, Item* item) {
  item->seq = seq;
  s.push(at, item);
}
// The items taken at `at`, in the order handed out.
std::vector<Item*> take(WalkSchedule<Item>& s, Cycle at) {
  std::vector<Item*> out;
  for (Item* i = s.take(at); i; i = i->link) out.push_back(i);
  return out;
}
using Sched = WalkSchedule<Item>;
}  // namespace

TEST_CASE("walk schedule: a cycle's items come out in admission order") {
  Sched s;
  std::vector<Item> it(4);
  push(s, 10, 3, &it[3]);
  push(s, 10, 1, &it[1]);
  push(s, 12, 0, &it[0]);
  push(s, 10, 2, &it[2]);
  REQUIRE(s.next() == 10);
  auto out = take(s, 10);
  REQUIRE(out.size() == 3);
  CHECK(out[0] == &it[1]);
  CHECK(out[1] == &it[2]);
  CHECK(out[2] == &it[3]);
  REQUIRE(s.next() == 12);
  out = take(s, 12);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == &it[0]);
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
    push(s, 5 + (i * 37) % 300, i, &items[i]);
  }
  Cycle last = 0;
  while (!s.empty()) {
    const Cycle at = s.next();
    REQUIRE(at >= last);
    last = at;
    const auto out = take(s, at);
    REQUIRE(!out.empty());
    for (std::size_t k = 1; k < out.size(); ++k) CHECK(out[k - 1]->seq < out[k]->seq);
    for (Item* d : out) {
      got.emplace_back(at, d->seq, d->id);
      const int n = ++steps[d->id];
      if (n < 6) push(s, at + delays[(d->id + n) % 10], d->seq, d);
    }
  }
  for (int n : steps) CHECK(n == 6);
  expected = got;
  std::sort(expected.begin(), expected.end());
  CHECK(got == expected);
  CHECK(got.size() == items.size() * 6);
}
