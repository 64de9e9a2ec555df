// BurstOrderWitness: an episode is burst-order free unless a store that some
// bursts of a multi-burst fetch saw and others did not changed its entry.
#include <catch2/catch.hpp>

#include "sweep/burst_order_witness.hpp"

using namespace vtd;

namespace {

constexpr Addr kEntry = 0x107000;  // a 512-bit PASID entry: four bursts

StoreEvent store(u64 seq, Addr addr, u64 old_val, u64 new_val) {
  StoreEvent s;
  s.seq = seq;
  s.cycle = 100 + seq;
  s.addr = addr;
  s.words = 1;
  s.old_val[0] = old_val;
  s.new_val[0] = new_val;
  return s;
}

// A fetch of the PASID entry whose bursts (in read order) saw these versions.
FetchEvent fetch(std::initializer_list<u64> versions) {
  FetchEvent f;
  f.entry = EntryId{EntryKind::Pasid, kEntry, Rid{0x10}, 0};
  unsigned k = 0;
  for (u64 v : versions) {
    f.bursts[f.nbursts] = Burst{100 + 10 * k, kEntry + 16 * k, {}, v};
    ++f.nbursts;
    ++k;
  }
  return f;
}

}  // namespace

TEST_CASE("burst order matters only when a store changed the entry between its bursts", "[witness]") {
  BurstOrderWitness w;
  w.reset(true);
  w.on_store(store(0, kEntry + 0x18, 5, 0));   // chunk 1 changed: store #0
  w.on_store(store(1, kEntry + 0x100, 1, 2));  // another entry
  w.on_store(store(2, kEntry + 0x30, 7, 7));   // chunk 3 written with what it held

  SECTION("every burst after the change: one state") {
    w.on_fetch(fetch({1, 1, 2, 3}));
    CHECK_FALSE(w.order_matters());
  }
  SECTION("stores between the bursts, none changing this entry") {
    w.on_fetch(fetch({1, 2, 3, 3}));
    CHECK_FALSE(w.order_matters());
  }
  SECTION("the change falls between the bursts") {
    w.on_fetch(fetch({0, 0, 1, 1}));
    CHECK(w.order_matters());
  }
  SECTION("a one-burst fetch cannot depend on the order") {
    FetchEvent f = fetch({0});
    w.on_fetch(f);
    CHECK_FALSE(w.order_matters());
  }
  SECTION("a new episode forgets") {
    w.on_fetch(fetch({0, 0, 1, 1}));
    w.reset(true);
    CHECK_FALSE(w.order_matters());
  }
}

TEST_CASE("burst order always matters when walks do not snoop", "[witness]") {
  BurstOrderWitness w;
  w.reset(false);  // DRAM changes on write-backs, which are not stores
  CHECK(w.order_matters());
}
