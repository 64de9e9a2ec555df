// Runs scenarios: builds the tables, elaborates the SystemC platform (CPUs,
// memory, IOMMU, traffic generator), simulates until everything is idle, and
// judges the event stream with the checkers.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "platform/run_listener.hpp"
#include "platform/run_result.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

struct RunOptions {
  std::string log_level = "warn";
  // false (sweeps): the result holds the findings' tally (counts and stores
  // between per kind, Findings::tally) and the cycles, nothing else.
  bool detail = true;
  // Watchers of this episode (waveforms, traces); not owned. They subscribe
  // after the checkers and are unsubscribed when the episode ends.
  std::vector<RunListener*> listeners;
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

// Expectation bookkeeping: r.verdicts from the verdict kinds' counts, and
// r.expectations_met from them and r.returns_met (evaluate_returns first).
void evaluate_expectations(const Scenario& s, RunResult& r);
// r.return_verdicts and r.returns_met from r.returns and expect: returns:;
// `names`: each CPU's program item names. A run does this itself, sweeps too.
void evaluate_returns(const Scenario& s, RunResult& r, const std::vector<std::vector<std::string>>& names);

}  // namespace vtd
