// Violation stories built from hand-made event streams and the real rules:
// the stores in order with who made them, which store each burst saw, the
// field table, and what was missing.
#include <catch2/catch.hpp>

#include "hand_made_events.hpp"
#include "platform/run_result.hpp"
#include "report/story_recorder.hpp"

using namespace vtd;

namespace {

constexpr Addr kCtx = 0x1000;
const Rid kRid = Rid::from(0, 2, 0);
const EntryId kId{EntryKind::Context, kCtx, kRid, 0, 0};
constexpr u64 kLo = 0x5001, kHi = 0x202;  // present, SLPTPTR 0x5, AW 2, DID 2

// Feeds the same events to the checkers and to a StoryRecorder.
struct Run : test::Judged {
  StoryRecorder rec;
  std::vector<std::string> op_names;  // outlive the recorder's views

  explicit Run(std::array<u64, 2> initial) : Judged(kId, initial) {
    rec.watch(kId, events.initial_bits());
    rec.set_item_names({{"domain_context_mapping_one 00:02.0", "context_teardown 00:02.0"}});
    op_names.reserve(16);
    events.feed(&rec);
  }
  void store(unsigned word, u64 v, Cycle c, u32 item = 0) {
    const u32 op = static_cast<u32>(op_names.size());
    op_names.push_back("store64 " + hex(kCtx + 8 * word) + " = " + hex(v) + "  [word " +
                       std::to_string(word) + "]");
    rec.on_cpu_op(CpuOpEvent{0, item, op, c - 2, c - 1, op_names.back()});
    events.store(word, v, c, Writer{0, item, op});
  }
  void fetch(u64 request, u64 version, std::array<u64, 2> data, Cycle c) {
    events.fetch(request, version, data, c);
  }
  std::vector<Story> stories() {
    const Findings f = judge();
    rec.on_finish(RunResult{});
    return rec.build(f);
  }
};

const StoryTable::Row& row(const Story& s, const std::string& field) {
  for (const auto& r : s.table.rows)
    if (r.field == field) return r;
  FAIL("no row " << field);
  return s.table.rows.front();
}

bool has(const std::vector<std::string>& lines, const std::string& text) {
  for (const std::string& l : lines)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("story of a torn fetch: stores, the store each burst saw, the field table", "[story]") {
  Run t({0, 0});
  t.store(0, kLo, 10);           // #0: P = 1 with hi still 0
  t.fetch(23, 1, {kLo, 0}, 10);  // saw #0, not #1
  t.store(1, kHi, 11);           // #1: AW, DID
  const std::vector<Story> stories = t.stories();
  // One story per violation (torn_fetch and unsafe_live_update), numbered in order.
  REQUIRE(stories.size() == 2);
  CHECK(stories[0].number == 1);
  CHECK(stories[1].number == 2);
  const Story& s = stories[0].kind == "torn_fetch" ? stories[0] : stories[1];
  REQUIRE(s.kind == "torn_fetch");
  CHECK(s.cycle == 10);

  REQUIRE(s.stores.size() == 2);
  CHECK(s.stores[0].seq == 0);
  CHECK(s.stores[0].cycle == 10);
  CHECK(s.stores[0].who == "cpu0 \"domain_context_mapping_one 00:02.0\"");
  CHECK(s.stores[0].op == "op 0: store64 0x1000 = 0x5001  [word 0]");
  CHECK(s.stores[0].change.find("P 0x0->0x1") != std::string::npos);
  CHECK(s.stores[1].change.find("DID 0x0->0x2") != std::string::npos);
  CHECK(s.stores[1].role == "in the update");

  REQUIRE(s.fetches.size() == 1);
  CHECK(s.fetches[0].request == 23);
  REQUIRE(s.fetches[0].bursts.size() == 1);
  const StoryBurst& b = s.fetches[0].bursts[0];
  CHECK(b.version == 1);
  CHECK(b.saw == std::optional<u64>(0));
  CHECK(b.missed == std::optional<u64>(1));

  CHECK(s.table.columns == std::vector<std::string>{"OLD", "NEW", "observed"});
  CHECK(row(s, "P").values == std::vector<u64>{0, 1, 1});
  CHECK(row(s, "P").used);
  CHECK(row(s, "P").note == "= NEW");
  CHECK(row(s, "DID").values == std::vector<u64>{0, 2, 0});
  CHECK(row(s, "DID").note == "= OLD");
  CHECK(has(s.missing,
            "the fetch read the entry at one moment (cycle 10, memory version 1) in the middle of the "
            "update #0..#1 (cycles 10..11): after store #0, before #1"));
  CHECK(has(s.missing, "AW, DID as in OLD; P, SLPTPTR as in NEW"));

  const std::string text = story_text(s);
  CHECK(text.find("story of violation #") != std::string::npos);
  CHECK(text.find("chunk 0 at cycle 10, memory version 1: saw store #0, not #1") != std::string::npos);
  CHECK(text.find("what was missing:") != std::string::npos);
  const nlohmann::json j = story_json(s);
  CHECK(j["kind"] == "torn_fetch");
  CHECK(j["fetches"][0]["bursts"][0]["saw_store"] == 0);
  CHECK(j["fetches"][0]["bursts"][0]["missed_store"] == 1);
  CHECK(j["stores"].size() == 2);
  CHECK(j["fields"]["columns"].size() == 3);
}

TEST_CASE("story of an unsafe live update: the state, how long it lasted, who read it", "[story]") {
  Run t({0, 0});
  t.store(0, kLo, 10);
  t.fetch(5, 1, {kLo, 0}, 12);
  t.store(1, kHi, 14);
  const std::vector<Story> stories = t.stories();
  const Story* s = nullptr;
  for (const Story& x : stories)
    if (x.kind == "unsafe_live_update") s = &x;
  REQUIRE(s);
  CHECK(s->stores[0].role == "leaves the torn present state");
  CHECK(s->table.columns[2] == "left by #0");
  REQUIRE(s->fetches.size() == 1);  // the fetch at version 1 read exactly that state
  CHECK(s->fetches[0].request == 5);
  CHECK(has(s->missing, "until store #1 (cycle 14): for 4 cycles"));
  CHECK(has(s->missing, "1 fetch of this run read it"));
}

TEST_CASE("story of a broken ownership handshake: the change before the invalidations were observed complete",
          "[story]") {
  Run t({kLo, kHi});
  t.store(0, 0, 20, 1);  // #0 clears P
  t.store(1, 0, 21, 1);  // #1 zeroes DID and AW before any invalidation
  t.events.submit(Writer{0, 1, 5}, 25, 0, {qi_cc_dev(2, kRid)}, 0x9000);
  t.events.item(0, 1, 0, 6, 0, 60);
  const std::vector<Story> all = t.stories();
  const Story* s = nullptr;
  for (const Story& x : all)
    if (x.kind == "present_before_invalidate") s = &x;
  REQUIRE(s);
  REQUIRE(s->stores.size() == 2);
  CHECK(s->stores[0].role == "clears P");
  CHECK(s->stores[0].who == "cpu0 \"context_teardown 00:02.0\"");
  CHECK(s->stores[1].role == "changes the entry before the invalidations were observed complete");
  CHECK(has(s->missing, "store #1 at cycle 21 (AW 0x2->0x0, DID 0x2->0x0) changed the entry after P was cleared at "
                        "cycle 20 (store #0)"));
  CHECK(has(s->missing, "context-cache (CC global/domain/device for DID 2): the wait after CC-device(did=2"));
  CHECK(has(s->missing, "and no CPU read it"));
  CHECK(has(s->missing, "IOTLB (IOTLB DSI/global for DID 2): no covering invalidation was queued after store #0"));
  REQUIRE(s->invalidations.size() == 2);
  CHECK(s->invalidations[0].find("(after the change)") != std::string::npos);
  CHECK(s->table.columns[0] == "hardware may hold");
  CHECK(row(*s, "P").values == std::vector<u64>{1, 0});
  CHECK(row(*s, "P").note == "differs");
}

TEST_CASE("story of a stale translation: where the copy came from, what did not drop it", "[story]") {
  Run t({kLo, kHi});
  t.store(0, 0, 20, 1);  // #0 clears P
  t.store(1, 0, 21, 1);  // #1

  Finding f;
  f.kind = "stale_translation";
  f.cycle = 60;
  f.entry = kId;
  f.request = 7;
  f.rid = kRid;
  f.arrived = 50;
  f.iova = 0x1000;
  f.dma_pa = 0x81000000;
  EntryBits old;
  old.w[0] = kLo;
  old.w[1] = kHi;
  Provenance p;
  p.request = 3;
  p.cycle = 5;
  p.entry_addr = kCtx;
  p.nbursts = 1;
  p.versions = {0, 0, 0, 0};
  f.copy = DmaEvent::CopyUsed{EntryKind::Context, kCtx, true, old, p};
  f.observed = old;
  f.expected.push_back({2, true, 0x2, 0});
  f.superseded_by = 0;
  f.invalidated = 40;
  Findings fs;
  fs.items.push_back(f);
  const std::vector<Story> stories = t.rec.build(fs);
  REQUIRE(stories.size() == 1);
  const Story& s = stories[0];
  CHECK(s.stores[0].role == "superseded the copy used; its invalidation completed before the request arrived");
  CHECK(has(s.missing, "store #0 superseded the copy; an invalidation that covers it, queued after the store, "
                       "completed at cycle 40, before the request arrived at cycle 50"));
  CHECK(has(s.missing,
            "request #7 from 00:02.0 arrived at cycle 50, iova 0x1000 read -> 0x81000000; tables at "
            "version 2: fault 0x2"));
  CHECK(has(s.missing,
            "the copy of the entry used was cached: read at cycle 5 by request #3, bursts at memory "
            "version 0: it predates store #0 (cycle 20)"));
  CHECK(s.table.columns == std::vector<std::string>{"copy used", "tables at arrival"});
  CHECK(row(s, "P").values == std::vector<u64>{1, 0});
}

TEST_CASE("benign findings get no story; a run without violations none", "[story]") {
  Run t({0, 0});
  Findings f;
  Finding b;
  b.kind = "benign_mixed_fetch";
  b.entry = kId;
  f.items.push_back(b);
  CHECK(t.rec.build(f).empty());
  CHECK(t.rec.build(Findings{}).empty());
}
