// Mutants of a scenario's driver operations: one deliberate mistake at one
// site (a dropped barrier, a split cmpxchg16b, a dropped invalidation, a
// reordered store...), for `vtdsim mutate`, which asks whether vtdsim would
// notice if a fix were wrong. Operation-level mutants edit a built program
// item; queued-invalidation mutants are applied by qi_submit_sync while it
// emits (MutationContext), so ring slots, IQT and free_head stay consistent.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/driver.hpp"

namespace vtd {

enum class MutantKind : u8 {
  DropBarrier,       // an OpKind::CompilerBarrier (barrier(), dma_wmb(), a memcpy() call)
  DropMfence,        // an mfence (mb())
  SplitLowFirst,     // a cmpxchg16b as two WRITE_ONCE 64-bit stores, low word first
  SplitHighFirst,    // the same, high word first
  DropClflush,       // a clflush
  DropDescriptor,    // one invalidation descriptor of a qi_submit_sync
  DropWait,          // a qi_submit_sync without its wait descriptor and poll
  DropPoll,          // a qi_submit_sync that does not poll (QiWait::NoPoll)
  WaitFirst,         // a qi_submit_sync with its wait queued first (QiWait::WaitFirst)
  ZeroBeforeFlush,   // the stores to an entry after its invalidations moved to just after its P clear
  SkipClearPresent,  // the store that clears only P dropped (with the dma_wmb() after it)
  SetPresentFirst,   // the store that sets only P moved before the field setters
  SwapStores,        // two adjacent stores to one watched entry swapped
};
// The id prefix: "drop-barrier", "swap-stores"...
std::string_view mutant_kind_name(MutantKind k);
// Applied by qi_submit_sync while emitting (the others edit a built item).
bool is_qi_mutant(MutantKind k);

struct Mutant {
  MutantKind kind = MutantKind::DropBarrier;
  std::string id;           // "drop-wait:cpu0:item1:qi2", "swap-stores:cpu0:item0:op14"
  std::string description;  // one line naming the operations' labels and the driver operation
  u16 cpu = 0;
  u32 item = 0;
  // Operation-level: indices into the item's operations (as built, before
  // the mutation), the site first; for ZeroBeforeFlush the clear of P, then
  // the stores moved; SwapStores the two stores.
  std::vector<u32> ops;
  // Queued invalidation: the item's submission (0-based, in emission order)
  // and, for DropDescriptor, which of its descriptors.
  unsigned qi = 0;
  unsigned desc = 0;
  std::optional<EntryId> entry;  // the watched entry the mutated stores write, if any
};

// One qi_submit_sync call as emitted: which program item made it, its
// descriptors and mode, and its operations in the item.
struct QiSite {
  u16 cpu = 0;
  u32 item = 0;
  unsigned qi = 0;  // within the item
  std::vector<QiDesc> descs;
  QiWait wait = QiWait::Sync;
  u32 first_op = 0, end_op = 0;  // the item's operations [first_op, end_op)
};

// What qi_submit_sync does to one submission under a mutant.
struct QiChange {
  std::optional<unsigned> drop_desc;
  bool drop_wait = false;
  std::optional<QiWait> wait;  // replaces the caller's mode
};

// The driver's mutation context (DriverState::mutation): it numbers the
// qi_submit_sync calls of each program item, records them, and tells each
// call what the mutant being applied changes. Copies of a DriverState
// (a predicted early return) share it, so the numbering runs on.
struct MutationContext {
  const Mutant* apply = nullptr;  // a queued-invalidation mutant; null: record only
  u16 cpu = 0;
  u32 item = 0;
  unsigned next_qi = 0;
  std::vector<QiSite> sites;

  void begin_item(u32 i) {
    item = i;
    next_qi = 0;
  }
  // A submission starts at operation `first_op` of the item: its number.
  unsigned begin_submission(const std::vector<QiDesc>& descs, QiWait wait, u32 first_op);
  void end_submission(unsigned site, u32 end_op);
  QiChange change(unsigned site) const;
};

// Where mutants may be: the watched entries (stores to them are what the
// store-level operators move) and qi->q_lock (whose lock starts every
// submission).
struct MutationTargets {
  std::vector<EntryId> watched;
  Addr qi_lock = 0;
};

// The watched entry a store (Store64 or Store128) writes, wholly inside it; null: none.
const EntryId* store_entry(const Operation& op, const std::vector<EntryId>& watched);
// Entry e's value after store `op` (which writes it) to value `v`.
EntryBits apply_store(const Operation& op, const EntryId& e, EntryBits v);

// Every mutant of the programs `cpus` (per CPU, the items as built, without
// mutation) and their submissions `sites`, in a fixed order: CPU, item, then
// operator (barrier and mfence drops, splits, clflush drops, submissions
// (each: every descriptor, the wait, the poll, wait first), zeroing moved,
// clear of P skipped, P set first, swaps), then operation.
std::vector<Mutant> enumerate_mutants(const std::vector<std::vector<DriverOp>>& cpus,
                                      const std::vector<QiSite>& sites, const MutationTargets& targets);

// Applies an operation-level mutant to its item (as built); a queued-
// invalidation mutant changes nothing here.
void apply_mutant(const Mutant& m, DriverOp& item);

// A scenario's programs built without mutation, their submissions and their mutants.
struct MutantCatalog {
  std::vector<std::vector<DriverOp>> programs;  // per CPU
  std::vector<QiSite> sites;
  std::vector<Mutant> mutants;
};
// Throws ScenarioError.
MutantCatalog catalog_mutants(const Scenario& s, const TableLayout& layout);

}  // namespace vtd
