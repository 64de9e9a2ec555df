// Driver return values as outcomes: judged against expect: returns:, shown
// in the run's report only when something returned an error, and counted
// per interleaving by sweeps (through shards and merge).
#include <catch2/catch.hpp>

#include "platform/simulation.hpp"
#include "report/report.hpp"
#include "sweep/sweep.hpp"

using namespace vtd;
using Catch::Matchers::Contains;

namespace {

const std::vector<std::vector<std::string>> kNames{{"setup", "teardown"}, {"reader"}};

Scenario two_cpus() {
  Scenario s;
  s.name = "r";
  s.program.resize(2);
  s.more_cpus.resize(1);
  s.more_cpus[0].program.resize(1);
  return s;
}

RunResult with_returns(std::vector<DriverReturn> returns) {
  RunResult r;
  r.scenario = "r";
  r.item_names = kNames;
  r.returns = std::move(returns);
  return r;
}

DriverReturn ebusy(u16 cpu, u32 item) {
  return DriverReturn{cpu, item, kNames[cpu][item], -16, 130, 1, "pasid_pte_is_present(pte) -> -EBUSY"};
}

}  // namespace

TEST_CASE("every item must return 0 unless expect returns lists it", "[returns]") {
  const Scenario s = two_cpus();
  RunResult clean = with_returns({});
  evaluate_returns(s, clean, kNames);
  CHECK(clean.returns_met);
  CHECK(clean.return_verdicts.empty());

  RunResult r = with_returns({ebusy(0, 1)});
  evaluate_returns(s, r, kNames);
  CHECK_FALSE(r.returns_met);
  REQUIRE(r.return_verdicts.size() == 1);
  CHECK(r.return_verdicts[0].operation == "teardown");
  CHECK(r.return_verdicts[0].expected == 0);
  CHECK(r.return_verdicts[0].observed == -16);
  CHECK_FALSE(r.return_verdicts[0].listed);
  evaluate_expectations(s, r);
  CHECK_FALSE(r.expectations_met);
}

TEST_CASE("a listed item must return exactly its value", "[returns]") {
  Scenario s = two_cpus();
  s.expect_returns = {ReturnExpectation{0, 1, -16, {}}, ReturnExpectation{1, 0, -22, {}}};
  RunResult r = with_returns({ebusy(0, 1)});
  evaluate_returns(s, r, kNames);
  CHECK_FALSE(r.returns_met);  // cpu1's reader returned 0, not -EINVAL
  REQUIRE(r.return_verdicts.size() == 2);
  CHECK(r.return_verdicts[0].ok);
  CHECK(r.return_verdicts[1].operation == "reader");
  CHECK(r.return_verdicts[1].observed == 0);
  CHECK_FALSE(r.return_verdicts[1].ok);
  s.expect_returns.pop_back();
  evaluate_returns(s, r, kNames);
  CHECK(r.returns_met);
}

TEST_CASE("the run's report shows returns only when something returned an error", "[returns]") {
  const Scenario s = two_cpus();
  RunResult clean = with_returns({});
  evaluate_returns(s, clean, kNames);
  evaluate_expectations(s, clean);
  CHECK_THAT(text_report(clean), !Contains("returned"));
  CHECK_FALSE(json_report(clean).contains("returns"));
  CHECK_FALSE(json_report(clean)["expectations"].contains("returns"));

  RunResult r = with_returns({ebusy(0, 1)});
  evaluate_returns(s, r, kNames);
  evaluate_expectations(s, r);
  const std::string text = text_report(r);
  CHECK_THAT(text, Contains("driver operations that returned an error:\n  cpu0 item 1 \"teardown\": returned "
                            "-EBUSY (-16) at cycle 130, from op 1 [pasid_pte_is_present(pte) -> -EBUSY]\n"));
  CHECK_THAT(text, Contains("MISMATCH return of cpu0 item 1 \"teardown\": expected 0 (not in expect: "
                            "returns:), observed -EBUSY\n"));
  const nlohmann::json j = json_report(r);
  REQUIRE(j["returns"].size() == 1);
  CHECK(j["returns"][0]["errno"] == "EBUSY");
  CHECK(j["returns"][0]["value"] == -16);
  CHECK(j["returns"][0]["op_label"] == "pasid_pte_is_present(pte) -> -EBUSY");
  CHECK(j["expectations"]["returns"][0]["ok"] == false);
}

TEST_CASE("a sweep fails when some interleaving's returns differ, through shards and merge", "[returns]") {
  SweepSpace sp;
  sp.offset_from = 0;
  sp.offset_to = 3;
  sp.burst_orders = {{}};
  sp.inter_bursts = {0};
  sp.compilers = {SweepSpace::Compiler{}};
  sp.store_buffer_delays = {2};
  Scenario s = two_cpus();
  std::vector<InterleavingResult> results;
  for (u64 i = 0; i < sp.size(); ++i) {
    RunResult r = with_returns(i == 2 ? std::vector<DriverReturn>{ebusy(0, 0)} : std::vector<DriverReturn>{});
    evaluate_returns(s, r, kNames);
    results.push_back(summarize(i, r));
  }
  CHECK(results[2].returns_differ);
  CHECK_FALSE(results[1].returns_differ);
  const SweepReport rep = make_report("r", "r.yaml", sp, Shard{}, sweep_expectations(s), results, 1, 1, 4);
  CHECK(rep.returns_differ == 1);
  CHECK(rep.returns_first->index == 2);
  CHECK_FALSE(rep.expectations_met);
  CHECK_THAT(sweep_text(rep), Contains("MISMATCH returns: expected == 0 interleavings"));

  // Two shards merge into the same verdict.
  std::vector<nlohmann::json> shards;
  for (u64 k = 0; k < 2; ++k) {
    std::vector<InterleavingResult> mine;
    for (const InterleavingResult& ir : results)
      if (ir.index % 2 == k) mine.push_back(ir);
    shards.push_back(
        sweep_json(make_report("r", "r.yaml", sp, Shard{k, 2}, sweep_expectations(s), mine, 1, 1, 2)));
  }
  const SweepReport merged = merge_reports(shards, {"a.json", "b.json"});
  CHECK(merged.returns_differ == 1);
  CHECK_FALSE(merged.expectations_met);

  // Nothing returned an error and nothing is listed: no returns verdict at all.
  std::vector<InterleavingResult> clean;
  for (u64 i = 0; i < sp.size(); ++i) {
    RunResult r = with_returns({});
    evaluate_returns(s, r, kNames);
    clean.push_back(summarize(i, r));
  }
  const SweepReport ok = make_report("r", "r.yaml", sp, Shard{}, sweep_expectations(s), clean, 1, 1, 4);
  CHECK(ok.expectations_met);
  CHECK_THAT(sweep_text(ok), !Contains("returns"));
  CHECK_FALSE(sweep_json(ok).contains("returns_differ"));
}
