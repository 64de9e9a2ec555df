// `vtdsim sweep` and `vtdsim merge` end to end: each case runs the built
// binary and reads its JSON.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <set>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::string kBin = VTDSIM_BINARY;
const std::string kSrc = VTDSIM_SOURCE_DIR;
const std::string kScenario = kSrc + "/scenarios/pasid/teardown-prefix.yaml";

std::string tmp(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/vtdsim-sweep-test-" + std::to_string(getpid()) + "-" + name;
}

int sh(const std::string& cmd) {
  const int st = std::system((cmd + " >/dev/null 2>&1").c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Everything but how long it took and how it was split.
nlohmann::json outcome(nlohmann::json j) {
  for (const char* k : {"seconds", "interleavings_per_second", "jobs", "shard", "episodes_simulated"})
    j.erase(k);
  return j;
}

const std::string kSmall = " --offsets 10..40 --burst-orders all -q";

}  // namespace

TEST_CASE("a reproducer command replays its interleaving's violation", "[sweep]") {
  const std::string out = tmp("repro.json");
  REQUIRE(sh(kBin + " sweep " + kScenario + kSmall + " --json " + out) == 0);
  const auto j = read_json(out);
  REQUIRE(j["counts"]["torn_fetch"].get<unsigned>() > 0);
  const auto kinds = j["kinds"].get<std::vector<std::string>>();
  const std::size_t torn = std::find(kinds.begin(), kinds.end(), "torn_fetch") - kinds.begin();
  for (const char* which : {"first", "minimal"}) {
    const auto rep = j["reproducers"]["torn_fetch"][which];
    const unsigned index = rep["index"].get<unsigned>();
    const auto row = j["results"][index];
    REQUIRE(row[0].get<unsigned>() == index);
    std::string cmd = rep["command"].get<std::string>();
    REQUIRE(cmd.rfind("vtdsim run ", 0) == 0);
    cmd = kBin + cmd.substr(6);  // the built binary, from the source directory
    const std::string run_json = tmp(std::string("replay-") + which + ".json");
    CHECK(sh("cd " + kSrc + " && " + cmd + " --json " + run_json) == 0);
    const auto r = read_json(run_json);
    // The same number of torn fetches as the sweep saw, and the same run length.
    CHECK(r["counts"]["torn_fetch"].get<unsigned>() == row[2 + torn].get<unsigned>());
    CHECK(r["counts"]["torn_fetch"].get<unsigned>() > 0);
    CHECK(r["stats"]["cycles"].get<unsigned>() == row[1].get<unsigned>());
    std::remove(run_json.c_str());
  }
  std::remove(out.c_str());
}

TEST_CASE("one job and two jobs give the same results in the same order", "[sweep]") {
  const std::string a = tmp("j1.json"), b = tmp("j2.json"), ca = tmp("j1.csv"), cb = tmp("j2.csv");
  REQUIRE(sh(kBin + " sweep " + kScenario + kSmall + " --jobs 1 --json " + a + " --csv " + ca) == 0);
  REQUIRE(sh(kBin + " sweep " + kScenario + kSmall + " --jobs 2 --json " + b + " --csv " + cb) == 0);
  const auto ja = read_json(a), jb = read_json(b);
  CHECK(ja["jobs"] == 1);
  CHECK(jb["jobs"] == 2);
  CHECK(outcome(ja) == outcome(jb));
  CHECK(read_text(ca) == read_text(cb));
  // One CSV row per interleaving, plus the header.
  const std::string csv = read_text(ca);
  CHECK(static_cast<unsigned>(std::count(csv.begin(), csv.end(), '\n')) ==
        ja["interleavings"].get<unsigned>() + 1);
  for (const auto& f : {a, b, ca, cb}) std::remove(f.c_str());
}

// Offsets 40..80 hold groups whose burst order matters (the stores fall in
// PASID-entry fetches) and groups where it provably does not.
TEST_CASE("burst-order reduction gives the exhaustive sweep's results", "[sweep]") {
  const std::string dims = " --offsets 40..80 --burst-orders all -q";
  const std::string ex = tmp("exhaustive.json"), r1 = tmp("reduced1.json"), r2 = tmp("reduced2.json");
  REQUIRE(sh(kBin + " sweep " + kScenario + dims + " --exhaustive --jobs 1 --json " + ex) == 0);
  REQUIRE(sh(kBin + " sweep " + kScenario + dims + " --jobs 1 --json " + r1) == 0);
  REQUIRE(sh(kBin + " sweep " + kScenario + dims + " --jobs 2 --json " + r2) == 0);
  const auto e = read_json(ex), a = read_json(r1), b = read_json(r2);
  CHECK(e["episodes_simulated"] == e["interleavings"]);
  CHECK(a["episodes_simulated"].get<unsigned>() < a["interleavings"].get<unsigned>());
  CHECK(b["episodes_simulated"].get<unsigned>() < b["interleavings"].get<unsigned>());
  CHECK(e["counts"]["torn_fetch"].get<unsigned>() > 0);
  CHECK(outcome(a) == outcome(e));
  CHECK(outcome(b) == outcome(e));
  for (const auto& f : {ex, r1, r2}) std::remove(f.c_str());
}

TEST_CASE("three shards merged equal the whole sweep", "[sweep]") {
  const std::string whole = tmp("whole.json"), merged = tmp("merged.json");
  REQUIRE(sh(kBin + " sweep " + kScenario + kSmall + " --jobs 1 --json " + whole) == 0);
  std::string shards;
  for (int i = 0; i < 3; ++i) {
    const std::string s = tmp("shard" + std::to_string(i) + ".json");
    // Shards and jobs split independently.
    REQUIRE(sh(kBin + " sweep " + kScenario + kSmall + " --jobs 2 --shard " + std::to_string(i) +
               "/3 --json " + s) <= 1);
    const auto js = read_json(s);
    CHECK(js["interleavings"].get<unsigned>() < js["space"]["total"].get<unsigned>());
    shards += " " + s;
  }
  REQUIRE(sh(kBin + " merge" + shards + " --json " + merged) == 0);
  CHECK(outcome(read_json(whole)) == outcome(read_json(merged)));
  // A missing shard is bad input, not a smaller sweep.
  CHECK(sh(kBin + " merge " + tmp("shard0.json") + " " + tmp("shard1.json")) == 2);
  for (int i = 0; i < 3; ++i) std::remove(tmp("shard" + std::to_string(i) + ".json").c_str());
  std::remove(whole.c_str());
  std::remove(merged.c_str());
}

// A small XML well-formedness check: every tag closes in order, attributes
// are quoted, text has no raw '<' or '&' outside entities.
bool well_formed_xml(const std::string& x, std::string& why) {
  std::vector<std::string> open;
  std::size_t i = 0;
  bool root_seen = false;
  while (i < x.size()) {
    if (x[i] == '&') {
      const std::size_t semi = x.find(';', i);
      const std::string ent = x.substr(i, semi == std::string::npos ? 0 : semi - i + 1);
      if (ent != "&amp;" && ent != "&lt;" && ent != "&gt;" && ent != "&quot;" && ent != "&apos;") {
        why = "bad entity at " + std::to_string(i);
        return false;
      }
      i = semi + 1;
      continue;
    }
    if (x[i] != '<') {
      ++i;
      continue;
    }
    const std::size_t end = x.find('>', i);
    if (end == std::string::npos) {
      why = "unterminated tag";
      return false;
    }
    std::string tag = x.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.starts_with("?")) continue;
    if (tag.starts_with("/")) {
      if (open.empty() || open.back() != tag.substr(1)) {
        why = "mismatched </" + tag.substr(1) + ">";
        return false;
      }
      open.pop_back();
      continue;
    }
    const bool self_closing = tag.ends_with("/");
    if (self_closing) tag.pop_back();
    const std::string name = tag.substr(0, tag.find_first_of(" \n\t"));
    if (std::count(tag.begin(), tag.end(), '"') % 2) {
      why = "unbalanced quotes in <" + name + ">";
      return false;
    }
    if (open.empty()) {
      if (root_seen) {
        why = "two root elements";
        return false;
      }
      root_seen = true;
    }
    if (!self_closing) open.push_back(name);
  }
  if (!open.empty()) why = "<" + open.back() + "> never closed";
  return open.empty() && root_seen;
}

TEST_CASE("the race-window SVG is well-formed and shows each verdict", "[sweep]") {
  const std::string svg = tmp("window.svg");
  REQUIRE(sh(kBin + " sweep " + kScenario + kSmall + " --plot " + svg) == 0);
  const std::string x = read_text(svg);
  std::string why;
  CHECK(well_formed_xml(x, why));
  INFO(why);
  CHECK(x.find("<svg xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
  CHECK(x.find("#d62728") != std::string::npos);  // torn_fetch cells
  CHECK(x.find("#dcdcdc") != std::string::npos);  // clean cells
  std::string broken = x.substr(0, x.size() - 8);
  CHECK_FALSE(well_formed_xml(broken, why));  // the checker itself can fail
  std::remove(svg.c_str());
}

TEST_CASE("bad dimensions and shards are bad input", "[sweep]") {
  CHECK(sh(kBin + " sweep " + kScenario + " --offsets 5..1") == 2);
  CHECK(sh(kBin + " sweep " + kScenario + " --shard 3/2") == 2);
  CHECK(sh(kBin + " sweep " + kScenario + " --burst-orders 0,1,1,2") == 2);
  CHECK(sh(kBin + " sweep " + kScenario + " --burst-orders 1,0") == 2);  // a PASID entry has 4 bursts
  CHECK(sh(kBin + " sweep " + kScenario + " --inter-burst x") == 2);
  CHECK(sh(kBin + " sweep " + kSrc + "/scenarios/does-not-exist.yaml") == 2);
  CHECK(sh(kBin + " run " + kScenario + " --compiler-order 0:0,0") == 2);
  CHECK(sh(kBin + " run " + kScenario + " --merge-rmw maybe") == 2);
}

namespace {

// The teardown without its wait for the invalidations: whether the zeroing
// stores overtake the PASID-cache invalidation depends on its latency and on
// the CPU's MMIO cost.
const std::string kNoWait = kSrc + "/scenarios/pasid/teardown-no-wait.yaml";
const std::string kQiDims =
    " --offsets 0..1 --qi-latency pasid_cache=20,200 --qi-latency piotlb=30,200 --mmio-cost 50,500 -q";

// Runs `cmd`; its stdout and stderr together in `out`.
int sh_out(const std::string& cmd, std::string& out) {
  const std::string file = tmp("out.txt");
  const int st = std::system((cmd + " >" + file + " 2>&1").c_str());
  out = read_text(file);
  std::remove(file.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace

TEST_CASE("a reproducer with --qi-latency and --mmio-cost replays its interleaving bit for bit", "[sweep]") {
  const std::string out = tmp("qi-repro.json");
  REQUIRE(sh(kBin + " sweep " + kNoWait + kQiDims + " --jobs 1 --json " + out) == 0);
  const auto j = read_json(out);
  REQUIRE(j["interleavings"] == 2 * 4 * 2);
  const auto kinds = j["kinds"].get<std::vector<std::string>>();
  // The dimension matters: the runs' lengths differ with the queue latencies
  // and the MMIO cost (the verdicts do not: they follow happens-before).
  std::set<unsigned> lengths;
  for (const auto& row : j["results"]) lengths.insert(row[1].get<unsigned>());
  CHECK(lengths.size() > 2);
  CHECK(j["counts"]["present_before_invalidate"].get<unsigned>() == j["interleavings"].get<unsigned>());
  unsigned replayed = 0;
  bool slow_queue = false;
  for (const auto& [kind, reps] : j["reproducers"].items()) {
    for (const char* which : {"first", "minimal"}) {
      const auto rep = reps[which];
      const auto row = j["results"][rep["index"].get<unsigned>()];
      std::string cmd = rep["command"].get<std::string>();
      INFO(cmd);
      CHECK(cmd.find(" --qi-latency piotlb=") != std::string::npos);
      CHECK(cmd.find(" --qi-latency pasid_cache=") != std::string::npos);
      CHECK(cmd.find(" --mmio-cost ") != std::string::npos);
      slow_queue = slow_queue || cmd.find("pasid_cache=200 ") != std::string::npos;
      cmd = kBin + cmd.substr(6);
      const std::string run_json = tmp("qi-replay.json");
      CHECK(sh("cd " + kSrc + " && " + cmd + " --json " + run_json) <= 1);
      const auto r = read_json(run_json);
      // Every count and the run length as the sweep saw them.
      for (std::size_t k = 0; k < kinds.size(); ++k)
        CHECK(r["counts"][kinds[k]].get<unsigned>() == row[2 + k].get<unsigned>());
      CHECK(r["stats"]["cycles"].get<unsigned>() == row[1].get<unsigned>());
      std::remove(run_json.c_str());
      ++replayed;
    }
  }
  CHECK(replayed >= 4);
  CHECK(slow_queue);
  std::remove(out.c_str());
}

TEST_CASE("one job and two jobs give the same results with queue latencies and MMIO costs swept", "[sweep]") {
  const std::string dims = kSmall + " --qi-latency pasid_cache=20,2000 --mmio-cost 50,500";
  const std::string a = tmp("qj1.json"), b = tmp("qj2.json"), ca = tmp("qj1.csv"), cb = tmp("qj2.csv");
  REQUIRE(sh(kBin + " sweep " + kScenario + dims + " --jobs 1 --json " + a + " --csv " + ca) == 0);
  REQUIRE(sh(kBin + " sweep " + kScenario + dims + " --jobs 2 --json " + b + " --csv " + cb) == 0);
  const auto ja = read_json(a), jb = read_json(b);
  CHECK(ja["space"]["total"] == 31 * 24 * 2 * 2);
  CHECK(outcome(ja) == outcome(jb));
  CHECK(read_text(ca) == read_text(cb));
  const std::string csv = read_text(ca);
  CHECK(csv.find(",store_buffer_delay,qi_pasid_cache,mmio_cost,cycles,") != std::string::npos);
  for (const auto& f : {a, b, ca, cb}) std::remove(f.c_str());
}

// As "burst-order reduction gives the exhaustive sweep's results", with the
// queue latencies of the teardown's two invalidations swept too.
TEST_CASE("burst-order reduction gives the exhaustive sweep's results with queue latencies swept",
          "[sweep]") {
  const std::string dims =
      " --offsets 40..80 --burst-orders all --qi-latency pasid_cache=20,2000 --qi-latency piotlb=30,3000 -q";
  const std::string ex = tmp("qexhaustive.json"), r1 = tmp("qreduced1.json"), r2 = tmp("qreduced2.json");
  REQUIRE(sh(kBin + " sweep " + kScenario + dims + " --exhaustive --jobs 1 --json " + ex) == 0);
  REQUIRE(sh(kBin + " sweep " + kScenario + dims + " --jobs 1 --json " + r1) == 0);
  REQUIRE(sh(kBin + " sweep " + kScenario + dims + " --jobs 2 --json " + r2) == 0);
  const auto e = read_json(ex), a = read_json(r1), b = read_json(r2);
  CHECK(e["interleavings"] == 41 * 24 * 4);
  CHECK(e["episodes_simulated"] == e["interleavings"]);
  CHECK(a["episodes_simulated"].get<unsigned>() < a["interleavings"].get<unsigned>());
  CHECK(b["episodes_simulated"].get<unsigned>() < b["interleavings"].get<unsigned>());
  CHECK(e["counts"]["torn_fetch"].get<unsigned>() > 0);
  CHECK(outcome(a) == outcome(e));
  CHECK(outcome(b) == outcome(e));
  for (const auto& f : {ex, r1, r2}) std::remove(f.c_str());
}

TEST_CASE("bad queue latencies and MMIO costs are bad input, with a message that says why", "[sweep]") {
  const std::string legacy = kSrc + "/scenarios/context/teardown-clear-present.yaml";
  const std::vector<std::pair<std::string, std::string>> cases{
      {" sweep " + kNoWait + " --qi-latency pasid=20", "unknown descriptor type 'pasid' (known: fetch,"},
      {" sweep " + kNoWait + " --qi-latency pasid_cache", "expected TYPE=CYCLES"},
      {" sweep " + kNoWait + " --qi-latency pasid_cache=-5", "expected cycle counts"},
      {" sweep " + kNoWait + " --qi-latency pasid_cache=1099511627777", "is more than 1099511627776 cycles"},
      {" sweep " + kNoWait + " --qi-latency iotlb=1 --qi-latency iotlb=2", "iotlb is given more than once"},
      {" sweep " + kNoWait + " --mmio-cost 50,x", "--mmio-cost '50,x': expected cycle counts"},
      {" sweep " + legacy + " --qi-latency pasid_cache=5", "scalable mode only"},
      {" run " + kNoWait + " --qi-latency pasid_cache=1,2", "expected TYPE=CYCLES, one value"},
      {" run " + kNoWait + " --qi-latency tlb=1", "unknown descriptor type 'tlb'"},
      {" run " + kNoWait + " --qi-latency wait=1 --qi-latency wait=1", "wait is given more than once"},
      {" run " + kNoWait + " --mmio-cost 1,2", "expected one value"},
      {" run " + kNoWait + " --mmio-cost -1", "expected cycle counts"},
      {" run " + legacy + " --qi-latency piotlb=1", "scalable mode only"},
  };
  for (const auto& [args, message] : cases) {
    std::string out;
    INFO(args);
    CHECK(sh_out(kBin + args, out) == 2);
    CHECK_THAT(out, Catch::Matchers::Contains(message));
  }
}

TEST_CASE("run and sweep --help document the queue-latency and MMIO-cost options", "[sweep]") {
  for (const char* cmd : {" run --help", " sweep --help"}) {
    std::string out;
    REQUIRE(sh_out(kBin + cmd, out) == 0);
    CHECK_THAT(out, Catch::Matchers::Contains("--qi-latency") && Catch::Matchers::Contains("--mmio-cost") &&
                        Catch::Matchers::Contains("pasid_dev_tlb") &&
                        Catch::Matchers::Contains("platform.cpu.costs.mmio"));
  }
}
