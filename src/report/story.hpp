// The story of a violation, told from the event stream alone: the stores to
// the entry in order (with the CPU, driver operation and emitted operation
// that made each), the fetches whose bursts matter and which store each
// burst saw (its memory version against the stores' sequence numbers), the
// values side by side field by field with the bits hardware uses, and what
// was missing (the invalidation that did not complete, the atomic view the
// fetch did not get, where a stale copy came from). Nobody asks the CPU what
// it meant to do.
//
// A StoryRecorder watches an episode (a RunListener) and builds one Story
// per violation when the run's findings are known; story_text and
// story_json render one.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "checkers/entry_history.hpp"
#include "checkers/findings.hpp"
#include "platform/run_listener.hpp"

namespace vtd {

struct StoryStore {
  u64 seq = 0;
  Cycle cycle = 0;  // when it became visible
  Writer writer;
  std::string who;  // cpu0 "driver operation"; or "the IOMMU"
  std::string op;   // "op 12: store64 0x107000 = 0x0 (WRITE_ONCE)  [label]": the emitted operation
  Addr addr = 0;
  unsigned words = 1;
  std::array<u64, 2> old_val{}, new_val{};
  std::string change;  // field by field: "P 0x1->0x0, DID 0x3->0x0"; "no change"
  std::string role;    // "clears P", "in the update", "left the torn state", ...
};

struct StoryBurst {
  unsigned chunk = 0;  // 128-bit chunk of the entry (0 for entries narrower than a burst)
  Cycle cycle = 0;
  u64 version = 0;  // saw the stores with seq < version
  std::array<u64, 2> data{};
  std::optional<u64> saw;     // the latest store to this chunk it saw (none: the chunk's initial value)
  std::optional<u64> missed;  // the earliest store to this chunk it did not see
};

struct StoryFetch {
  u64 request = 0;
  std::string role;                // "the torn fetch", "read the state left by #3", "filled the copy used"
  std::vector<StoryBurst> bursts;  // in the order read
};

// OLD / NEW / observed (or whichever values the kind compares) field by field.
struct StoryTable {
  std::vector<std::string> columns;
  std::string used_of;  // whose used bits the `used` column is: "the observed value"
  struct Row {
    std::string field;
    std::vector<u64> values;  // one per column
    bool used = false;
    std::string note;  // "= OLD", "differs from both", ...
  };
  std::vector<Row> rows;
  std::size_t hidden = 0;  // fields left out: zero and equal in every column
};

struct Story {
  unsigned number = 0;  // 1-based, among the run's violations in the order listed
  std::string kind;
  Cycle cycle = 0;
  EntryId entry;
  std::string headline;  // "torn_fetch at cycle 135: pasid[...]@0x107000, DMA request #61"
  std::vector<StoryStore> stores;
  std::size_t stores_left_out = 0;  // earlier stores to the entry not listed
  std::vector<StoryFetch> fetches;
  std::size_t fetches_left_out = 0;
  StoryTable table;
  std::vector<std::string> invalidations;  // descriptors around the window: fetched, completed
  std::vector<std::string> missing;        // what was missing, one sentence each
};

std::string story_text(const Story& s);
nlohmann::json story_json(const Story& s);

class StoryRecorder : public RunListener {
 public:
  // What on_start does, for use without a platform (tests): watch an entry
  // with its value at memory version 0; name CPU `cpu`'s program items.
  void watch(const EntryId& id, const EntryBits& initial);
  void set_item_names(std::vector<std::vector<std::string>> names) { item_names_ = std::move(names); }
  // One Story per violation of `f`, in order (benign findings get none);
  // with `want`, only for the violation numbers (1-based) it accepts.
  std::vector<Story> build(const Findings& f, const std::function<bool(unsigned)>& want = {}) const;

  // After the episode (stories are built on demand: a run prints few).
  std::size_t violations() const;
  std::vector<Story> stories() const { return build(findings_); }
  Story story(unsigned number) const {
    return build(findings_, [&](unsigned k) { return k == number; }).at(0);
  }
  std::vector<Story> first_of_each_kind() const;

  void on_start(const EpisodeStart& s) override;
  void on_finish(const RunResult& r) override;
  // Keeps cache changes only (IOTLB fills): lookups are not delivered.
  Interests interests() const override { return overridden<StoryRecorder>() & ~interest(Topic::CacheLookup); }
  void on_store(const StoreEvent& e) override { history_.on_store(e); }
  void on_fetch(const FetchEvent& e) override;
  void on_cpu_op(const CpuOpEvent& e) override;
  void on_item(const ItemEvent& e) override;
  void on_cache(const CacheEvent& e) override;
  void on_descriptor(const DescriptorEvent& e) override;
  void on_writeback(const WritebackEvent& e) override { writebacks_.push_back(e); }

 private:
  // A fetch of a watched entry, kept once the entry has been stored to (a
  // fetch before any store cannot fall in a window a story shows).
  struct Fetch {
    std::size_t entry = 0;  // index in history_.entries()
    FetchEvent ev;
  };
  struct Item {
    Cycle start = 0, end = 0;
    bool done = false;
  };
  std::string who(const Writer& w) const;
  std::string op_text(const Writer& w) const;
  std::string item_name(u16 cpu, u32 item) const;

  EntryHistory history_;
  std::vector<std::vector<std::string>> item_names_;     // [cpu][item]
  std::vector<std::vector<std::string_view>> op_names_;  // [cpu][op]; valid until on_finish
  std::map<std::pair<u16, u32>, std::string> kept_ops_;  // (cpu, op) -> name, from on_finish on
  std::vector<std::vector<Item>> items_;                 // [cpu][item]
  std::vector<Fetch> fetches_;
  struct IotlbFill {
    Cycle cycle = 0;
    Rid rid;  // the requester whose walk filled it
    u16 did = 0;
    Addr page = 0, out = 0;
    Provenance table;  // the context (legacy) or PASID entry copy the walk went through
  };
  std::vector<IotlbFill> iotlb_fills_;
  std::vector<DescriptorEvent> descriptors_;  // error texts dropped
  std::vector<WritebackEvent> writebacks_;
  Findings findings_;  // the episode's, from on_finish
};

}  // namespace vtd
