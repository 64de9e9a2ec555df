// A checker rule is one object: its kind, whether a finding of it is a
// violation, its judgement of an episode's evidence, the line the text report
// prints under a finding, and the kind's part of a violation story. Adding a
// rule is adding one file with one such object and listing it in rules().
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/dma_outcomes.hpp"
#include "checkers/entry_history.hpp"
#include "checkers/handshakes.hpp"
#include "checkers/reference.hpp"
#include "checkers/spans.hpp"

namespace vtd {

struct Story;
class StoryContext;

// Fetches related to an update span, classified once for the two rules that
// read them (torn_fetch, benign_mixed_fetch).
struct MixedFetch {
  std::size_t entry = 0;                // index in history.entries()
  std::size_t fetch = 0;                // index in that entry's fetches
  std::vector<const Span*> overlapped;  // the spans it is related to
  bool torn = false;                    // differs from every OLD and NEW on the bits it uses
};

// Everything a rule judges from, built once per episode after the run.
class Evidence {
 public:
  Evidence(const EntryHistory& h, const Handshakes& hs, const DmaOutcomes& dma, ReferenceTranslator& ref,
           bool detail);
  const EntryHistory& history;
  const Handshakes& handshakes;
  const DmaOutcomes& dma;
  ReferenceTranslator& reference;
  const bool detail;
  // Per watched entry (history.entries() order), closed at clears of P and sync points.
  const std::vector<std::vector<Span>> spans;
  // Fetches that mixed memory versions inside some span (computed on first use).
  const std::vector<MixedFetch>& mixed_fetches() const;

 private:
  mutable std::optional<std::vector<MixedFetch>> mixed_;
};

class Rule {
 public:
  virtual ~Rule() = default;
  virtual std::string_view kind() const = 0;
  // false: a finding is shown and counted, never a violation (benign_mixed_fetch).
  virtual bool violation() const { return true; }
  virtual void judge(const Evidence& ev, Findings& out) const = 0;
  // What the text report prints under the finding's headline (empty: nothing).
  // `item_name(cpu, item)` names a program item.
  using ItemName = std::function<std::string(u16, u32)>;
  virtual std::string brief(const Finding& f, const ItemName& item_name) const;
  // The role of store `s` of the finding's entry in its story ("clears P",
  // "in the update"...); empty for no role of this rule's own.
  virtual std::string store_role(const Finding& f, const StoreEvent& s, bool clears_p) const;
  // Which stores the story centres on (sequence numbers, inclusive).
  virtual std::pair<u64, u64> story_window(const Finding& f) const;
  // The kind's part of the story: `st` already lists the entry's stores.
  virtual void tell(const Finding& f, const StoryContext& ctx, Story& st) const = 0;
};

// Every rule, in the order reports list their kinds.
const std::vector<const Rule*>& rules();
// The rule of `kind`, or null.
const Rule* rule_of(std::string_view kind);

// Every rule over the evidence, findings in (cycle, entry, kind) order.
Findings judge(const Evidence& ev);
void sort_findings(Findings& out);

// A finding about state `observed` of an update span: OLD/NEW diffs on its used bits.
Finding span_finding(const char* kind, const Span& sp, const EntryBits& observed, bool detail = true);
// "on used bits, differs from OLD in P, SLPTPTR; from NEW in AW, DID" (a span finding's report line).
std::string span_diff_brief(const Finding& f);

}  // namespace vtd
