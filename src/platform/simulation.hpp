// Runs scenarios: builds the tables, elaborates the SystemC platform (CPUs,
// memory, IOMMU, traffic generator), simulates until everything is idle, and
// judges the event stream with the checkers.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkers/findings.hpp"
#include "checkers/software_reads.hpp"
#include "iommu_model/caches.hpp"
#include "iommu_model/iommu.hpp"
#include "platform/run_listener.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

struct RunOptions {
  std::string log_level = "warn";
  bool detail = true;  // false: findings without field-by-field diffs (sweeps)
  // Watchers of this episode (waveforms, traces); not owned. They subscribe
  // after the checkers and are unsubscribed when the episode ends.
  std::vector<RunListener*> listeners;
};

struct KindVerdict {
  std::string kind;
  u64 observed = 0;
  std::optional<Expectation> expected;  // none: not checked (benign kinds)
  bool implicit_zero = false;           // violation kind absent from expect:
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
  std::vector<std::string> item_names;  // program items of CPU 0
  std::vector<ReadSnapshot> reads;      // program items (any CPU) that read table words they did not write
  std::vector<LockHold> locks;          // every iommu->lock and qi->q_lock acquisition
};

// The simulated platform, elaborated at the first run and reused: each run is
// an episode that resets every model (memory, caches, registers, queue, CPUs,
// devices) and simulates a scenario from its cycle 0, so results do not
// depend on what ran before. SystemC elaborates once per process: one
// Simulator per process. Every scenario run on one Simulator must have the
// same number of CPUs (the sockets are bound at elaboration).
class Simulator {
 public:
  Simulator();
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;
  RunResult run(const Scenario& s, const RunOptions& opt);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One scenario on a fresh Simulator (at most once per process).
RunResult run_scenario(const Scenario& s, const RunOptions& opt);

// Expectation bookkeeping, shared with sweeps later.
void evaluate_expectations(const Scenario& s, RunResult& r);

}  // namespace vtd
