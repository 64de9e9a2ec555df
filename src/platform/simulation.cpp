#include "platform/simulation.hpp"

#include <algorithm>
#include <stdexcept>
#include <systemc>

#include "base/cycles.hpp"
#include "base/log.hpp"
#include "checkers/dma_outcomes.hpp"
#include "checkers/entry_history.hpp"
#include "checkers/handshakes.hpp"
#include "checkers/reference.hpp"
#include "checkers/sync_log.hpp"
#include "cpu_model/compiler.hpp"
#include "cpu_model/cpu.hpp"
#include "devices/traffic_generator.hpp"
#include "driver/driver.hpp"
#include "iommu_model/iommu.hpp"
#include "memory/memory_module.hpp"
#include "platform/wall_clock.hpp"
#include "platform/wall_clock_stop.hpp"
#include "rules/rule.hpp"
#include "tables/table_builder.hpp"

namespace vtd {

namespace {

class DmaTally : public Observer {
 public:
  Interests interests() const override { return overridden<DmaTally>(); }
  void on_dma(const DmaEvent& e) override {
    if (e.fault) ++faults[e.fault_reason];
  }
  std::map<u8, u64> faults;
};

// Items whose driver function returned nonzero. Subscribed in sweeps too:
// one event per item, and a sweep judges every interleaving's returns.
class ReturnTally : public Observer {
 public:
  Interests interests() const override { return overridden<ReturnTally>(); }
  void on_item(const ItemEvent& e) override {
    if (e.ret != 0) returns.push_back({e.cpu, e.item, {}, e.ret, e.end, e.ret_op, {}});
  }
  std::vector<DriverReturn> returns;
};

struct Programs {
  std::vector<EmittedProgram> emitted;          // per CPU
  std::vector<std::vector<std::string>> names;  // per CPU: program item names
};

// The elaborated platform: built once per process, reused by every episode.
struct Top : sc_core::sc_module {
  MemoryModule memory;
  Iommu iommu;
  TrafficGenerator traffic;
  std::vector<std::unique_ptr<Cpu>> cpus;
  WallClockStop wall_clock;  // --timeout pauses the simulation through it

  Top(sc_core::sc_module_name name, const Scenario& s, PhysicalMemory& mem, const BootState& boot,
      const Programs& progs, const EventBus& bus)
      : sc_module(name),
        memory("memory", mem),
        iommu("iommu", s.platform.iommu, boot, bus),
        traffic("traffic", s.traffic) {
    check_time_resolution();
    traffic.pcie_out.bind(iommu.pcie_in);
    iommu.mem_port.bind(memory.iommu_port);
    // Every CPU reaches the IOMMU's registers (a multi-target socket).
    for (std::size_t i = 0; i < progs.emitted.size(); ++i) {
      cpus.push_back(std::make_unique<Cpu>(("cpu" + std::to_string(i)).c_str(), static_cast<u16>(i),
                                           cpu_config(s, i), progs.emitted[i], progs.names[i], memory, bus));
      cpus.back()->mmio.bind(iommu.regs);
    }
  }

  static CpuConfig cpu_config(const Scenario& s, std::size_t i) {
    CpuConfig cfg = s.platform.cpu;
    if (i > 0) cfg.start = s.more_cpus[i - 1].start;
    return cfg;
  }

  // `fresh`: new programs for the CPUs; null: they run the last episode's again.
  void begin_episode(const Scenario& s, const BootState& boot, const Programs* fresh) {
    memory.begin_episode();
    iommu.begin_episode(s.platform.iommu, boot);
    traffic.begin_episode(s.traffic);
    for (std::size_t i = 0; i < cpus.size(); ++i) {
      if (fresh)
        cpus[i]->begin_episode(cpu_config(s, i), fresh->emitted[i], fresh->names[i]);
      else
        cpus[i]->begin_episode(cpu_config(s, i));
    }
  }
};
}  // namespace

void evaluate_expectations(const Scenario& s, RunResult& r) {
  r.verdicts.clear();
  for (const std::string& kind : known_verdict_kinds()) {
    KindVerdict v;
    v.kind = kind;
    v.observed = r.counts.count(kind) ? r.counts.at(kind) : 0;
    auto it = s.expect.find(kind);
    if (it != s.expect.end()) {
      v.expected = it->second;
      v.ok = it->second.holds(v.observed);
    } else if (is_violation_kind(kind)) {
      v.implicit_zero = true;
      v.ok = v.observed == 0;
    }
    r.verdicts.push_back(std::move(v));
  }
  r.expectations_met = r.returns_met && std::all_of(r.verdicts.begin(), r.verdicts.end(),
                                                    [](const KindVerdict& v) { return v.ok; });
}

void evaluate_returns(const Scenario& s, RunResult& r, const std::vector<std::vector<std::string>>& names) {
  r.return_verdicts.clear();
  const auto observed = [&](u16 cpu, u32 item) -> const DriverReturn* {
    for (const DriverReturn& d : r.returns)
      if (d.cpu == cpu && d.item == item) return &d;
    return nullptr;
  };
  for (const ReturnExpectation& e : s.expect_returns) {
    const DriverReturn* d = observed(e.cpu, e.item);
    ReturnVerdict v{e.cpu, e.item, {}, e.value, d ? d->value : 0, true, false};
    if (e.cpu < names.size() && e.item < names[e.cpu].size()) v.operation = names[e.cpu][e.item];
    v.ok = v.expected == v.observed;
    r.return_verdicts.push_back(std::move(v));
  }
  for (const DriverReturn& d : r.returns) {
    const bool listed =
        std::any_of(s.expect_returns.begin(), s.expect_returns.end(),
                    [&](const ReturnExpectation& e) { return e.cpu == d.cpu && e.item == d.item; });
    if (!listed) r.return_verdicts.push_back({d.cpu, d.item, d.operation, 0, d.value, false, false});
  }
  std::sort(r.return_verdicts.begin(), r.return_verdicts.end(),
            [](const ReturnVerdict& a, const ReturnVerdict& b) {
              return std::pair(a.cpu, a.item) < std::pair(b.cpu, b.item);
            });
  r.returns_met = std::all_of(r.return_verdicts.begin(), r.return_verdicts.end(),
                              [](const ReturnVerdict& v) { return v.ok; });
}

namespace {

// What the programs depend on: the tables, the CPUs' programs and the
// platform without the settings that only move things in time (the driver
// and the compiler model read neither the queue latencies nor the MMIO cost;
// the IOMMU and the CPUs take them afresh every episode).
void clear_timing(Platform& p) {
  p.cpu.start = 0;
  p.cpu.store_buffer_delay = 0;
  p.cpu.costs.mmio = 0;
  p.iommu.burst_order.clear();
  p.iommu.inter_burst = 0;
  p.iommu.qi = QiLatencies{};
  p.sim = SimConfig{};
}

struct ProgramInputs {
  Platform platform;  // clear_timing'd
  Tables tables;
  std::vector<ProgramItem> program;
  std::vector<ExtraCpu> more_cpus;  // start cleared
  std::optional<MutantRef> mutant;

  explicit ProgramInputs(const Scenario& s)
      : platform(s.platform), tables(s.tables), program(s.program), more_cpus(s.more_cpus), mutant(s.mutant) {
    clear_timing(platform);
    for (ExtraCpu& c : more_cpus) c.start = 0;
  }
  // Compared in place (a sweep asks every episode); `scratch` keeps its
  // storage across calls.
  bool same(const Scenario& s, Platform& scratch) const {
    if (!(s.program == program) || !(s.tables == tables) || s.more_cpus.size() != more_cpus.size() ||
        !(s.mutant == mutant))
      return false;
    for (std::size_t i = 0; i < more_cpus.size(); ++i)
      if (!(s.more_cpus[i].program == more_cpus[i].program) || !(s.more_cpus[i].loc == more_cpus[i].loc))
        return false;
    scratch = s.platform;
    clear_timing(scratch);
    return scratch == platform;
  }
};

Programs build_programs(const Scenario& s, const TableLayout& layout) {
  // One driver state across CPUs (they share the queue and the tables), the mutant applied.
  Programs p;
  for (const std::vector<DriverOp>& ops : build_cpu_programs(s, layout)) {
    std::vector<std::string> n;
    for (const DriverOp& d : ops) n.push_back(d.name);
    p.emitted.push_back(emit_program(ops, s.platform.cpu.merge_rmw, s.platform.cpu.order));
    p.names.push_back(std::move(n));
  }
  return p;
}

}  // namespace

// The initial tables of the last episode: a sweep's episodes share them, so
// they are built once and their pages copied into memory per episode.
struct TableImage {
  // What build_tables reads.
  Tables tables;
  TranslationMode mode = TranslationMode::Legacy;
  std::vector<unsigned> sagaw;
  // What it made.
  TableLayout layout;
  PhysicalMemory::Image pages;
  std::vector<std::pair<EntryId, EntryBits>> watched;  // with their initial values
  bool same(const Scenario& s) const {
    return s.platform.iommu.mode == mode && s.platform.iommu.sagaw == sagaw && s.tables == tables;
  }
};

// An episode's checkers. A sweep's episodes watch the same entries: the
// checkers are reset for each (their storage and index kept), not rebuilt.
struct Checkers {
  EntryHistory history;
  SyncLog sync;
  ReferenceTranslator reference;
  DmaOutcomes dma;  // reads history: Checkers never moves
  Handshakes handshakes;

  Checkers(const PhysicalMemory& mem, const Scenario& s, const TableImage& t, bool detail)
      : history(/*keep_events=*/detail), reference(mem, s.platform.iommu, t.layout.rtaddr), dma(history) {
    for (const auto& [id, init] : t.watched) history.watch(id, init);
  }
  void reset(const Scenario& s, const TableImage& t, bool detail) {
    history.restart(/*keep_events=*/detail);
    sync.reset();
    reference.reset(s.platform.iommu, t.layout.rtaddr);
    dma.reset();
  }
};

struct Simulator::Impl {
  EventBus bus;
  PhysicalMemory mem{&bus};
  std::optional<TableImage> tables;
  std::unique_ptr<Checkers> checkers;  // watching `tables`' entries
  std::unique_ptr<Top> top;
  std::optional<std::pair<ProgramInputs, Programs>> last_programs;
  Platform scratch;
  bool cpus_stale = true;  // the CPUs do not hold last_programs

  // Memory reset to the scenario's initial tables.
  const TableImage& tables_for(const Scenario& s) {
    if (tables && tables->same(s)) {
      mem.reset(tables->pages);
      return *tables;
    }
    tables.reset();
    checkers.reset();
    mem.reset();
    TableImage t{s.tables, s.platform.iommu.mode, s.platform.iommu.sagaw, build_tables(s, mem), {}, {}};
    t.pages = mem.image();
    for (const EntryId& id : t.layout.watched_entries()) {
      EntryBits init;
      for (unsigned w = 0; w < format_of(id.kind).bits / 64; ++w) init.w[w] = mem.peek64(id.addr + 8 * w);
      t.watched.emplace_back(id, init);
    }
    tables.emplace(std::move(t));
    return *tables;
  }

  Checkers& checkers_for(const Scenario& s, const TableImage& t, bool detail) {
    if (checkers)
      checkers->reset(s, t, detail);
    else
      checkers = std::make_unique<Checkers>(mem, s, t, detail);
    return *checkers;
  }

  const Programs& programs_for(const Scenario& s, const TableLayout& layout) {
    if (!last_programs || !last_programs->first.same(s, scratch)) {
      last_programs.emplace(ProgramInputs(s), build_programs(s, layout));
      cpus_stale = true;
    }
    return last_programs->second;
  }
};

Simulator::Simulator() : impl_(std::make_unique<Impl>()) {}
Simulator::~Simulator() = default;

RunResult run_scenario(const Scenario& s, const RunOptions& opt) {
  Simulator sim;
  return sim.run(s, opt);
}

RunResult Simulator::run(const Scenario& s, const RunOptions& opt) {
  using namespace sc_core;
  if (!setup_logging(opt.log_level)) throw std::invalid_argument("unknown log level '" + opt.log_level + "'");
  // A SystemC warning means the model did something it should not: fail.
  sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
  sc_report_handler::set_actions(SC_WARNING, SC_THROW);

  EventBus& bus = impl_->bus;
  PhysicalMemory& mem = impl_->mem;
  if (impl_->top && impl_->top->cpus.size() != 1 + s.more_cpus.size())
    throw std::logic_error("simulator: an episode needs as many CPUs as the elaborated platform");
  bus.clear();
  const TableImage& tables = impl_->tables_for(s);
  const TableLayout& layout = tables.layout;
  const bool coherent = s.platform.iommu.coherent;
  mem.set_cpu_cache(!coherent, s.platform.cpu.cache.evict ? s.platform.cpu.cache.eviction_delay : 0);

  // The CPUs' programs: built from the driver sequences and the compiler
  // model, or reused when only the timing changed since the last episode
  // (a sweep's offsets, burst orders, store-buffer delays, queue latencies
  // and MMIO costs).
  const Programs& programs = impl_->programs_for(s, layout);

  Checkers& checkers = impl_->checkers_for(s, tables, opt.detail);
  EntryHistory& history = checkers.history;
  DmaTally tally;
  ReturnTally returned;
  // EntryHistory first: DmaOutcomes reads it when a DMA completes. A sweep
  // (no detail) keeps no fault tally, software reads or cache fills: their
  // observers are not subscribed, so nobody builds those events.
  checkers.sync.keep_fills(opt.detail);
  checkers.dma.set_coherent(coherent);
  bus.subscribe(&history);
  if (opt.detail) bus.subscribe(&tally);
  bus.subscribe(&checkers.sync);
  bus.subscribe(&checkers.dma);
  bus.subscribe(&returned);
  // Software's side: what readers on any CPU saw, and who waited for a lock.
  std::optional<SoftwareReads> reads;
  if (opt.detail) {
    reads.emplace(std::vector<std::pair<Addr, std::string>>{{layout.driver.iommu_lock, "iommu->lock"},
                                                            {layout.driver.qi_lock, "qi->q_lock"}});
    bus.subscribe(&*reads);
  }

  for (RunListener* l : opt.listeners) bus.subscribe(l);
  if (!opt.listeners.empty()) {
    const EpisodeStart start{s, layout, mem, programs.names};
    for (RunListener* l : opt.listeners) l->on_start(start);
  }
  const BootState boot{layout.rtaddr, layout.driver.qi_queue};
  EpisodeClock::restart();
  if (!impl_->top)
    impl_->top = std::make_unique<Top>("top", s, mem, boot, programs, bus);
  else
    impl_->top->begin_episode(s, boot, impl_->cpus_stale ? &programs : nullptr);
  impl_->cpus_stale = false;
  Top& top = *impl_->top;
  top.iommu.set_cycle_limit(s.platform.sim.max_cycles);
  {
    // The watchdog of --timeout pauses this sc_start at its deadline.
    const WallClockStop::Running guard(top.wall_clock);
    if (!wall_clock_expired()) sc_start(cycles(s.platform.sim.max_cycles), SC_EXIT_ON_STARVATION);
  }
  const Cycle end = now_cycle();
  if (wall_clock_expired()) {
    bus.clear();
    throw WallClockTimeout("at cycle " + std::to_string(end));
  }
  mem.advance_to(end);
  bool cpus_done = true;
  for (const auto& c : top.cpus) cpus_done = cpus_done && c->finished();
  // A store still in a store buffer is unfinished work too: a run must not
  // report on memory its program has not finished writing.
  if (!cpus_done || !top.traffic.finished() || !top.iommu.idle() || mem.has_pending()) {
    bus.clear();
    // SystemC stops at the last event before max_cycles when the next is
    // later, so `end` may be well before max_cycles: say both.
    throw std::runtime_error("simulation still running at max_cycles (platform.sim.max_cycles = " +
                             std::to_string(s.platform.sim.max_cycles) +
                             "): work is left for later cycles; the last activity was at cycle " +
                             std::to_string(end));
  }

  RunResult r;
  r.scenario = s.name;
  r.file = s.file;
  bus.clear();  // the checkers below are this episode's; no dangling subscribers
  checkers.handshakes.build(checkers.sync, mem.history(), coherent);
  r.findings = judge(Evidence(history, checkers.handshakes, checkers.dma, checkers.reference, opt.detail));
  r.cycles = end;
  r.returns = std::move(returned.returns);
  std::sort(r.returns.begin(), r.returns.end(), [](const DriverReturn& a, const DriverReturn& b) {
    return std::pair(a.cpu, a.item) < std::pair(b.cpu, b.item);
  });
  for (DriverReturn& d : r.returns) {
    d.operation = programs.names[d.cpu][d.item];
    d.op_label = programs.emitted[d.cpu].ops[d.op].op.label;
  }
  evaluate_returns(s, r, programs.names);
  r.iommu = top.iommu.stats();
  if (!opt.detail) {  // a sweep keeps the tally, the cycles, the returns and the IOMMU's counts only
    for (RunListener* l : opt.listeners) l->on_finish(r);
    return r;
  }
  r.counts = r.findings.counts();
  r.stores = mem.history().size();
  r.program_start = s.platform.cpu.start;
  for (const ExtraCpu& c : s.more_cpus) r.program_start = std::min(r.program_start, c.start);
  for (const auto& c : top.cpus) r.program_end = std::max(r.program_end, c->finish_cycle());
  for (const StoreEvent& e : mem.history())
    if (e.writer.cpu != Writer::kIommu) r.program_end = std::max(r.program_end, e.cycle);
  const Translator& tr = top.iommu.translator();
  r.caches.push_back({"context-cache", tr.context_cache().config().enabled, tr.context_cache().stats()});
  if (s.platform.iommu.mode == TranslationMode::Scalable)
    r.caches.push_back({"pasid-cache", tr.pasid_cache().config().enabled, tr.pasid_cache().stats()});
  r.caches.push_back({"iotlb", tr.iotlb().config().enabled, tr.iotlb().stats()});
  r.faults_by_reason = tally.faults;
  r.item_names = programs.names;
  r.reads = reads->snapshots(mem, layout.watched_entries());
  r.locks = reads->lock_holds();
  evaluate_expectations(s, r);
  for (RunListener* l : opt.listeners) l->on_finish(r);
  return r;
}

}  // namespace vtd
