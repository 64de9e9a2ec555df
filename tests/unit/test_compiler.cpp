#include <catch2/catch.hpp>

#include "cpu_model/compiler.hpp"

using namespace vtd;

namespace {

// lo at 0x1000, hi at 0x1008, as the pre-fix legacy mapping writes them.
DriverOp mapping_like(bool once_p) {
  DriverOp d;
  d.ops.push_back(Operation::assign64(0x1000, 0, "lo=0"));
  d.ops.push_back(Operation::assign64(0x1008, 0, "hi=0"));
  d.ops.push_back(Operation::rmw64(0x1008, 0, 0x200, "did"));
  d.ops.push_back(Operation::rmw64(0x1000, ~0xfffull, 0x5000, "root"));
  d.ops.push_back(Operation::rmw64(0x1008, 0, 2, "aw"));
  if (once_p) d.ops.push_back(Operation::simple(OpKind::CompilerBarrier, "dma_wmb"));
  d.ops.push_back(Operation::rmw64(0x1000, 0, 1, "P", once_p));
  return d;
}

std::vector<std::string> labels(const EmittedProgram& p) {
  std::vector<std::string> v;
  for (const auto& e : p.ops) v.push_back(e.op.label);
  return v;
}

}  // namespace

TEST_CASE("compose_rmw applies two read-modify-writes in order", "[compiler]") {
  u64 clear = 0xff, set = 0x12;
  compose_rmw(clear, set, 0x0f, 0x3);
  const u64 x = 0xabcd;
  CHECK(((x & ~clear) | set) == ((((x & ~0xffull) | 0x12) & ~0x0full) | 0x3));
}

TEST_CASE("program order without merging keeps every store in place", "[compiler]") {
  const auto p = emit_program({mapping_like(false)}, false, CompilerOrder{});
  CHECK(labels(p) == std::vector<std::string>{"lo=0", "hi=0", "did", "root", "aw", "P"});
  REQUIRE(p.regions.size() == 1);
  CHECK(p.regions[0].units.size() == 6);
}

TEST_CASE("merging folds the read-modify-writes of one word into one store at the last", "[compiler]") {
  const auto p = emit_program({mapping_like(false)}, true, CompilerOrder{});
  REQUIRE(p.ops.size() == 2);
  CHECK(p.ops[0].op.addr == 0x1008);  // hi's last RMW (aw) comes before lo's (P)
  CHECK(p.ops[0].op.clear == ~0ull);
  CHECK(p.ops[0].op.set == 0x202);
  CHECK(p.ops[1].op.addr == 0x1000);
  CHECK(p.ops[1].op.set == 0x5001);
  CHECK(p.ops[1].sources == std::vector<u32>{0, 3, 5});
}

TEST_CASE("reversed emits the latest legal store first", "[compiler]") {
  CompilerOrder rev;
  rev.kind = CompilerOrder::Kind::Reversed;
  SECTION("merged: lo (with P) before hi") {
    const auto p = emit_program({mapping_like(false)}, true, rev);
    REQUIRE(p.ops.size() == 2);
    CHECK(p.ops[0].op.addr == 0x1000);
    CHECK(p.ops[1].op.addr == 0x1008);
  }
  SECTION("unmerged: stores to one word stay in program order") {
    const auto p = emit_program({mapping_like(false)}, false, rev);
    std::vector<std::string> lo, hi;
    for (const auto& e : p.ops) (e.op.addr == 0x1000 ? lo : hi).push_back(e.op.label);
    CHECK(lo == std::vector<std::string>{"lo=0", "root", "P"});
    CHECK(hi == std::vector<std::string>{"hi=0", "did", "aw"});
    // hi=0 is the latest store with nothing before it on its word.
    CHECK(labels(p) == std::vector<std::string>{"hi=0", "did", "aw", "lo=0", "root", "P"});
  }
  SECTION("a barrier bounds the region") {
    const auto p = emit_program({mapping_like(true)}, true, rev);
    REQUIRE(p.ops.size() == 4);
    CHECK(p.ops[2].op.kind == OpKind::CompilerBarrier);
    CHECK(p.ops[3].op.label == "P");
    CHECK(p.regions.size() == 2);
  }
}

TEST_CASE("explicit permutations are validated against the constraints", "[compiler]") {
  CompilerOrder ex;
  ex.kind = CompilerOrder::Kind::Explicit;
  ex.loc = SourceLoc{"s.yaml", 7, 9};
  SECTION("a legal permutation is applied") {
    ex.permutations[0] = {1, 0};
    const auto p = emit_program({mapping_like(false)}, true, ex);
    CHECK(p.ops[0].op.addr == 0x1000);
  }
  SECTION("same-word order cannot be broken") {
    ex.permutations[0] = {3, 0, 1, 2, 4, 5};
    CHECK_THROWS_WITH(emit_program({mapping_like(false)}, false, ex),
                      Catch::Contains("s.yaml:7:9") && Catch::Contains("same word"));
  }
  SECTION("WRITE_ONCE stores keep their order") {
    DriverOp d;
    d.ops.push_back(Operation::assign64(0x0, 1, "a", true));
    d.ops.push_back(Operation::assign64(0x8, 1, "b", true));
    ex.permutations[0] = {1, 0};
    CHECK_THROWS_WITH(emit_program({d}, false, ex), Catch::Contains("WRITE_ONCE"));
  }
  SECTION("wrong size and unknown regions are errors") {
    ex.permutations[0] = {0};
    CHECK_THROWS_WITH(emit_program({mapping_like(false)}, true, ex), Catch::Contains("lists 1"));
    ex.permutations.clear();
    ex.permutations[4] = {0};
    CHECK_THROWS_WITH(emit_program({mapping_like(false)}, true, ex), Catch::Contains("region 4"));
  }
}

TEST_CASE("driver operations are separate regions", "[compiler]") {
  DriverOp a, b;
  a.ops.push_back(Operation::assign64(0x0, 1, "a"));
  b.ops.push_back(Operation::assign64(0x0, 2, "b"));
  const auto p = emit_program({a, b}, true, CompilerOrder{});
  REQUIRE(p.ops.size() == 2);
  CHECK(p.ops[0].item == 0);
  CHECK(p.ops[1].item == 1);
}
