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
  CHECK(io.mode == "legacy");
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

TEST_CASE("verdict kinds are one table", "[scenario]") {
  CHECK(known_verdict_kinds() ==
        std::vector<std::string>{"torn_fetch", "unsafe_live_update", "benign_mixed_fetch"});
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
      - {op: store32, addr: 0}
)",
              "3:14", "unknown op 'store32'");
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

TEST_CASE("unmodeled IOMMU settings", "[scenario]") {
  check_error(R"(
platform:
  iommu:
    mode: scalable
)",
              "3:11", "only legacy mode");
  check_error(R"(
platform:
  iommu:
    coherent: false
)",
              "3:15", "non-coherent");
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
