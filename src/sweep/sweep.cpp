#include "sweep/sweep.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "base/process.hpp"
#include "platform/wall_clock.hpp"
#include "scenario/loader.hpp"
#include "sweep/burst_order_witness.hpp"
#include "sweep/merge.hpp"
#include "sweep/result_store.hpp"

namespace vtd {

// ------------------------------------------------------------------ outcomes

InterleavingResult summarize(u64 index, const RunResult& r) {
  const auto& kinds = known_verdict_kinds();
  InterleavingResult out;
  out.index = index;
  out.cycles = r.cycles;
  out.counts.assign(kinds.size(), 0);
  out.distance.assign(kinds.size(), InterleavingResult::kNone);
  out.returns_differ = !r.returns_met;
  out.walker_waits = r.iommu.waited_for_walker;
  const Findings::Tally& t = r.findings.tally;
  for (std::size_t k = 0; k < t.counts.size() && k < kinds.size(); ++k) {
    out.counts[k] += t.counts[k];
    out.distance[k] = std::min(out.distance[k], t.distance[k]);
  }
  for (const Finding& f : r.findings.items) {
    const auto k = static_cast<std::size_t>(std::find(kinds.begin(), kinds.end(), f.kind) - kinds.begin());
    if (k == kinds.size()) continue;
    ++out.counts[k];
    out.distance[k] = std::min(out.distance[k], stores_between(f));
  }
  return out;
}

namespace {

// What the burst-order reduction learnt of an interleaving's group from it,
// sent with the result on a worker's pipe (ResultStore::encode's G).
enum GroupNews : int { kNoNews = 0, kGroupFree = 1, kGroupSensitive = 2 };

// `scratch`: a copy of `s` reused by every episode. With a witness, it
// tells afterwards whether the burst order could have mattered.
InterleavingResult run_one(Simulator& sim, const Scenario& s, const SweepSpace& sp, u64 index,
                           Scenario& scratch, BurstOrderWitness* witness = nullptr) {
  try {
    RunOptions ro;
    ro.detail = false;  // counts and versions are all a sweep keeps
    if (witness) ro.listeners.push_back(witness);
    apply_interleaving(s, sp.at(index), scratch);
    const RunResult r = sim.run(scratch, ro);
    return summarize(index, r);
  } catch (const WallClockTimeout&) {
    throw;  // the whole sweep ends, not this interleaving
  } catch (const std::exception& e) {
    InterleavingResult out;
    out.index = index;
    out.error = e.what();
    return out;
  }
}

// What the burst-order reduction knows of one group (every burst order of
// one combination of the other dimensions).
struct GroupKnowledge {
  enum State : u8 { Unknown, Sensitive, Free } state = Unknown;
  InterleavingResult result;  // Free: the outcome every member shares
};

// Runs interleavings in increasing index order on one process, giving an
// order-free group's outcome to its other members (BurstOrderWitness). The
// knowledge lives in `known`, which outlives the runner: a sweep run slice
// by slice keeps it from one slice to the next.
class Runner {
 public:
  Runner(Simulator& sim, const Scenario& s, const SweepSpace& sp, bool reduce,
         std::vector<GroupKnowledge>& known)
      : sim_(sim), s_(s), sp_(sp), scratch_(s), reduce_(reduce && sp.burst_orders.size() > 1), known_(known) {
    if (reduce_ && known_.size() != group_size()) known_.assign(group_size(), GroupKnowledge{});
  }
  // Burst order is the outermost dimension: a group's members are group_size() apart.
  u64 group_size() const { return sp_.size() / sp_.burst_orders.size(); }
  bool reducing() const { return reduce_; }
  InterleavingResult operator()(u64 index, GroupNews* news = nullptr) {
    if (news) *news = kNoNews;
    if (!reduce_) return simulate(index, nullptr);
    GroupKnowledge& k = known_[index % group_size()];
    if (k.state == GroupKnowledge::Free) {
      InterleavingResult r = k.result;
      r.index = index;
      return r;
    }
    InterleavingResult r = simulate(index, k.state == GroupKnowledge::Unknown ? &witness_ : nullptr);
    if (k.state == GroupKnowledge::Unknown) {
      // Order-sensitivity is the group's: an order-free member makes every member run as it did.
      learn(k, r, r.error.empty() && !witness_.order_matters());
      if (news) *news = k.state == GroupKnowledge::Free ? kGroupFree : kGroupSensitive;
    }
    return r;
  }
  static void learn(GroupKnowledge& k, const InterleavingResult& r, bool free) {
    k.state = free ? GroupKnowledge::Free : GroupKnowledge::Sensitive;
    if (free) k.result = r;
  }
  u64 simulated() const { return simulated_; }

 private:
  InterleavingResult simulate(u64 index, BurstOrderWitness* w) {
    ++simulated_;
    return run_one(sim_, s_, sp_, index, scratch_, w);
  }
  Simulator& sim_;
  const Scenario& s_;
  const SweepSpace& sp_;
  Scenario scratch_;
  bool reduce_;
  BurstOrderWitness witness_;
  std::vector<GroupKnowledge>& known_;
  u64 simulated_ = 0;
};

void write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(3);
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

struct SweepRunner::Impl {
  Simulator& sim;
  const Scenario& s;
  const SweepSpace& sp;
  Shard shard;
  unsigned jobs;
  bool reduce;
  std::vector<GroupKnowledge> known;
  u64 simulated = 0;
  std::optional<Runner> local;  // jobs == 1: episodes in this process, one runner for every slice
  // Progress over the slices run so far; total: the whole sweep's (0: each slice's own).
  u64 done = 0, violating = 0, total = 0;
  double seconds = 0;
};

SweepRunner::SweepRunner(Simulator& sim, const Scenario& s, const SweepSpace& sp, const Shard& shard,
                         unsigned jobs, bool reduce)
    : impl_(new Impl{sim, s, sp, shard, jobs == 0 ? 1 : jobs, reduce, {}, 0, std::nullopt}) {}
void SweepRunner::count_progress_over(u64 total) { impl_->total = total; }
SweepRunner::~SweepRunner() = default;
u64 SweepRunner::simulated() const {
  return impl_->simulated + (impl_->local ? impl_->local->simulated() : 0);
}

std::vector<InterleavingResult> SweepRunner::run(u64 begin, u64 end,
                                                 const std::function<void(const SweepProgress&)>& progress) {
  using clock = std::chrono::steady_clock;
  Impl& im = *impl_;
  const auto t0 = clock::now();
  end = std::min(end, im.sp.size());
  std::vector<u64> mine;
  for (u64 i = begin; i < end; ++i)
    if (im.shard.owns(i)) mine.push_back(i);
  // No more workers than interleavings; at least one.
  unsigned jobs = im.jobs;
  if (jobs > mine.size()) jobs = static_cast<unsigned>(mine.size());
  if (jobs == 0) jobs = 1;

  std::vector<InterleavingResult> results;
  results.reserve(mine.size());
  // Progress over the whole sweep when run_sweep runs it slice by slice.
  SweepProgress pr;
  pr.done = im.done;
  pr.violating = im.violating;
  pr.total = im.total ? im.total : mine.size();
  auto note = [&](const InterleavingResult& r) {
    ++pr.done;
    if (std::any_of(r.counts.begin(), r.counts.end(), [](u64 c) { return c > 0; })) ++pr.violating;
    pr.seconds = im.seconds + std::chrono::duration<double>(clock::now() - t0).count();
    if (progress) progress(pr);
  };

  const auto slice_done = [&] {
    im.done = pr.done;
    im.violating = pr.violating;
    im.seconds += std::chrono::duration<double>(clock::now() - t0).count();
  };
  const auto timed_out = [&] {
    return WallClockTimeout("after " + std::to_string(pr.done) + " of " + std::to_string(pr.total) +
                            " interleavings");
  };
  if (jobs == 1) {
    if (!im.local) im.local.emplace(im.sim, im.s, im.sp, im.reduce, im.known);
    try {
      for (u64 i : mine) {
        results.push_back((*im.local)(i));
        note(results.back());
      }
    } catch (const WallClockTimeout&) {
      throw timed_out();
    }
    slice_done();
    return results;
  }
  // Workers are forked after elaboration: each inherits the platform and
  // what the reduction knows so far, runs its part of this slice as episodes
  // on it, and reports what it learnt of the groups it ran.
  struct Worker {
    pid_t pid = -1;
    int fd = -1;
    std::string buf;
  };
  std::vector<Worker> workers(jobs);
  std::fflush(nullptr);
  const pid_t parent = getpid();
  for (unsigned w = 0; w < jobs; ++w) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("sweep: pipe failed");
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("sweep: fork failed");
    if (pid == 0) {
      become_worker(parent);  // dies with the parent
      // The parent kills the workers at the --timeout deadline.
      wall_clock_forget_after_fork();
      close(fds[0]);
      for (unsigned o = 0; o < w; ++o) close(workers[o].fd);
      std::string batch;
      Runner run(im.sim, im.s, im.sp, im.reduce, im.known);
      // Whole groups to one worker (their reduction happens there); split
      // by position when there are no groups.
      const u64 group = run.group_size();
      for (std::size_t k = 0; k < mine.size(); ++k) {
        if ((run.reducing() ? mine[k] % group : k) % jobs != w) continue;
        GroupNews news = kNoNews;
        const InterleavingResult r = run(mine[k], &news);
        batch += ResultStore::encode(r, news);
        if (batch.size() > 4096) {
          write_all(fds[1], batch);
          batch.clear();
        }
      }
      batch += "s " + std::to_string(run.simulated()) + "\n";
      write_all(fds[1], batch);
      close(fds[1]);
      std::fflush(nullptr);
      _exit(0);
    }
    close(fds[1]);
    remember_worker(pid);  // killed if vtdsim is
    workers[w] = Worker{pid, fds[0], {}};
  }
  const auto deadline = wall_clock_deadline();
  std::vector<std::pair<InterleavingResult, GroupNews>> got;
  got.reserve(mine.size());
  std::vector<pollfd> pfds;
  std::size_t open = jobs;
  char chunk[65536];
  while (open > 0) {
    pfds.clear();
    for (const Worker& w : workers)
      if (w.fd >= 0) pfds.push_back({w.fd, POLLIN, 0});
    // Until the --timeout deadline, if any; then the workers die with the sweep.
    int wait_ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - clock::now()).count();
      wait_ms = static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
    }
    const int ready = poll(pfds.data(), pfds.size(), wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("sweep: poll failed");
    }
    if (ready == 0 && deadline && clock::now() >= *deadline) {
      for (Worker& w : workers) {
        kill(w.pid, SIGKILL);
        if (w.fd >= 0) close(w.fd);
        int status = 0;
        while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
        }
      }
      throw timed_out();
    }
    for (Worker& w : workers) {
      if (w.fd < 0) continue;
      const auto it = std::find_if(pfds.begin(), pfds.end(), [&](const pollfd& p) { return p.fd == w.fd; });
      if (it == pfds.end() || !(it->revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(w.fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(w.fd);
        w.fd = -1;
        --open;
        continue;
      }
      w.buf.append(chunk, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = w.buf.find('\n')) != std::string::npos) {
        if (w.buf[0] == 's') {  // the worker's count of simulated episodes, last
          im.simulated += std::stoull(w.buf.substr(2, nl - 2));
          w.buf.erase(0, nl + 1);
          continue;
        }
        int news = kNoNews;
        InterleavingResult r = ResultStore::decode(w.buf.substr(0, nl), news);
        w.buf.erase(0, nl + 1);
        note(r);
        got.emplace_back(std::move(r), static_cast<GroupNews>(news));
      }
    }
  }
  for (Worker& w : workers) {
    int status = 0;
    waitpid(w.pid, &status, 0);
    forget_worker(w.pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw std::runtime_error(
          "sweep: a worker process failed" +
          (WIFSIGNALED(status) ? " (signal " + std::to_string(WTERMSIG(status)) + ")" : std::string()));
  }
  if (got.size() != mine.size()) throw std::runtime_error("sweep: workers returned too few results");
  std::sort(got.begin(), got.end(),
            [](const auto& a, const auto& b) { return a.first.index < b.first.index; });
  // What the workers learnt, for the next slice's workers (an error is a sensitive group, as in Runner).
  if (im.reduce && im.sp.burst_orders.size() > 1) {
    if (im.known.size() != im.sp.size() / im.sp.burst_orders.size())
      im.known.assign(im.sp.size() / im.sp.burst_orders.size(), GroupKnowledge{});
    for (const auto& [r, news] : got) {
      GroupKnowledge& k = im.known[r.index % im.known.size()];
      if (k.state == GroupKnowledge::Unknown && (news != kNoNews || !r.error.empty()))
        Runner::learn(k, r, news == kGroupFree && r.error.empty());
    }
  }
  for (auto& g : got) results.push_back(std::move(g.first));
  slice_done();
  return results;
}

SweepOutcome run_sweep(Simulator& sim, const Scenario& s, const SweepSpace& sp, const Shard& shard,
                       unsigned jobs, const std::function<void(const InterleavingResult&)>& sink,
                       const std::function<void(const SweepProgress&)>& progress, bool reduce, u64 slice) {
  const auto t0 = std::chrono::steady_clock::now();
  SweepRunner runner(sim, s, sp, shard, jobs, reduce);
  const u64 n = sp.size();
  runner.count_progress_over(n / shard.count + (shard.index < n % shard.count));
  if (slice == 0) slice = 1;
  for (u64 b = 0; b < n; b += std::min(slice, n - b))
    for (const InterleavingResult& r : runner.run(b, b + std::min(slice, n - b), progress)) sink(r);
  SweepOutcome out;
  out.simulated = runner.simulated();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

// ------------------------------------------------------------------ report

std::map<std::string, SweepExpectation> sweep_expectations(const Scenario& s, bool sampled) {
  std::map<std::string, SweepExpectation> out;
  for (const std::string& kind : known_verdict_kinds()) {
    if (auto it = s.sweep.expect.find(kind); it != s.sweep.expect.end()) {
      out[kind] = {it->second, "sweep.expect"};
      continue;
    }
    Expectation zero, some;
    zero.cmp = Expectation::Cmp::Eq;
    zero.n = 0;
    some.cmp = Expectation::Cmp::Ge;
    some.n = 1;
    if (auto it = s.expect.find(kind); it != s.expect.end()) {
      const Expectation& e = it->second;
      const bool zero_ok = e.holds(0);
      const bool more_ok = e.cmp != Expectation::Cmp::Eq || e.n > 0;
      if (zero_ok && !more_ok)
        out[kind] = {zero, "expect: " + e.str() + " in every run"};
      else if (!zero_ok && !sampled)
        out[kind] = {some, "expect: " + e.str() + " in some run"};
      // A sample of the offsets may miss the window where it shows: only the
      // whole space can say "in some run".
      // A run expectation that admits 0 and more says nothing of the sweep.
    } else if (is_violation_kind(kind)) {
      out[kind] = {zero, "violation not in expect: (0 in every run)"};
    }
  }
  if (!s.expect_returns.empty()) {
    Expectation zero;
    out[kReturnsVerdict] = {zero, "driver returns differ from expect: returns:"};
  }
  return out;
}

ReportAccumulator::ReportAccumulator(const SweepSpace& sp, bool keep)
    : sp_(sp), kept_(keep ? std::make_shared<ResultStore>() : nullptr) {
  for (const std::string& k : known_verdict_kinds()) a_.counts[k] = a_.findings[k] = 0;
}

void ReportAccumulator::add(const InterleavingResult& ir) {
  const auto& kinds = known_verdict_kinds();
  ++a_.interleavings;
  if (kept_) kept_->add(ir);
  if (ir.walker_waits > 0) ++a_.walker_waited;
  if (!ir.error.empty()) {
    ++a_.errors;
    return;
  }
  if (ir.returns_differ && !a_.returns_differ++) a_.returns_first = Reproducer{ir.index, sp_.at(ir.index), 0};
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    if (ir.counts[k] == 0) continue;
    const std::string& kind = kinds[k];
    ++a_.counts[kind];
    a_.findings[kind] += ir.counts[k];
    Reproducer rep{ir.index, sp_.at(ir.index), ir.distance[k]};
    if (!a_.first.count(kind)) a_.first[kind] = rep;
    auto m = a_.minimal.find(kind);
    if (m == a_.minimal.end() || rep.stores_between < m->second.stores_between) a_.minimal[kind] = rep;
    auto& ranges = win_[kind][sp_.row_of(ir.index)];
    const long long off = sp_.offset_of(ir.index);
    if (!ranges.empty() && ranges.back().second + sp_.offset_step == off)
      ranges.back().second = off;
    else
      ranges.push_back({off, off});
  }
}

void ReportAccumulator::finish(SweepReport& r, const std::map<std::string, SweepExpectation>& expect) {
  r.interleavings = a_.interleavings;
  r.results = std::move(kept_);
  r.counts = std::move(a_.counts);
  r.findings = std::move(a_.findings);
  r.first = std::move(a_.first);
  r.minimal = std::move(a_.minimal);
  r.errors = a_.errors;
  r.returns_differ = a_.returns_differ;
  r.walker_waited = a_.walker_waited;
  r.returns_first = std::move(a_.returns_first);
  r.windows.clear();
  for (auto& [kind, rows] : win_)
    for (auto& [row, ranges] : rows) r.windows[kind].push_back(KindWindow{row, std::move(ranges)});

  for (const std::string& kind : known_verdict_kinds()) {
    SweepVerdict v;
    v.kind = kind;
    v.observed = r.counts[kind];
    if (auto it = expect.find(kind); it != expect.end()) {
      v.expected = it->second.expected;
      v.rule = it->second.rule;
      v.ok = it->second.expected.holds(v.observed);
    }
    r.verdicts.push_back(std::move(v));
  }
  // Every interleaving must return what expect: returns: says (0 unless
  // listed); the verdict is shown when the scenario lists returns or some differ.
  const auto rx = expect.find(kReturnsVerdict);
  if (rx != expect.end() || r.returns_differ > 0) {
    SweepVerdict v;
    v.kind = kReturnsVerdict;
    v.observed = r.returns_differ;
    v.expected = Expectation{};
    v.rule = rx != expect.end() ? rx->second.rule : "driver returns differ from expect: (0 unless listed)";
    v.ok = r.returns_differ == 0;
    r.verdicts.push_back(std::move(v));
  }
  r.expectations_met = r.errors == 0 && std::all_of(r.verdicts.begin(), r.verdicts.end(),
                                                    [](const SweepVerdict& v) { return v.ok; });
}

SweepReport finish_report(ReportAccumulator& acc, const std::string& scenario, const std::string& file,
                          const SweepSpace& sp, const Shard& shard,
                          const std::map<std::string, SweepExpectation>& expect, double seconds,
                          unsigned jobs, u64 simulated, const std::string& mutant) {
  SweepReport r;
  r.scenario = scenario;
  r.file = file;
  r.mutant = mutant;
  r.space = sp;
  r.shard = shard;
  r.seconds = seconds;
  r.jobs = jobs;
  r.simulated = simulated;
  acc.finish(r, expect);
  return r;
}

SweepReport make_report(const std::string& scenario, const std::string& file, const SweepSpace& sp,
                        const Shard& shard, const std::map<std::string, SweepExpectation>& expect,
                        const std::vector<InterleavingResult>& results, double seconds, unsigned jobs,
                        u64 simulated, const std::string& mutant) {
  ReportAccumulator acc(sp, true);
  for (const InterleavingResult& ir : results) acc.add(ir);
  return finish_report(acc, scenario, file, sp, shard, expect, seconds, jobs, simulated, mutant);
}

namespace {

nlohmann::json reproducer_json(const SweepReport& r, const Reproducer& rep, bool with_distance) {
  nlohmann::json j;
  j["index"] = rep.index;
  j["offset"] = rep.il.offset;
  j["row"] = r.space.row_of(rep.index);
  if (with_distance) j["stores_between"] = rep.stores_between;
  j["command"] = reproducer_command(r.file, rep.il, r.mutant);
  return j;
}

}  // namespace

void write_sweep_json(const SweepReport& r, std::ostream& out) {
  using nlohmann::json;
  const SweepSpace& sp = r.space;
  json j;
  j["schema"] = kSweepSchema;  // what merge checks
  j["scenario"] = r.scenario;
  j["file"] = r.file;
  if (!r.mutant.empty()) j["mutant"] = r.mutant;  // reports of the program as written stay as they were
  json space;
  space["offsets"] = {{"from", sp.offset_from}, {"to", sp.offset_to}, {"origin", sp.offsets_origin}};
  if (sp.offset_step > 1) space["offsets"]["step"] = sp.offset_step;
  space["burst_orders"] = json::array();
  for (const auto& b : sp.burst_orders) space["burst_orders"].push_back(burst_order_text(b));
  space["inter_burst"] = sp.inter_bursts;
  space["compiler_orders"] = json::array();
  for (const auto& c : sp.compilers)
    space["compiler_orders"].push_back({{"merge_rmw", c.merge_rmw}, {"order", compiler_order_text(c.order)}});
  space["compiler_orders_limit"] = sp.compiler_limit;
  space["compiler_orders_truncated"] = sp.compilers_truncated;
  space["store_buffer_delay"] = sp.store_buffer_delays;
  // What the sweep sets; empty: the scenario's own values.
  space["qi_latency"] = json::array();
  for (const auto& [type, values] : sp.qi_latency)
    space["qi_latency"].push_back({{"type", type}, {"cycles", values}});
  space["mmio_cost"] = sp.mmio_costs;
  if (sp.timeline.known)
    space["timeline"] = {{"program", {sp.timeline.program_start, sp.timeline.program_end}},
                         {"traffic", {sp.timeline.traffic_first, sp.timeline.traffic_last}}};
  space["rows"] = json::array();
  for (u64 row = 0; row < sp.rows(); ++row) space["rows"].push_back(sp.row_label(row));
  space["total"] = sp.size();
  j["space"] = space;
  j["shard"] = {{"index", r.shard.index}, {"count", r.shard.count}};
  j["interleavings"] = r.interleavings;
  j["interleavings_per_second"] = r.seconds > 0 ? static_cast<double>(r.interleavings) / r.seconds : 0.0;
  j["seconds"] = r.seconds;
  j["jobs"] = r.jobs;
  j["episodes_simulated"] = r.simulated;
  j["errors"] = r.errors;
  j["counts"] = r.counts;
  j["findings"] = r.findings;
  json windows = json::object();
  for (const auto& [kind, rows] : r.windows) {
    json arr = json::array();
    for (const KindWindow& w : rows) {
      json ranges = json::array();
      for (const auto& [a, b] : w.ranges) ranges.push_back({a, b});
      arr.push_back({{"row", w.row}, {"label", sp.row_label(w.row)}, {"offsets", ranges}});
    }
    windows[kind] = arr;
  }
  j["windows"] = windows;
  json reps = json::object();
  for (const auto& [kind, rep] : r.first)
    reps[kind] = {{"first", reproducer_json(r, rep, true)},
                  {"minimal", reproducer_json(r, r.minimal.at(kind), true)}};
  j["reproducers"] = reps;
  json verdicts = json::array();
  for (const SweepVerdict& v : r.verdicts) {
    json x = {{"kind", v.kind}, {"observed", v.observed}, {"ok", v.ok}};
    if (v.expected) {
      x["expected"] = v.expected->str();
      x["rule"] = v.rule;
    }
    verdicts.push_back(x);
  }
  j["verdicts"] = verdicts;
  j["expectations_met"] = r.expectations_met;
  // Every interleaving's outcome, for merging shards and for tools:
  // [index, cycles, counts per kind..., stores_between per kind (null: none)...]
  // or [index, "error text"]. Then, only when some interleaving has them (so
  // outputs stay as they were otherwise), the interleavings whose driver
  // returns differ, and [index, requests] of those whose DMA requests waited
  // for a walker. The lists are streamed from the results into the places
  // the rest of the report (a JSON document) keeps for them.
  j["kinds"] = known_verdict_kinds();
  // Each row as dump(1) writes an element of a list in the report: two
  // levels down. False: no row for this interleaving.
  using Row = std::function<bool(const InterleavingResult&, std::string&)>;
  std::vector<std::pair<std::string, Row>> lists;
  lists.emplace_back("results", [](const InterleavingResult& ir, std::string& t) {
    t = "  [\n   ";
    t += std::to_string(ir.index);
    const auto item = [&t](const std::string& v) {
      t += ",\n   ";
      t += v;
    };
    if (!ir.error.empty()) {
      item(json(ir.error).dump(-1, ' ', false, json::error_handler_t::replace));
    } else {
      item(std::to_string(ir.cycles));
      for (u64 c : ir.counts) item(std::to_string(c));
      for (u64 d : ir.distance) item(d == InterleavingResult::kNone ? "null" : std::to_string(d));
    }
    t += "\n  ]";
    return true;
  });
  if (r.returns_differ > 0) {
    lists.emplace_back("returns_differ", [](const InterleavingResult& ir, std::string& t) {
      t = "  " + std::to_string(ir.index);
      return ir.returns_differ;
    });
    j["returns_first"] = reproducer_json(r, *r.returns_first, false);
  }
  if (r.walker_waited > 0)
    lists.emplace_back("walker_waits", [](const InterleavingResult& ir, std::string& t) {
      t = "  [\n   ";
      t += std::to_string(ir.index);
      t += ",\n   ";
      t += std::to_string(ir.walker_waits);
      t += "\n  ]";
      return ir.walker_waits > 0;
    });
  // A placeholder per list (a string no report holds), replaced by its rows.
  for (const auto& [key, row] : lists) j[key] = std::string("\x01") + key;
  const std::string text = j.dump(1, ' ', false, json::error_handler_t::replace);
  std::size_t at = 0;
  for (;;) {
    std::size_t next = std::string::npos;
    const std::pair<std::string, Row>* list = nullptr;
    for (const auto& l : lists)
      if (const std::size_t p = text.find("\"\\u0001" + l.first + "\"", at); p < next) {
        next = p;
        list = &l;
      }
    if (!list) break;
    out.write(text.data() + at, static_cast<std::streamsize>(next - at));
    at = next + list->first.size() + 8;  // the placeholder: KEY after an escaped 0x01, quoted
    u64 n = 0;
    std::string row;
    if (r.results)
      r.results->each([&](const InterleavingResult& ir) {
        if (list->second(ir, row)) out << (n++ ? ",\n" : "[\n") << row;
      });
    out << (n ? "\n ]" : "[]");
  }
  out.write(text.data() + at, static_cast<std::streamsize>(text.size() - at));
  out << "\n";
}

nlohmann::json sweep_json(const SweepReport& r) {
  std::ostringstream o;
  write_sweep_json(r, o);
  return nlohmann::json::parse(o.str());
}

std::string sweep_heading(const std::string& scenario, const std::string& file, const std::string& mutant,
                          const SweepSpace& sp, const Shard& shard) {
  std::ostringstream o;
  o << "sweep: " << scenario << " (" << file << ")\n";
  if (!mutant.empty()) o << "mutant: " << mutant << "\n";
  o << "space: " << sp.describe() << "\n";
  o << "offsets: " << sp.offsets_origin << "\n";
  if (shard.count > 1) o << "shard: " << shard.index << "/" << shard.count << "\n";
  return o.str();
}

std::string sweep_text(const SweepReport& r, bool with_heading) {
  const SweepSpace& sp = r.space;
  std::ostringstream o;
  if (with_heading) o << sweep_heading(r.scenario, r.file, r.mutant, sp, r.shard);
  o << "ran " << r.interleavings << " interleavings in " << r.seconds << " s ("
    << static_cast<u64>(r.seconds > 0 ? static_cast<double>(r.interleavings) / r.seconds : 0) << "/s, "
    << r.jobs << " job" << (r.jobs == 1 ? "" : "s");
  if (r.simulated < r.interleavings)
    o << "; " << r.simulated << " simulated, the others share their outcome by burst-order reduction";
  o << ")\n";
  if (r.errors) o << "errors: " << r.errors << " interleavings did not finish (see --json results)\n";
  o << "\ninterleavings showing each kind (findings in all):\n";
  for (const auto& [kind, n] : r.counts)
    o << "  " << kind << ": " << n << " (" << r.findings.at(kind) << ")\n";
  if (!r.windows.empty())
    o << "\nPer kind, the offsets showing it in each row, and two commands that replay one interleaving\n"
         "showing it: first, the one of lowest index; minimal, the one whose finding has the fewest\n"
         "stores between the two memory states that make it a violation (the shortest race to study;\n"
         "lowest index on ties).\n";
  for (const auto& [kind, rows] : r.windows) {
    o << "\n" << kind << " window:\n";
    std::size_t shown = 0;
    for (const KindWindow& w : rows) {
      if (++shown > 12) {
        o << "  ... " << rows.size() - 12 << " more rows (see --json)\n";
        break;
      }
      o << "  " << sp.row_label(w.row) << ": offsets ";
      for (std::size_t i = 0; i < w.ranges.size(); ++i) {
        if (i) o << ", ";
        o << w.ranges[i].first;
        if (w.ranges[i].second != w.ranges[i].first) o << ".." << w.ranges[i].second;
      }
      o << "\n";
    }
    const Reproducer& f = r.first.at(kind);
    const Reproducer& m = r.minimal.at(kind);
    o << "  first:   " << reproducer_command(r.file, f.il, r.mutant) << "\n";
    o << "  minimal: " << reproducer_command(r.file, m.il, r.mutant) << "  (" << m.stores_between
      << " stores between the violating states)\n";
  }
  if (r.returns_differ > 0)
    o << "\ndriver returns differ from expect: in " << r.returns_differ << " interleavings\n"
      << "  first:   " << reproducer_command(r.file, r.returns_first->il, r.mutant) << "\n";
  o << "\n";
  for (const SweepVerdict& v : r.verdicts) {
    if (!v.expected) continue;
    o << "  " << (v.ok ? "ok      " : "MISMATCH") << " " << v.kind << ": expected " << v.expected->str()
      << " interleavings (" << v.rule << "), observed " << v.observed << "\n";
  }
  o << "verdict: " << (r.expectations_met ? "as expected" : "NOT as expected") << "\n";
  return o.str();
}

void write_sweep_csv(const SweepReport& r, std::ostream& o) {
  const auto& kinds = known_verdict_kinds();
  // Queue latencies and the MMIO cost have columns only when the sweep sets
  // them: one per descriptor type it sets (qi_TYPE), and mmio_cost.
  o << "index,offset,burst_order,inter_burst,merge_rmw,compiler_order,store_buffer_delay";
  for (const auto& t : r.space.qi_latency) o << ",qi_" << t.first;
  if (!r.space.mmio_costs.empty()) o << ",mmio_cost";
  o << ",cycles";
  for (const std::string& k : kinds) o << "," << k;
  o << ",error\n";
  if (!r.results) return;
  r.results->each([&](const InterleavingResult& ir) {
    const Interleaving il = r.space.at(ir.index);
    o << ir.index << "," << il.offset << ",\"" << burst_order_text(il.burst_order) << "\"," << il.inter_burst
      << "," << (il.merge_rmw ? "yes" : "no") << ",\"" << compiler_order_text(il.order) << "\","
      << il.store_buffer_delay;
    for (const auto& t : il.qi_latency) o << "," << t.second;
    if (il.mmio_cost) o << "," << *il.mmio_cost;
    o << "," << ir.cycles;
    for (std::size_t k = 0; k < kinds.size(); ++k) o << "," << (ir.error.empty() ? ir.counts[k] : 0);
    std::string err = ir.error;
    std::replace(err.begin(), err.end(), '"', '\'');
    o << ",\"" << err << "\"\n";
  });
}

std::string sweep_csv(const SweepReport& r) {
  std::ostringstream o;
  write_sweep_csv(r, o);
  return o.str();
}

// merge_reports: sweep/merge.cpp.

}  // namespace vtd
