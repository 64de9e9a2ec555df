// What one run found and counted: findings, verdicts, statistics. SystemC-free,
// so reports and run listeners (waveforms, traces) need no simulator headers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checkers/findings.hpp"
#include "checkers/software_reads.hpp"
#include "iommu_model/caches.hpp"
#include "iommu_model/iommu_stats.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

struct KindVerdict {
  std::string kind;
  u64 observed = 0;
  std::optional<Expectation> expected;  // none: not checked (benign kinds)
  bool implicit_zero = false;           // violation kind absent from expect:
  bool ok = true;
};

// A program item whose driver function returned nonzero: it took an early
// return (return_if_set / return_if_clear) carrying a -errno.
struct DriverReturn {
  u16 cpu = 0;
  u32 item = 0;
  std::string operation;  // the item's name
  int value = 0;          // what the function returned (a negative Linux errno)
  Cycle cycle = 0;        // when it returned: its last operation (an unlock, often) ended
  u32 op = 0;             // the emitted operation that returned (index in the CPU's program)
  std::string op_label;   // that operation's label: "pasid_pte_is_present(pte) -> -EBUSY"
};

// An item judged against `expect: returns:`: one listed there, or one not
// listed that returned nonzero (expected 0).
struct ReturnVerdict {
  u16 cpu = 0;
  u32 item = 0;
  std::string operation;
  int expected = 0;
  int observed = 0;
  bool listed = false;
  bool ok = true;
};

struct RunResult {
  std::string scenario;
  std::string file;
  Findings findings;
  std::map<std::string, u64> counts;
  std::vector<KindVerdict> verdicts;
  bool expectations_met = false;  // set by evaluate_expectations
  Cycle cycles = 0;
  u64 stores = 0;
  // When the CPUs were busy: the earliest program start to the last CPU store
  // becoming visible or the last operation ending (sweeps size their window by it).
  Cycle program_start = 0, program_end = 0;
  IommuStats iommu;
  struct CacheSummary {
    std::string name;
    bool enabled = false;
    CacheStats stats;
  };
  std::vector<CacheSummary> caches;  // context-cache, PASID-cache (scalable mode), IOTLB
  std::map<u8, u64> faults_by_reason;
  std::vector<std::vector<std::string>> item_names;  // [cpu][item]: the program items' names
  std::vector<ReadSnapshot> reads;      // program items (any CPU) that read table words they did not write
  std::vector<LockHold> locks;          // every iommu->lock and qi->q_lock acquisition
  // Driver functions that returned nonzero, by CPU and item (kept in sweeps
  // too), and the items judged against expect: returns: (evaluate_returns).
  std::vector<DriverReturn> returns;
  std::vector<ReturnVerdict> return_verdicts;
  bool returns_met = true;  // every item returned what expect: returns: says, 0 unless listed
};

}  // namespace vtd
