#include <catch2/catch.hpp>
#include <set>

#include "cpu_model/compiler.hpp"
#include "sweep/interleaving.hpp"
#include "sweep/space.hpp"

using namespace vtd;

TEST_CASE("interleaving text forms round-trip and reject what is not a permutation", "[sweep]") {
  std::vector<unsigned> b;
  std::string err;
  REQUIRE(parse_burst_order("2,0,3,1", b, err));
  CHECK(burst_order_text(b) == "2,0,3,1");
  REQUIRE(parse_burst_order("ascending", b, err));
  CHECK(b.empty());
  CHECK_FALSE(parse_burst_order("0,0,1,2", b, err));
  CHECK_FALSE(parse_burst_order("0,1,2,3,4", b, err));
  CHECK_FALSE(parse_burst_order("1,,0", b, err));
  CompilerOrder o;
  REQUIRE(parse_compiler_order("0:1,0;3:2,0,1", o, err));
  CHECK(o.kind == CompilerOrder::Kind::Explicit);
  CHECK(compiler_order_text(o) == "0:1,0;3:2,0,1");
  CHECK_FALSE(parse_compiler_order("0:1,1", o, err));
  CHECK_FALSE(parse_compiler_order("0:1,0;0:0,1", o, err));
  CHECK_FALSE(parse_compiler_order("x:0", o, err));
}

TEST_CASE("a negative offset beyond cycle 0 delays the traffic instead", "[sweep]") {
  Scenario s;
  s.platform.cpu.start = 10;
  TrafficStream t;
  t.start = 5;
  t.at = {7, 9};
  s.traffic.push_back(t);
  Interleaving il = nominal_interleaving(s);
  il.offset = -4;
  Scenario a = apply_interleaving(s, il);
  CHECK(a.platform.cpu.start == 6);
  CHECK(a.traffic[0].start == 5);
  il.offset = -15;
  a = apply_interleaving(s, il);
  CHECK(a.platform.cpu.start == 0);
  CHECK(a.traffic[0].start == 10);  // CPU 15 cycles earlier relative to the traffic
  CHECK(a.traffic[0].at == std::vector<Cycle>{12, 14});
}

TEST_CASE("legal compiler orders keep same-word and WRITE_ONCE stores in program order", "[sweep]") {
  Region r;
  r.units = {"a", "b", "c"};
  r.words = {1, 2, 1};  // a and c write one word
  r.once = {false, false, false};
  const auto all = legal_orders(r, 100);
  // 3! = 6 orders, of which those with c before a are illegal: 3 remain.
  CHECK(all.size() == 3);
  for (const auto& p : all) {
    const auto pa = std::find(p.begin(), p.end(), 0u), pc = std::find(p.begin(), p.end(), 2u);
    CHECK(pa < pc);
  }
  CHECK(legal_orders(r, 2).size() == 2);  // the limit bounds the enumeration
  r.once = {true, true, false};
  r.words = {1, 2, 3};
  CHECK(legal_orders(r, 100).size() == 3);  // a before b; c anywhere
}

TEST_CASE("a sweep space names every interleaving once and offsets fastest", "[sweep]") {
  SweepSpace sp;
  sp.offset_from = -2;
  sp.offset_to = 1;
  sp.burst_orders = {{}, {3, 2, 1, 0}};
  sp.inter_bursts = {0, 5};
  sp.compilers = {SweepSpace::Compiler{}};
  sp.store_buffer_delays = {1, 2, 3};
  REQUIRE(sp.size() == 4 * 2 * 2 * 3);
  CHECK(sp.at(0).offset == -2);
  CHECK(sp.at(3).offset == 1);
  CHECK(sp.at(4).offset == -2);
  CHECK(sp.at(4).store_buffer_delay == 2);
  CHECK(sp.at(4 * 3).inter_burst == 5);
  CHECK(sp.at(4 * 3 * 2).burst_order == std::vector<unsigned>{3, 2, 1, 0});
  std::set<std::string> seen;
  for (u64 i = 0; i < sp.size(); ++i) {
    const Interleaving il = sp.at(i);
    seen.insert(reproducer_command("f.yaml", il));
  }
  CHECK(seen.size() == sp.size());
}

TEST_CASE("an offset step samples every step-th offset of the window, from its first", "[sweep]") {
  SweepSpace sp;
  sp.offset_from = -10;
  sp.offset_to = 10;
  sp.offset_step = 7;
  sp.burst_orders = {{}};
  sp.inter_bursts = {0};
  sp.compilers = {SweepSpace::Compiler{}};
  sp.store_buffer_delays = {1, 2};
  REQUIRE(sp.offsets() == 3);  // -10, -3, 4
  REQUIRE(sp.size() == 6);
  CHECK(sp.at(0).offset == -10);
  CHECK(sp.at(2).offset == 4);
  CHECK(sp.at(3).offset == -10);
  CHECK(sp.at(3).store_buffer_delay == 2);
  CHECK_THAT(sp.describe(), Catch::Matchers::Contains("offsets -10..10 step 7 (3)"));
}

TEST_CASE("queue-latency and MMIO-cost options parse, and reject unknown types, signs and overflows",
          "[sweep]") {
  std::string type, err;
  std::vector<Cycle> v;
  REQUIRE(parse_qi_latency("pasid_cache=20,2000", type, v, err));
  CHECK(type == "pasid_cache");
  CHECK(v == std::vector<Cycle>{20, 2000});
  REQUIRE(parse_qi_latency("wait=0", type, v, err));
  CHECK(v == std::vector<Cycle>{0});
  CHECK_FALSE(parse_qi_latency("pasid=20", type, v, err));
  CHECK_THAT(err, Catch::Matchers::Contains("unknown descriptor type 'pasid'") &&
                      Catch::Matchers::Contains("pasid_cache, pasid_dev_tlb"));
  CHECK_FALSE(parse_qi_latency("pasid_cache", type, v, err));
  CHECK_FALSE(parse_qi_latency("pasid_cache=", type, v, err));
  CHECK_FALSE(parse_qi_latency("pasid_cache=-1", type, v, err));
  CHECK_FALSE(parse_qi_latency("pasid_cache=+1", type, v, err));
  CHECK_FALSE(parse_qi_latency("pasid_cache=1,,2", type, v, err));
  CHECK_FALSE(parse_qi_latency("pasid_cache=0x10", type, v, err));
  REQUIRE(parse_swept_cycles(std::to_string(kMaxSweptCycles), v, err));
  CHECK_FALSE(parse_swept_cycles(std::to_string(kMaxSweptCycles + 1), v, err));
  CHECK_THAT(err, Catch::Matchers::Contains("more than"));
  CHECK_FALSE(parse_swept_cycles("99999999999999999999999", v, err));  // beyond 64 bits
  REQUIRE(parse_swept_cycles("50,500", v, err));
  CHECK(v == std::vector<Cycle>{50, 500});
}

TEST_CASE("an interleaving sets the queue latencies and MMIO cost it names, the scenario the rest",
          "[sweep]") {
  Scenario s;
  s.platform.iommu.mode = TranslationMode::Scalable;
  s.platform.iommu.qi.iotlb = 31;
  s.platform.iommu.qi.pasid_cache = 21;
  s.platform.cpu.costs.mmio = 51;
  const Interleaving nominal = nominal_interleaving(s);
  CHECK(nominal.qi_latency.empty());
  CHECK_FALSE(nominal.mmio_cost);
  CHECK(apply_interleaving(s, nominal).platform == s.platform);

  Interleaving il = nominal;
  il.qi_latency = {{"pasid_cache", 2000}};
  il.mmio_cost = 500;
  Scenario out = s;
  apply_interleaving(s, il, out);
  CHECK(out.platform.iommu.qi.pasid_cache == 2000);
  CHECK(out.platform.iommu.qi.iotlb == 31);
  CHECK(out.platform.cpu.costs.mmio == 500);
  // A reused scenario: what the previous interleaving set does not stick.
  il.qi_latency = {{"iotlb", 3000}};
  il.mmio_cost.reset();
  apply_interleaving(s, il, out);
  CHECK(out.platform.iommu.qi.pasid_cache == 21);
  CHECK(out.platform.iommu.qi.iotlb == 3000);
  CHECK(out.platform.cpu.costs.mmio == 51);

  s.platform.iommu.mode = TranslationMode::Legacy;
  CHECK_NOTHROW(check_qi_latency_applies(s, "iotlb", "--qi-latency"));
  CHECK_THROWS_WITH(check_qi_latency_applies(s, "pasid_cache", "--qi-latency"),
                    Catch::Matchers::Contains("scalable mode only"));
}

TEST_CASE("a reproducer names the queue latencies and MMIO cost only when the sweep sets them", "[sweep]") {
  Interleaving il;
  il.offset = 7;
  const std::string plain = reproducer_command("f.yaml", il);
  CHECK(plain ==
        "vtdsim run f.yaml --offset 7 --burst-order ascending --inter-burst 0 --merge-rmw no "
        "--compiler-order 'program' --store-buffer-delay 2");
  il.qi_latency = {{"iotlb", 3000}, {"pasid_cache", 20}};
  CHECK(reproducer_command("f.yaml", il) == plain + " --qi-latency iotlb=3000 --qi-latency pasid_cache=20");
  il.mmio_cost = 500;
  CHECK(reproducer_command("f.yaml", il) ==
        plain + " --qi-latency iotlb=3000 --qi-latency pasid_cache=20 --mmio-cost 500");
}

namespace {

SweepSpace small_space() {
  SweepSpace sp;
  sp.offset_from = 0;
  sp.offset_to = 2;
  sp.burst_orders = {{}, {3, 2, 1, 0}};
  sp.inter_bursts = {0};
  sp.compilers = {SweepSpace::Compiler{}};
  sp.store_buffer_delays = {1, 2};
  return sp;
}

}  // namespace

TEST_CASE("queue latency and MMIO cost vary inside a row: MMIO cost fastest, burst order still slowest",
          "[sweep]") {
  const SweepSpace before = small_space();
  SweepSpace sp = before;
  sp.qi_latency = {{"iotlb", {30, 3000}}, {"pasid_cache", {20, 200, 2000}}};
  sp.mmio_costs = {50, 500};
  REQUIRE(sp.qi_latency_choices() == 6);
  REQUIRE(sp.rows() == 2 * 2 * 6 * 2);
  REQUIRE(sp.size() == 3 * sp.rows());
  // Offsets fastest, then the MMIO cost, ...
  CHECK(sp.at(0).mmio_cost == 50u);
  CHECK(sp.at(2).offset == 2);
  CHECK(sp.at(3).offset == 0);
  CHECK(sp.at(3).mmio_cost == 500u);
  // ... the queue latencies, the last type fastest, ...
  using Q = std::vector<std::pair<std::string, Cycle>>;
  CHECK(sp.at(0).qi_latency == Q{{"iotlb", 30}, {"pasid_cache", 20}});
  CHECK(sp.at(3 * 2).qi_latency == Q{{"iotlb", 30}, {"pasid_cache", 200}});
  CHECK(sp.at(3 * 2 * 3).qi_latency == Q{{"iotlb", 3000}, {"pasid_cache", 20}});
  // ... then the dimensions as before, burst order slowest.
  CHECK(sp.at(3 * 2 * 6).store_buffer_delay == 2);
  CHECK(sp.at(3 * 2 * 6 * 2).burst_order == std::vector<unsigned>{3, 2, 1, 0});
  // A burst-order group's members are size() / burst orders apart and differ only in burst order.
  const u64 group = sp.size() / sp.burst_orders.size();
  for (u64 i = 0; i < group; ++i) {
    Interleaving a = sp.at(i), b = sp.at(i + group);
    CHECK(a.offset == b.offset);
    CHECK(a.qi_latency == b.qi_latency);
    CHECK(a.mmio_cost == b.mmio_cost);
    CHECK(a.store_buffer_delay == b.store_buffer_delay);
  }
  std::set<std::string> seen;
  for (u64 i = 0; i < sp.size(); ++i) seen.insert(reproducer_command("f.yaml", sp.at(i)));
  CHECK(seen.size() == sp.size());

  // Unset, they leave the index order, the labels and the description as they were.
  CHECK(before.rows() == 4);
  CHECK(before.at(5).qi_latency.empty());
  CHECK_FALSE(before.at(5).mmio_cost);
  CHECK(before.row_label(1) == "bursts ascending, sb 2");
  CHECK(before.describe() ==
        "offsets 0..2 (3) x burst orders 2 x inter-burst latencies 1 x compiler orders 1 x store-buffer "
        "delays 2 = 12 interleavings");
  CHECK(sp.describe() ==
        "offsets 0..2 (3) x burst orders 2 x inter-burst latencies 1 x compiler orders 1 x store-buffer "
        "delays 2 x queue latencies 6 x MMIO costs 2 = 144 interleavings");
  CHECK(sp.row_label(0) == "bursts ascending, sb 1, qi iotlb=30 pasid_cache=20, mmio 50");
  CHECK(sp.row_label(11) == "bursts ascending, sb 1, qi iotlb=3000 pasid_cache=2000, mmio 500");
  // A type with one value is set, not varied: not in the label.
  SweepSpace one = before;
  one.qi_latency = {{"iotlb", {30}}, {"pasid_cache", {20, 2000}}};
  one.mmio_costs = {500};
  CHECK(one.row_label(1) == "bursts ascending, sb 1, qi pasid_cache=2000");
  CHECK(one.at(0).qi_latency == Q{{"iotlb", 30}, {"pasid_cache", 20}});
  CHECK(one.at(0).mmio_cost == 500u);
  // Different queue latencies or MMIO costs make a different space.
  CHECK(sp.key() != before.key());
  CHECK(one.key() != before.key());
  SweepSpace other = one;
  other.qi_latency[1].second = {20, 200};
  CHECK(other.key() != one.key());
  other = one;
  other.mmio_costs = {50};
  CHECK(other.key() != one.key());
}

TEST_CASE("the command line's queue latencies replace the scenario's as a whole, in descriptor-type order",
          "[sweep]") {
  Scenario s;
  s.platform.iommu.mode = TranslationMode::Scalable;
  s.sweep.offsets = {0, 3};
  s.sweep.qi_latency = {{"iotlb", {30, 3000}}, {"pasid_cache", {20, 2000}}};
  s.sweep.mmio_cost = {50, 500};
  SweepOptions o;
  SweepSpace sp = plan_sweep(s, o, ProgramTiming{});
  CHECK(sp.qi_latency == s.sweep.qi_latency);
  CHECK(sp.mmio_costs == s.sweep.mmio_cost);
  CHECK(sp.size() == 4 * 4 * 2);

  o.qi_latency = {{"pasid_cache", {7}}, {"fetch", {1, 2}}};
  o.mmio_cost = std::vector<Cycle>{60};
  sp = plan_sweep(s, o, ProgramTiming{});
  using L = std::vector<std::pair<std::string, std::vector<Cycle>>>;
  CHECK(sp.qi_latency == L{{"fetch", {1, 2}}, {"pasid_cache", {7}}});  // iotlb: the scenario's own
  CHECK(sp.mmio_costs == std::vector<Cycle>{60});
  CHECK(sp.size() == 4 * 2);

  o.qi_latency = {{"iotlb", {1}}, {"iotlb", {2}}};
  CHECK_THROWS_WITH(plan_sweep(s, o, ProgramTiming{}), Catch::Matchers::Contains("more than once"));
  o.qi_latency = {{"iotlb", {kMaxSweptCycles + 1}}};
  CHECK_THROWS_AS(plan_sweep(s, o, ProgramTiming{}), std::invalid_argument);
  o.qi_latency = {{"pasid_dev_tlb", {1}}};
  s.platform.iommu.mode = TranslationMode::Legacy;
  s.sweep.qi_latency.clear();
  CHECK_THROWS_WITH(plan_sweep(s, o, ProgramTiming{}), Catch::Matchers::Contains("scalable mode only"));
  o.qi_latency.reset();
  o.mmio_cost = std::vector<Cycle>{kMaxSweptCycles + 1};
  CHECK_THROWS_AS(plan_sweep(s, o, ProgramTiming{}), std::invalid_argument);
  // A space whose index would not fit in 64 bits.
  o.mmio_cost.reset();
  o.offsets = std::pair<long long, long long>{0, (1LL << 40) - 1};
  o.qi_latency = {{"fetch", std::vector<Cycle>(1 << 12, 1)}, {"iotlb", std::vector<Cycle>(1 << 12, 1)}};
  CHECK_THROWS_WITH(plan_sweep(s, o, ProgramTiming{}), Catch::Matchers::Contains("64-bit"));
}
