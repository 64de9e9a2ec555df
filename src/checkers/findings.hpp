// What checkers report: one Finding per violation (or benign observation),
// with everything a person needs to see why: cycle, entry, the update span,
// OLD / NEW / observed values and the bursts with the versions they read.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "events/events.hpp"
#include "formats/formats.hpp"

namespace vtd {

// One driver operation's run of stores to one entry (checkers/spans.hpp): OLD
// is the entry just before the first store, NEW just after the last.
struct Span {
  EntryId entry;
  u16 cpu = 0;
  u32 item = 0;
  std::vector<u64> stores;  // seqs, ascending
  Cycle first_cycle = 0, last_cycle = 0;
  EntryBits old_val, new_val;
  u64 first() const { return stores.front(); }
  u64 last() const { return stores.back(); }
};

struct BurstSeen {
  Burst burst;
  unsigned index = 0;  // which 128-bit chunk of the entry
  // Stores of the span this burst saw: n of the span's stores (0 = none = OLD).
  unsigned span_stores_seen = 0;
};

struct Finding {
  std::string kind;
  Cycle cycle = 0;
  EntryId entry;
  Span span;
  EntryBits observed;                     // fetched value (fetch rules) or memory state (store rules)
  EntryBits used;                         // used_bits(observed)
  std::vector<FieldDiff> vs_old, vs_new;  // on used bits
  std::optional<u64> request;             // fetch rules: the DMA request
  std::vector<BurstSeen> bursts;          // fetch rules
  std::optional<u64> store;               // store rules: the store that left this state

  // present_before_invalidate, missing_invalidation
  std::optional<u64> clear_store;  // the store that cleared P
  Cycle clear_cycle = 0;
  std::vector<std::string> missing;          // the needs not met, by name
  std::vector<std::string> why;              // for each, one sentence: how far the handshake got
  std::optional<DmaEvent::CopyUsed> cached;  // the copy hardware held (last filled), if one was
  Cycle returned = 0;                        // missing_invalidation: when the operation returned
  // stale_translation / corrupting_dma
  std::optional<DmaEvent::CopyUsed> copy;  // the copy the translation went through
  Addr iova = 0;
  bool write = false;
  bool dma_fault = false;
  u8 dma_reason = 0;
  Addr dma_pa = 0;
  // What software's tables gave: at the request's arrival (stale), or every
  // stable state of the run (corrupting).
  struct Expected {
    u64 version = 0;
    bool fault = false;
    u8 reason = 0;
    Addr pa = 0;
  };
  std::vector<Expected> expected;
  // The request (stale_translation / corrupting_dma): who sent it, when it
  // arrived, the domain its translation was tagged with, and whether the
  // IOTLB answered it.
  Rid rid;
  Cycle arrived = 0;
  u16 did = 0;
  bool iotlb_hit = false;
  u64 occurrences = 1;  // corrupting_dma: requests with this same outcome
  // stale_translation: the store the copy did not see, and when an
  // invalidation queued after it completed (before the request arrived).
  std::optional<u64> superseded_by;
  Cycle invalidated = 0;
  std::string detail;   // one sentence: what went wrong
};

// Stores between the two states that make a finding a violation: the first
// and last burst's memory versions (fetch rules), the store that cleared P
// and the one that broke the handshake, or the span's first store and the
// one that left the bad state.
u64 stores_between(const Finding& f);

struct Findings {
  std::vector<Finding> items;  // in (cycle, kind) order; empty when !detail
  // false (sweeps): no Finding is kept, only, per verdict kind, how many and
  // the fewest stores between the violating states (`tally`), so judging
  // builds no text and allocates nothing per finding.
  bool detail = true;
  struct Tally {
    std::vector<u64> counts;    // per known_verdict_kinds(), in that order
    std::vector<u64> distance;  // per kind: fewest stores_between (kNone: no finding)
    static constexpr u64 kNone = ~u64{0};
  };
  Tally tally;  // only when !detail

  // Keeps `f` (detail) or tallies it.
  void add(Finding&& f);
  // Tallies `n` findings of `kind` (a known verdict kind) that are `between` stores apart.
  void tally_kind(std::size_t kind, u64 between, u64 n = 1);
  std::map<std::string, u64> counts() const;
};

// Index of `kind` in known_verdict_kinds().
std::size_t verdict_kind_index(const std::string& kind);

}  // namespace vtd
