// What the compiler may do to a driver's stores, made explicit so a scenario
// (and later a sweep) can choose. Plain 64-bit stores between two compiler
// barriers form a region; within it the compiler may merge read-modify-writes
// of one word (keeping the value in a register) and emit the stores in any
// order that keeps (a) stores to the same word in program order and (b)
// WRITE_ONCE (volatile) stores in program order relative to each other.
// Barriers: barrier()/dma_wmb(), mfence, cmpxchg16b, clflush, invalidations,
// driver branches, raw loads and delays, and driver-operation boundaries.
#pragma once

#include <string>
#include <vector>

#include "cpu_model/operation.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

struct EmittedOp {
  Operation op;              // merged stores carry the composed clear/set and a joined label
  u32 item = 0;              // driver operation (program item) index
  int region = -1;           // region index for stores, -1 otherwise
  std::vector<u32> sources;  // indices into the item's source operations
};

struct Region {
  u32 item = 0;
  std::vector<std::string> units;  // labels of its stores, in program order
  std::vector<Addr> words;         // per unit: the 64-bit word it writes (addr >> 3)
  std::vector<bool> once;          // per unit: WRITE_ONCE
};

struct EmittedProgram {
  std::vector<EmittedOp> ops;
  std::vector<Region> regions;  // regions that contain at least one store
};

// Throws ScenarioError (at order.loc) when an explicit order names a region
// that does not exist, is not a permutation, or breaks a constraint.
EmittedProgram emit_program(const std::vector<DriverOp>& items, bool merge_rmw, const CompilerOrder& order);

// Every order of region `r`'s stores the compiler may emit (the linear
// extensions of the same-word and WRITE_ONCE constraints), in lexicographic
// order, at most `limit` of them.
std::vector<std::vector<unsigned>> legal_orders(const Region& r, std::size_t limit);

// Composition of two read-modify-writes of one word: first a, then b.
inline void compose_rmw(u64& clear, u64& set, u64 clear2, u64 set2) {
  set = (set & ~clear2) | set2;
  clear |= clear2;
}

}  // namespace vtd
