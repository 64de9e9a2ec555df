// Why a mutant may have survived: small named heuristics, each judging from
// facts the tool can check (the nominal run of the scenario as written, the
// scenario's traffic and caches, the program's structure). They say what is
// suspected, never that the mutant is harmless. SystemC-free.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "driver/mutation.hpp"

namespace vtd {

// What the nominal run of the scenario as written showed.
struct NominalFacts {
  // (cpu, item, operation as built) that executed.
  std::set<std::tuple<u16, u32, u32>> executed;
  // (cpu, item, entry address): the entry's value just before the item's first store to it.
  std::map<std::tuple<u16, u32, Addr>, EntryBits> before_item;
  // (cpu, item) that changed an entry while it was present.
  std::set<std::pair<u16, u32>> changed_present;
};

struct Suspicion {
  std::string name;  // the heuristic: "entry-not-present"
  std::string text;  // what it found
};

// What the heuristics look at.
struct SuspicionInputs {
  const Mutant& mutant;
  const DriverOp& item;           // the mutant's program item as built, unmutated
  const std::vector<QiSite>& qi;  // every submission of the programs as built
  const NominalFacts& facts;
  const Scenario& scenario;
  const TableLayout& layout;
};

// The mutated operations never ran in the nominal run (the driver returned before them).
std::optional<Suspicion> never_executed(const SuspicionInputs& in);
// Every state the mutant's stores give the entry that the original's never did is non-present
// (swaps, splits, P set first; a dropped clflush of a line whose entry stayed non-present).
std::optional<Suspicion> entry_not_present(const SuspicionInputs& in);
// A wait dropped, not polled or queued first, while a later submission of the same operation
// is waited for before its next store to a watched entry: that wait completes only after every
// descriptor queued before it, this submission's included.
std::optional<Suspicion> later_wait(const SuspicionInputs& in);
// No DMA stream comes from the devices whose entries the mutant's operation touches.
std::optional<Suspicion> no_traffic(const SuspicionInputs& in);
// A dropped or unwaited invalidation no rule names a need for: the operation changed no
// present entry, or a device-TLB descriptor for a device without ATS.
std::optional<Suspicion> no_need(const SuspicionInputs& in);
// The IOMMU caches nothing, and the mutant only changes what caches would hold.
std::optional<Suspicion> caches_off(const SuspicionInputs& in);
// A dropped barrier that orders no store to a watched entry (queue ring and desc_status
// stores, which the IOMMU reads only after the IQT doorbell).
std::optional<Suspicion> queue_only(const SuspicionInputs& in);
// A dropped barrier whose stores the compiler may now reorder pair, each, a watched entry's
// store with one that changes nothing in the nominal run (it writes what the word holds).
std::optional<Suspicion> no_op_reorder(const SuspicionInputs& in);
// A dropped mb() next to a clflush, which in the model waits for the store buffer itself.
std::optional<Suspicion> clflush_drains(const SuspicionInputs& in);

// Every heuristic that applies, in the order above; none: "unexplained".
std::vector<Suspicion> suspect(const SuspicionInputs& in);

}  // namespace vtd
