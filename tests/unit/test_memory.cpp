#include <catch2/catch.hpp>

#include "memory/physical_memory.hpp"

using namespace vtd;

namespace {
PhysicalMemory::PendingStore plain(Cycle at, Addr a, u64 v, u32 op = 0) {
  PhysicalMemory::PendingStore s;
  s.visible_at = at;
  s.addr = a;
  s.writer.op = op;
  s.clear = {~0ull, 0};
  s.set = {v, 0};
  return s;
}
}  // namespace

TEST_CASE("stores become visible at their cycle in posting order and are recorded", "[memory]") {
  PhysicalMemory m;
  m.poke64(0x1000, 7);
  m.post(plain(20, 0x1000, 1, 0));
  m.post(plain(10, 0x1008, 2, 1));
  m.post(plain(20, 0x1000, 3, 2));
  CHECK(m.read64(0x1000, 19) == 7);
  const Burst b = m.read_burst(0x1000, 20);  // a store visible at t is seen at t
  CHECK(b.data[0] == 3);
  CHECK(b.data[1] == 2);
  CHECK(b.version == 3);
  REQUIRE(m.history().size() == 3);
  CHECK(m.history()[0].addr == 0x1008);
  CHECK(m.history()[1].old_val[0] == 7);
  CHECK(m.history()[2].old_val[0] == 1);
  CHECK(m.value_at(0x1000, 0) == 7);
  CHECK(m.value_at(0x1000, 2) == 1);
  CHECK(m.value_at(0x1000, 3) == 3);
}

TEST_CASE("a 128-bit store is one history event", "[memory]") {
  PhysicalMemory m;
  PhysicalMemory::PendingStore s;
  s.visible_at = 5;
  s.addr = 0x2000;
  s.words = 2;
  s.clear = {~0ull, ~0ull};
  s.set = {0x11, 0x22};
  m.post(s);
  m.advance_to(5);
  REQUIRE(m.history().size() == 1);
  CHECK(m.history()[0].words == 2);
  CHECK(m.peek64(0x2008) == 0x22);
  CHECK_THROWS(m.post(plain(1, 0x2004, 0)));
}
