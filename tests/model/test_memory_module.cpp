#include "base/cycles.hpp"
#include "memory/memory_module.hpp"
#include "sc_test_support.hpp"

using namespace vtd;

namespace {

// Reads the burst at 0x1000 through the memory's burst port at each listed cycle.
struct BurstReader : sc_core::sc_module {
  sc_core::sc_port<BurstMemoryIf> out;
  std::vector<Cycle> at;
  std::vector<Burst> got;
  SC_HAS_PROCESS(BurstReader);
  BurstReader(sc_core::sc_module_name n, std::vector<Cycle> at_)
      : sc_module(n), out("out"), at(std::move(at_)) {
    SC_METHOD(go);
  }
  void go() {
    const Cycle now = now_cycle();
    if (got.size() < at.size() && at[got.size()] == now) got.push_back(out->read_burst(0x1000, now, true));
    if (got.size() < at.size()) next_trigger(cycles(at[got.size()] - now));
  }
};

}  // namespace

TEST_CASE("memory module applies posted stores at their cycle and serves versioned bursts",
          "[model][memory]") {
  test::StrictSystemC strict;
  EventBus bus;
  PhysicalMemory mem(&bus);
  MemoryModule m("memory", mem);
  BurstReader reader("reader", {9, 10});
  reader.out.bind(m.iommu_port);
  PhysicalMemory::PendingStore s;
  s.visible_at = 10;
  s.addr = 0x1008;
  s.clear = {~0ull, 0};
  s.set = {0xabc, 0};
  mem.post(s);
  m.store_posted();
  test::run_until_idle();
  REQUIRE(reader.got.size() == 2);
  CHECK(reader.got[0].data[1] == 0);
  CHECK(reader.got[0].version == 0);
  // A store visible at cycle t is seen by a burst at t, whichever process ran first.
  CHECK(reader.got[1].data[1] == 0xabc);
  CHECK(reader.got[1].version == 1);
  REQUIRE(mem.history().size() == 1);
  CHECK(mem.history()[0].cycle == 10);
}
