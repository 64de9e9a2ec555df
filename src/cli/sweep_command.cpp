// `vtdsim sweep` and `vtdsim merge`.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <systemc>

#include "cli/commands.hpp"
#include "cli/numbers.hpp"
#include "scenario/loader.hpp"
#include "sweep/merge.hpp"
#include "sweep/svg.hpp"
#include "sweep/sweep.hpp"
#include "trace/output_file.hpp"

namespace po = boost::program_options;

namespace vtd::cli {

namespace {

const char* kExitCodes =
    "\nOutput files are checked before anything runs (a missing directory, a directory, a device,\n"
    "a FIFO, an input file or '-' is bad input) and written all or none once everything ran.\n"
    "Exit codes: 0 the verdicts over the whole sweep match expectations, 1 they do not,\n"
    "2 bad input, 3 simulation error.\n";

// "A..B" or "A:B" (inclusive), or a single offset; each within kMaxOffset.
bool parse_range(const std::string& t, std::pair<long long, long long>& out) {
  std::size_t sep = t.find("..");
  std::size_t skip = 2;
  if (sep == std::string::npos) {
    sep = t.find(':');
    skip = 1;
  }
  auto offset = [](std::string_view x, long long& v) {
    return parse_signed(x, v) && v >= -kMaxOffset && v <= kMaxOffset;
  };
  if (sep == std::string::npos) {
    if (!offset(t, out.first)) return false;
    out.second = out.first;
    return true;
  }
  return offset(std::string_view(t).substr(0, sep), out.first) &&
         offset(std::string_view(t).substr(sep + skip), out.second) && out.first <= out.second;
}

// --json, --csv, --plot: checked and reserved before anything runs.
bool reserve_outputs(OutputSet& outputs, const po::variables_map& vm, const char* cmd) {
  for (const char* opt : {"json", "csv", "plot"})
    if (std::string err; vm.count(opt) && !outputs.add(opt, vm[opt].as<std::string>(), err)) {
      std::cerr << "vtdsim " << cmd << ": " << err << "\n";
      return false;
    }
  return true;
}

// The text report, then every output file or none. `with_heading`: false
// when the heading was printed before the run.
int write_outputs(const SweepReport& r, OutputSet& outputs, const char* cmd, bool with_heading = true) {
  std::cout << sweep_text(r, with_heading);
  if (outputs.has("json")) write_sweep_json(r, outputs.stream("json"));
  if (outputs.has("csv")) write_sweep_csv(r, outputs.stream("csv"));
  if (outputs.has("plot")) outputs.stream("plot") << sweep_svg(r);
  if (std::string err; !outputs.commit(err)) {
    std::cerr << "vtdsim " << cmd << ": " << err << "\n";
    return kInternal;
  }
  return r.errors ? kInternal : r.expectations_met ? kOk : kMismatch;
}

// A shard report's text; false with `error` set when it cannot be read (a
// directory, a device, a missing file).
bool read_shard_text(const std::string& path, std::string& text, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    error = "cannot read " + path + ": no such file";
    return false;
  }
  if (fs::is_directory(st)) {
    error = path + " is a directory, not a shard report";
    return false;
  }
  if (!fs::is_regular_file(st)) {
    error = path + " is not a regular file";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in || in.bad()) {
    error = "cannot read " + path;
    return false;
  }
  text = ss.str();
  return true;
}

po::options_description output_options() {
  po::options_description o("output");
  o.add_options()("json", po::value<std::string>(),
                  "write the report as JSON (with every interleaving's outcome)")(
      "csv", po::value<std::string>(), "write one CSV row per interleaving")(
      "plot", po::value<std::string>(),
      "write the race window as an SVG picture: a band per kind found, the program and traffic marked, "
      "each cell's replay command in its tooltip");
  return o;
}

}  // namespace

const char* const kSweepSampleHelp =
    "at most N interleavings: every dimension in full, the offsets sampled evenly (the smallest "
    "--offset-step that keeps the space within N; CTest sweeps the catalog so)";

po::options_description sweep_dimension_options(const char* sample_help) {
  po::options_description dims("dimensions (each replaces the scenario's sweep: setting)");
  dims.add_options()(
      "offsets", po::value<std::string>(),
      "CPU start offsets A..B (inclusive, each in -2^40..2^40; default: the window where the program "
      "overlaps the traffic)")("offset-step", po::value<std::string>(),
                               "every S-th offset of the window only, from its first (a sample; 1..2^40)")(
      "sample", po::value<std::string>(), sample_help)(
      "burst-orders", po::value<std::string>(), "all, or orders separated by ';' (e.g. 'ascending;3,2,1,0')")(
      "inter-burst", po::value<std::string>(), "inter-burst latencies, comma-separated (each 0..2^40)")(
      "compiler-orders", po::value<std::string>(),
      "program (default) or all (every legal order, merged or not)")(
      "max-compiler-orders", po::value<std::string>(),
      "at most this many compiler orders (default 1000; 1..2^20)")(
      "store-buffer-delay", po::value<std::string>(), "store-buffer delays, comma-separated (each 0..2^40)")(
      "qi-latency", po::value<std::vector<std::string>>(),
      ("TYPE=C1,C2,...: latencies in cycles of one queued-invalidation descriptor type (" +
       qi_latency_names() +
       "); repeatable, one per type. Together they replace sweep.qi_latency; types not given keep "
       "platform.iommu.qi")
          .c_str())("mmio-cost", po::value<std::string>(),
                    "costs in cycles of one uncached IOMMU register access (platform.cpu.costs.mmio), "
                    "comma-separated");
  return dims;
}

bool read_sweep_dimensions(const po::variables_map& vm, SweepOptions& so, std::string& why) {
  auto bad = [&](const std::string& what) {
    why = what;
    return false;
  };
  if (vm.count("offsets")) {
    std::pair<long long, long long> r;
    if (!parse_range(vm["offsets"].as<std::string>(), r))
      return bad("--offsets: expected A..B with A <= B, integers in -2^40..2^40 (" +
                 std::to_string(-kMaxOffset) + ".." + std::to_string(kMaxOffset) + "), got '" +
                 vm["offsets"].as<std::string>() + "'");
    so.offsets = r;
  }
  if (vm.count("offset-step")) so.offset_step = signed_option(vm, "offset-step", 1, kMaxOffset);
  // 0 is mutate's "every offset"; sweep refuses it when it plans the space.
  if (vm.count("sample")) so.sample = unsigned_option(vm, "sample", 0, kMaxInputCycles);
  if (vm.count("burst-orders")) so.burst_orders = vm["burst-orders"].as<std::string>();
  for (auto [name, field] :
       {std::pair{"inter-burst", &so.inter_burst}, {"store-buffer-delay", &so.store_buffer_delay}}) {
    if (!vm.count(name)) continue;
    std::vector<Cycle> v;
    std::string err;
    if (!parse_swept_cycles(vm[name].as<std::string>(), v, err))
      return bad(std::string("--") + name + " " + err);
    *field = v;
  }
  if (vm.count("qi-latency")) {
    so.qi_latency.emplace();
    for (const std::string& t : vm["qi-latency"].as<std::vector<std::string>>()) {
      std::string type, err;
      std::vector<Cycle> v;
      if (!parse_qi_latency(t, type, v, err)) return bad("--qi-latency " + err);
      so.qi_latency->emplace_back(type, v);
    }
  }
  if (vm.count("mmio-cost")) {
    std::vector<Cycle> v;
    std::string err;
    if (!parse_swept_cycles(vm["mmio-cost"].as<std::string>(), v, err)) return bad("--mmio-cost " + err);
    so.mmio_cost = v;
  }
  if (vm.count("compiler-orders")) {
    const std::string c = vm["compiler-orders"].as<std::string>();
    if (c != "all" && c != "program") return bad("--compiler-orders: expected all or program");
    so.compiler_orders = c;
  }
  if (vm.count("max-compiler-orders"))
    so.max_compiler_orders = unsigned_option(vm, "max-compiler-orders", 1, kMaxCompilerOrders);
  return true;
}

int cmd_sweep(const std::vector<std::string>& args) {
  po::options_description dims = sweep_dimension_options(kSweepSampleHelp);
  po::options_description run("running");
  run.add_options()("jobs,j", po::value<std::string>(),
                    "worker processes, 1..256 (default: the number of cores)")(
      "shard", po::value<std::string>(),
      "run only slice I of N (I/N, 0-based): interleavings with index % N == I")(
      "exhaustive", "simulate every interleaving: no burst-order reduction (same results, slower)")(
      "max-interleavings", po::value<std::string>(),
      "refuse (exit 2, before simulating) a sweep of more interleavings than this (default: what half "
      "the available memory holds at 256 bytes each, at least 1000000; with --shard, the shard's part)")(
      "timeout", po::value<std::string>(), kTimeoutHelp)("quiet,q", "no progress line");
  po::options_description opts(
      "vtdsim sweep FILE [options]\n\nRun the scenario at every interleaving of the sweep dimensions and "
      "report\n"
      "the race windows, counts and exact reproducers.");
  opts.add_options()("help,h", "show this help")("file", po::value<std::string>(), "scenario file")(
      "mutant", po::value<std::string>(),
      "sweep this mutant of the scenario's driver operations (an id of vtdsim mutate FILE --list); "
      "its reproducers name it");
  opts.add(dims).add(run).add(output_options());
  po::positional_options_description pos;
  pos.add("file", 1);
  const po::variables_map vm = parse(args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << kExitCodes;
    return kOk;
  }
  if (!vm.count("file")) {
    std::cerr << "vtdsim sweep: missing scenario FILE (see vtdsim sweep --help)\n";
    return kBadInput;
  }
  auto bad = [](const std::string& what) {
    std::cerr << "vtdsim sweep: " << what << "\n";
    return kBadInput;
  };
  SweepOptions so;
  if (std::string err; !read_sweep_dimensions(vm, so, err)) return bad(err);
  Shard shard;
  if (vm.count("shard")) {
    const std::string t = vm["shard"].as<std::string>();
    const std::size_t slash = t.find('/');
    // Unsigned text only: strtoull would read "-1" as 2^64-1.
    if (slash == std::string::npos || !parse_unsigned(std::string_view(t).substr(0, slash), shard.index) ||
        !parse_unsigned(std::string_view(t).substr(slash + 1), shard.count) || shard.count == 0 ||
        shard.count > kMaxShards || shard.index >= shard.count)
      return bad("--shard: expected I/N with 0 <= I < N <= " + std::to_string(kMaxShards) + ", got '" + t +
                 "'");
  }
  OutputSet outputs("sweep");
  outputs.protect(vm["file"].as<std::string>(), "the scenario");
  if (!reserve_outputs(outputs, vm, "sweep")) return kBadInput;
  const unsigned jobs = jobs_option(vm);
  start_timeout(vm);

  Scenario s;
  SweepSpace sp;
  Simulator sim;
  try {
    s = load_scenario(vm["file"].as<std::string>());
    if (vm.count("mutant")) s.mutant = command_line_mutant(vm["mutant"].as<std::string>());
    // The scenario as written, once: it elaborates the platform the workers
    // inherit, and its timing sizes the offset window.
    const RunResult nominal = sim.run(s, RunOptions{});
    sp = plan_sweep(s, so, ProgramTiming{nominal.program_start, nominal.program_end});
    // Results stream, but the reduction keeps a little per group of
    // interleavings (and --plot a cell each): refuse a count that cannot fit.
    const u64 max = vm.count("max-interleavings") ? unsigned_option(vm, "max-interleavings", 1, UINT64_MAX)
                                                  : default_max_interleavings();
    if (const std::string why = interleavings_refusal(sp, shard.count, max); !why.empty()) return bad(why);
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return kBadInput;
  } catch (const std::invalid_argument& e) {
    return bad(e.what());
  }
  // What is being swept, before the run (the report follows it, without repeating it).
  std::cout << sweep_heading(s.name, s.file, s.mutant ? s.mutant->id : "", sp, shard) << std::flush;

  const bool tty = isatty(STDERR_FILENO) && !vm.count("quiet");
  double last_shown = 0;
  bool shown = false;
  auto progress = [&](const SweepProgress& p) {
    if (!tty || p.seconds < 1.0 || (p.seconds - last_shown < 0.25 && p.done != p.total)) return;
    last_shown = p.seconds;
    shown = true;
    std::fprintf(stderr, "\r[sweep] %llu/%llu interleavings, %.0f/s, %llu with violations or findings  ",
                 static_cast<unsigned long long>(p.done), static_cast<unsigned long long>(p.total),
                 p.done / p.seconds, static_cast<unsigned long long>(p.violating));
  };
  // Results are folded into the report as they arrive; only the outputs
  // that list every interleaving keep them, in a temporary file.
  ReportAccumulator acc(sp, outputs.has("json") || outputs.has("csv") || outputs.has("plot"));
  const SweepOutcome out = run_sweep(
      sim, s, sp, shard, jobs, [&](const InterleavingResult& ir) { acc.add(ir); }, progress,
      !vm.count("exhaustive"));
  if (shown) std::fprintf(stderr, "\n");
  const SweepReport r =
      finish_report(acc, s.name, s.file, sp, shard, sweep_expectations(s, sp.offset_step > 1), out.seconds,
                    jobs, out.simulated, s.mutant ? s.mutant->id : "");
  return write_outputs(r, outputs, "sweep", false);
}

int cmd_merge(const std::vector<std::string>& args) {
  po::options_description opts(
      "vtdsim merge SHARD.json... [options]\n\nCombine the JSON reports of the shards of one sweep (vtdsim "
      "sweep "
      "--shard I/N\n--json ...) into the report of the whole sweep. Each shard must be of this vtdsim's\n"
      "report schema and hold its own interleavings (index % N == I), each once, and\n"
      "together the shards must cover the sweep exactly; otherwise merge names the shard\n"
      "or interleavings at fault (exit 2).\n\noptions");
  opts.add_options()("help,h", "show this help")("shards", po::value<std::vector<std::string>>(),
                                                 "shard reports");
  opts.add(output_options());
  po::positional_options_description pos;
  pos.add("shards", -1);
  const po::variables_map vm = parse(args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << kExitCodes;
    return kOk;
  }
  if (!vm.count("shards")) {
    std::cerr << "vtdsim merge: give the shard JSON files (see vtdsim merge --help)\n";
    return kBadInput;
  }
  const auto names = vm["shards"].as<std::vector<std::string>>();
  OutputSet outputs("merge");
  for (const std::string& n : names) outputs.protect(n, "a shard report");
  if (!reserve_outputs(outputs, vm, "merge")) return kBadInput;
  std::vector<ShardFile> shards;
  for (const std::string& n : names) {
    std::string text, err;
    if (!read_shard_text(n, text, err)) {
      std::cerr << "vtdsim merge: " << err << "\n";
      return kBadInput;
    }
    ShardParse p = parse_shard(text, n);
    if (!p.shard) {
      std::cerr << "vtdsim merge: " << p.error << "\n";
      return kBadInput;
    }
    shards.push_back(std::move(*p.shard));
  }
  SweepReport r;
  try {
    r = merge_shards(std::move(shards), names);
  } catch (const std::invalid_argument& e) {
    std::cerr << "vtdsim " << e.what() << "\n";
    return kBadInput;
  }
  return write_outputs(r, outputs, "merge");
}

}  // namespace vtd::cli
