#include <tlm_utils/simple_target_socket.h>

#include <cstring>

#include "base/cycles.hpp"
#include "cpu_model/cpu.hpp"
#include "sc_test_support.hpp"

using namespace vtd;

namespace {

// Stands in for the IOMMU on the memory's burst port, which must be bound.
struct NoReader : sc_core::sc_module {
  sc_core::sc_port<BurstMemoryIf> out{"out"};
  explicit NoReader(sc_core::sc_module_name n) : sc_module(n) {}
};

// Stands in for the IOMMU's registers: records MMIO writes.
struct RegSink : sc_core::sc_module {
  tlm_utils::simple_target_socket<RegSink> in{"in"};
  std::vector<std::pair<Cycle, u64>> writes;
  explicit RegSink(sc_core::sc_module_name n) : sc_module(n) {
    in.register_b_transport(this, &RegSink::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    u64 v = 0;
    std::memcpy(&v, gp.get_data_ptr(), gp.get_data_length());
    if (gp.is_write()) writes.emplace_back(now_cycle(), v);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

struct Rig {
  EventBus bus;
  PhysicalMemory mem{&bus};
  MemoryModule memory{"memory", mem};
  NoReader reader{"reader"};
  RegSink regs{"regs"};
  std::unique_ptr<Cpu> cpu;
  Rig(std::vector<Operation> ops, CpuConfig cfg = {}) {
    DriverOp d;
    d.ops = std::move(ops);
    reader.out.bind(memory.iommu_port);
    cpu = std::make_unique<Cpu>("cpu0", 0, cfg, emit_program({d}, cfg.merge_rmw, cfg.order),
                                std::vector<std::string>{"test"}, memory, bus);
    cpu->mmio.bind(regs.in);
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

// A 64-bit store by CPU 1, visible at `at`.
static void other_cpu_store(Rig& r, Cycle at, Addr addr, u64 value) {
  PhysicalMemory::PendingStore s;
  s.visible_at = at;
  s.addr = addr;
  s.writer.cpu = 1;
  s.clear = {~0ull, 0};
  s.set = {value, 0};
  r.mem.post(s);
  r.memory.store_posted();
}

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

TEST_CASE("cpu: MMIO writes wait for earlier stores and polls see memory", "[model][cpu]") {
  test::StrictSystemC strict;
  CpuConfig c = config(5);
  c.costs.mmio = 50;
  c.costs.poll = 10;
  Rig r({Operation::assign64(0x1000, 1, "desc"), Operation::mmio_write(0x88, 0x10, 4, "IQT"),
         Operation::poll_until(0x2000, 0xffffffff, 2, "wait status")},
        c);
  // Someone else (the IOMMU) completes the wait at cycle 123.
  PhysicalMemory::PendingStore done;
  done.visible_at = 123;
  done.addr = 0x2000;
  done.writer.cpu = Writer::kIommu;
  done.clear = {0xffffffff, 0};
  done.set = {2, 0};
  r.mem.post(done);
  r.memory.store_posted();
  test::run_until_idle();
  REQUIRE(r.regs.writes.size() == 1);
  CHECK(r.regs.writes[0].first == 5);  // after the descriptor store became visible
  CHECK(r.regs.writes[0].second == 0x10);
  // Polling from cycle 55 every 10 cycles: sees the status at 125.
  CHECK(r.cpu->finish_cycle() == 135);
}

TEST_CASE("cpu: 32-bit stores change only their half of the word", "[model][cpu]") {
  test::StrictSystemC strict;
  Rig r({Operation::store32(0x1004, 0xabcd, "upper"), Operation::store32(0x1000, 0x1, "lower")}, config(1));
  r.mem.poke64(0x1000, 0x1111111122222222);
  test::run_until_idle();
  REQUIRE(r.mem.history().size() == 2);
  CHECK(r.mem.history()[0].new_val[0] == 0x0000abcd22222222);
  CHECK(r.mem.peek64(0x1000) == 0x0000abcd00000001);
}

TEST_CASE("cpu: spin_lock waits for the holder and unlock releases it", "[model][cpu]") {
  test::StrictSystemC strict;
  CpuConfig c = config(1);
  c.costs.poll = 10;
  c.costs.atomic = 5;
  Rig r({Operation::lock(0x3000, "lock"), Operation::assign64(0x1000, 7, "critical")}, c);
  r.mem.poke64(0x3000, 1);  // held by someone else until cycle 42
  other_cpu_store(r, 42, 0x3000, 0);
  test::run_until_idle();
  const auto& h = r.mem.history();
  REQUIRE(h.size() == 3);
  CHECK(h[1].cycle == 50);  // the locked cmpxchg retried every 10 cycles
  CHECK(h[1].new_val[0] == 1);
  CHECK(h[2].cycle == 56);
}

TEST_CASE("cpu: with non-coherent walks clflush is what reaches memory", "[model][cpu]") {
  test::StrictSystemC strict;
  Rig r({Operation::assign64(0x1000, 5, "entry"), Operation::simple(OpKind::Clflush, "clflush", 0x1000)},
        config(3));
  r.mem.set_cpu_cache(true, 0);
  r.mem.poke64(0x1000, 9);
  test::run_until_idle();
  // The store is in history (software sees it) and DRAM got it at the flush.
  REQUIRE(r.mem.history().size() == 1);
  const Burst b = r.mem.read_burst(0x1000, now_cycle(), false);
  CHECK(b.data[0] == 5);
  CHECK_FALSE(r.mem.line_dirty(0x1000));
}

namespace {
struct LoadLog : Observer {
  std::vector<LoadEvent> loads;     // plain loads: raw load64s and driver branches
  std::vector<LoadEvent> syncs;     // polls' last reads and locks' cmpxchgs
  std::vector<std::string> labels;  // of `loads` (LoadEvent::label points into the CPU)
  void on_load(const LoadEvent& e) override {
    if (e.kind != LoadKind::Plain) {
      syncs.push_back(e);
      return;
    }
    loads.push_back(e);
    labels.emplace_back(e.label);
  }
};
}  // namespace

TEST_CASE("cpu: load64 publishes what it read with its cycle and memory version", "[model][cpu][load]") {
  test::StrictSystemC strict;
  Rig r({Operation::assign64(0x1000, 5, "own store"), Operation::load64(0x1000, "forwarded"),
         Operation::load64(0x2000, "other's store"), Operation::delay(10),
         Operation::load64(0x1000, "own store in memory")},
        config(5));
  LoadLog log;
  r.bus.subscribe(&log);
  r.mem.poke64(0x2000, 1);
  // Another CPU's store to 0x2000 becomes visible at cycle 2, when the second load runs.
  other_cpu_store(r, 2, 0x2000, 7);
  test::run_until_idle();
  REQUIRE(log.loads.size() == 3);
  // Cycle 1: the CPU's own store (visible at 5) is forwarded from its store
  // buffer; memory has no store applied yet.
  CHECK(log.loads[0].cycle == 1);
  CHECK(log.loads[0].value == 5);
  CHECK(log.loads[0].forwarded);
  CHECK(log.loads[0].version == 0);
  CHECK(log.labels[0] == "forwarded");
  // Cycle 2: a store visible at 2 is seen by a load at 2: version 1.
  CHECK(log.loads[1].cycle == 2);
  CHECK(log.loads[1].addr == 0x2000);
  CHECK(log.loads[1].value == 7);
  CHECK_FALSE(log.loads[1].forwarded);
  CHECK(log.loads[1].version == 1);
  // Cycle 13: the own store drained at 5 and is read from memory.
  CHECK(log.loads[2].cycle == 13);
  CHECK(log.loads[2].value == 5);
  CHECK_FALSE(log.loads[2].forwarded);
  CHECK(log.loads[2].version == 2);
  // Who loaded: CPU 0, item 0, emitted operations 1, 2 and 4.
  CHECK(log.loads[0].reader == Writer{0, 0, 1});
  CHECK(log.loads[2].reader == Writer{0, 0, 4});
}

// The walk debugfs does: `if (!present) goto unlock;` around a print.
namespace {
std::vector<Operation> present_walk() {
  return {Operation::lock(0x3000, "lock"), Operation::return_if_clear(0x1000, 1, "if (!present) goto unlock"),
          Operation::load64(0x1008, "print"), Operation::unlock(0x3000, "unlock")};
}
}  // namespace

// SystemC elaborates once per process: one run per test case, no SECTIONs.
TEST_CASE("cpu: return_if_clear skips the rest of the operation but its unlock when the bits are clear",
          "[model][cpu][load]") {
  test::StrictSystemC strict;
  Rig r(present_walk(), config(1));
  LoadLog log;
  r.bus.subscribe(&log);
  r.mem.poke64(0x1000, 0x4c);
  test::run_until_idle();
  // The branch's own read is published; the skipped load is not.
  REQUIRE(log.loads.size() == 1);
  CHECK(log.loads[0].value == 0x4c);
  REQUIRE(r.mem.history().size() == 2);  // lock, unlock
  CHECK(r.mem.peek64(0x3000) == 0);
}

TEST_CASE("cpu: a lock's cmpxchg and a poll's last read are published as the reads they are",
          "[model][cpu][load]") {
  test::StrictSystemC strict;
  Rig r({Operation::lock(0x3000, "lock"), Operation::poll_until(0x2000, 0xff, 2, "poll"),
         Operation::unlock(0x3000, "unlock")},
        config(1));
  LoadLog log;
  r.bus.subscribe(&log);
  r.mem.poke64(0x2000, 2);
  test::run_until_idle();
  REQUIRE(log.syncs.size() == 2);
  CHECK(log.syncs[0].kind == LoadKind::Atomic);
  CHECK(log.syncs[0].addr == 0x3000);
  CHECK(log.syncs[0].version == 0);  // it read the word before its own store (#0)
  CHECK(log.syncs[1].kind == LoadKind::Poll);
  CHECK(log.syncs[1].addr == 0x2000);
  CHECK(log.syncs[1].value == 2);
  CHECK(log.syncs[1].version == 1);  // after the lock's store
  CHECK(log.loads.empty());
}

TEST_CASE("cpu: return_if_clear goes on when a bit is set", "[model][cpu][load]") {
  test::StrictSystemC strict;
  Rig r(present_walk(), config(1));
  LoadLog log;
  r.bus.subscribe(&log);
  r.mem.poke64(0x1000, 0x4d);
  test::run_until_idle();
  REQUIRE(log.loads.size() == 2);
  CHECK(log.loads[1].addr == 0x1008);
  CHECK(r.mem.history().size() == 2);
}

TEST_CASE("cpu: an early return runs the unlocks of held locks only", "[model][cpu]") {
  // setup's "return -EBUSY" under iommu->lock, before a qi_submit_sync whose
  // q_lock it never took: releasing q_lock could free another CPU's lock.
  test::StrictSystemC strict;
  Rig r(
      {Operation::lock(0x3000, "iommu->lock"), Operation::return_if_set(0x1000, 1, "present -> -EBUSY", -16),
       Operation::unlock(0x3000, "iommu->unlock"), Operation::lock(0x3008, "q_lock"),
       Operation::assign64(0x1008, 2, "skipped"), Operation::unlock(0x3008, "q_unlock")},
      config(1));
  r.mem.poke64(0x1000, 1);
  r.mem.poke64(0x3008, 1);  // another CPU holds q_lock
  test::run_until_idle();
  const auto& h = r.mem.history();
  REQUIRE(h.size() == 2);  // iommu->lock taken and released; q_lock untouched
  CHECK(h[0].addr == 0x3000);
  CHECK(h[1].addr == 0x3000);
  CHECK(r.mem.peek64(0x3008) == 1);
}

namespace {
struct ItemLog : Observer {
  std::vector<ItemEvent> items;
  void on_item(const ItemEvent& e) override { items.push_back(e); }
};
}  // namespace

TEST_CASE("cpu: an item publishes the value its early return gave and the operation that took it",
          "[model][cpu]") {
  test::StrictSystemC strict;
  DriverOp setup, other;
  setup.ops = {Operation::lock(0x3000, "lock"), Operation::return_if_set(0x1000, 1, "present -> -EBUSY", -16),
               Operation::assign64(0x1008, 2, "skipped"), Operation::unlock(0x3000, "unlock")};
  other.ops = {Operation::return_if_clear(0x1000, 1, "not present -> -EINVAL", -22),
               Operation::assign64(0x1010, 3, "runs")};
  Rig r({}, config(1));
  r.cpu->begin_episode(config(1), emit_program({setup, other}, false, {}), {"setup", "other"});
  ItemLog log;
  r.bus.subscribe(&log);
  r.mem.poke64(0x1000, 1);
  test::run_until_idle();
  REQUIRE(log.items.size() == 2);
  CHECK(log.items[0].ret == -16);
  CHECK(log.items[0].ret_op == 1);  // emitted operation 1 of the CPU's program
  CHECK(log.items[1].ret == 0);     // P set: the second item ran to its end
  CHECK(log.items[1].ret_op == Writer::kNone);
  CHECK(r.mem.peek64(0x1010) == 3);
}
