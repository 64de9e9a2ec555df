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
