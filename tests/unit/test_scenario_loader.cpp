// The YAML scenario loader: every field round-trips, and every bad input
// names file:line:column and what was wrong.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "scenario/loader.hpp"

using namespace vtd;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// Drops the newline right after R"( so line 1 of the YAML is the first line
// of the literal's body.
std::string yaml(const char* text) {
  std::string s = text;
  if (!s.empty() && s.front() == '\n') s.erase(0, 1);
  return s;
}

Scenario load(const char* text) { return load_scenario_text(yaml(text), "t.yaml"); }

std::string error_of(const char* text) {
  try {
    load(text);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "<no error>";
}

// `where` is "line:col"; `word` a piece of the message.
void check_error(const char* text, const std::string& where, const std::string& word) {
  const std::string msg = error_of(text);
  INFO(msg);
  CHECK_THAT(msg, StartsWith("t.yaml:" + where + ": "));
  CHECK_THAT(msg, Contains(word));
}

}  // namespace

TEST_CASE("a full scenario round-trips every field", "[scenario]") {
  const Scenario s = load(R"(
name: ctx-race
description: a context entry torn by the walker
source: seed 7
platform:
  cpu:
    cmpxchg16b: false
    store_buffer_delay: 3
    start: 0x20
    compiler:
      merge_rmw: TRUE
      order: {0: [1, 0, 2], 0x2: [0]}
    costs: {store64: 2, store128: 5, load64: 3, compiler_barrier: 1, mfence: 11, clflush: 21, invalidation: 0x64, branch: 4}
  iommu:
    mode: legacy
    coherent: true
    burst_latency: 7
    inter_burst: 2
    burst_order: [1, 0]
    pte_latency: 9
    max_outstanding: 4
    sagaw: [1, 3]
    pass_through: False
  sim:
    max_cycles: 5000
tables:
  domains:
    - name: dom1
      did: 0x1
      aw: 3
      mappings:
        - iova: 0x10000
          pa: 0xabc000
          size: 0x3000
          read: true
          write: false
        - {iova: 0, pa: 0x1000}
    - name: dom2
      did: 65535
  devices:
    - bdf: "00:02.0"
      domain: dom1
      translation: dev_iotlb
    - bdf: 1f:1f.7
program:
  - sequence: domain_context_mapping_one
    device: "00:02.0"
    domain: dom1
    variant: dma_wmb
  - ops:
      - {op: store64, addr: 0x1008, value: 0xffffffffffffffff, once: true}
      - {op: store128, addr: 0x2010, lo: 1, hi: 2}
      - {op: load64, addr: 0x8}
      - {op: compiler_barrier}
      - {op: mfence}
      - {op: clflush, addr: 0x1001}
      - {op: delay, cycles: 12}
      - {op: store64, addr: 0, value: 0}
  - delay: 100
traffic:
  - device: 00:02.0
    iova: 0x10000
    access: write
    at: [5, 5, 0x10]
  - device: 1f:1f.7
    iova: 0x123
    every: 3
    start: 10
    count: 4
  - device: 00:02.0
    iova: 0
    every: 1
    count: 1
expect:
  torn_fetch: 1
  unsafe_live_update: ">=2"
  benign_mixed_fetch: "<= 3"
)");

  CHECK(s.name == "ctx-race");
  CHECK(s.description == "a context entry torn by the walker");
  CHECK(s.source == "seed 7");
  CHECK(s.file == "t.yaml");

  const CpuConfig& cpu = s.platform.cpu;
  CHECK_FALSE(cpu.cmpxchg16b);
  CHECK(cpu.store_buffer_delay == 3);
  CHECK(cpu.start == 0x20);
  CHECK(cpu.merge_rmw);
  CHECK(cpu.order.kind == CompilerOrder::Kind::Explicit);
  CHECK(cpu.order.permutations.size() == 2);
  CHECK(cpu.order.permutations.at(0) == std::vector<unsigned>{1, 0, 2});
  CHECK(cpu.order.permutations.at(2) == std::vector<unsigned>{0});
  CHECK(cpu.order.loc.str() == "t.yaml:11:14");
  CHECK(cpu.costs.store64 == 2);
  CHECK(cpu.costs.store128 == 5);
  CHECK(cpu.costs.load64 == 3);
  CHECK(cpu.costs.compiler_barrier == 1);
  CHECK(cpu.costs.mfence == 11);
  CHECK(cpu.costs.clflush == 21);
  CHECK(cpu.costs.invalidation == 100);
  CHECK(cpu.costs.branch == 4);

  const IommuConfig& io = s.platform.iommu;
  CHECK(io.mode == TranslationMode::Legacy);
  CHECK(io.coherent);
  CHECK(io.burst_latency == 7);
  CHECK(io.inter_burst == 2);
  CHECK(io.burst_order == std::vector<unsigned>{1, 0});
  CHECK(io.burst_order_loc.str() == "t.yaml:18:18");
  CHECK(io.pte_latency == 9);
  CHECK(io.max_outstanding == 4);
  CHECK(io.sagaw == std::vector<unsigned>{1, 3});
  CHECK_FALSE(io.pass_through);
  CHECK(s.platform.sim.max_cycles == 5000);

  REQUIRE(s.tables.domains.size() == 2);
  const Domain& d1 = s.tables.domains[0];
  CHECK(d1.name == "dom1");
  CHECK(d1.did == 1);
  CHECK(d1.aw == 3);
  CHECK(d1.loc.str() == "t.yaml:27:7");
  REQUIRE(d1.mappings.size() == 2);
  CHECK(d1.mappings[0].iova == 0x10000);
  CHECK(d1.mappings[0].pa == 0xabc000);
  CHECK(d1.mappings[0].size == 0x3000);
  CHECK(d1.mappings[0].read);
  CHECK_FALSE(d1.mappings[0].write);
  CHECK(d1.mappings[0].loc.str() == "t.yaml:31:11");
  CHECK(d1.mappings[1].iova == 0);
  CHECK(d1.mappings[1].pa == 0x1000);
  CHECK(d1.mappings[1].size == 0x1000);  // defaults
  CHECK(d1.mappings[1].read);
  CHECK(d1.mappings[1].write);
  const Domain& d2 = s.tables.domains[1];
  CHECK(d2.name == "dom2");
  CHECK(d2.did == 65535);
  CHECK(d2.aw == 2);
  CHECK(d2.mappings.empty());

  REQUIRE(s.tables.devices.size() == 2);
  CHECK(s.tables.devices[0].rid == Rid::from(0, 2, 0));
  CHECK(s.tables.devices[0].domain == "dom1");
  CHECK(s.tables.devices[0].translation == "dev_iotlb");
  CHECK(s.tables.devices[0].loc.str() == "t.yaml:40:7");
  CHECK(s.tables.devices[1].rid == Rid::from(0x1f, 0x1f, 7));
  CHECK(s.tables.devices[1].domain.empty());
  CHECK(s.tables.devices[1].translation == "multi_level");

  REQUIRE(s.program.size() == 3);
  const ProgramItem& seq = s.program[0];
  CHECK(seq.kind == ProgramItem::Kind::Sequence);
  CHECK(seq.sequence == "domain_context_mapping_one");
  CHECK(seq.loc.str() == "t.yaml:45:5");
  REQUIRE(seq.args.size() == 3);
  CHECK(seq.args.at("device").text == "00:02.0");
  CHECK(seq.args.at("device").loc.str() == "t.yaml:46:13");
  CHECK(seq.args.at("domain").text == "dom1");
  CHECK(seq.args.at("variant").text == "dma_wmb");
  CHECK(seq.args.at("variant").loc.str() == "t.yaml:48:14");

  const ProgramItem& ops = s.program[1];
  CHECK(ops.kind == ProgramItem::Kind::Ops);
  REQUIRE(ops.ops.size() == 8);
  CHECK(ops.ops[0].op == "store64");
  CHECK(ops.ops[0].addr == 0x1008);
  CHECK(ops.ops[0].value == 0xffffffffffffffffull);
  CHECK(ops.ops[0].once);
  CHECK(ops.ops[0].loc.str() == "t.yaml:50:9");
  CHECK(ops.ops[1].op == "store128");
  CHECK(ops.ops[1].addr == 0x2010);
  CHECK(ops.ops[1].lo == 1);
  CHECK(ops.ops[1].hi == 2);
  CHECK(ops.ops[2].op == "load64");
  CHECK(ops.ops[2].addr == 8);
  CHECK(ops.ops[3].op == "compiler_barrier");
  CHECK(ops.ops[4].op == "mfence");
  CHECK(ops.ops[5].op == "clflush");
  CHECK(ops.ops[5].addr == 0x1001);
  CHECK(ops.ops[6].op == "delay");
  CHECK(ops.ops[6].cycles == 12);
  CHECK_FALSE(ops.ops[7].once);

  CHECK(s.program[2].kind == ProgramItem::Kind::Delay);
  CHECK(s.program[2].delay == 100);

  REQUIRE(s.traffic.size() == 3);
  CHECK(s.traffic[0].rid == Rid::from(0, 2, 0));
  CHECK(s.traffic[0].iova == 0x10000);
  CHECK(s.traffic[0].write);
  CHECK(s.traffic[0].at == std::vector<Cycle>{5, 5, 16});
  CHECK(s.traffic[0].every == 0);
  CHECK(s.traffic[0].loc.str() == "t.yaml:60:5");
  CHECK(s.traffic[1].rid == Rid::from(0x1f, 0x1f, 7));
  CHECK_FALSE(s.traffic[1].write);
  CHECK(s.traffic[1].at.empty());
  CHECK(s.traffic[1].every == 3);
  CHECK(s.traffic[1].start == 10);
  CHECK(s.traffic[1].count == 4);
  CHECK(s.traffic[2].start == 0);

  REQUIRE(s.expect.size() == 3);
  CHECK(s.expect.at("torn_fetch").cmp == Expectation::Cmp::Eq);
  CHECK(s.expect.at("torn_fetch").n == 1);
  CHECK(s.expect.at("torn_fetch").loc.str() == "t.yaml:74:15");
  CHECK(s.expect.at("unsafe_live_update").cmp == Expectation::Cmp::Ge);
  CHECK(s.expect.at("unsafe_live_update").n == 2);
  CHECK(s.expect.at("benign_mixed_fetch").cmp == Expectation::Cmp::Le);
  CHECK(s.expect.at("benign_mixed_fetch").n == 3);
  CHECK(s.expect.at("benign_mixed_fetch").str() == "<= 3");
}

TEST_CASE("defaults: an empty-ish scenario keeps the model's defaults", "[scenario]") {
  const Scenario s = load_scenario_text("description: nothing else\n", "dir/my-case.yaml");
  CHECK(s.name == "my-case");  // file stem
  CHECK(s.file == "dir/my-case.yaml");
  CHECK(s.platform.cpu.cmpxchg16b);
  CHECK(s.platform.cpu.order.kind == CompilerOrder::Kind::Program);
  CHECK(s.platform.iommu.burst_order.empty());
  CHECK(s.platform.iommu.sagaw == std::vector<unsigned>{2, 3});
  CHECK(s.program.empty());
  CHECK(s.traffic.empty());
  CHECK(s.expect.empty());
  CHECK(load_scenario_text("source: x\n", "a.yml").name == "a");
  CHECK(load_scenario_text("source: x\n", "plain").name == "plain");
}

TEST_CASE("compiler and burst order words", "[scenario]") {
  Scenario s = load(R"(
platform:
  cpu: {compiler: {order: reversed}}
  iommu: {burst_order: descending}
)");
  CHECK(s.platform.cpu.order.kind == CompilerOrder::Kind::Reversed);
  CHECK(s.platform.cpu.order.loc.str() == "t.yaml:2:27");
  CHECK(s.platform.iommu.burst_order == std::vector<unsigned>{3, 2, 1, 0});
  s = load(R"(
platform:
  cpu: {compiler: {order: program}}
  iommu: {burst_order: ascending}
)");
  CHECK(s.platform.cpu.order.kind == CompilerOrder::Kind::Program);
  CHECK(s.platform.iommu.burst_order.empty());
}

TEST_CASE("expectation syntax", "[scenario]") {
  const Scenario s = load(R"(
expect:
  torn_fetch: "== 0"
  unsafe_live_update: ">=  0x2"
  benign_mixed_fetch: <=1
)");
  CHECK(s.expect.at("torn_fetch").str() == "== 0");
  CHECK(s.expect.at("unsafe_live_update").str() == ">= 2");
  CHECK(s.expect.at("benign_mixed_fetch").str() == "<= 1");
  CHECK(s.expect.at("benign_mixed_fetch").holds(1));
  CHECK_FALSE(s.expect.at("benign_mixed_fetch").holds(2));
  check_error(R"(
expect:
  torn_fetch: "> 1"
)",
              "2:15", "comparison");
  check_error(R"(
expect:
  torn_fetch: [1]
)",
              "2:15", "a list");
}

TEST_CASE("the verdict kinds a scenario may expect are the rules' kinds, in report order", "[scenario]") {
  CHECK(known_verdict_kinds() == std::vector<std::string>{"torn_fetch", "unsafe_live_update",
                                                          "benign_mixed_fetch", "present_before_invalidate",
                                                          "missing_invalidation", "stale_translation",
                                                          "corrupting_dma"});
  CHECK(is_violation_kind("missing_invalidation"));
  CHECK(is_violation_kind("present_before_invalidate"));
  CHECK(is_violation_kind("stale_translation"));
  CHECK(is_violation_kind("corrupting_dma"));
  CHECK(is_violation_kind("torn_fetch"));
  CHECK(is_violation_kind("unsafe_live_update"));
  CHECK_FALSE(is_violation_kind("benign_mixed_fetch"));
  CHECK_FALSE(is_violation_kind("nonsense"));
  Expectation e;
  e.cmp = Expectation::Cmp::Ge;
  e.n = 1;
  CHECK(e.str() == ">= 1");
  e.cmp = Expectation::Cmp::Eq;
  CHECK(e.str() == "== 1");
}

TEST_CASE("unknown keys are reported at the key with the allowed list", "[scenario]") {
  check_error(R"(
name: x
platform:
  cpu:
    cmpxchg16b: true
    colour: red
)",
              "5:5", "unknown key 'colour'");
  check_error(R"(
name: x
platform:
  cpu:
    cmpxchg16b: true
    colour: red
)",
              "5:5", "allowed: cmpxchg16b, store_buffer_delay, start, compiler, costs");
  check_error(R"(
nmae: x
)",
              "1:1", "unknown key 'nmae'");
  check_error(R"(
tables:
  domains:
    - name: a
      did: 1
      mappings:
        - {iova: 0, pa: 0, szie: 1}
)",
              "6:28", "'szie'");
  check_error(R"(
program:
  - ops:
      - {op: mfence, addr: 8}
)",
              "3:22", "for op mfence");
  check_error(R"(
program:
  - delay: 5
    extra: 1
)",
              "3:5", "unknown key 'extra'");
  check_error(R"(
tables:
  devices:
    - bdf: 00:02.0
traffic:
  - device: 00:02.0
    iova: 0
    at: [1]
    start: 5
)",
              "8:5", "only applies with 'every'");
  check_error(R"(
platform:
  iommu:
    burst_latency: 1
    burst_latency: 2
)",
              "4:5", "duplicate key 'burst_latency'");
}

TEST_CASE("wrong types are reported at the value, saying what was expected", "[scenario]") {
  check_error(R"(
platform:
  cpu:
    store_buffer_delay: soon
)",
              "3:25", "expected an unsigned integer");
  check_error(R"(
platform:
  cpu:
    start: -1
)",
              "3:12", "unsigned");
  check_error(R"(
platform:
  cpu:
    start: "5"
)",
              "3:12", "quoted string");
  check_error(R"(
platform:
  cpu:
    start: 0x
)",
              "3:12", "expected an unsigned integer");
  check_error(R"(
platform:
  cpu:
    start: 1_000
)",
              "3:12", "expected an unsigned integer");
  check_error(R"(
platform:
  cpu:
    start: 0x10000000000000000
)",
              "3:12", "64 bits");
  check_error(R"(
platform:
  cpu:
    cmpxchg16b: yes
)",
              "3:17", "true or false");
  check_error(R"(
platform:
  cpu: [1, 2]
)",
              "2:8", "expected a map");
  check_error(R"(
tables:
  domains:
    name: a
)",
              "3:5", "expected a list");
  check_error(R"(
tables:
  domains:
    - name: a
      did: 0
)",
              "4:12", "1..65535");
  check_error(R"(
tables:
  domains:
    - name: a
      did: 65536
)",
              "4:12", "1..65535");
  check_error(R"(
tables:
  domains:
    - name: a
      did: 1
      aw: 4
)",
              "5:11", "1..3");
  check_error(R"(
tables:
  domains:
    - name: a
      did: 1
      mappings:
        - {iova: 0x1008, pa: 0}
)",
              "6:18", "4 KiB aligned");
  check_error(R"(
tables:
  domains:
    - name: a
      did: 1
      mappings:
        - {iova: 0, pa: 0, size: 0x800}
)",
              "6:34", "multiple of 0x1000");
  check_error(R"(
program:
  - ops:
      - {op: store64, addr: 0x1004, value: 1}
)",
              "3:29", "8-byte aligned");
  check_error(R"(
program:
  - ops:
      - {op: store128, addr: 0x1008, lo: 1, hi: 2}
)",
              "3:30", "16-byte aligned");
  check_error(R"(
program:
  - sequence: context_teardown
    device: [00:02.0]
)",
              "3:13", "scalar");
  check_error(R"(
platform:
  iommu:
    max_outstanding: 0
)",
              "3:22", ">= 1");
  check_error(R"(
platform:
  iommu:
    sagaw: [2, 4]
)",
              "3:16", "1..3");
  check_error(R"(
platform:
  iommu:
    sagaw: []
)",
              "3:12", "at least one");
  check_error(R"(
platform:
  sim:
    max_cycles: 0
)",
              "3:17", ">= 1");
  check_error(R"(
tables:
  devices:
    - bdf: 00:02.0
      translation: nested
)",
              "4:20", "multi_level, dev_iotlb, pass_through");
}

TEST_CASE("an empty value is reported at its key", "[scenario]") {
  check_error(R"(
platform:
  cpu:
    start:
    cmpxchg16b: true
)",
              "3:5", "got nothing");
}

TEST_CASE("missing required fields are reported at the map that lacks them", "[scenario]") {
  check_error(R"(
tables:
  domains:
    - name: a
      did: 1
    - name: b
)",
              "5:7", "needs key 'did'");
  check_error(R"(
tables:
  domains:
    - name: a
      did: 1
      mappings:
        - iova: 0x1000
)",
              "6:11", "needs key 'pa'");
  check_error(R"(
tables:
  devices:
    - domain: a
)",
              "3:7", "needs key 'bdf'");
  check_error(R"(
program:
  - ops:
      - {op: store64, addr: 8}
)",
              "3:9", "needs key 'value'");
  check_error(R"(
program:
  - ops:
      - {addr: 8}
)",
              "3:9", "needs key 'op'");
  check_error(R"(
tables:
  devices:
    - bdf: 00:02.0
traffic:
  - device: 00:02.0
    iova: 0
    every: 10
)",
              "5:5", "needs key 'count'");
  check_error(R"(
tables:
  devices:
    - bdf: 00:02.0
traffic:
  - device: 00:02.0
    iova: 0
)",
              "5:5", "needs 'at'");
}

TEST_CASE("malformed bdfs", "[scenario]") {
  for (const char* text : {R"(
tables:
  devices:
    - bdf: 00:20.0
)",
                           R"(
tables:
  devices:
    - bdf: 00:02.8
)",
                           R"(
tables:
  devices:
    - bdf: 0x0:02.0
)",
                           R"(
tables:
  devices:
    - bdf: 00:02.0x
)",
                           R"(
tables:
  devices:
    - bdf: 100:02.0
)"})
    check_error(text, "3:12", "bus:device.function");
}

TEST_CASE("duplicates and undeclared references", "[scenario]") {
  check_error(R"(
tables:
  domains:
    - {name: a, did: 1}
    - {name: b, did: 2}
    - {name: a, did: 3}
)",
              "5:14", "domain 'a' is declared twice");
  check_error(R"(
tables:
  devices:
    - bdf: 00:02.0
    - bdf: 0:2.0
)",
              "4:12", "device 00:02.0 is declared twice");
  check_error(R"(
tables:
  domains:
    - {name: a, did: 1}
  devices:
    - bdf: 00:02.0
      domain: b
)",
              "6:15", "domain 'b' is not declared");
  check_error(R"(
tables:
  devices:
    - bdf: 00:02.0
traffic:
  - device: 00:03.0
    iova: 0
    at: [1]
)",
              "5:13", "device 00:03.0 is not declared");
}

TEST_CASE("traffic timing", "[scenario]") {
  const char* both = R"(
tables:
  devices:
    - bdf: 00:02.0
traffic:
  - device: 00:02.0
    iova: 0
    at: [1]
    every: 2
    count: 1
)";
  check_error(both, "8:5", "both 'at' and 'every'");
  check_error(R"(
tables:
  devices:
    - bdf: 00:02.0
traffic:
  - device: 00:02.0
    iova: 0
    at: [5, 4]
)",
              "7:13", "non-decreasing");
  check_error(R"(
tables:
  devices:
    - bdf: 00:02.0
traffic:
  - device: 00:02.0
    iova: 0
    at: []
)",
              "7:9", "at least one");
  check_error(R"(
tables:
  devices:
    - bdf: 00:02.0
traffic:
  - device: 00:02.0
    iova: 0
    every: 0
    count: 1
)",
              "7:12", ">= 1");
  check_error(R"(
tables:
  devices:
    - bdf: 00:02.0
traffic:
  - device: 00:02.0
    iova: 0
    access: modify
    at: [1]
)",
              "7:13", "read, write");
}

TEST_CASE("program items", "[scenario]") {
  check_error(R"(
program:
  - delay: 1
    ops: []
)",
              "3:5", "both 'delay' and 'ops'");
  check_error(R"(
program:
  - device: 00:02.0
)",
              "2:5", "needs one of 'sequence', 'ops', 'delay'");
  check_error(R"(
program:
  - ops:
      - {op: store16, addr: 0}
)",
              "3:14", "unknown op 'store16'");
  check_error(R"(
program:
  - 5
)",
              "2:5", "expected a map");
}

TEST_CASE("compiler order permutations", "[scenario]") {
  check_error(R"(
platform:
  cpu:
    compiler:
      order: {0: [0, 0, 1]}
)",
              "4:22", "listed twice");
  check_error(R"(
platform:
  cpu:
    compiler:
      order: {1: [0, 3, 1]}
)",
              "4:22", "not a permutation of 0..2");
  check_error(R"(
platform:
  cpu:
    compiler:
      order: {x: [0]}
)",
              "4:15", "region");
  check_error(R"(
platform:
  cpu:
    compiler:
      order: shuffled
)",
              "4:14", "program, reversed");
  check_error(R"(
platform:
  cpu:
    compiler:
      order: {0: [0], 0x0: [0]}
)",
              "4:23", "region 0 is listed twice");
}

TEST_CASE("burst order", "[scenario]") {
  check_error(R"(
platform:
  iommu:
    burst_order: [0, 1, 2, 3, 4]
)",
              "3:18", "at most 4 bursts");
  check_error(R"(
platform:
  iommu:
    burst_order: [1, 2]
)",
              "3:22", "not a permutation of 0..1");
  check_error(R"(
platform:
  iommu:
    burst_order: sideways
)",
              "3:18", "ascending, descending");
}

TEST_CASE("the IOMMU mode is one of two words", "[scenario]") {
  check_error(R"(
platform:
  iommu:
    mode: extended
)",
              "3:11", "expected one of legacy, scalable");
}

TEST_CASE("unknown expect kind lists the known ones", "[scenario]") {
  check_error(R"(
expect:
  torn_fetch: 0
  torn_fetches: 1
)",
              "3:3", "known: torn_fetch, unsafe_live_update, benign_mixed_fetch");
}

TEST_CASE("YAML syntax errors keep their location", "[scenario]") {
  check_error(R"(
name: x
platform:
  cpu: [1, 2
description: y
)",
              "4:12", "end of sequence flow");
  check_error(R"(
name: x
  bad: 2
)",
              "2:6", "illegal map value");
}

TEST_CASE("empty, non-map and multi-document input", "[scenario]") {
  check_error("", "1:1", "empty scenario");
  check_error("# just a comment\n", "1:1", "empty scenario");
  check_error(R"(
- a
- b
)",
              "1:1", "top level must be a map");
  check_error(R"(
name: a
---
name: b
)",
              "3:1", "one YAML document");
}

TEST_CASE("files: reading, unreadable, and the file name in locations", "[scenario]") {
  const auto dir = std::filesystem::temp_directory_path() / "vtdsim_loader_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "from-disk.yaml").string();
  {
    std::ofstream out(path);
    out << "description: on disk\nplatform:\n  cpu:\n    start: x\n";
  }
  try {
    load_scenario(path);
    FAIL("expected a ScenarioError");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()).rfind(path + ":4:12: ", 0) == 0);
    CHECK(e.loc().file == path);
  }
  {
    std::ofstream out(path);
    out << "description: on disk\n";
  }
  const Scenario s = load_scenario(path);
  CHECK(s.name == "from-disk");
  CHECK(s.file == path);
  std::filesystem::remove_all(dir);

  for (const std::string& bad : {(dir / "missing.yaml").string(), dir.parent_path().string()}) {
    try {
      load_scenario(bad);
      FAIL("expected a ScenarioError");
    } catch (const ScenarioError& e) {
      CHECK(std::string(e.what()) == bad + ": cannot read file");
      CHECK(e.loc().file == bad);
      CHECK(e.loc().line == 0);
    }
  }
}

// ------------------------------------------------------------ scalable mode, queued invalidation, more CPUs

TEST_CASE("scalable platform keys round-trip", "[scenario]") {
  const Scenario s = load(R"(
platform:
  cpu:
    costs: {mmio: 51, poll: 21, atomic: 22}
    cache: {evict: true, eviction_delay: 300}
  iommu:
    mode: scalable
    coherent: false
    caching_mode: true
    fl5lp: false
    context_cache: {enabled: false, entries: 4, hit_latency: 2, miss_latency: 3}
    pasid_cache: {entries: 0x10, hit_latency: 0}
    iotlb: {enabled: true, entries: 1, miss_latency: 7}
    qi: {fetch: 1, context_cache: 2, iotlb: 3, dev_tlb: 4, wait: 5, piotlb: 6, pasid_cache: 7, pasid_dev_tlb: 8}
)");
  const CpuConfig& cpu = s.platform.cpu;
  CHECK(cpu.costs.mmio == 51);
  CHECK(cpu.costs.poll == 21);
  CHECK(cpu.costs.atomic == 22);
  CHECK(cpu.costs.store64 == 1);  // untouched
  CHECK(cpu.cache.evict);
  CHECK(cpu.cache.eviction_delay == 300);

  const IommuConfig& io = s.platform.iommu;
  CHECK(io.mode == TranslationMode::Scalable);
  CHECK_FALSE(io.coherent);
  CHECK(io.caching_mode);
  CHECK_FALSE(io.fl5lp);
  CHECK_FALSE(io.context_cache.enabled);
  CHECK(io.context_cache.entries == 4);
  CHECK(io.context_cache.hit_latency == 2);
  CHECK(io.context_cache.miss_latency == 3);
  CHECK(io.pasid_cache.enabled);
  CHECK(io.pasid_cache.entries == 16);
  CHECK(io.pasid_cache.hit_latency == 0);
  CHECK(io.pasid_cache.miss_latency == 1);
  CHECK(io.iotlb.entries == 1);
  CHECK(io.iotlb.miss_latency == 7);
  CHECK(io.qi.fetch == 1);
  CHECK(io.qi.context_cache == 2);
  CHECK(io.qi.iotlb == 3);
  CHECK(io.qi.dev_tlb == 4);
  CHECK(io.qi.wait == 5);
  CHECK(io.qi.piotlb == 6);
  CHECK(io.qi.pasid_cache == 7);
  CHECK(io.qi.pasid_dev_tlb == 8);
}

TEST_CASE("legacy mode accepts the mode-independent IOMMU settings", "[scenario]") {
  const Scenario s = load(R"(
platform:
  cpu:
    cache: {evict: false}
  iommu:
    coherent: false
    caching_mode: true
    context_cache: {entries: 2}
    iotlb: {enabled: false}
    qi: {fetch: 3, context_cache: 4, iotlb: 5, dev_tlb: 6, wait: 7}
)");
  CHECK(s.platform.iommu.mode == TranslationMode::Legacy);
  CHECK_FALSE(s.platform.iommu.coherent);
  CHECK_FALSE(s.platform.cpu.cache.evict);
  CHECK(s.platform.cpu.cache.eviction_delay == 1000);  // default
  CHECK(s.platform.iommu.context_cache.entries == 2);
  CHECK_FALSE(s.platform.iommu.iotlb.enabled);
  CHECK(s.platform.iommu.qi.wait == 7);
  CHECK(s.platform.iommu.qi.piotlb == 30);  // default
}

TEST_CASE("scalable tables and PASID traffic round-trip", "[scenario]") {
  const Scenario s = load(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - {name: sl, did: 2, aw: 3, mappings: [{iova: 0, pa: 0x5000}]}
    - name: fl
      did: 3
      type: first_level
      fl_levels: 5
      parent: sl
      mappings: [{iova: 0x1000, pa: 0, write: false}]
    - {name: fl4, did: 4, type: first_level}
    - {name: sl2, did: 5, type: second_level}
  devices:
    - bdf: "00:02.0"
      ats: true
      pasids:
        - {pasid: 0, domain: sl}
        - {pasid: 1, domain: fl}
        - {pasid: 2, domain: fl4, fpd: true}
        - {pasid: 3, pgtt: pass_through}
        - {pasid: 0xFFFFF}
        - {pasid: 5, domain: sl2, pgtt: second_level}
        - {pasid: 6, domain: fl, pgtt: nested}
        - {pasid: 7, domain: fl4, pgtt: first_level}
    - bdf: "00:03.0"
      context: false
traffic:
  - device: "00:02.0"
    pasid: 0x12
    iova: 0x1000
    at: [1]
  - device: "00:02.0"
    iova: 0
    at: [2]
)");
  REQUIRE(s.tables.domains.size() == 4);
  const Domain& sl = s.tables.domains[0];
  CHECK(sl.type == "second_level");
  CHECK(sl.aw == 3);
  CHECK(sl.parent.empty());
  const Domain& fl = s.tables.domains[1];
  CHECK(fl.type == "first_level");
  CHECK(fl.fl_levels == 5);
  CHECK(fl.parent == "sl");
  REQUIRE(fl.mappings.size() == 1);
  CHECK(fl.mappings[0].read);
  CHECK_FALSE(fl.mappings[0].write);
  CHECK(s.tables.domains[2].fl_levels == 4);  // default
  CHECK(s.tables.domains[3].type == "second_level");

  REQUIRE(s.tables.devices.size() == 2);
  const Device& d = s.tables.devices[0];
  CHECK(d.context);  // default
  CHECK(d.ats);
  CHECK(d.domain.empty());
  REQUIRE(d.pasids.size() == 8);
  CHECK(d.pasids[0].pasid == 0);
  CHECK(d.pasids[0].domain == "sl");
  CHECK(d.pasids[0].pgtt == "second_level");  // from the domain
  CHECK(d.pasids[0].loc.str() == "t.yaml:17:11");
  CHECK(d.pasids[1].pgtt == "nested");  // a first_level domain with a parent
  CHECK_FALSE(d.pasids[1].fpd);
  CHECK(d.pasids[2].pgtt == "first_level");
  CHECK(d.pasids[2].fpd);
  CHECK(d.pasids[3].pgtt == "pass_through");
  CHECK(d.pasids[3].domain.empty());
  CHECK(d.pasids[4].pasid == 0xFFFFF);
  CHECK(d.pasids[4].domain.empty());
  CHECK(d.pasids[5].pgtt == "second_level");
  CHECK(d.pasids[6].pgtt == "nested");
  CHECK(d.pasids[7].pgtt == "first_level");
  CHECK_FALSE(s.tables.devices[1].context);
  CHECK_FALSE(s.tables.devices[1].ats);
  CHECK(s.tables.devices[1].pasids.empty());

  REQUIRE(s.traffic.size() == 2);
  CHECK(s.traffic[0].pasid == std::optional<u32>(0x12));
  CHECK_FALSE(s.traffic[1].pasid.has_value());
}

TEST_CASE("a nested domain may name a parent declared after it", "[scenario]") {
  const Scenario s = load(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - {name: guest, did: 3, type: first_level, parent: host}
    - {name: host, did: 2}
)");
  CHECK(s.tables.domains[0].parent == "host");
}

TEST_CASE("extra CPUs and the new raw ops round-trip", "[scenario]") {
  const Scenario s = load(R"(
program:
  - ops:
      - {op: store32, addr: 0x1004, value: 0xffffffff, once: true}
      - {op: mmio_write, reg: 0x88, value: 0x20, bytes: 4}
      - {op: mmio_write, reg: 0x90, value: 0xffffffffffffffff, bytes: 8}
      - {op: mmio_read, reg: 0x80, bytes: 4}
      - {op: poll, addr: 0x2008, mask: 0xff00000000, value: 0x200000000}
      - {op: lock, addr: 0x3000}
      - {op: unlock, addr: 0x3000}
      - {op: store32, addr: 0x1000, value: 1}
cpus:
  - start: 7
    program:
      - delay: 3
      - ops: [{op: lock, addr: 0x3008}]
  - program:
      - sequence: something
        device: "00:02.0"
)");
  REQUIRE(s.program.size() == 1);
  const std::vector<RawOp>& ops = s.program[0].ops;
  REQUIRE(ops.size() == 8);
  CHECK(ops[0].op == "store32");
  CHECK(ops[0].addr == 0x1004);
  CHECK(ops[0].value == 0xffffffff);
  CHECK(ops[0].once);
  CHECK(ops[0].bytes == 4);
  CHECK(ops[1].op == "mmio_write");
  CHECK(ops[1].addr == 0x88);
  CHECK(ops[1].value == 0x20);
  CHECK(ops[1].bytes == 4);
  CHECK(ops[2].value == 0xffffffffffffffffull);
  CHECK(ops[2].bytes == 8);
  CHECK(ops[3].op == "mmio_read");
  CHECK(ops[3].addr == 0x80);
  CHECK(ops[3].bytes == 4);
  CHECK(ops[4].op == "poll");
  CHECK(ops[4].addr == 0x2008);
  CHECK(ops[4].mask == 0xff00000000ull);
  CHECK(ops[4].value == 0x200000000ull);
  CHECK(ops[5].op == "lock");
  CHECK(ops[5].addr == 0x3000);
  CHECK(ops[6].op == "unlock");
  CHECK(ops[6].addr == 0x3000);
  CHECK_FALSE(ops[7].once);

  REQUIRE(s.more_cpus.size() == 2);
  CHECK(s.more_cpus[0].start == 7);
  CHECK(s.more_cpus[0].loc.str() == "t.yaml:12:5");
  REQUIRE(s.more_cpus[0].program.size() == 2);
  CHECK(s.more_cpus[0].program[0].kind == ProgramItem::Kind::Delay);
  CHECK(s.more_cpus[0].program[0].delay == 3);
  REQUIRE(s.more_cpus[0].program[1].ops.size() == 1);
  CHECK(s.more_cpus[0].program[1].ops[0].addr == 0x3008);
  CHECK(s.more_cpus[1].start == 0);  // default
  REQUIRE(s.more_cpus[1].program.size() == 1);
  CHECK(s.more_cpus[1].program[0].sequence == "something");
  CHECK(s.more_cpus[1].program[0].args.at("device").loc.str() == "t.yaml:18:17");
}

TEST_CASE("mode-specific platform keys are rejected in the other mode", "[scenario]") {
  check_error(R"(
platform:
  iommu:
    pasid_cache: {entries: 2}
)",
              "3:5", "'pasid_cache' in platform.iommu applies to scalable mode only");
  // Wherever `mode` is written.
  check_error(R"(
platform:
  iommu:
    pasid_cache: {entries: 2}
    mode: legacy
)",
              "3:5", "legacy mode has no PASID cache");
  check_error(R"(
platform:
  iommu:
    qi: {fetch: 1, piotlb: 2}
)",
              "3:20", "'piotlb' in platform.iommu.qi applies to scalable mode only");
  check_error(R"(
platform:
  iommu:
    qi: {pasid_dev_tlb: 2}
)",
              "3:10", "scalable mode only");
  check_error(R"(
platform:
  iommu:
    qi: {dev_tlbs: 2}
)",
              "3:10",
              "allowed: fetch, context_cache, iotlb, dev_tlb, wait, piotlb, pasid_cache, pasid_dev_tlb");
}

TEST_CASE("IOMMU cache and CPU cost ranges", "[scenario]") {
  check_error(R"(
platform:
  iommu:
    iotlb: {entries: 0}
)",
              "3:22", "expected an integer >= 1");
  check_error(R"(
platform:
  iommu:
    context_cache: {enabled: yes}
)",
              "3:30", "true or false");
  check_error(R"(
platform:
  iommu:
    iotlb: {size: 4}
)",
              "3:13", "allowed: enabled, entries, hit_latency, miss_latency");
  check_error(R"(
platform:
  cpu:
    costs: {poll: 0}
)",
              "3:19", "platform.cpu.costs.poll: expected an integer >= 1");
  check_error(R"(
platform:
  cpu:
    costs: {mmios: 0}
)",
              "3:13", "invalidation, branch, mmio, poll, atomic");
}

TEST_CASE("the CPU cache needs non-coherent walks", "[scenario]") {
  check_error(R"(
platform:
  cpu:
    cache: {evict: true}
)",
              "3:5", "platform.cpu.cache has no effect while page walks are coherent");
  check_error(R"(
platform:
  iommu:
    coherent: true
  cpu:
    cache: {evict: true}
)",
              "5:5", "set coherent: false");
  check_error(R"(
platform:
  cpu:
    cache: {eviction_delay: 5}
  iommu:
    coherent: false
)",
              "3:13", "'eviction_delay' in platform.cpu.cache applies only with evict: true");
  check_error(R"(
platform:
  cpu:
    cache: {evict: true, eviction_delay: 0}
  iommu: {coherent: false}
)",
              "3:42", "expected an integer >= 1");
  check_error(R"(
platform:
  cpu:
    cache: {flush: true}
  iommu: {coherent: false}
)",
              "3:13", "allowed: evict, eviction_delay");
}

TEST_CASE("domain types and their keys", "[scenario]") {
  check_error(R"(
tables:
  domains:
    - {name: a, did: 2, type: first_level}
)",
              "3:31", "first_level domains need scalable mode");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - {name: a, did: 2, type: third_level}
)",
              "4:31", "one of second_level, first_level");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - name: a
      did: 2
      type: first_level
      aw: 2
)",
              "7:7", "'aw' in tables.domains[0] applies to second_level domains only");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - {name: a, did: 2, fl_levels: 4}
)",
              "4:25", "'fl_levels' in tables.domains[0] applies to first_level domains only");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - {name: a, did: 2, parent: b}
)",
              "4:25", "'parent' in tables.domains[0] applies to first_level domains only");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - {name: a, did: 2, type: first_level, fl_levels: 6}
)",
              "4:55", "expected an integer in 4..5");
  check_error(R"(
platform: {iommu: {mode: scalable, fl5lp: false}}
tables:
  domains:
    - {name: a, did: 2, type: first_level, fl_levels: 5}
)",
              "4:55", "needs platform.iommu.fl5lp: true");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - {name: a, did: 2, type: first_level, parent: s}
)",
              "4:52", "domain 's' is not declared under tables.domains (declared: a)");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - {name: a, did: 2, type: first_level, parent: b}
    - {name: b, did: 3, type: first_level}
)",
              "4:52", "must be a second_level domain; 'b' is first_level");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - name: a
      did: 2
      type: first_level
      mappings:
        - {iova: 0, pa: 0, read: false}
)",
              "8:34", "read: false is not expressible in a first_level domain");
}

TEST_CASE("device keys belong to one mode", "[scenario]") {
  for (const char* key : {"ats: true", "context: true", "pasids: []"}) {
    const std::string text = std::string("tables:\n  devices:\n    - {bdf: \"00:02.0\", ") + key + "}\n";
    std::string msg;
    try {
      load_scenario_text(text, "t.yaml");
    } catch (const ScenarioError& e) {
      msg = e.what();
    }
    INFO(msg);
    CHECK_THAT(msg, StartsWith("t.yaml:3:24: "));
    CHECK_THAT(msg, Contains("applies to scalable mode only"));
  }
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains: [{name: d, did: 2}]
  devices:
    - {bdf: "00:02.0", translation: pass_through}
)",
              "5:24", "'translation' in tables.devices[0] applies to legacy mode only");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains: [{name: d, did: 2}]
  devices:
    - {bdf: "00:02.0", domain: d}
)",
              "5:24", "attach domains per PASID under 'pasids'");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  devices:
    - bdf: "00:02.0"
      context: false
      pasids: [{pasid: 1}]
)",
              "6:7", "needs a present context entry");
}

TEST_CASE("PASID attachments", "[scenario]") {
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 0x100000}]
)",
              "5:24", "expected an integer in 0..1048575");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  devices:
    - bdf: "00:02.0"
      pasids:
        - {pasid: 1}
        - {pasid: 0x1}
)",
              "7:19", "PASID 0x1 is listed twice for device 00:02.0 (first at 6:11)");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  devices:
    - bdf: "00:02.0"
      pasids: [{domain: d}]
)",
              "5:16", "needs key 'pasid'");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 1, pgtt: nested}]
)",
              "5:33", "pgtt nested needs a domain");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 1, pgtt: identity}]
)",
              "5:33", "one of first_level, second_level, nested, pass_through");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains: [{name: d, did: 2}]
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 1, domain: d, pgtt: pass_through}]
)",
              "6:35", "pgtt pass_through takes no domain");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains: [{name: d, did: 2}]
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 1, domain: d, pgtt: first_level}]
)",
              "6:44",
              "pgtt first_level needs a first_level domain without a parent; 'd' is a second_level domain");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains: [{name: f, did: 2, type: first_level}]
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 1, domain: f, pgtt: nested}]
)",
              "6:44",
              "needs a first_level domain with a parent; 'f' is a first_level domain without a parent");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains: [{name: f, did: 2, type: first_level}]
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 1, domain: f, pgtt: second_level}]
)",
              "6:44", "pgtt second_level needs a second_level domain");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains:
    - {name: s, did: 2}
    - {name: f, did: 3, type: first_level, parent: s}
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 1, domain: f, pgtt: first_level}]
)",
              "8:44", "'f' is a first_level domain nested in 's'");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  domains: [{name: d, did: 2}]
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 1, domain: zz}]
)",
              "6:35", "domain 'zz' is not declared under tables.domains (declared: d)");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 1, fpd: 1}]
)",
              "5:32", "true or false");
}

TEST_CASE("traffic PASIDs", "[scenario]") {
  check_error(R"(
tables:
  devices:
    - bdf: 00:02.0
traffic:
  - device: 00:02.0
    pasid: 1
    iova: 0
    at: [1]
)",
              "6:5", "'pasid' in traffic[0] applies to scalable mode only");
  check_error(R"(
platform: {iommu: {mode: scalable}}
tables:
  devices:
    - bdf: 00:02.0
traffic:
  - device: 00:02.0
    pasid: 0x100000
    iova: 0
    at: [1]
)",
              "7:12", "expected an integer in 0..1048575");
}

TEST_CASE("extra CPUs", "[scenario]") {
  check_error(R"(
cpus:
  - start: 5
)",
              "2:5", "cpus[0] needs key 'program'");
  check_error(R"(
cpus:
  - program: []
)",
              "2:14", "cpus[0].program: an extra CPU needs at least one program item");
  check_error(R"(
cpus:
  - program:
      - delay: x
)",
              "3:16", "cpus[0].program[0].delay: expected an unsigned integer");
  check_error(R"(
cpus:
  - {program: [{delay: 1}], core: 2}
)",
              "2:29", "unknown key 'core' in cpus[0] (allowed: start, program)");
  check_error(R"(
cpus: {start: 1}
)",
              "1:7", "cpus: expected a list");
}

TEST_CASE("new raw ops check alignment and widths", "[scenario]") {
  check_error(R"(
program:
  - ops:
      - {op: store32, addr: 0x1002, value: 1}
)",
              "3:29", "0x1002 is not 4-byte aligned");
  check_error(R"(
program:
  - ops:
      - {op: store32, addr: 0, value: 0x100000000}
)",
              "3:39", "expected an integer <= 4294967295");
  check_error(R"(
program:
  - ops:
      - {op: mmio_read, reg: 0x80, bytes: 2}
)",
              "3:43", "expected 4 or 8");
  check_error(R"(
program:
  - ops:
      - {op: mmio_write, reg: 0x84, value: 0, bytes: 8}
)",
              "3:31", "register offset 0x84 is not 8-byte aligned");
  check_error(R"(
program:
  - ops:
      - {op: mmio_read, reg: 0x1000, bytes: 4}
)",
              "3:30", "expected an integer in 0..4095");
  check_error(R"(
program:
  - ops:
      - {op: mmio_write, reg: 0x88, value: 0x100000000, bytes: 4}
)",
              "3:44", "expected an integer <= 4294967295");
  check_error(R"(
program:
  - ops:
      - {op: mmio_read, reg: 0x80}
)",
              "3:9", "needs key 'bytes'");
  check_error(R"(
program:
  - ops:
      - {op: poll, addr: 8, mask: 0xf, value: 0x10}
)",
              "3:47", "0x10 has bits outside mask 0xf");
  check_error(R"(
program:
  - ops:
      - {op: poll, addr: 8, mask: 1, value: 1, bytes: 4}
)",
              "3:48", "unknown key 'bytes' for op poll");
  check_error(R"(
program:
  - ops:
      - {op: lock, addr: 4}
)",
              "3:26", "0x4 is not 8-byte aligned");
  check_error(R"(
program:
  - ops:
      - {op: unlock}
)",
              "3:9", "needs key 'addr'");
}

TEST_CASE("sweep section: every dimension and its errors at file:line", "[scenario][sweep]") {
  const Scenario s = load(R"(
sweep:
  offsets: {from: -20, to: 15}
  burst_orders: [ascending, [3, 2, 1, 0]]
  inter_burst: [0, 5]
  compiler_orders: all
  max_compiler_orders: 50
  store_buffer_delay: [1, 2]
  expect: {torn_fetch: ">= 3"}
)");
  REQUIRE(s.sweep.offsets);
  CHECK(s.sweep.offsets->first == -20);
  CHECK(s.sweep.offsets->second == 15);
  CHECK(s.sweep.burst_orders == std::vector<std::vector<unsigned>>{{}, {3, 2, 1, 0}});
  CHECK_FALSE(s.sweep.all_burst_orders);
  CHECK(s.sweep.inter_burst == std::vector<Cycle>{0, 5});
  CHECK(s.sweep.all_compiler_orders);
  CHECK(s.sweep.max_compiler_orders == 50u);
  CHECK(s.sweep.store_buffer_delay == std::vector<Cycle>{1, 2});
  REQUIRE(s.sweep.expect.count("torn_fetch"));
  CHECK(s.sweep.expect.at("torn_fetch").str() == ">= 3");
  CHECK(load("sweep: {burst_orders: all}\n").sweep.all_burst_orders);

  check_error("sweep:\n  offsets: {from: 5, to: 1}\n", "2:12", "after");
  check_error("sweep:\n  burst_orders: [[0, 0, 1]]\n", "2:22", "permutation");
  check_error("sweep:\n  inter_burst: []\n", "2:16", "at least one");
  check_error("sweep:\n  compiler_orders: some\n", "2:20", "all");
  check_error("sweep:\n  windows: 3\n", "2:3", "unknown key 'windows'");
  check_error("sweep:\n  expect: {torn: 1}\n", "2:12", "unknown verdict kind");
}

TEST_CASE("sweep section: queue latencies in type order, MMIO costs, and their errors at file:line",
          "[scenario][sweep]") {
  const Scenario s = load(R"(
platform:
  iommu: {mode: scalable}
sweep:
  qi_latency: {pasid_cache: [20, 2000], iotlb: [30, 0x1000]}
  mmio_cost: [50, 500]
)");
  using L = std::vector<std::pair<std::string, std::vector<Cycle>>>;
  CHECK(s.sweep.qi_latency == L{{"iotlb", {30, 0x1000}}, {"pasid_cache", {20, 2000}}});
  CHECK(s.sweep.mmio_cost == std::vector<Cycle>{50, 500});
  CHECK(load("sweep: {qi_latency: {wait: [1099511627776]}}\n").sweep.qi_latency ==
        L{{"wait", {kMaxSweptCycles}}});
  CHECK(load("sweep: {}\n").sweep.qi_latency.empty());

  check_error("sweep:\n  qi_latency: {pasid: [1]}\n", "2:16",
              "unknown descriptor type 'pasid' in sweep.qi_latency (known: fetch, context_cache, iotlb, "
              "dev_tlb, wait, piotlb, pasid_cache, pasid_dev_tlb)");
  check_error("sweep:\n  qi_latency: {iotlb: []}\n", "2:23", "at least one value");
  check_error("sweep:\n  qi_latency: {}\n", "2:15", "at least one descriptor type");
  check_error("sweep:\n  qi_latency: [20, 2000]\n", "2:15", "expected a map");
  check_error("sweep:\n  qi_latency: {iotlb: 30}\n", "2:23", "expected a list");
  check_error("sweep:\n  qi_latency: {iotlb: [-1]}\n", "2:24", "sweep.qi_latency.iotlb[0]");
  check_error("sweep:\n  qi_latency: {iotlb: [1099511627777]}\n", "2:24",
              "cycles is more than the limit of 1099511627776 (2^40) cycles");
  // Legacy mode never issues PASID-granular descriptors, as for platform.iommu.qi.
  check_error("sweep:\n  qi_latency: {piotlb: [1]}\n", "2:16", "scalable mode only");
  check_error("sweep:\n  mmio_cost: []\n", "2:14", "at least one value");
  check_error("sweep:\n  mmio_cost: [50, 1099511627777]\n", "2:19",
              "cycles is more than the limit of 1099511627776 (2^40) cycles");
}

TEST_CASE("expect returns lists items with their return value, as -ERRNO, ERRNO or an integer",
          "[scenario][returns]") {
  const Scenario s = load(R"(
program:
  - delay: 1
  - delay: 2
cpus:
  - program:
      - delay: 3
expect:
  torn_fetch: 0
  returns:
    - {item: 1, value: -EBUSY}
    - {item: 0, cpu: 1, value: EINVAL}
    - item: 0
      value: -110
)");
  REQUIRE(s.expect_returns.size() == 3);
  CHECK(s.expect_returns[0] == ReturnExpectation{0, 1, -16, SourceLoc{"t.yaml", 10, 7}});
  CHECK(s.expect_returns[1].cpu == 1);
  CHECK(s.expect_returns[1].value == -22);
  CHECK(s.expect_returns[2].value == -110);
  CHECK(s.expect.size() == 1);
}

TEST_CASE("expect returns: bad errnos, items and CPUs are reported at the value", "[scenario][returns]") {
  const char* prog = R"(
program:
  - delay: 1
cpus:
  - program:
      - delay: 3
expect:
  returns:
)";
  const auto with = [&](const std::string& entry) {
    static std::string text;
    text = std::string(prog) + "    - " + entry + "\n";
    return text.c_str();
  };
  check_error(with("{item: 0, value: -EFOO}"), "8:24", "expected a return value");
  check_error(with("{item: 0, value: 16}"), "8:24", "a negative integer");
  check_error(with("{item: 0, value: ebusy}"), "8:24", "EBUSY");
  check_error(with("{item: 1, value: -EBUSY}"), "8:14",
              "CPU 0's program has 1 item (0..0); there is no item 1");
  check_error(with("{item: 1, cpu: 1, value: -EBUSY}"), "8:14", "no item 1");
  check_error(with("{item: 0, cpu: 2, value: -EBUSY}"), "8:22",
              "cpu 2 does not exist (the scenario has CPU 0..1)");
  check_error(with("{item: 0}"), "8:7", "needs key 'value'");
  check_error(with("{value: -EBUSY}"), "8:7", "needs key 'item'");
  check_error(with("{item: 0, value: -EBUSY, ret: 1}"), "8:32", "unknown key 'ret'");
  check_error(with("{item: 0, value: -EBUSY}\n    - {item: 0, cpu: 0, value: 0}"), "9:14", "listed twice");
  check_error(R"(
expect:
  returns: {item: 0}
)",
              "2:12", "expected a list");
  check_error(R"(
sweep:
  expect:
    returns: []
)",
              "3:5", "every interleaving of a sweep is held to the scenario's expect: returns:");
}

TEST_CASE("mutant: names a mutant by id, kept with its location", "[scenario]") {
  const Scenario s = load(R"(
name: x
mutant: drop-wait:cpu0:item0:qi1
)");
  REQUIRE(s.mutant);
  CHECK(s.mutant->id == "drop-wait:cpu0:item0:qi1");
  CHECK(s.mutant->loc.str() == "t.yaml:2:9");
  CHECK_FALSE(load("name: x\n").mutant);
  check_error(R"(
mutant: ""
)",
              "1:9", "mutant: must not be empty");
  check_error(R"(
mutant: [a, b]
)",
              "1:9", "a string");
}

TEST_CASE("every cycle-valued field is at most 2^40 cycles, reported at the value", "[scenario][limits]") {
  // Each line sets one field; {} is replaced by the value tried.
  const std::vector<std::pair<std::string, std::string>> fields{
      {"platform:\n  cpu:\n    store_buffer_delay: {}\n", "3:25"},
      {"platform:\n  cpu:\n    start: {}\n", "3:12"},
      {"platform:\n  cpu:\n    costs: {mmio: {}}\n", "3:19"},
      {"platform:\n  cpu:\n    costs: {poll: {}}\n", "3:19"},
      {"platform:\n  iommu: {coherent: false}\n  cpu:\n    cache: {evict: true, eviction_delay: {}}\n",
       "4:42"},
      {"platform:\n  iommu:\n    burst_latency: {}\n", "3:20"},
      {"platform:\n  iommu:\n    inter_burst: {}\n", "3:18"},
      {"platform:\n  iommu:\n    pte_latency: {}\n", "3:18"},
      {"platform:\n  iommu:\n    iotlb: {hit_latency: {}}\n", "3:26"},
      {"platform:\n  iommu:\n    iotlb: {miss_latency: {}}\n", "3:27"},
      {"platform:\n  iommu:\n    qi: {iotlb: {}}\n", "3:17"},
      {"platform:\n  sim:\n    max_cycles: {}\n", "3:17"},
      {"program:\n  - delay: {}\n", "2:12"},
      {"program:\n  - ops:\n      - {op: delay, cycles: {}}\n", "3:29"},
      {"cpus:\n  - start: {}\n    program:\n      - delay: 1\n", "2:12"},
      {"sweep:\n  inter_burst: [{}]\n", "2:17"},
      {"sweep:\n  store_buffer_delay: [{}]\n", "2:24"},
      {"sweep:\n  qi_latency: {iotlb: [{}]}\n", "2:24"},
      {"sweep:\n  mmio_cost: [{}]\n", "2:15"},
  };
  auto with = [](std::string text, const std::string& v) { return text.replace(text.find("{}"), 2, v); };
  for (const auto& [text, where] : fields) {
    INFO(text);
    // The limit itself loads.
    CHECK_NOTHROW(load(with(text, "1099511627776").c_str()));
    // One more, and the values of the reported reproducers, do not.
    for (const char* v : {"1099511627777", "18446744073709551", "0x8000000000000000", "9223372036854775807",
                          "18446744073709551615"})
      check_error(with(text, v).c_str(), where,
                  "cycles is more than the limit of 1099511627776 (2^40) cycles");
  }
}

TEST_CASE("traffic times and counts are bounded, reported at the value", "[scenario][limits]") {
  const std::string head = R"(tables:
  devices:
    - bdf: "00:02.0"
traffic:
  - device: "00:02.0"
    iova: 0x1000
)";
  auto err = [&](const std::string& tail) {
    try {
      load_scenario_text(head + tail, "t.yaml");
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  const std::string limit = "cycles is more than the limit of 1099511627776 (2^40) cycles";
  CHECK_THAT(err("    every: 0x8000000000000000\n    count: 2\n"),
             StartsWith("t.yaml:7:12: ") && Contains(limit));
  CHECK_THAT(err("    every: 1\n    count: 2\n    start: 18446744073709551615\n"),
             StartsWith("t.yaml:9:12: ") && Contains(limit));
  CHECK_THAT(err("    at: [1, 18446744073709551615]\n"), StartsWith("t.yaml:7:13: ") && Contains(limit));
  CHECK_THAT(err("    every: 1\n    count: 1099511627777\n"),
             StartsWith("t.yaml:8:12: ") && Contains("1099511627776"));
  CHECK(err("    every: 1099511627776\n    count: 1099511627776\n    start: 1099511627776\n") ==
        "<no error>");
}

TEST_CASE("sweep offsets are bounded by 2^40 either way", "[scenario][limits]") {
  check_error("sweep:\n  offsets: {from: -1099511627777, to: 0}\n", "2:19", "-2^40..2^40");
  check_error("sweep:\n  offsets: {from: 0, to: 9223372036854775807}\n", "2:26", "-2^40..2^40");
  CHECK_NOTHROW(load("sweep:\n  offsets: {from: -1099511627776, to: 1099511627776}\n"));
  check_error("sweep:\n  max_compiler_orders: 1048577\n", "2:24", "1..1048576");
}

// Found by the fuzz target tests/fuzz/simulate.cpp (its corpus keeps the
// input): the loader took these, and the run then ended as a model error
// (exit 3, "SystemC: Warning: top.cpu0: MMIO read at 0x0 failed").
TEST_CASE("raw MMIO accesses the register file would refuse are refused at the reg key", "[scenario]") {
  check_error(R"(
program:
  - ops:
      - {op: mmio_read, reg: 0x0, bytes: 8}
)",
              "3:30",
              "an 8-byte read at 0x0: unsupported access size (registers: VER 0x0 (4 bytes, read-only)");
  check_error(R"(
program:
  - ops:
      - {op: mmio_read, reg: 0x200, bytes: 4}
)",
              "3:30", "a 4-byte read at 0x200: unmapped offset");
  check_error(R"(
program:
  - ops:
      - {op: mmio_write, reg: 0x1c, value: 1, bytes: 4}
)",
              "3:31", "a 4-byte write at 0x1c: read-only register");
  // Halves of 8-byte registers, writable registers: accepted.
  CHECK(error_of(R"(
program:
  - ops:
      - {op: mmio_read, reg: 0xc, bytes: 4}
      - {op: mmio_read, reg: 0x1c, bytes: 4}
      - {op: mmio_write, reg: 0x18, value: 0x80000000, bytes: 4}
)") == "<no error>");
}

// Found by the fuzz target tests/fuzz/loader.cpp (tests/fuzz/corpus/loader
// keeps the input): yaml-cpp 0.7's YAML::LoadAll collects empty documents at
// a lone ',' forever, so loading took all memory and ended in bad_alloc.
TEST_CASE("a text the YAML parser cannot start a document at is refused at once, in bounded memory",
          "[scenario]") {
  check_error(",", "1:1", "unexpected ',': not the start of a YAML value");
  check_error(" , as the review discussed.", "1:2", "unexpected ','");
  check_error("name: a\n---\nname: b\n", "3:1", "only one YAML document per scenario file");
}
