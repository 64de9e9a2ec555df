#include "platform/simulation.hpp"

#include <stdexcept>
#include <systemc>

#include "base/cycles.hpp"
#include "base/log.hpp"
#include "checkers/entry_history.hpp"
#include "checkers/rules.hpp"
#include "cpu_model/compiler.hpp"
#include "cpu_model/cpu.hpp"
#include "devices/traffic_generator.hpp"
#include "driver/driver.hpp"
#include "memory/memory_module.hpp"
#include "platform/table_builder.hpp"

namespace vtd {

namespace {

class DmaTally : public Observer {
 public:
  void on_dma(const DmaEvent& e) override {
    if (e.fault) ++faults[e.fault_reason];
  }
  std::map<u8, u64> faults;
};

struct Top : sc_core::sc_module {
  MemoryModule memory;
  Cpu cpu;
  Iommu iommu;
  TrafficGenerator traffic;

  Top(sc_core::sc_module_name name, const Scenario& s, PhysicalMemory& mem, const TableLayout& layout,
      EmittedProgram prog, std::vector<std::string> item_names, const EventBus& bus)
      : sc_module(name),
        memory("memory", mem),
        cpu("cpu0", 0, s.platform.cpu, std::move(prog), std::move(item_names), memory, bus),
        iommu("iommu", s.platform.iommu, layout.rtaddr, bus),
        traffic("traffic", s.traffic) {
    traffic.pcie_out.bind(iommu.pcie_in);
    iommu.mem_port.bind(memory.iommu_port);
  }
};

}  // namespace

void evaluate_expectations(const Scenario& s, RunResult& r) {
  r.verdicts.clear();
  r.expectations_met = true;
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
    r.expectations_met = r.expectations_met && v.ok;
    r.verdicts.push_back(std::move(v));
  }
}

RunResult run_scenario(const Scenario& s, const RunOptions& opt) {
  using namespace sc_core;
  if (!setup_logging(opt.log_level)) throw std::invalid_argument("unknown log level '" + opt.log_level + "'");
  // A SystemC warning means the model did something it should not: fail.
  sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
  sc_report_handler::set_actions(SC_WARNING, SC_THROW);

  EventBus bus;
  PhysicalMemory mem(&bus);
  const TableLayout layout = build_tables(s.tables, mem);
  std::vector<DriverOp> items = build_program(s, layout);
  std::vector<std::string> names;
  for (const DriverOp& d : items) names.push_back(d.name);
  EmittedProgram prog = emit_program(items, s.platform.cpu.merge_rmw, s.platform.cpu.order);

  EntryHistory history;
  for (const EntryId& id : layout.watched_entries()) {
    EntryBits init;
    for (unsigned w = 0; w < format_of(id.kind).bits / 64; ++w) init.w[w] = mem.peek64(id.addr + 8 * w);
    history.watch(id, init);
  }
  DmaTally tally;
  bus.subscribe(&history);
  bus.subscribe(&tally);

  Top top("top", s, mem, layout, std::move(prog), names, bus);
  sc_start(cycles(s.platform.sim.max_cycles), SC_EXIT_ON_STARVATION);
  const Cycle end = now_cycle();
  mem.advance_to(~Cycle{0} >> 1);
  if (!top.cpu.finished() || !top.traffic.finished() || !top.iommu.idle())
    throw std::runtime_error("simulation still running at cycle " + std::to_string(end) +
                             " (platform.sim.max_cycles = " + std::to_string(s.platform.sim.max_cycles) +
                             ")");

  RunResult r;
  r.scenario = s.name;
  r.file = s.file;
  r.findings = judge(history);
  r.counts = r.findings.counts();
  r.cycles = end;
  r.stores = mem.history().size();
  r.iommu = top.iommu.stats();
  r.faults_by_reason = tally.faults;
  r.item_names = names;
  evaluate_expectations(s, r);
  return r;
}

}  // namespace vtd
