// Happens-before from what loads read: program order, a load that read
// another CPU's store, a read of a wait's status write; never cycles.
#include <catch2/catch.hpp>

#include "checkers/happens_before.hpp"
#include "hand_made_events.hpp"

using namespace vtd;

namespace {

const EntryId kId{EntryKind::Context, 0x1000, Rid::from(0, 2, 0), 0, 0};
constexpr Addr kFlag = 0x5000, kFlag2 = 0x6000, kStatus = 0x9000;

Writer op(u16 cpu, u32 o) { return Writer{cpu, 0, o}; }

struct Log {
  SyncLog sync;
  test::EntryStream events{kId, {0, 0}};
  HappensBefore hb;
  Log() { events.feed(&sync); }
  const HappensBefore& built() {
    hb.build(sync, events.history());
    return hb;
  }
};

}  // namespace

TEST_CASE("one CPU's operations are ordered by program order alone", "[checkers][happens_before]") {
  Log l;
  l.events.store_at(kFlag, 1, 10, op(0, 3));
  const HappensBefore& hb = l.built();
  CHECK(hb.ordered(op(0, 1), op(0, 2)));
  CHECK_FALSE(hb.ordered(op(0, 2), op(0, 1)));
  CHECK_FALSE(hb.ordered(op(0, 2), op(0, 2)));
  CHECK(hb.ordered_or_same(op(0, 2), op(0, 2)));
  // The IOMMU's stores are no CPU operation.
  CHECK_FALSE(hb.ordered(Writer{Writer::kIommu, Writer::kNone, Writer::kNone}, op(0, 2)));
}

TEST_CASE("a load that read another CPU's store orders that CPU's earlier operations before it",
          "[checkers][happens_before]") {
  Log l;
  l.events.store_at(kFlag, 1, 10, op(0, 5));  // cpu0 op 5 sets the flag
  l.events.load(op(1, 7), 20, kFlag);          // cpu1 op 7 reads it
  const HappensBefore& hb = l.built();
  CHECK(hb.ordered(op(0, 4), op(1, 7)));
  CHECK(hb.ordered(op(0, 5), op(1, 8)));
  CHECK_FALSE(hb.ordered(op(0, 6), op(1, 8)));  // after the store: not ordered
  CHECK_FALSE(hb.ordered(op(0, 4), op(1, 6)));  // before the load: not ordered
  CHECK_FALSE(hb.ordered(op(1, 1), op(0, 9)));  // nothing orders cpu1 before cpu0
}

TEST_CASE("a load that read an older value orders nothing, however late it runs", "[checkers][happens_before]") {
  Log l;
  l.events.store_at(kFlag, 1, 10, op(0, 1));
  l.events.load(op(1, 7), 20, kFlag);  // saw the flag set by op 1
  l.events.store_at(kFlag, 2, 30, op(0, 5));
  // Read at version 1: after store #0, before #1, whatever its cycle.
  l.sync.on_load(LoadEvent{op(1, 9), 1000, kFlag, 1, 1, false, "", LoadKind::Plain});
  const HappensBefore& hb = l.built();
  CHECK(hb.ordered(op(0, 1), op(1, 9)));
  CHECK_FALSE(hb.ordered(op(0, 5), op(1, 9)));
}

TEST_CASE("happens-before is transitive across CPUs", "[checkers][happens_before]") {
  Log l;
  l.events.store_at(kFlag, 1, 10, op(0, 2));  // cpu0 -> cpu1
  l.events.load(op(1, 3), 20, kFlag);
  l.events.store_at(kFlag2, 1, 30, op(1, 4));  // cpu1 -> cpu2
  l.events.load(op(2, 1), 40, kFlag2);
  const HappensBefore& hb = l.built();
  CHECK(hb.ordered(op(0, 2), op(2, 1)));
  CHECK_FALSE(hb.ordered(op(0, 3), op(2, 1)));
}

TEST_CASE("reading a wait's status orders the doorbell that published the wait before the read",
          "[checkers][happens_before]") {
  Log l;
  l.events.submit(op(0, 6), 10, 0, {qi_iotlb_global()}, kStatus);  // cpu0 op 6 rings
  l.events.poll(op(1, 2), 100, kStatus);                            // cpu1 reads the status
  const HappensBefore& hb = l.built();
  CHECK(hb.ordered(op(0, 6), op(1, 2)));
  CHECK(hb.ordered(op(0, 5), op(1, 3)));
  CHECK_FALSE(hb.ordered(op(0, 7), op(1, 3)));
}
