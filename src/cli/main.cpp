// vtdsim command line: run one scenario, check a catalog, show what the
// compiler model emits, list driver sequences.
#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <systemc>

#include "base/process.hpp"
#include "cli/commands.hpp"
#include "cli/numbers.hpp"
#include "cli/version.hpp"
#include "cpu_model/compiler.hpp"
#include "driver/driver.hpp"
#include "mutate/mutate.hpp"
#include "platform/simulation.hpp"
#include "platform/wall_clock.hpp"
#include "report/report.hpp"
#include "report/story_recorder.hpp"
#include "scenario/loader.hpp"
#include "sweep/interleaving.hpp"
#include "trace/chrome_trace.hpp"
#include "trace/output_file.hpp"
#include "trace/waveform.hpp"

namespace fs = std::filesystem;
namespace po = boost::program_options;
using namespace vtd;

namespace {

using cli::dump_json;
using cli::kBadInput;
using cli::kInternal;
using cli::kMismatch;
using cli::kOk;
using cli::parse;

const char* kUsage =
    "vtdsim: a cycle-level simulator of Intel VT-d table updates racing the IOMMU\n"
    "\n"
    "usage: vtdsim <command> [options]\n"
    "       vtdsim --version\n"
    "\n"
    "commands:\n"
    "  run FILE        simulate one scenario; print every violation and the verdict\n"
    "  check PATH...   run every scenario (*.yaml, *.yml) under the directories and the files\n"
    "                  given, one line each, in parallel (-j); JUnit XML and JSON reports\n"
    "  sweep FILE      run FILE at every interleaving of its sweep dimensions (CPU start\n"
    "                  offset, burst order, inter-burst latency, compiler order, store-buffer\n"
    "                  delay, queued-invalidation latencies, MMIO cost): race windows, counts\n"
    "                  and exact reproducers\n"
    "  merge SHARD...  combine the JSON reports of sweep shards (--shard I/N) into one report\n"
    "  mutate FILE     would vtdsim notice if the fix were wrong? sweep mutants of a clean\n"
    "                  scenario's driver operations (dropped barriers, invalidations, waits,\n"
    "                  reordered stores...): caught, survived (and why, as far as it can tell)\n"
    "                  or equivalent\n"
    "  program FILE    print the CPU program as the compiler model emits it (store regions\n"
    "                  and indices, for writing platform.cpu.compiler.order)\n"
    "  sequences       list the driver sequences and their variants\n"
    "  version         print the version (also: vtdsim --version)\n"
    "\n"
    "Run 'vtdsim <command> --help' for a command's options.\n"
    "Exit codes: 0 observed verdicts match expect:, 1 they do not, 2 bad input,\n"
    "3 simulation error.\n";

int cmd_run(const std::vector<std::string>& args) {
  po::options_description opts("vtdsim run FILE [options]\n\nSimulate one scenario and judge it.\n\noptions");
  opts.add_options()("help,h", "show this help")("json", po::value<std::string>(),
                                                 "also write the result as JSON to this file")(
      "log-level", po::value<std::string>()->default_value("warn"),
      "trace|debug|info|warn|error|critical|off; log lines go to stderr, stamped with cycle and module")(
      "file", po::value<std::string>(), "scenario file")(
      "mutant", po::value<std::string>(),
      "apply this mutant of the driver operations (an id of vtdsim mutate FILE --list), as vtdsim mutate "
      "and vtdsim sweep --mutant print in their replay commands")("timeout", po::value<std::string>(),
                                                                  cli::kTimeoutHelp);
  po::options_description il_opts(
      "interleaving (as vtdsim sweep prints in its reproducers; each replaces the scenario's setting)");
  il_opts.add_options()(
      "offset", po::value<std::string>(),
      "start the CPU program(s) this many cycles later (negative: earlier) than the scenario says "
      "(-2^40..2^40)")("burst-order", po::value<std::string>(),
                       "ascending, descending, or a permutation such as 2,0,1,3")(
      "inter-burst", po::value<std::string>(), "extra cycles between the bursts of one entry (0..2^40)")(
      "merge-rmw", po::value<std::string>(), "yes|no: the compiler merges read-modify-writes of one word")(
      "compiler-order", po::value<std::string>(),
      "program, reversed, or REGION:i,j,...;REGION:... (see vtdsim program)")(
      "store-buffer-delay", po::value<std::string>(),
      "cycles from executing a store to its visibility (0..2^40)")(
      "qi-latency", po::value<std::vector<std::string>>(),
      ("TYPE=CYCLES: the latency of one queued-invalidation descriptor type (" + qi_latency_names() +
       "), as platform.iommu.qi.TYPE; repeatable, one per type")
          .c_str())("mmio-cost", po::value<std::string>(),
                    "cycles of one uncached IOMMU register access (platform.cpu.costs.mmio)");
  opts.add(il_opts);
  po::options_description insp_opts("inspection (docs/inspecting.md)");
  insp_opts.add_options()(
      "vcd", po::value<std::string>(),
      "write a waveform (VCD; time unit one cycle) of the run to this file: every watched "
      "entry's decoded fields, chunks and fetch bursts, each CPU's operation, the invalidation "
      "queue's head and tail, the memory version, a marker per violation kind")(
      "vcd-filter", po::value<std::string>(),
      "GLOB[,GLOB...]: only the VCD scopes these select (root.BB, context.BB_DD_F, sm_root.BB, "
      "sm_context.BB_DD_F, pasid.BB_DD_F.pN, cpuN, qi, memory, violations; * ? [..] as in the shell); a "
      "glob selecting nothing is an error. PASID-directory (pasid_dir.BB_DD_F.pN) and paging entries "
      "(sl_pte.DOMAIN.lL_ADDR, fl_pte.DOMAIN.lL_ADDR) are in the VCD only when a glob selects them")(
      "gtkw", po::value<std::string>(),
      "with --vcd: also write a GTKWave save file to this file that loads the VCD and shows the run's "
      "CPUs, the entries it touched, the IOMMU's reads, the queue and the violations, with a marker at "
      "each violation's cycle (open it with: gtkwave FILE.gtkw)")(
      "trace", po::value<std::string>(),
      "write a transaction timeline (Chrome trace-event JSON; open it in ui.perfetto.dev or "
      "chrome://tracing) to this file: CPUs, IOMMU walker, invalidation queue, devices, "
      "violations; 1 cycle = 1 us of trace time")(
      "explain", po::value<std::string>(),
      "print only the story of the N-th violation (1-based, as the run numbers them): the stores to its "
      "entry, the bursts and the store each saw, the fields side by side, what was missing. Without it the "
      "run prints one line per violation and the story of the first of each kind; --json holds every story");
  opts.add(insp_opts);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm = parse(args, opts, pos);
  if (vm.count("help")) {
    std::cout
        << opts
        << "\nOutput files are checked before anything runs (a missing directory, a directory, a device,\n"
           "a FIFO, an input file or '-' is bad input) and written all or none once everything ran.\n"
        << "Exit codes: 0 observed verdicts match expect:, 1 they do not, 2 bad input, 3 simulation "
           "error.\n";
    return kOk;
  }
  if (!vm.count("file")) {
    std::cerr << "vtdsim run: missing scenario FILE (see vtdsim run --help)\n";
    return kBadInput;
  }
  RunOptions ro;
  ro.log_level = vm["log-level"].as<std::string>();
  if (vm.count("vcd-filter") && !vm.count("vcd")) {
    std::cerr << "vtdsim run: --vcd-filter needs --vcd\n";
    return kBadInput;
  }
  if (vm.count("gtkw") && !vm.count("vcd")) {
    std::cerr << "vtdsim run: --gtkw needs --vcd FILE (the save file loads that waveform)\n";
    return kBadInput;
  }
  std::vector<std::string> filter;
  if (vm.count("vcd-filter")) {
    try {
      filter = parse_scope_filter(vm["vcd-filter"].as<std::string>());
    } catch (const std::invalid_argument& e) {
      std::cerr << "vtdsim run: --vcd-filter: " << e.what() << "\n";
      return kBadInput;
    }
  }
  // Every output is checked and reserved before the run (a bad path is bad
  // input) and all are renamed into place once every one was written in full.
  OutputSet outputs("run");
  outputs.protect(vm["file"].as<std::string>(), "the scenario");
  for (const char* opt : {"json", "vcd", "gtkw", "trace"}) {
    std::string err;
    if (vm.count(opt) && !outputs.add(opt, vm[opt].as<std::string>(), err)) {
      std::cerr << "vtdsim run: " << err << "\n";
      return kBadInput;
    }
  }
  std::optional<WaveformListener> wave;
  if (vm.count("vcd")) {
    wave.emplace(std::move(filter));
    ro.listeners.push_back(&*wave);
  }
  std::optional<unsigned> explain;
  if (vm.count("explain")) {
    // Violations are numbered from 1.
    explain = static_cast<unsigned>(cli::unsigned_option(vm, "explain", 1, UINT32_MAX));
  }
  StoryRecorder stories;
  ro.listeners.push_back(&stories);
  std::optional<ChromeTrace> trace;
  if (vm.count("trace")) ro.listeners.push_back(&trace.emplace());
  cli::start_timeout(vm);
  RunResult r;
  std::string mutant, mutant_description;
  try {
    Scenario s = load_scenario(vm["file"].as<std::string>());
    if (vm.count("mutant")) s.mutant = cli::command_line_mutant(vm["mutant"].as<std::string>());
    if (s.mutant) mutant = s.mutant->id;
    // Checks the id before the run; the description heads the report.
    if (s.mutant)
      for (const Mutant& m : list_mutants(s))
        if (m.id == mutant) mutant_description = m.description;
    Interleaving il = nominal_interleaving(s);
    std::string err;
    if (vm.count("offset")) il.offset = cli::signed_option(vm, "offset", -kMaxOffset, kMaxOffset);
    if (vm.count("burst-order") &&
        !parse_burst_order(vm["burst-order"].as<std::string>(), il.burst_order, err))
      throw std::invalid_argument("--burst-order: " + err);
    if (vm.count("inter-burst")) il.inter_burst = cli::unsigned_option(vm, "inter-burst", 0, kMaxInputCycles);
    if (vm.count("merge-rmw")) {
      const std::string m = vm["merge-rmw"].as<std::string>();
      if (m != "yes" && m != "no") throw std::invalid_argument("--merge-rmw: expected yes or no");
      il.merge_rmw = m == "yes";
    }
    if (vm.count("compiler-order") &&
        !parse_compiler_order(vm["compiler-order"].as<std::string>(), il.order, err))
      throw std::invalid_argument("--compiler-order: " + err);
    if (vm.count("store-buffer-delay"))
      il.store_buffer_delay = cli::unsigned_option(vm, "store-buffer-delay", 0, kMaxInputCycles);
    if (vm.count("qi-latency"))
      for (const std::string& t : vm["qi-latency"].as<std::vector<std::string>>()) {
        std::string type;
        std::vector<Cycle> v;
        if (!parse_qi_latency(t, type, v, err)) throw std::invalid_argument("--qi-latency " + err);
        if (v.size() != 1)
          throw std::invalid_argument("--qi-latency '" + t + "': expected TYPE=CYCLES, one value");
        check_qi_latency_applies(s, type, "--qi-latency");
        if (std::any_of(il.qi_latency.begin(), il.qi_latency.end(),
                        [&](const auto& q) { return q.first == type; }))
          throw std::invalid_argument("--qi-latency " + type + " is given more than once");
        il.qi_latency.emplace_back(type, v[0]);
      }
    if (vm.count("mmio-cost")) {
      std::vector<Cycle> v;
      if (!parse_swept_cycles(vm["mmio-cost"].as<std::string>(), v, err))
        throw std::invalid_argument("--mmio-cost " + err);
      if (v.size() != 1)
        throw std::invalid_argument("--mmio-cost '" + vm["mmio-cost"].as<std::string>() +
                                    "': expected one value");
      il.mmio_cost = v[0];
    }
    s = apply_interleaving(s, il);
    r = run_scenario(s, ro);
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return kBadInput;
  } catch (const std::invalid_argument& e) {
    std::cerr << "vtdsim run: " << e.what() << "\n";
    return kBadInput;
  }
  const std::size_t nviolations = stories.violations();
  if (explain && *explain > nviolations) {
    std::cerr << "vtdsim run: --explain " << *explain << ": the run found "
              << (nviolations == 0 ? std::string("no violations")
                                   : std::to_string(nviolations) + " violation(s), numbered 1.." +
                                         std::to_string(nviolations))
              << "\n";
    return kBadInput;
  }
  if (explain) {
    std::cout << story_text(stories.story(*explain));
  } else {
    if (!mutant.empty()) std::cout << "mutant " << mutant << ": " << mutant_description << "\n";
    const std::vector<Story> first = stories.first_of_each_kind();
    std::cout << text_report(r, &first);
  }
  if (vm.count("json")) {
    const std::vector<Story> all = stories.stories();
    nlohmann::json j = json_report(r, &all);
    if (!mutant.empty()) j["mutant"] = mutant;
    outputs.stream("json") << dump_json(j, 2) << "\n";
  }
  if (wave) {
    wave->write(outputs.stream("vcd"));
    if (vm.count("gtkw")) {
      // The VCD's path relative to the save file's directory: GTKWave
      // resolves it against where the save file is (through [savefile]), so
      // the pair can be moved together.
      const fs::path gtkw = vm["gtkw"].as<std::string>();
      const fs::path vcd = fs::relative(fs::weakly_canonical(fs::absolute(vm["vcd"].as<std::string>())),
                                        fs::weakly_canonical(fs::absolute(gtkw)).parent_path());
      wave->write_gtkw(outputs.stream("gtkw"), vcd.string(), gtkw.filename().string());
    }
  }
  if (trace) outputs.stream("trace") << trace->text();
  if (std::string err; !outputs.commit(err)) {
    std::cerr << "vtdsim run: " << err << "\n";
    return kInternal;
  }
  return r.expectations_met ? kOk : kMismatch;
}

int cmd_program(const std::vector<std::string>& args) {
  po::options_description opts(
      "vtdsim program FILE [--mutant ID]\n\nPrint the CPU program as the compiler model emits it for this "
      "scenario: each\n"
      "operation, and for every store region its index and its stores in program order,\n"
      "which is what platform.cpu.compiler.order permutations refer to.\n\noptions");
  opts.add_options()("help,h", "show this help")("file", po::value<std::string>(), "scenario file")(
      "mutant", po::value<std::string>(),
      "the program with this mutant applied (an id of vtdsim mutate FILE --list)");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm = parse(args, opts, pos);
  if (vm.count("help") || !vm.count("file")) {
    std::cout << opts;
    return vm.count("help") ? kOk : kBadInput;
  }
  try {
    Scenario s = load_scenario(vm["file"].as<std::string>());
    if (vm.count("mutant")) s.mutant = cli::command_line_mutant(vm["mutant"].as<std::string>());
    PhysicalMemory mem;
    const TableLayout layout = build_tables(s, mem);
    const std::vector<DriverOp> items = build_program(s, layout);
    const EmittedProgram p = emit_program(items, s.platform.cpu.merge_rmw, s.platform.cpu.order);
    std::cout << "store regions (program order; permutations list these indices):\n";
    for (std::size_t r = 0; r < p.regions.size(); ++r) {
      std::cout << "  region " << r << " in item " << p.regions[r].item << ":\n";
      for (std::size_t i = 0; i < p.regions[r].units.size(); ++i)
        std::cout << "    " << i << ": " << p.regions[r].units[i] << "\n";
    }
    std::cout << "emitted program:\n";
    u32 item = ~0u;
    for (const EmittedOp& e : p.ops) {
      if (e.item != item) {
        item = e.item;
        std::cout << "  item " << item << ": " << items[item].name << "\n";
      }
      // Streamed piecewise: GCC 12 flags a temporary string here with a false -Wrestrict.
      std::cout << "    ";
      if (e.region >= 0)
        std::cout << "r" << e.region << " ";
      else
        std::cout << "   ";
      std::cout << describe_op(e.op) << "\n";
    }
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return kBadInput;
  }
  return kOk;
}

int cmd_sequences(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] != "--help" && args[0] != "-h") {
    std::cerr << "vtdsim sequences takes no arguments\n";
    return kBadInput;
  }
  std::cout << "driver sequences (program items: `- sequence: NAME` with these arguments; [optional]):\n";
  for (const SequenceInfo& s : sequences()) {
    std::cout << "  " << s.name << ": " << s.summary << "\n    arguments:";
    for (const auto& a : s.args) {
      const bool opt = std::find(s.optional.begin(), s.optional.end(), a) != s.optional.end();
      std::cout << " " << (opt ? "[" + a + "]" : a);
    }
    std::cout << "\n    variants:";
    if (s.variants.empty()) std::cout << " (none)";
    for (const auto& v : s.variants) std::cout << " " << v;
    std::cout << "\n";
  }
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  // The banner would precede every report; SystemC reads this when it starts.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  // SIGINT/SIGTERM/SIGHUP: kill the workers, remove temporary outputs, then die of the signal.
  install_signal_cleanup();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? kBadInput : kOk;
  }
  if (args[0] == "--version" || args[0] == "version") {
    if (args.size() == 2 && (args[1] == "--help" || args[1] == "-h")) {
      std::cout
          << "vtdsim version\n\nPrint the version (from CMake's project()) and the git commit vtdsim was "
             "built\nfrom, when built from a checkout.\n\noptions:\n  -h [ --help ]         show this help\n";
      return kOk;
    }
    if (args.size() > 1) {
      std::cerr << "vtdsim " << args[0] << " takes no arguments\n";
      return kBadInput;
    }
    std::cout << version_text() << "\n";
    return kOk;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  try {
    if (cmd == "run") return cmd_run(args);
    if (cmd == "check") return cli::cmd_check(args);
    if (cmd == "sweep") return cli::cmd_sweep(args);
    if (cmd == "merge") return cli::cmd_merge(args);
    if (cmd == "mutate") return cli::cmd_mutate(args);
    if (cmd == "program") return cmd_program(args);
    if (cmd == "sequences") return cmd_sequences(args);
  } catch (const po::error& e) {
    std::cerr << "vtdsim " << cmd << ": " << e.what() << "\n";
    return kBadInput;
  } catch (const WallClockTimeout& e) {
    std::cerr << "vtdsim: " << e.what() << "\n";
    return kInternal;
  } catch (const sc_core::sc_report& e) {
    std::cerr << "vtdsim " << cmd << ": SystemC: " << e.what() << "\n";
    return kInternal;
  } catch (const std::exception& e) {
    std::cerr << "vtdsim " << cmd << ": " << e.what() << "\n";
    return kInternal;
  }
  std::cerr << "vtdsim: unknown command '" << cmd << "'\n\n" << kUsage;
  return kBadInput;
}
