// vtdsim check PATH...: every scenario under the given directories and the
// given files, each run in a child process of its own (SystemC elaborates
// once per process), up to --jobs at a time; lines printed in input order.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>

#include "base/process.hpp"
#include "cli/commands.hpp"
#include "cli/numbers.hpp"
#include "platform/simulation.hpp"
#include "report/check_report.hpp"
#include "scenario/loader.hpp"
#include "trace/output_file.hpp"

namespace vtd::cli {

namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

bool is_scenario_file(const fs::path& p) { return p.extension() == ".yaml" || p.extension() == ".yml"; }

// "scenarios/context/x.yaml" -> "scenarios/context"; "x.yaml" -> ".".
std::string suite_of(const fs::path& file) {
  const fs::path dir = file.parent_path().lexically_normal();
  std::string s = dir.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s.empty() ? "." : s;
}

// The child: load and run one scenario, write check_run_json (or the error
// text) to `fd`, exit with the run's code.
[[noreturn]] void child(const std::string& file, int fd) {
  std::string msg;
  int code;
  try {
    const Scenario s = load_scenario(file);
    const RunResult r = run_scenario(s, RunOptions{});
    msg = check_run_json(r).dump();
    code = r.expectations_met ? kOk : kMismatch;
  } catch (const ScenarioError& e) {
    msg = e.what();
    code = kBadInput;
  } catch (const std::exception& e) {
    msg = e.what();
    code = kInternal;
  }
  std::size_t off = 0;
  while (off < msg.size()) {
    const ssize_t n = write(fd, msg.data() + off, msg.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  close(fd);
  _exit(code);
}

struct Running {
  std::size_t index;
  pid_t pid;
  int fd;
  std::string out;
  clock_type::time_point start;
};

// Fills entries[i].status/result/error/seconds for every entry; `done(i)` is
// called as each finishes (in any order).
void run_all(std::vector<CheckEntry>& entries, unsigned jobs, const std::function<void(std::size_t)>& done) {
  std::vector<Running> running;
  std::size_t next = 0;
  auto finish = [&](Running& r, int status) {
    CheckEntry& e = entries[r.index];
    e.seconds = std::chrono::duration<double>(clock_type::now() - r.start).count();
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : kInternal;
    if (!WIFEXITED(status)) {
      e.status = CheckStatus::Error;
      e.error = "simulation process died (signal " + std::to_string(WTERMSIG(status)) + ")";
    } else if (code == kOk || code == kMismatch) {
      try {
        e.result = nlohmann::json::parse(r.out);
        e.status = code == kOk ? CheckStatus::Ok : CheckStatus::Mismatch;
      } catch (const nlohmann::json::exception& x) {
        e.status = CheckStatus::Error;
        e.error = std::string("unreadable result from the simulation process: ") + x.what();
      }
    } else {
      e.status = code == kBadInput ? CheckStatus::BadInput : CheckStatus::Error;
      e.error = r.out.empty() ? "simulation process exited with code " + std::to_string(code) : r.out;
    }
    done(r.index);
  };
  while (next < entries.size() || !running.empty()) {
    while (running.size() < jobs && next < entries.size()) {
      int fds[2];
      if (pipe(fds) != 0) throw std::runtime_error("check: pipe failed");
      std::fflush(nullptr);  // nothing buffered is written twice
      const auto start = clock_type::now();
      const pid_t parent = getpid();
      const pid_t pid = fork();
      if (pid < 0) throw std::runtime_error("check: fork failed");
      if (pid == 0) {
        become_worker(parent);  // dies with the parent
        close(fds[0]);
        for (const Running& r : running) close(r.fd);
        child(entries[next].path, fds[1]);
      }
      close(fds[1]);
      remember_worker(pid);  // killed if vtdsim is
      running.push_back({next++, pid, fds[0], {}, start});
    }
    std::vector<pollfd> pfds;
    for (const Running& r : running) pfds.push_back({r.fd, POLLIN, 0});
    if (poll(pfds.data(), pfds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("check: poll failed");
    }
    char buf[65536];
    for (std::size_t k = 0; k < pfds.size(); ++k) {
      if (!(pfds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Running& r = running[k];
      const ssize_t n = read(r.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        r.out.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      close(r.fd);
      r.fd = -1;
      int status = 0;
      while (waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
      }
      forget_worker(r.pid);
      finish(r, status);
    }
    running.erase(std::remove_if(running.begin(), running.end(), [](const Running& r) { return r.fd < 0; }),
                  running.end());
  }
}

}  // namespace

int cmd_check(const std::vector<std::string>& args) {
  po::options_description opts(
      "vtdsim check PATH... [options]\n\n"
      "Run every scenario: the *.yaml and *.yml files under each directory PATH\n"
      "(recursively, in path order) and each file PATH as given, every one in a process\n"
      "of its own. Print one line per scenario in that order, whatever --jobs: status\n"
      "(ok, MISMATCH, BAD, ERROR), name (relative to its directory PATH, or the file\n"
      "PATH, without extension), verdict counts, the driver functions that returned an\n"
      "error and, for a MISMATCH, every expectation missed (\"-- missed: torn_fetch:\n"
      "expected >= 1, observed 0\"). A file reached twice runs once.\n\noptions");
  opts.add_options()("help,h", "show this help")(
      "jobs,j", po::value<std::string>(),
      ("run up to N scenarios at once (1.." + std::to_string(kMaxJobs) + "; default: the number of CPUs)")
          .c_str())("junit", po::value<std::string>(),
                    "also write a JUnit XML report to this file: a testsuite per directory holding "
                    "scenarios, a testcase per scenario, a failure per missed expectation (type: the "
                    "verdict kind, or \"return\"), an error per BAD or ERROR scenario; each says the "
                    "verdict and the replay command (vtdsim run FILE)")(
      "json", po::value<std::string>(),
      "also write every scenario's path, name, status, counts, expectations, driver returns, "
      "missed expectations and verdict, and the totals, as JSON to this file")(
      "path", po::value<std::vector<std::string>>(), "scenario directories and files");
  po::positional_options_description pos;
  pos.add("path", -1);
  po::variables_map vm = parse(args, opts, pos);
  if (vm.count("help")) {
    std::cout << opts
              << "\nOutput files are checked before anything runs and written in one piece once every\n"
                 "scenario has run (nothing is written on bad arguments).\n"
                 "Exit codes: 0 every scenario as expected, 1 some not, 2 bad arguments or some\n"
                 "scenario had bad input, 3 some simulation failed.\n";
    return kOk;
  }
  auto bad = [](const std::string& why) {
    std::cerr << "vtdsim check: " << why << "\n";
    return kBadInput;
  };
  if (!vm.count("path")) return bad("missing PATH (see vtdsim check --help)");
  const long long jobs = jobs_option(vm);

  // The scenarios, in argument order then path order; each file once.
  std::vector<CheckEntry> entries;
  std::set<fs::path> seen;
  auto add = [&](const fs::path& file, const std::string& name) {
    std::error_code ec;
    const fs::path canon = fs::weakly_canonical(file, ec);
    if (!seen.insert(ec ? file : canon).second) return;
    CheckEntry e;
    e.path = file.string();
    e.name = name;
    e.suite = suite_of(file);
    entries.push_back(std::move(e));
  };
  for (const std::string& arg : vm["path"].as<std::vector<std::string>>()) {
    const fs::path p = arg;
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> files;
      try {
        for (const auto& e : fs::recursive_directory_iterator(p))
          if (e.is_regular_file() && is_scenario_file(e.path())) files.push_back(e.path());
      } catch (const fs::filesystem_error& x) {
        return bad(x.what());
      }
      if (files.empty()) return bad("no scenario files (*.yaml, *.yml) under " + arg);
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) add(f, fs::path(f).lexically_relative(p).replace_extension().string());
    } else if (fs::is_regular_file(p, ec)) {
      add(p, fs::path(p).replace_extension().string());
    } else {
      return bad(arg + ": no such file or directory");
    }
  }

  // Outputs: checked and reserved before anything runs, written all or none at the end.
  OutputSet outputs("check");
  for (const CheckEntry& e : entries) outputs.protect(e.path, "one of the scenarios");
  for (const char* opt : {"junit", "json"})
    if (std::string err; vm.count(opt) && !outputs.add(opt, vm[opt].as<std::string>(), err)) return bad(err);

  // Lines in input order: each is printed once it and all before it are done.
  std::vector<bool> finished(entries.size(), false);
  std::size_t printed = 0;
  run_all(entries, static_cast<unsigned>(std::min<long long>(jobs, static_cast<long long>(entries.size()))),
          [&](std::size_t i) {
            finished[i] = true;
            for (; printed < entries.size() && finished[printed]; ++printed)
              std::printf("%s\n", check_line(entries[printed]).c_str());
            std::fflush(stdout);
          });

  unsigned ok = 0, mismatch = 0, bad_input = 0, internal = 0;
  for (const CheckEntry& e : entries)
    (e.status == CheckStatus::Ok         ? ok
     : e.status == CheckStatus::Mismatch ? mismatch
     : e.status == CheckStatus::BadInput ? bad_input
                                         : internal)++;
  std::printf("%zu scenarios: %u as expected, %u not as expected, %u bad input, %u errors\n", entries.size(),
              ok, mismatch, bad_input, internal);
  std::fflush(stdout);
  const int code = internal ? kInternal : bad_input ? kBadInput : mismatch ? kMismatch : kOk;
  if (outputs.has("junit")) outputs.stream("junit") << check_junit(entries);
  if (outputs.has("json")) outputs.stream("json") << dump_json(check_json(entries, code), 2) << "\n";
  if (std::string err; !outputs.commit(err)) {
    std::cerr << "vtdsim check: " << err << "\n";
    return kInternal;
  }
  return code;
}

}  // namespace vtd::cli
