// The span, torn-fetch and live-update rules on hand-made histories.
#include <catch2/catch.hpp>

#include "checkers/spans.hpp"
#include "hand_made_events.hpp"

using namespace vtd;

namespace {

constexpr Addr kCtx = 0x1000;
const EntryId kId{EntryKind::Context, kCtx, Rid{0x10}, 0};

// A present entry for DID 2, AW 2, root 0x5000.
constexpr u64 kLo = 0x5001, kHi = 0x202;

struct History : test::Judged {
  explicit History(std::array<u64, 2> initial) : Judged(kId, initial) {}
  void store(unsigned word, u64 v, Cycle c, u32 item = 0) {
    events.store(word, v, c, Writer{0, item, static_cast<u32>(events.stores())});
  }
  std::vector<Span> spans() const { return update_spans(h.entries()[0], h, nullptr); }
  // A fetch whose single burst saw the first `version` stores.
  void fetch(u64 version, std::array<u64, 2> data, Cycle c) { events.fetch(0, version, data, c); }
  // A fetch of two bursts: word 0 from one that saw the first `v0` stores,
  // word 1 from one that saw the first `v1`.
  void fetch2(u64 v0, u64 w0, u64 v1, u64 w1, Cycle c) {
    events.fetch(0, {w0, w1}, {{c, {w0, 0}, v0}, {c + 10, {0, w1}, v1}});
  }
};

}  // namespace

TEST_CASE("a span's OLD and NEW come from the store history", "[checkers][span]") {
  History t({0, 0});
  t.store(0, kLo, 10);
  t.store(1, kHi, 11);
  t.store(0, 0, 50, /*item=*/1);
  const auto spans = t.spans();
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].stores == std::vector<u64>{0, 1});
  CHECK(spans[0].old_val.w[0] == 0);
  CHECK(spans[0].new_val.w[0] == kLo);
  CHECK(spans[0].new_val.w[1] == kHi);
  CHECK(spans[1].old_val.w[0] == kLo);
  CHECK(spans[1].new_val.w[0] == 0);
  CHECK(spans[1].new_val.w[1] == kHi);
}

TEST_CASE("P published before DID/AW: the fetch in between is torn", "[checkers][torn_fetch]") {
  History t({0, 0});
  t.store(0, kLo, 10);       // P = 1, hi still 0
  t.fetch(1, {kLo, 0}, 10);  // sees it
  t.store(1, kHi, 11);
  const Findings f = t.judge();
  const auto c = f.counts();
  CHECK(c.at("torn_fetch") == 1);
  CHECK(c.at("unsafe_live_update") == 1);
  const Finding& torn = f.items[0].kind == "torn_fetch" ? f.items[0] : f.items[1];
  REQUIRE(torn.kind == "torn_fetch");
  CHECK(torn.cycle == 10);
  REQUIRE(torn.bursts.size() == 1);
  CHECK(torn.bursts[0].span_stores_seen == 1);
  std::vector<std::string> vs_new;
  for (const auto& d : torn.vs_new) vs_new.emplace_back(d.field);
  CHECK(vs_new == std::vector<std::string>{"AW", "DID"});
  REQUIRE(torn.vs_old.size() >= 1);
  CHECK(torn.vs_old[0].field == "P");
}

TEST_CASE("a mixed fetch with P = 0 is benign not a violation", "[checkers][benign]") {
  History t({0, 0});
  t.store(0, 0x5000, 10);       // root, P = 0
  t.fetch(1, {0x5000, 0}, 10);  // mixed: neither OLD nor NEW as a whole
  t.store(1, kHi, 11);
  t.store(0, kLo, 12);  // P last
  const auto c = t.judge().counts();
  CHECK(c.at("benign_mixed_fetch") == 1);
  CHECK(c.at("torn_fetch") == 0);
  CHECK(c.at("unsafe_live_update") == 0);
}

TEST_CASE("fetches of OLD or NEW or outside any span are not findings", "[checkers][torn_fetch]") {
  History t({0, 0});
  t.fetch(0, {0, 0}, 5);
  t.store(1, kHi, 10);  // hi first: every intermediate state has P = 0
  t.store(0, kLo, 11);
  t.fetch(2, {kLo, kHi}, 12);
  CHECK(t.judge().items.empty());
}

TEST_CASE("zeroing a live entry: hi first is unsafe but lo first is not", "[checkers][unsafe_live_update]") {
  SECTION("hi = 0 first leaves P = 1 with DID = 0") {
    History t({kLo, kHi});
    t.store(1, 0, 10);
    t.store(0, 0, 11);
    const Findings f = t.judge();
    REQUIRE(f.items.size() == 1);
    CHECK(f.items[0].kind == "unsafe_live_update");
    CHECK(f.items[0].store == 0u);
    CHECK(f.items[0].cycle == 10);
  }
  SECTION("lo = 0 first clears P") {
    History t({kLo, kHi});
    t.store(0, 0, 10);
    t.store(1, 0, 11);
    const auto c = t.judge().counts();
    CHECK(c.at("unsafe_live_update") == 0);
    CHECK(c.at("torn_fetch") == 0);
  }
}

TEST_CASE("a change hardware ignores is hitless", "[checkers][used_bits]") {
  // AVAIL (hi[6:3]) is software's: changing it together with nothing else is
  // not torn even though the fetch sees a mix.
  History t({kLo, kHi});
  t.store(1, kHi | (0xf << 3), 10);
  t.store(0, kLo, 11);  // same value: span covers both words
  t.fetch(1, {kLo, kHi | (0xf << 3)}, 10);
  const auto c = t.judge().counts();
  CHECK(c.at("torn_fetch") == 0);
  CHECK(c.at("unsafe_live_update") == 0);
}

TEST_CASE("a store clearing P ends the update span", "[checkers][span]") {
  // Tear down (clear P, zero) then set up again, all in one driver operation:
  // two updates, and the not-present state between them is not torn.
  History t({kLo, kHi});
  t.store(0, kLo & ~1ull, 10);  // clear P: ends the first span
  t.store(1, 0, 20);
  t.store(0, 0, 21);
  t.fetch(3, {0, 0}, 22);  // the cleared entry
  t.store(1, 0x305, 30);   // new DID/AW
  t.store(0, 0x6001, 31);  // new root with P
  const auto spans = t.spans();
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].stores == std::vector<u64>{0});
  CHECK(spans[1].stores == std::vector<u64>{1, 2, 3, 4});
  CHECK(spans[1].old_val.w[0] == (kLo & ~1ull));
  // The fetch of the cleared entry is at most a benign mix: P = 0 as in OLD.
  const auto c = t.judge().counts();
  CHECK(c.at("torn_fetch") == 0);
  CHECK(c.at("unsafe_live_update") == 0);
  CHECK(c.at("benign_mixed_fetch") == 1);
}

TEST_CASE("a fetch straddling a P-clear and the rest of the teardown is judged against every state between",
          "[checkers][torn_fetch]") {
  SECTION("the late burst read a word the teardown rewrote unchanged: the pre-teardown entry, not torn") {
    History t({kLo, kHi});
    t.store(0, 0, 10);    // clears P: ends the first span
    t.store(1, kHi, 11);  // the rest of the zeroing, here writing what was there
    t.fetch2(0, kLo, 2, kHi, 5);
    CHECK(t.spans().size() == 2);
    const auto c = t.judge().counts();
    CHECK(c.at("torn_fetch") == 0);
    CHECK(c.at("benign_mixed_fetch") == 0);
  }
  SECTION("the late burst read a zeroed word: torn, reported against both spans") {
    History t({kLo, kHi});
    t.store(0, 0, 10);
    t.store(1, 0, 11);
    t.fetch2(0, kLo, 2, 0, 5);
    const Findings f = t.judge();
    CHECK(f.counts().at("torn_fetch") == 2);
  }
}

TEST_CASE("a completed wait the operation observed closes the span: a multi-step update is judged step by step",
          "[checkers][span][sync]") {
  // One driver operation moves a present entry to DID 3, syncs (context-cache
  // and IOTLB invalidations of both DIDs, a wait, its status polled), then
  // repoints the page table: each step is old-or-new on the used bits.
  constexpr Addr kStatus = 0x9000;
  auto run = [&](History& t, bool sync, bool observe) {
    t.events.store(1, 0x302, 10, Writer{0, 0, 1});  // DID 2 -> 3
    if (sync) {
      const Cycle done = t.events.submit(Writer{0, 0, 2}, 20, 0,
                                         {qi_cc_dev(2, kId.rid), qi_cc_dev(3, kId.rid), qi_iotlb_dsi(2),
                                          qi_iotlb_dsi(3)},
                                         kStatus);
      if (observe) t.events.poll(Writer{0, 0, 3}, done + 1, kStatus);
    }
    t.events.fetch(9, t.events.stores(), {kLo, 0x302}, 190);  // the intermediate state
    t.events.store(0, 0x6001, 200, Writer{0, 0, 4});          // root 5 -> 6
    t.events.item(0, 0, 0, 5, 0, 210);
  };
  SECTION("observed: two spans, nothing torn") {
    History t({kLo, kHi});
    run(t, true, true);
    const auto spans = update_spans(t.h.entries()[0], t.h, &t.built());
    REQUIRE(spans.size() == 2);
    CHECK(spans[0].new_val.w[1] == 0x302);
    CHECK(spans[1].old_val.w[1] == 0x302);
    const auto c = t.judge().counts();
    CHECK(c.at("unsafe_live_update") == 0);
    CHECK(c.at("torn_fetch") == 0);
  }
  SECTION("not observed (no poll) or no sync at all: one span, the intermediate state is torn") {
    for (bool sync : {false, true}) {
      History t({kLo, kHi});
      run(t, sync, false);
      const auto c = t.judge().counts();
      CHECK(c.at("unsafe_live_update") == 1);
      CHECK(c.at("torn_fetch") == 1);
    }
  }
}

TEST_CASE("a sync that does not cover every state the entry held does not close the span", "[checkers][span][sync]") {
  constexpr Addr kStatus = 0x9000;
  History t({kLo, kHi});
  t.events.store(1, 0x302, 10, Writer{0, 0, 1});  // DID 2 -> 3
  // Only DID 2's caches: the entry under DID 3 may be cached as well.
  const Cycle done =
      t.events.submit(Writer{0, 0, 2}, 20, 0, {qi_cc_dev(2, kId.rid), qi_iotlb_dsi(2)}, kStatus);
  t.events.poll(Writer{0, 0, 3}, done + 1, kStatus);
  t.events.store(0, 0x6001, 200, Writer{0, 0, 4});
  t.events.item(0, 0, 0, 5, 0, 210);
  CHECK(t.count("unsafe_live_update") == 1);
}
