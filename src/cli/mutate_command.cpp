// `vtdsim mutate`: would vtdsim notice if the fix were wrong?
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/numbers.hpp"
#include "mutate/mutate.hpp"
#include "platform/wall_clock.hpp"
#include "scenario/loader.hpp"
#include "trace/output_file.hpp"

namespace po = boost::program_options;

namespace vtd::cli {

namespace {

constexpr u64 kDefaultSample = 20000;

const char* kMutateExitCodes =
    "\nOutput files are checked before anything runs (a missing directory, a directory, a device,\n"
    "a FIFO, an input file or '-' is bad input) and written all or none once everything ran.\n"
    "Exit codes: 0 every mutant that is not equivalent was caught, 1 some survived, 2 bad input\n"
    "(also: the scenario's verdict is not clean, over its sweep too), 3 simulation error.\n";

const char* kSampleHelp =
    "at most N interleavings per mutant (default 20000): every dimension in full, the offsets sampled "
    "evenly, as vtdsim sweep --sample; 0: the whole space (as --full); none by default with --offset-step";

}  // namespace

int cmd_mutate(const std::vector<std::string>& args) {
  po::options_description dims = sweep_dimension_options(kSampleHelp);
  dims.add_options()("full", "sweep the whole space: no sample of the offsets (as --sample 0)");
  po::options_description run("running");
  run.add_options()("jobs,j", po::value<std::string>(),
                    "worker processes per batch, 1..256 (default: the number of cores); the report does not "
                    "depend on it")(
      "batch", po::value<std::string>(),
      "interleavings per batch (default 1024; 1..2^40): a mutant is decided by the first batch, in "
      "index order, that catches it")("list",
                                      "list the mutants (id and description) without running anything")(
      "timeout", po::value<std::string>(), kTimeoutHelp)("quiet,q", "no progress line");
  po::options_description out("output");
  out.add_options()("json", po::value<std::string>(), "write the report as JSON");
  po::options_description opts(
      "vtdsim mutate FILE [options]\n\n"
      "Would vtdsim notice if the fix were wrong? For a scenario whose verdict is clean\n"
      "(expect: names no violation, vtdsim run finds none), make mutants of its driver\n"
      "operations, one mistake at one site each: a dropped compiler barrier, dma_wmb() or\n"
      "mfence; a cmpxchg16b split into two WRITE_ONCE stores (either order); a dropped\n"
      "clflush; per qi_submit_sync, a dropped descriptor, a dropped wait (and its poll), a\n"
      "dropped poll, the wait queued first; the zeroing moved before the invalidations;\n"
      "the clear of P skipped; P set before the fields; two adjacent stores to an entry\n"
      "swapped. Each mutant is swept over the scenario's sweep: dimensions (on a sample\n"
      "of the offsets, --sample) in batches of interleavings in index order and is\n"
      "  caught      when an interleaving shows a violation, driver returns that differ\n"
      "              from expect: returns:, or a run that does not finish (a hang: the\n"
      "              driver never returns); the first batch that does decides, and its\n"
      "              lowest-index such interleaving is replayed by the printed command;\n"
      "  equivalent  when it emits the original's program for every compiler choice of\n"
      "              the space (not swept);\n"
      "  survived    otherwise, with what the tool suspects (docs/mutation.md).\n"
      "The scenario as written is swept over the same space first and must be clean.\n"
      "The dimensions are the scenario's sweep: block unless the options below replace\n"
      "them, as for vtdsim sweep. Output: one line per mutant and a summary; --json all\n"
      "of it. The report is the same whatever --jobs.\n\noptions");
  opts.add_options()("help,h", "show this help")("file", po::value<std::string>(), "scenario file");
  opts.add(dims).add(run).add(out);
  po::positional_options_description pos;
  pos.add("file", 1);
  const po::variables_map vm = parse(args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts << kMutateExitCodes;
    return kOk;
  }
  auto bad = [](const std::string& what) {
    std::cerr << "vtdsim mutate: " << what << "\n";
    return kBadInput;
  };
  if (!vm.count("file")) return bad("missing scenario FILE (see vtdsim mutate --help)");
  MutateOptions mo;
  if (std::string err; !read_sweep_dimensions(vm, mo.dims, err)) return bad(err);
  if (vm.count("full") && vm.count("sample")) return bad("give --full or --sample, not both");
  // The default sample keeps a catalog scenario's mutants to minutes; 0 or --full: every offset.
  if (vm.count("full") || (mo.dims.sample && *mo.dims.sample == 0))
    mo.dims.sample.reset();
  else if (!mo.dims.sample && !mo.dims.offset_step)
    mo.dims.sample = kDefaultSample;
  mo.jobs = jobs_option(vm);
  if (vm.count("batch")) mo.batch = unsigned_option(vm, "batch", 1, kMaxInputCycles);
  OutputSet outputs("mutate");
  outputs.protect(vm["file"].as<std::string>(), "the scenario");
  if (std::string err;
      vm.count("json") && !vm.count("list") && !outputs.add("json", vm["json"].as<std::string>(), err))
    return bad(err);
  const bool tty = isatty(STDERR_FILENO) && !vm.count("quiet");
  bool shown = false;
  std::size_t mutant_at = 0, mutants = 0;  // for the --timeout message
  mo.progress = [&](std::size_t i, std::size_t n) {
    mutant_at = i;
    mutants = n;
    if (!tty) return;
    shown = true;
    std::fprintf(stderr, "\r[mutate] %zu/%zu mutants  ", i, n);
  };

  Scenario s;
  try {
    s = load_scenario(vm["file"].as<std::string>());
    if (vm.count("list")) {
      for (const Mutant& m : list_mutants(s)) std::cout << m.id << "  " << m.description << "\n";
      return kOk;
    }
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return kBadInput;
  }
  MutateReport r;
  start_timeout(vm);
  try {
    r = run_mutate(s, mo);
  } catch (const WallClockTimeout& e) {
    if (shown) std::fprintf(stderr, "\n");
    std::cerr << "vtdsim: " << e.what()
              << (mutants ? " (at mutant " + std::to_string(mutant_at + 1) + " of " +
                                std::to_string(mutants) + ")"
                          : std::string(" (sweeping the scenario as written)"))
              << "\n";
    return kInternal;
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return kBadInput;
  } catch (const std::invalid_argument& e) {  // NotClean too
    if (shown) std::fprintf(stderr, "\n");
    return bad(e.what());
  }
  if (shown) std::fprintf(stderr, "\n");
  std::cout << mutate_text(r);
  if (outputs.has("json")) outputs.stream("json") << dump_json(mutate_json(r), 1) << "\n";
  if (std::string err; !outputs.commit(err)) {
    std::cerr << "vtdsim mutate: " << err << "\n";
    return kInternal;
  }
  return r.survived ? kMismatch : kOk;
}

}  // namespace vtd::cli
