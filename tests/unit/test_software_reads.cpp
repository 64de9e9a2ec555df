// The software side of a run: whether a reader's 64-bit loads were one
// snapshot of memory or a mix of versions (a torn software read), and which
// CPU spun on a lock another CPU held.
#include <catch2/catch.hpp>

#include "checkers/software_reads.hpp"

using namespace vtd;

namespace {

constexpr Addr kLock = 0x3000;

struct Rig {
  EventBus bus;
  SoftwareReads reads{{{kLock, "iommu->lock"}}};
  PhysicalMemory mem{&bus};
  Rig() { bus.subscribe(&reads); }
  // A plain 64-bit store by (cpu, item, op), visible at t.
  void store(Cycle t, u16 cpu, u32 item, u32 op, Addr a, u64 v) {
    PhysicalMemory::PendingStore s;
    s.visible_at = t;
    s.writer = Writer{cpu, item, op};
    s.addr = a;
    s.clear = {~0ull, 0};
    s.set = {v, 0};
    mem.post(s);
    mem.advance_to(t);
  }
  // A load at t as the CPU model publishes it: memory's value and version.
  void load(Cycle t, u16 cpu, u32 item, Addr a) {
    mem.advance_to(t);
    reads.on_load(LoadEvent{Writer{cpu, item, 0}, t, a, mem.peek64(a), mem.version(), false, "load"});
  }
  std::vector<ReadSnapshot> snapshots() const { return reads.snapshots(mem, {}); }
};

}  // namespace

TEST_CASE("software reads: loads before a store are one snapshot", "[software_reads]") {
  Rig r;
  r.mem.poke64(0x1000, 1);
  r.mem.poke64(0x1008, 2);
  r.load(1, 1, 0, 0x1000);
  r.load(2, 1, 0, 0x1008);
  r.store(5, 0, 0, 0, 0x1000, 9);
  const auto s = r.snapshots();
  REQUIRE(s.size() == 1);
  CHECK(s[0].cpu == 1);
  CHECK(s[0].consistent);
  CHECK(s[0].version == 0);
  CHECK(s[0].changes.empty());
}

TEST_CASE("software reads: one word from before a store and one from after are mixed", "[software_reads]") {
  Rig r;
  r.mem.poke64(0x1000, 1);
  r.mem.poke64(0x1008, 2);
  r.load(1, 1, 0, 0x1000);         // sees 1
  r.store(2, 0, 0, 0, 0x1000, 0);  // #0
  r.store(3, 0, 0, 1, 0x1008, 0);  // #1
  r.load(4, 1, 0, 0x1008);         // sees 0
  const auto s = r.snapshots();
  REQUIRE(s.size() == 1);
  // Versions 0..2 hold (1, 2), (0, 2), (0, 0): never (1, 0).
  CHECK_FALSE(s[0].consistent);
  REQUIRE(s[0].changes.size() == 2);
  CHECK(s[0].changes[0].seq == 0);
  CHECK(s[0].changes[0].addr == 0x1000);
  CHECK(s[0].changes[1].seq == 1);
  CHECK(s[0].changes[1].writer == Writer{0, 0, 1});
}

TEST_CASE("software reads: a store to a word read before it but not after is still one snapshot",
          "[software_reads]") {
  Rig r;
  r.mem.poke64(0x1000, 1);
  r.mem.poke64(0x1008, 2);
  r.load(1, 1, 0, 0x1000);         // 1
  r.store(2, 0, 0, 0, 0x1000, 0);  // changes a word already read
  r.load(3, 1, 0, 0x1008);         // 2, unchanged
  const auto s = r.snapshots();
  REQUIRE(s.size() == 1);
  // Version 0 holds both words as read.
  CHECK(s[0].consistent);
  CHECK(s[0].version == 0);
  CHECK(s[0].changes.size() == 1);
}

TEST_CASE("software reads: the same word read twice with different values is mixed", "[software_reads]") {
  Rig r;
  r.mem.poke64(0x1000, 0x4d);
  r.load(1, 1, 0, 0x1000);  // the present test
  r.store(2, 0, 0, 0, 0x1000, 0x4c);
  r.load(3, 1, 0, 0x1000);  // the print
  const auto s = r.snapshots();
  REQUIRE(s.size() == 1);
  CHECK_FALSE(s[0].consistent);
}

TEST_CASE("software reads: an item that stores to a word it loaded is not a reader", "[software_reads]") {
  Rig r;
  r.mem.poke64(0x1000, 1);
  r.load(1, 0, 0, 0x1000);
  r.store(2, 0, 0, 1, 0x1000, 0);
  r.load(3, 1, 4, 0x1000);  // another CPU's reader
  const auto s = r.snapshots();
  REQUIRE(s.size() == 1);
  CHECK(s[0].cpu == 1);
  CHECK(s[0].item == 4);
}

TEST_CASE("software reads: a CPU that asks for a lock another CPU holds is blocked by it",
          "[software_reads]") {
  Rig r;
  r.reads.on_item(ItemEvent{1, 0, 0, 60, "reader"});
  // CPU 1 takes the lock at 10 (its first try) and releases it at 40.
  REQUIRE(r.mem.compare_and_store(Writer{1, 0, 1}, kLock, 0, 1, 10));
  r.reads.on_cpu_op(CpuOpEvent{1, 0, 1, 10, 30, "lock"});
  // CPU 0 asks at 15 and spins until 55.
  CHECK_FALSE(r.mem.compare_and_store(Writer{0, 0, 0}, kLock, 0, 1, 15));
  r.store(40, 1, 0, 5, kLock, 0);
  REQUIRE(r.mem.compare_and_store(Writer{0, 0, 0}, kLock, 0, 1, 55));
  r.reads.on_cpu_op(CpuOpEvent{0, 0, 0, 15, 75, "lock"});
  r.store(80, 0, 0, 3, kLock, 0);
  // CPU 0 again at 79: it only waits for its own unlock to drain, which is
  // not contention.
  REQUIRE(r.mem.compare_and_store(Writer{0, 1, 0}, kLock, 0, 1, 81));
  r.reads.on_cpu_op(CpuOpEvent{0, 1, 0, 79, 101, "lock"});

  const auto h = r.reads.lock_holds();
  REQUIRE(h.size() == 3);
  CHECK(h[0].cpu == 1);
  CHECK(h[0].operation == "reader");
  CHECK(h[0].acquired == 10);
  CHECK(h[0].released == Cycle{40});
  CHECK_FALSE(h[0].blocked_by);
  CHECK(h[1].cpu == 0);
  CHECK(h[1].requested == 15);
  CHECK(h[1].acquired == 55);
  CHECK(h[1].waited() == 40);
  CHECK(h[1].blocked_by == u16{1});
  CHECK(h[1].released == Cycle{80});
  CHECK(h[2].waited() == 2);
  CHECK_FALSE(h[2].blocked_by);
  CHECK_FALSE(h[2].released);
}
