// The story of a violation, told from the event stream alone: the stores to
// the entry in order (with the CPU, driver operation and emitted operation
// that made each), the fetches whose bursts matter and which store each
// burst saw (its memory version against the stores' sequence numbers), the
// values side by side field by field with the bits hardware uses, and what
// was missing (the invalidation that was not observed complete, the atomic
// view the fetch did not get, where a stale copy came from). Nobody asks the
// CPU what it meant to do.
//
// A StoryContext holds what an episode showed that stories read; a
// StoryRecorder (report/story_recorder.hpp) fills one while it watches. The
// common parts of a story (the headline, the entry's stores) are told here,
// the rest by the finding's rule (Rule::tell).
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "checkers/entry_history.hpp"
#include "checkers/findings.hpp"

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

// What an episode showed that stories read, and the helpers rules tell them with.
class StoryContext {
 public:
  EntryHistory history;
  std::vector<std::vector<std::string>> item_names;  // [cpu][item]
  std::map<std::pair<u16, u32>, std::string> ops;    // (cpu, op) -> the emitted operation's text
  // `history` keeps the fetches of each watched entry once it has been
  // stored to (a fetch before any store cannot fall in a window a story
  // shows): history.entries()[i].events.
  struct IotlbFill {
    Cycle cycle = 0;
    Rid rid;  // the requester whose walk filled it
    u16 did = 0;
    Addr page = 0, out = 0;
    Provenance table;  // the context (legacy) or PASID entry copy the walk went through
  };
  std::vector<IotlbFill> iotlb_fills;
  // Descriptors, a Completed event paired with its slot's last Fetched.
  struct Desc {
    unsigned index = 0;
    std::optional<Cycle> fetched;
    std::optional<Cycle> completed;
    std::array<u64, 4> qw{};
  };
  std::vector<Desc> descs;
  std::vector<WritebackEvent> writebacks;

  // cpu0 "driver operation"; or "the IOMMU".
  std::string who(const Writer& w) const;
  // "op 12: store64 0x107000 = 0x0 (WRITE_ONCE)  [label]".
  std::string op_text(const Writer& w) const;
  std::string item_name(u16 cpu, u32 item) const;
  // A fetch of entry `e` as a story shows it.
  StoryFetch fetch(const EntryHistory::Entry& e, const FetchEvent& fe, std::string role) const;
  // Descriptors that completed (or were fetched) in [from, to], those
  // completing after `late` marked with `late_label`; at most a few.
  std::vector<std::string> descriptors_between(Cycle from, Cycle to, Cycle late,
                                               const char* late_label) const;
  // How many descriptors completed in (from, to].
  std::size_t completed_between(Cycle from, Cycle to) const;
};

// Limits on what a story lists.
inline constexpr std::size_t kStoryMaxFetches = 6;
inline constexpr std::size_t kStoryMaxWindowFetches = 2;

// Helpers for rules telling their part.
StoryBurst story_burst(const EntryHistory::Entry& e, const Burst& b, unsigned chunk);
unsigned chunk_of(const EntryId& id, Addr burst_addr);
StoryTable make_table(const Format& f, std::vector<std::string> columns, const std::vector<EntryBits>& values,
                      const EntryBits& used, std::string used_of);
// "DID as in OLD; FLPTPTR as in NEW; P, PGTT in neither" over the used rows
// of an OLD / NEW / observed table.
std::string mix_text(const StoryTable& t);
// "#12 (cycle 340)".
std::string store_ref(const EntryHistory::Entry& e, u64 seq);
Cycle store_cycle(const EntryHistory::Entry& e, u64 seq);

// The part of a stale_translation or corrupting_dma story about the request:
// its outcome against the tables, the IOTLB fill or entry copy it used and
// where that came from. `against`: the tables' column ("tables at arrival").
void tell_dma_outcome(const Finding& f, const StoryContext& ctx, Story& st, const std::string& against,
                      u64 against_version);

// One Story per violation of `f`, in order (benign findings get none); with
// `want`, only for the violation numbers (1-based) it accepts.
std::vector<Story> tell_stories(const StoryContext& ctx, const Findings& f,
                                const std::function<bool(unsigned)>& want = {});

std::string story_text(const Story& s);
nlohmann::json story_json(const Story& s);

}  // namespace vtd
