// Linux VT-d driver sequences as functions that emit CPU operations, faithful
// to drivers/iommu/intel before and after each fix (vtd-facts.md §4.2, §5.3,
// §7, §8, §9). The registry turns a scenario's program items into driver
// operations and validates their arguments with file:line:column.
//
// What is not emitted, and why:
// - Root-table, context-table and PASID-directory lookups (iommu_context_addr,
//   intel_pasid_get_entry): reads of entries the sequences do not change.
// - qi_check_fault() inside qi_submit_sync's polling loop: the fault paths
//   (IQE/ITE/ICE recovery, resubmission) are not modeled; a submission waits
//   for its status word only.
// - iommu_flush_write_buffer(): CAP.RWBF is not modeled (always 0).
// - intel_iommu_drain_pasid_prq(): no modeled device has IOPF users, which
//   makes Linux return before touching the page-request queue.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cpu_model/operation.hpp"
#include "formats/formats.hpp"
#include "scenario/scenario.hpp"
#include "tables/table_builder.hpp"

namespace vtd {

// What the kernel knows about a PASID entry: Linux's callers pass the old
// domain (old_did, `old`) from their own bookkeeping, not from the table.
struct PasidState {
  bool present = false;
  u64 pgtt = 0;        // PASID-granular translation type while present
  std::string domain;  // attached domain (nested: the first-level one); empty for pass-through
  bool fpd = false;    // non-present with FPD = 1 (left by a fault-ignoring pre-fix teardown)
  bool pgsnp = false;  // present with PGSNP set by intel_pasid_setup_page_snoop_control
};

struct MutationContext;  // driver/mutation.hpp

// Driver software state one CPU program carries from item to item.
struct DriverState {
  unsigned qi_free_head = 0;  // qi->free_head: next ring slot (the IOMMU starts at IQH = IQT = 0)
  std::map<std::pair<Rid, u32>, PasidState> pasids;
  std::map<Rid, std::string> context_domain;  // legacy: the domain a present context entry points to
  // `vtdsim mutate`: numbers qi_submit_sync calls and applies a queued-
  // invalidation mutant to one of them; not owned; null: no mutation.
  MutationContext* mutation = nullptr;

  // The context and PASID entries the scenario's tables start with.
  static DriverState from_layout(const TableLayout& layout);
  PasidState& pasid(Rid rid, u32 pasid) { return pasids[{rid, pasid}]; }
};

struct DriverEnv {
  const TableLayout& layout;
  const Platform& platform;
  DriverState& state;
};

// ---- queued invalidation (vtd-facts §5.2, §5.3, §8.2, §8.3) ----
// One descriptor: qw0..qw3 in bits.w[0..3] (qw2/qw3 zero, as Linux leaves them).
struct QiDesc {
  std::string name;  // "PC-PASID(did=2, pasid=1)"
  EntryBits bits;
};
QiDesc qi_cc_dev(u16 did, Rid sid, unsigned fm = 0);  // qi_flush_context(DMA_CCMD_DEVICE_INVL)
QiDesc qi_cc_global();                                // qi_flush_context(DMA_CCMD_GLOBAL_INVL)
QiDesc qi_iotlb_dsi(u16 did);                         // qi_flush_iotlb(DMA_TLB_DSI_FLUSH)
QiDesc qi_iotlb_global();                             // qi_flush_iotlb(DMA_TLB_GLOBAL_FLUSH)
QiDesc qi_pc_pasid(u16 did, u32 pasid);               // pasid_cache_invalidation_with_pasid
QiDesc qi_pc_global();                                // qi_flush_pasid_cache(0, QI_PC_GLOBAL, 0)
QiDesc qi_piotlb_all(u16 did, u32 pasid);             // qi_flush_piotlb_all / qi_flush_piotlb(.., -1, ..)
QiDesc qi_devtlb_global(Rid sid);                     // qi_flush_dev_iotlb(sid, 0, 0, 0, 52)
QiDesc qi_pasid_devtlb_all(Rid sid, u32 pasid);       // qi_flush_dev_iotlb_pasid(sid, 0, pasid, 0, 0, 52)
// The wait descriptor qi_submit_sync appends: SW = 1, QI_DONE to `status`.
QiDesc qi_wait(Addr status);

enum class QiWait {
  Sync,  // qi_submit_sync: poll the wait descriptor's status, then free the slots
  // Deliberately broken: the descriptors and the wait descriptor are queued
  // and the doorbell rung, but the status is never polled, so the caller
  // goes on before the invalidations complete. Linux would be left with
  // desc_status[index..wait_index] never QI_FREE (IN_USE; the wait's slot
  // DONE once hardware gets there), and reclaim_free_desc(), which advances
  // free_tail only over FREE slots, stops at them for good: no slot is
  // reclaimed again, and once free_cnt runs out every qi_submit_sync spins
  // in its "free_cnt < count + 2" loop. qi_check_fault() never runs for the
  // submission either (an IQE/ITE it causes goes unnoticed).
  NoPoll,
  NoWait = NoPoll,  // the name the first broken variants used: what it always emitted
  // Deliberately broken: the wait descriptor takes the submission's first
  // slot, before the invalidation descriptors; the doorbell and the poll on
  // its status follow as usual. The wait completes before the invalidations
  // queued behind it, so the poll returns early; the slots are freed as usual.
  WaitFirst,
};
// Emits qi_submit_sync(descs) on the ring at env.layout.driver, advancing
// env.state.qi_free_head past the descriptors and the wait (count + 1 slots
// in every mode). A mutation context (env.state.mutation) may drop one
// descriptor or the wait, or change the mode, before the ring logic runs.
void qi_submit_sync(std::vector<Operation>& ops, const DriverEnv& env, const std::vector<QiDesc>& descs,
                    QiWait wait = QiWait::Sync);

// ---- legacy context entries (vtd-facts §2.1, §7.2, §7.3) ----
enum class MapVariant {
  PreFix,      // before patch 1/3: setters on the live entry, plain stores, plain `lo |= 1`
  Cmpxchg16b,  // patch 1/3: built on the stack, one cmpxchg16b
  DmaWmb,      // v2 / current: setters on the live entry, dma_wmb() then WRITE_ONCE(P)
};
enum class TeardownVariant {
  PreFix,        // context_clear_entry (lo = 0, hi = 0, plain) then flushes
  ClearPresent,  // v2 2/3: clear P, dma_wmb, flush + invalidate, then zero
  NoWait,        // broken: ClearPresent with the invalidations not waited for (QiWait::NoPoll)
};

DriverOp domain_context_mapping_one(const DriverEnv& env, const DeviceLayout& dev, const DomainLayout& dom,
                                    MapVariant v);
DriverOp domain_context_clear_one(const DriverEnv& env, const DeviceLayout& dev, TeardownVariant v);

// ---- scalable-mode context entries (vtd-facts §2.2, §7.3, §7.4) ----
// The value context_entry_set_pasid_table() gives dev's context entry: DTE
// with ATS, PASIDE when the device uses a PASID other than RID_PASID, no PRI.
EntryBits sm_context_value(const DeviceLayout& dev);
// The global invalidations of the copied (kdump) path: all of them (Linux),
// or, deliberately broken, one dropped.
enum class CopiedFlush {
  Full,          // CC-dev(DID 0), PC-global, IOTLB-global, devTLB (vtd-facts §7.4)
  NoPasidCache,  // broken: without PC-global
  NoIotlb,       // broken: without IOTLB-global
};
// device_pasid_table_setup(); `copied`: the entry was inherited by a kdump
// kernel (context_copied()). Variants as for the legacy mapping.
DriverOp device_pasid_table_setup(const DriverEnv& env, const DeviceLayout& dev, MapVariant v, bool copied,
                                  CopiedFlush flush = CopiedFlush::Full);
DriverOp device_pasid_table_teardown(const DriverEnv& env, const DeviceLayout& dev);

// ---- scalable-mode PASID entries (vtd-facts §4.2, §7.5 – §7.8) ----
enum class PasidType { FirstLevel, SecondLevel, PassThrough, Nested };
u64 pgtt_of(PasidType t);
// iommu->agaw: the largest supported AGAW up to 57 bits (iommu_calculate_agaw).
unsigned iommu_agaw(const Platform& p);
// The entry Linux's pasid_pte_config_* builds for `dom` (ignored for
// pass-through; nested: the first-level domain whose `parent` is the
// second-level one). Throws std::invalid_argument for a domain of the wrong
// kind. Table builders use it so initial entries match what the driver writes.
EntryBits pasid_entry_value(const TableLayout& layout, const Platform& p, PasidType t,
                            const DomainLayout* dom);

// intel_pasid_setup_{first_level,second_level,pass_through,nested}.
DriverOp intel_pasid_setup(const DriverEnv& env, const DeviceLayout& dev, u32 pasid, PasidType t,
                           const DomainLayout* dom);
// intel_pasid_flush_present(did): the entry stays present.
DriverOp intel_pasid_flush_present(const DriverEnv& env, const DeviceLayout& dev, u32 pasid, u16 did);

enum class PageSnoopVariant {
  Current,       // PGSNP under iommu->lock, then intel_pasid_flush_present (§7.8)
  NoPasidCache,  // broken: flush_present without its PC-PASID submission
  NoWait,        // broken: flush_present's submissions not waited for (QiWait::NoPoll)
};
// intel_pasid_setup_page_snoop_control(): force snooping on a present entry
// (domain_set_force_snooping); a non-present one is a WARN and a return.
DriverOp intel_pasid_setup_page_snoop_control(const DriverEnv& env, const DeviceLayout& dev, u32 pasid,
                                              PageSnoopVariant v);

enum class PasidTeardownVariant {
  PreFix,           // ≤ 6.19: zero the whole entry under the lock, then invalidate
  ClearPresent,     // patch 2/3 / current: clear P, invalidate, then zero
  NoWait,           // broken: ClearPresent with invalidations not waited for (QiWait::NoWait)
  ZeroBeforeFlush,  // broken: ClearPresent with the zeroing moved before the invalidations
  NoPoll,           // broken: ClearPresent, every submission QiWait::NoPoll (the same emission as NoWait)
  WaitFirst,        // broken: ClearPresent, every submission QiWait::WaitFirst
  NoWaitLast,       // broken: ClearPresent, only the last submission not waited for (QiWait::NoPoll)
};
DriverOp intel_pasid_tear_down_entry(const DriverEnv& env, const DeviceLayout& dev, u32 pasid,
                                     bool fault_ignore, PasidTeardownVariant v);

enum class ReplaceVariant {
  StructCopy,  // 6.x intel_pasid_replace_*: `*pte = new_pte` on the live entry
  Hitless,     // patch 3/3: one 128-bit chunk by cmpxchg16b, else tear down + set up
  Upstream,    // current: always tear down, then set up
};
// domain_setup_*(): with an old domain, intel_pasid_replace_* (or, upstream,
// tear-down + setup); without one, plain setup. `old_dom`: the caller's old
// domain (nullptr: the one the driver state has attached).
DriverOp intel_pasid_replace(const DriverEnv& env, const DeviceLayout& dev, u32 pasid, PasidType t,
                             const DomainLayout* new_dom, const DomainLayout* old_dom, ReplaceVariant v);

// ---- debugfs readers (debugfs.c, v7.0) ----
// dmar_translation_struct_show(), restricted to the path of its table walk
// that reaches dev's entry for `pasid`. `locked`: root_tbl_walk() holds
// iommu->lock across the walk, as every version since the walk was added
// does; false is a hypothetical reader without it, to show what the lock
// prevents.
DriverOp dmar_translation_struct_show(const DriverEnv& env, const DeviceLayout& dev, u32 pasid, bool locked);

// ---- registry ----
struct SequenceCall;  // a call's checked arguments (registry.cpp)
struct SequenceInfo {
  std::string name;
  std::string summary;
  std::vector<std::string> args;      // every accepted argument: "device", "domain", "variant"
  std::vector<std::string> variants;  // accepted values of `variant` (empty: no `variant` argument)
  std::vector<std::string> optional;  // the subset of args that may be left out
  bool scalable = true;               // the tables it needs: scalable mode, or legacy
  DriverOp (*build)(const SequenceCall& call) = nullptr;
};
const std::vector<SequenceInfo>& sequences();

// Builds every CPU's program items (CPU 0 first) with one driver state, as
// the CPUs share the queue and the tables, and applies the scenario's
// mutant (Scenario::mutant; an unknown id is a ScenarioError). Every
// consumer of programs (simulation, sweeps, `vtdsim program`) builds here.
std::vector<std::vector<DriverOp>> build_cpu_programs(const Scenario& s, const TableLayout& layout);
// CPU 0's items of build_cpu_programs; throws ScenarioError.
std::vector<DriverOp> build_program(const Scenario& s, const TableLayout& layout);
// Builds one CPU's items with a driver state the caller keeps. Several CPUs
// share one queue at run time; the ring slots chosen here follow one
// program's order only.
std::vector<DriverOp> build_items(const std::vector<ProgramItem>& items, const Platform& platform,
                                  const TableLayout& layout, DriverState& state);

}  // namespace vtd
