// `vtdsim mutate`: would vtdsim notice if a fix were wrong? For a clean
// scenario, every mutant of its driver operations (driver/mutation.hpp) is
// swept over the scenario's dimensions until one interleaving shows a
// violation (caught), or the space is exhausted (survived, with what the
// tool suspects), unless it emits the very program of the original
// (equivalent). The sweep machinery runs the interleavings: fixed-size
// batches in index order, so the report is the same for any --jobs.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "driver/mutation.hpp"
#include "mutate/suspicions.hpp"
#include "sweep/space.hpp"

namespace vtd {

// The scenario cannot be mutation-tested (bad input, exit 2): its verdict is not clean.
class NotClean : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct MutateOptions {
  SweepOptions dims;  // as vtdsim sweep's (the caller sets the default sample)
  unsigned jobs = 1;
  u64 batch = 1024;    // interleavings per batch: the early stop's grain (not a function of jobs)
  bool reduce = true;  // burst-order reduction (same results)
  // Called before each mutant is swept (index, count) and after it is decided.
  std::function<void(std::size_t, std::size_t)> progress;
};

struct MutantOutcome {
  enum class Status { Caught, Survived, Equivalent, Skipped };
  Mutant mutant;
  Status status = Status::Survived;
  std::string space;  // the mutant's sweep space (SweepSpace::describe)
  u64 space_size = 0;
  u64 interleavings = 0;  // run before the early stop
  u64 batches = 0;
  std::map<std::string, u64> counts;  // violation kind -> interleavings showing it (among those run)
  u64 returns_differ = 0;             // interleavings whose driver returns differ from expect: returns:
  u64 unfinished = 0;                 // interleavings that did not finish
  // Caught: the lowest-index caught interleaving of the stopping batch
  // (none: the nominal run itself never finished), why, and its replay.
  std::optional<u64> index;
  std::string why;
  std::string command;
  std::vector<Suspicion> suspicions;  // Survived
  std::string note;                   // Skipped: why
};

struct MutateReport {
  std::string scenario, file;
  std::string space;  // the scenario's own sweep space
  u64 space_size = 0;
  std::optional<u64> sample;  // the --sample in force; none: the whole space
  u64 batch = 0;
  std::vector<MutantOutcome> mutants;
  u64 caught = 0, survived = 0, equivalent = 0, skipped = 0;
  double score() const { return caught + survived ? double(caught) / double(caught + survived) : 1.0; }
};

// The scenario's mutants without running anything (`--list`). Throws ScenarioError.
std::vector<Mutant> list_mutants(const Scenario& s);

// Runs the scenario as written (it must be clean: NotClean otherwise, also
// when its own sweep shows a violation), then every mutant. Throws
// ScenarioError and std::invalid_argument (bad dimensions) as vtdsim sweep.
MutateReport run_mutate(const Scenario& s, const MutateOptions& o);

std::string mutate_text(const MutateReport& r);
nlohmann::json mutate_json(const MutateReport& r);
std::string_view status_name(MutantOutcome::Status s);

// Whether two lists of CPU programs run alike under every compiler choice of
// their spaces: the same set of emitted programs, compared operation by
// operation without labels (and without compiler barriers when they cost
// nothing). Exposed for tests.
bool same_programs(const std::vector<std::vector<DriverOp>>& a, const std::vector<SweepSpace::Compiler>& ca,
                   const std::vector<std::vector<DriverOp>>& b, const std::vector<SweepSpace::Compiler>& cb,
                   bool barriers_cost_nothing);

}  // namespace vtd
