// Sweep reports without simulating: the space in JSON and CSV, and merging.
#include <catch2/catch.hpp>

#include "sweep/svg.hpp"
#include "sweep/sweep.hpp"

using namespace vtd;

namespace {

SweepSpace qi_space() {
  SweepSpace sp;
  sp.offset_from = -1;
  sp.offset_to = 1;
  sp.offsets_origin = "--offsets";
  sp.burst_orders = {{}};
  sp.inter_bursts = {0};
  sp.compilers = {SweepSpace::Compiler{}};
  sp.store_buffer_delays = {2};
  sp.qi_latency = {{"iotlb", {30, 3000}}, {"pasid_cache", {20, 2000}}};
  sp.mmio_costs = {50, 500};
  return sp;
}

// Made-up outcomes: interleaving i shows i % 3 torn fetches.
std::vector<InterleavingResult> results(const SweepSpace& sp, const Shard& shard) {
  std::vector<InterleavingResult> out;
  const std::size_t n = known_verdict_kinds().size();
  for (u64 i = shard.index; i < sp.size(); i += shard.count) {
    InterleavingResult r;
    r.index = i;
    r.cycles = 100 + i;
    r.counts.assign(n, 0);
    r.distance.assign(n, InterleavingResult::kNone);
    r.counts[0] = i % 3;
    if (r.counts[0]) r.distance[0] = i;
    out.push_back(r);
  }
  return out;
}

nlohmann::json shard_json(const SweepSpace& sp, const Shard& shard) {
  return sweep_json(make_report("s", "s.yaml", sp, shard, {}, results(sp, shard), 1.0, 1, 1));
}

}  // namespace

TEST_CASE("a sweep report names the queue latencies and MMIO costs it sets, in JSON and CSV", "[sweep]") {
  const SweepSpace sp = qi_space();
  const SweepReport r = make_report("s", "s.yaml", sp, Shard{}, {}, results(sp, Shard{}), 1.0, 1, 1);
  const nlohmann::json j = sweep_json(r);
  REQUIRE(j["space"]["qi_latency"].size() == 2);
  CHECK(j["space"]["qi_latency"][0] == nlohmann::json::parse(R"({"type": "iotlb", "cycles": [30, 3000]})"));
  CHECK(j["space"]["qi_latency"][1] ==
        nlohmann::json::parse(R"({"type": "pasid_cache", "cycles": [20, 2000]})"));
  CHECK(j["space"]["mmio_cost"] == nlohmann::json::parse("[50, 500]"));
  CHECK(j["space"]["total"] == 3 * 8);
  CHECK(
      j["reproducers"]["torn_fetch"]["first"]["command"] ==
      "vtdsim run s.yaml --offset 0 --burst-order ascending --inter-burst 0 --merge-rmw no --compiler-order "
      "'program' --store-buffer-delay 2 --qi-latency iotlb=30 --qi-latency pasid_cache=20 --mmio-cost 50");
  const std::string csv = sweep_csv(r);
  CHECK(csv.substr(0, csv.find('\n'))
            .starts_with(
                "index,offset,burst_order,inter_burst,merge_rmw,compiler_order,store_buffer_delay,qi_iotlb,"
                "qi_pasid_cache,mmio_cost,cycles,"));
  // Interleaving 3 * 3 + 2: offset 1, MMIO cost 500, pasid_cache 2000.
  CHECK(csv.find("\n11,1,\"ascending\",0,no,\"program\",2,30,2000,500,111,") != std::string::npos);

  // Without them, the CSV has no such columns and the JSON empty lists.
  SweepSpace plain = sp;
  plain.qi_latency.clear();
  plain.mmio_costs.clear();
  const SweepReport p = make_report("s", "s.yaml", plain, Shard{}, {}, results(plain, Shard{}), 1.0, 1, 1);
  const std::string pcsv = sweep_csv(p);
  CHECK(pcsv.substr(0, pcsv.find('\n'))
            .starts_with(
                "index,offset,burst_order,inter_burst,merge_rmw,compiler_order,store_buffer_delay,cycles,"));
  CHECK(sweep_json(p)["space"]["qi_latency"].empty());
  CHECK(sweep_json(p)["space"]["mmio_cost"].empty());
}

TEST_CASE("merging keeps the queue latencies and MMIO costs, and refuses shards of other ones", "[sweep]") {
  const SweepSpace sp = qi_space();
  const nlohmann::json whole = shard_json(sp, Shard{0, 1});
  const nlohmann::json a = shard_json(sp, Shard{0, 2}), b = shard_json(sp, Shard{1, 2});
  const SweepReport merged = merge_reports({a, b}, {"a", "b"});
  CHECK(merged.space.qi_latency == sp.qi_latency);
  CHECK(merged.space.mmio_costs == sp.mmio_costs);
  CHECK(sweep_json(merged)["results"] == whole["results"]);
  CHECK(sweep_json(merged)["space"] == whole["space"]);

  SweepSpace other = sp;
  other.qi_latency[1].second = {20, 200};
  CHECK_THROWS_WITH(merge_reports({a, shard_json(other, Shard{1, 2})}, {"a", "c"}),
                    Catch::Matchers::Contains("another sweep"));
  other = sp;
  other.mmio_costs = {50, 5000};
  CHECK_THROWS_WITH(merge_reports({a, shard_json(other, Shard{1, 2})}, {"a", "c"}),
                    Catch::Matchers::Contains("another sweep"));
  nlohmann::json bad = whole;
  bad["space"]["qi_latency"][0]["type"] = "tlb";
  CHECK_THROWS_WITH(merge_reports({bad}, {"bad"}), Catch::Matchers::Contains("unknown"));
}

TEST_CASE("the race-window picture has a colour for every verdict kind, and paints a cell by it", "[sweep]") {
  SweepSpace sp = qi_space();
  sp.qi_latency.clear();
  sp.mmio_costs.clear();
  const auto& kinds = known_verdict_kinds();
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    // One interleaving showing only kind k.
    std::vector<InterleavingResult> rs = results(sp, Shard{});
    for (InterleavingResult& r : rs) {
      r.counts.assign(kinds.size(), 0);
      r.distance.assign(kinds.size(), InterleavingResult::kNone);
    }
    rs[1].counts[k] = 1;
    rs[1].distance[k] = 0;
    const std::string svg = sweep_svg(make_report("s", "s.yaml", sp, Shard{}, {}, rs, 1.0, 1, 1));
    INFO(kinds[k]);
    // In the legend: its swatch, then its name.
    const std::size_t name = svg.find(">" + kinds[k] + "<");
    REQUIRE(name != std::string::npos);
    const std::size_t fill = svg.rfind("fill=\"", name);
    REQUIRE(fill != std::string::npos);
    const std::string colour = svg.substr(fill, svg.find('"', fill + 6) - fill + 1);
    // The cell of the interleaving that showed it is painted so too.
    CHECK(svg.find(colour) < fill);
  }
}
