// `vtdsim mutate`, `--mutant` on run, sweep and program, end to end: each
// case runs the built binary on a small space (a few offsets, one row or
// the burst orders) so that it stays short under the sanitizers.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

const std::string kBin = VTDSIM_BINARY;
const std::string kSrc = VTDSIM_SOURCE_DIR;
const std::string kTeardown = "scenarios/pasid/teardown-clear-present.yaml";
// One row per offset: no burst orders, compiler orders, store-buffer delays or queue latencies swept.
const std::string kOneRow =
    " --burst-orders ascending --compiler-orders program --store-buffer-delay 2 --qi-latency pasid_cache=20 "
    "--sample 6 -q";

std::string tmp(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/vtdsim-mutate-test-" + std::to_string(getpid()) + "-" + name;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `cmd` in the source directory; stdout and stderr together in `out`.
int sh(const std::string& cmd, std::string& out) {
  const std::string file = tmp("out.txt");
  const int st = std::system(("cd " + kSrc + " && " + cmd + " >" + file + " 2>&1").c_str());
  out = read_text(file);
  std::remove(file.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

const nlohmann::json& mutant(const nlohmann::json& report, const std::string& id) {
  for (const auto& m : report["mutants"])
    if (m["id"] == id) return m;
  FAIL("no mutant " << id);
  return report;
}

}  // namespace

TEST_CASE("a harmful mutant is caught and its replay command reproduces the violation", "[sweep][mutate]") {
  const std::string json = tmp("caught.json");
  std::string out;
  // Some mutants survive: exit 1.
  REQUIRE(sh(kBin + " mutate " + kTeardown + kOneRow + " --json " + json, out) == 1);
  const auto j = read_json(json);
  // The PIOTLB submission's poll dropped: the zeroing no longer waits for the IOTLB invalidation.
  const auto& m = mutant(j, "drop-poll:cpu0:item0:qi1");
  CHECK(m["status"] == "caught");
  CHECK(m["counts"]["present_before_invalidate"].get<unsigned>() > 0);
  CHECK_THAT(m["description"].get<std::string>(), Catch::Matchers::Contains("PIOTLB-all(did=3, pasid=0)"));
  std::string cmd = m["reproducer"]["command"].get<std::string>();
  CHECK_THAT(cmd,
             Catch::Matchers::StartsWith("vtdsim run " + kTeardown + " --mutant drop-poll:cpu0:item0:qi1 "));
  CHECK_THAT(out, Catch::Matchers::Contains("replay: " + cmd) && Catch::Matchers::Contains("summary: "));
  const std::string run = tmp("replay.json");
  CHECK(sh(kBin + cmd.substr(6) + " --json " + run, out) == 1);
  const auto r = read_json(run);
  CHECK(r["counts"]["present_before_invalidate"].get<unsigned>() > 0);
  CHECK(r["mutant"] == "drop-poll:cpu0:item0:qi1");
  CHECK_THAT(out, Catch::Matchers::Contains("mutant drop-poll:cpu0:item0:qi1: do not poll the wait"));
  // The PASID-cache submission's poll dropped survives: the PIOTLB submission's wait,
  // polled before the zeroing, completes only after the PC-PASID descriptor too.
  const auto& first = mutant(j, "drop-poll:cpu0:item0:qi0");
  CHECK(first["status"] == "survived");
  CHECK(first["suspicions"][0]["name"] == "later-wait");
  // Dropping the dma_wmb() after the clear of P changes no emitted operation.
  CHECK(mutant(j, "drop-barrier:cpu0:item0:op5")["status"] == "equivalent");
  const auto& s = j["summary"];
  CHECK(s["mutants"].get<unsigned>() ==
        s["equivalent"].get<unsigned>() + s["caught"].get<unsigned>() + s["survived"].get<unsigned>());
  std::remove(json.c_str());
  std::remove(run.c_str());
}

TEST_CASE("the mutate report is the same for one job and two jobs", "[sweep][mutate]") {
  // Every burst order: several batches of 16, and the burst-order reduction
  // carried from batch to batch.
  const std::string dims =
      " --burst-orders all --compiler-orders program --store-buffer-delay 2 --qi-latency pasid_cache=20 "
      "--sample 96 --batch 16 -q";
  const std::string a = tmp("j1.json"), b = tmp("j2.json");
  std::string out1, out2;
  REQUIRE(sh(kBin + " mutate " + kTeardown + dims + " --jobs 1 --json " + a, out1) == 1);
  REQUIRE(sh(kBin + " mutate " + kTeardown + dims + " --jobs 2 --json " + b, out2) == 1);
  CHECK(read_text(a) == read_text(b));
  CHECK(out1 == out2);
  const auto j = read_json(a);
  CHECK(j["batch"] == 16);
  bool several = false;
  for (const auto& m : j["mutants"])
    if (m["status"] == "survived") several = several || m["batches"].get<unsigned>() > 1;
  CHECK(several);
  std::remove(a.c_str());
  std::remove(b.c_str());
}

TEST_CASE("a sweep of a mutant names it in its reproducers", "[sweep][mutate]") {
  const std::string json = tmp("sweep.json");
  std::string out;
  CHECK(sh(kBin + " sweep " + kTeardown +
               " --mutant drop-wait:cpu0:item0:qi1 --offsets 0..3 --burst-orders "
               "ascending --compiler-orders program --store-buffer-delay 2 --jobs 1 -q "
               "--json " +
               json,
           out) == 1);
  const auto j = read_json(json);
  CHECK(j["mutant"] == "drop-wait:cpu0:item0:qi1");
  CHECK(j["counts"]["present_before_invalidate"] == 4 * 4);  // every offset, each queue latency
  CHECK_THAT(j["reproducers"]["present_before_invalidate"]["first"]["command"].get<std::string>(),
             Catch::Matchers::Contains(" --mutant drop-wait:cpu0:item0:qi1 "));
  CHECK_THAT(out, Catch::Matchers::Contains("mutant: drop-wait:cpu0:item0:qi1"));
  std::remove(json.c_str());
}

TEST_CASE("program --mutant prints the mutated program", "[sweep][mutate]") {
  std::string plain, mutated;
  REQUIRE(sh(kBin + " program " + kTeardown, plain) == 0);
  REQUIRE(sh(kBin + " program " + kTeardown + " --mutant drop-wait:cpu0:item0:qi0", mutated) == 0);
  const auto count = [](const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
  };
  CHECK(count(plain, " poll 0x") == 2);
  CHECK(count(mutated, " poll 0x") == 1);
}

TEST_CASE("unknown mutants and unclean scenarios are bad input that says why", "[sweep][mutate]") {
  std::string out;
  for (const char* cmd : {" run ", " sweep ", " program "}) {
    INFO(cmd);
    CHECK(sh(kBin + cmd + kTeardown + " --mutant drop-wait:cpu0:item9:qi0", out) == 2);
    CHECK_THAT(out, Catch::Matchers::Contains("--mutant: unknown mutant 'drop-wait:cpu0:item9:qi0'") &&
                        Catch::Matchers::Contains("vtdsim mutate " + kTeardown + " --list"));
  }
  CHECK(sh(kBin + " mutate scenarios/pasid/teardown-no-wait.yaml -q", out) == 2);
  CHECK_THAT(out, Catch::Matchers::Contains("not clean"));
  CHECK(sh(kBin + " mutate " + kTeardown + " --full --sample 5", out) == 2);
  CHECK(sh(kBin + " mutate " + kTeardown + " --batch 0", out) == 2);
  REQUIRE(sh(kBin + " mutate " + kTeardown + " --list", out) == 0);
  CHECK_THAT(out,
             Catch::Matchers::Contains("drop-wait:cpu0:item0:qi1  drop the wait descriptor and its poll from "
                                       "qi_submit_sync #1"));
}

TEST_CASE("mutate --help documents the operators, the verdicts and the exit codes", "[sweep][mutate]") {
  std::string out;
  REQUIRE(sh(kBin + " mutate --help", out) == 0);
  for (const char* word : {"caught", "equivalent", "survived", "--sample", "--full", "--list", "--jobs",
                           "cmpxchg16b", "Exit codes"})
    CHECK_THAT(out, Catch::Matchers::Contains(word));
  REQUIRE(sh(kBin + " --help", out) == 0);
  CHECK_THAT(out, Catch::Matchers::Contains("mutate FILE"));
}
