// Runs a sweep: every interleaving of a SweepSpace (or one shard of it) on
// one elaborated platform per worker process, and the report built from the
// per-interleaving outcomes: counts, race windows, reproducers, verdict.
// Reports depend only on the outcomes in index order, never on how many
// workers or shards produced them.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "platform/simulation.hpp"
#include "sweep/result_store.hpp"
#include "sweep/space.hpp"

namespace vtd {

// What a sweep keeps of one interleaving.
struct InterleavingResult {
  u64 index = 0;
  std::vector<u64> counts;    // per known_verdict_kinds(), in that order
  std::vector<u64> distance;  // per kind: fewest stores between the violating states (kNone: no finding)
  Cycle cycles = 0;
  std::string error;  // the simulation failed (e.g. still running at max_cycles)
  // Some program item returned other than expect: returns: says (0 unless listed).
  bool returns_differ = false;
  // DMA requests that waited for a free walker (platform.iommu.max_outstanding):
  // a full walker queue, not the store sequence, moved their fetches.
  u64 walker_waits = 0;
  static constexpr u64 kNone = ~u64{0};
};

InterleavingResult summarize(u64 index, const RunResult& r);

struct Shard {
  u64 index = 0, count = 1;  // this runs the interleavings with index % count == index
  bool owns(u64 i) const { return i % count == index; }
};

struct SweepProgress {
  u64 done = 0, total = 0, violating = 0;
  double seconds = 0;
};

struct SweepOutcome {
  double seconds = 0;
  u64 simulated = 0;  // episodes run; the other results came from burst-order reduction
};

// Runs a sweep's interleavings slice by slice of the index range (an early
// stop: `vtdsim mutate` runs fixed-size batches until one shows a
// violation). With `jobs` > 1 each slice forks that many workers, which
// inherit `sim` (already elaborated). `reduce`: burst orders that provably
// run alike share one episode (BurstOrderWitness); what it learns of a
// group carries over to later slices. The results depend neither on `jobs`
// nor on how the range is sliced.
class SweepRunner {
 public:
  SweepRunner(Simulator& sim, const Scenario& s, const SweepSpace& sp, const Shard& shard, unsigned jobs,
              bool reduce = true);
  ~SweepRunner();
  SweepRunner(const SweepRunner&) = delete;
  SweepRunner& operator=(const SweepRunner&) = delete;
  // This shard's interleavings with begin <= index < end, in index order;
  // `progress` is called from the parent now and then.
  std::vector<InterleavingResult> run(u64 begin, u64 end,
                                      const std::function<void(const SweepProgress&)>& progress = {});
  u64 simulated() const;  // episodes run so far
  // Progress (and a --timeout's message) counts over `total` interleavings,
  // the slices run so far included, rather than over each slice.
  void count_progress_over(u64 total);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// This shard's interleavings, streamed: run `slice` indices at a time, each
// result handed to `sink` in index order and then dropped, so memory does
// not grow with the sweep (the burst-order reduction's knowledge aside: one
// entry per group of burst orders).
inline constexpr u64 kSweepSlice = u64{1} << 14;
SweepOutcome run_sweep(Simulator& sim, const Scenario& s, const SweepSpace& sp, const Shard& shard,
                       unsigned jobs, const std::function<void(const InterleavingResult&)>& sink,
                       const std::function<void(const SweepProgress&)>& progress = {}, bool reduce = true,
                       u64 slice = kSweepSlice);

struct KindWindow {
  u64 row = 0;
  std::vector<std::pair<long long, long long>> ranges;  // inclusive offset ranges
};

struct Reproducer {
  u64 index = 0;
  Interleaving il;
  u64 stores_between = 0;
};

struct SweepVerdict {
  std::string kind;
  u64 observed = 0;  // interleavings showing the kind
  std::optional<Expectation> expected;
  std::string rule;  // where the expectation came from
  bool ok = true;
};

struct SweepReport {
  std::string scenario, file;
  std::string mutant;  // the id of the mutant swept (--mutant), empty: none
  SweepSpace space;
  Shard shard;
  // Every interleaving's outcome, in index order, for the outputs that list
  // them (JSON and CSV rows, the plot); null when none was asked for.
  std::shared_ptr<const ResultStore> results;
  u64 interleavings = 0;
  double seconds = 0;
  unsigned jobs = 1;
  u64 simulated = 0;                    // episodes run (the rest: burst-order reduction)
  std::map<std::string, u64> counts;    // kind -> interleavings showing it
  std::map<std::string, u64> findings;  // kind -> findings over all interleavings
  std::map<std::string, std::vector<KindWindow>> windows;
  std::map<std::string, Reproducer> first, minimal;
  u64 errors = 0;
  // Interleavings whose driver returns differ from expect: returns:, and the first of them.
  u64 returns_differ = 0;
  std::optional<Reproducer> returns_first;
  u64 walker_waited = 0;  // interleavings with DMA requests that waited for a walker
  std::vector<SweepVerdict> verdicts;
  bool expectations_met = false;
};

// Per kind, what the number of interleavings showing it must satisfy, and why.
// Key kReturnsVerdict: interleavings whose driver returns differ from expect:
// returns: (listed when the scenario has returns:; checked, == 0, always).
struct SweepExpectation {
  Expectation expected;
  std::string rule;
};
inline constexpr const char* kReturnsVerdict = "returns";
// `sampled`: the space holds a sample of the offsets (--offset-step, --sample),
// which cannot show that a kind appears "in some run".
std::map<std::string, SweepExpectation> sweep_expectations(const Scenario& s, bool sampled = false);

// The report of results in index order (kept for the outputs that list them).
SweepReport make_report(const std::string& scenario, const std::string& file, const SweepSpace& sp,
                        const Shard& shard, const std::map<std::string, SweepExpectation>& expect,
                        const std::vector<InterleavingResult>& results, double seconds, unsigned jobs,
                        u64 simulated, const std::string& mutant = "");

// A report's aggregates (interleavings, counts, findings, windows, first and
// minimal reproducers, errors, returns, verdicts) built result by result, in
// index order, so a caller can fold results in as they arrive and drop them;
// with `keep`, the results go to a ResultStore (a temporary file) for the
// outputs that list them. `sp` must outlive it.
class ReportAccumulator {
 public:
  explicit ReportAccumulator(const SweepSpace& sp, bool keep = false);
  void add(const InterleavingResult& ir);
  // Moves the aggregates (and the kept results) into `r` (once) and judges
  // the expectations.
  void finish(SweepReport& r, const std::map<std::string, SweepExpectation>& expect);

 private:
  const SweepSpace& sp_;
  std::shared_ptr<ResultStore> kept_;
  SweepReport a_;  // the aggregate fields only
  // Per kind and row: the offsets showing the kind, as ranges.
  std::map<std::string, std::map<u64, std::vector<std::pair<long long, long long>>>> win_;
};

// The report of a sweep whose results `acc` folded in as they arrived.
SweepReport finish_report(ReportAccumulator& acc, const std::string& scenario, const std::string& file,
                          const SweepSpace& sp, const Shard& shard,
                          const std::map<std::string, SweepExpectation>& expect, double seconds,
                          unsigned jobs, u64 simulated, const std::string& mutant = "");

// The JSON report, written as it is produced: its rows read back from the
// report's ResultStore one at a time, never all in memory.
void write_sweep_json(const SweepReport& r, std::ostream& out);
// The same, parsed (for tests and tools on small sweeps).
nlohmann::json sweep_json(const SweepReport& r);
// The text report's first lines (scenario, mutant, space, offsets, shard):
// `vtdsim sweep` prints them before the run, the rest (sweep_text without
// them) after it.
std::string sweep_heading(const std::string& scenario, const std::string& file, const std::string& mutant,
                          const SweepSpace& sp, const Shard& shard);
std::string sweep_text(const SweepReport& r, bool with_heading = true);
void write_sweep_csv(const SweepReport& r, std::ostream& out);
std::string sweep_csv(const SweepReport& r);

// Combines shard reports (their JSON) into the report of the whole sweep
// (sweep/merge.hpp: the checks). Throws std::invalid_argument when they are
// not exactly the shards of one sweep.
SweepReport merge_reports(const std::vector<nlohmann::json>& shards, const std::vector<std::string>& names);

}  // namespace vtd
