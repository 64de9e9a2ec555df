#include <tlm_utils/simple_initiator_socket.h>

#include "base/cycles.hpp"
#include "cpu_model/cpu.hpp"
#include "sc_test_support.hpp"

using namespace vtd;

namespace {

// Stands in for the IOMMU on the memory's burst port, which must be bound.
struct NoReader : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<NoReader> out{"out"};
  explicit NoReader(sc_core::sc_module_name n) : sc_module(n) {}
};

struct Rig {
  EventBus bus;
  PhysicalMemory mem{&bus};
  MemoryModule memory{"memory", mem};
  NoReader reader{"reader"};
  std::unique_ptr<Cpu> cpu;
  Rig(std::vector<Operation> ops, CpuConfig cfg = {}) {
    DriverOp d;
    d.ops = std::move(ops);
    reader.out.bind(memory.iommu_port);
    cpu = std::make_unique<Cpu>("cpu0", 0, cfg, emit_program({d}, cfg.merge_rmw, cfg.order),
                                std::vector<std::string>{"test"}, memory, bus);
  }
};

CpuConfig config(Cycle delay) {
  CpuConfig c;
  c.store_buffer_delay = delay;
  c.costs.store64 = 1;
  c.costs.store128 = 4;
  c.costs.mfence = 10;
  return c;
}

}  // namespace

TEST_CASE("cpu: stores drain in order one per cycle after the store-buffer delay", "[model][cpu]") {
  test::StrictSystemC strict;
  Rig r({Operation::assign64(0x1000, 1, "a"), Operation::assign64(0x1008, 2, "b"),
         Operation::rmw64(0x1000, 0, 4, "c")},
        config(5));
  test::run_until_idle();
  const auto& h = r.mem.history();
  REQUIRE(h.size() == 3);
  CHECK(h[0].cycle == 5);
  CHECK(h[1].cycle == 6);
  CHECK(h[2].cycle == 7);
  // The read-modify-write saw the CPU's own buffered store (forwarding).
  CHECK(h[2].new_val[0] == 5);
  CHECK(r.cpu->finished());
}

TEST_CASE("cpu: mfence and cmpxchg16b wait for the store buffer", "[model][cpu]") {
  test::StrictSystemC strict;
  Rig r({Operation::assign64(0x1000, 1, "a"), Operation::simple(OpKind::Mfence, "mfence"),
         Operation::assign64(0x1008, 2, "b"), Operation::store128(0x1010, 3, 4, "cx")},
        config(5));
  test::run_until_idle();
  const auto& h = r.mem.history();
  REQUIRE(h.size() == 3);
  CHECK(h[0].cycle == 5);
  // mfence: starts at 1, waits for cycle 5, costs 10 -> store b executes at 15.
  CHECK(h[1].cycle == 20);
  // cmpxchg16b at 16 waits for b (visible at 20), then lands atomically.
  CHECK(h[2].cycle == 21);
  CHECK(h[2].words == 2);
  CHECK(r.cpu->finish_cycle() == 25);
}

TEST_CASE("cpu: return_if_set ends the driver operation", "[model][cpu]") {
  test::StrictSystemC strict;
  Rig r({Operation::assign64(0x1000, 1, "p"), Operation::simple(OpKind::Mfence, "mfence"),
         Operation::return_if_set(0x1000, 1, "present -> return"), Operation::assign64(0x1008, 2, "skipped")},
        config(1));
  test::run_until_idle();
  CHECK(r.mem.history().size() == 1);
}

TEST_CASE("cpu: the program starts at the configured cycle", "[model][cpu]") {
  test::StrictSystemC strict;
  CpuConfig c = config(2);
  c.start = 100;
  Rig r({Operation::assign64(0x1000, 1, "a")}, c);
  test::run_until_idle();
  REQUIRE(r.mem.history().size() == 1);
  CHECK(r.mem.history()[0].cycle == 102);
}
