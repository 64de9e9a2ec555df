// Operations a CPU executes. Driver sequences emit them; the compiler model
// (compiler.hpp) decides the order plain stores are emitted in.
#pragma once

#include <string>
#include <vector>

#include "base/types.hpp"

namespace vtd {

enum class OpKind : u8 {
  Store64,   // read-modify-write of one 64-bit word: new = (old & ~clear) | set
  Store128,  // cmpxchg16b: atomic 128-bit store, full fence
  Load64,
  CompilerBarrier,  // barrier() / dma_wmb() on x86: no run-time effect
  Mfence,           // waits until the store buffer has drained
  Clflush,          // no visible effect while page walks are coherent
  Delay,            // time spent in code that does not touch the tables
  Invalidate,       // a synchronous cache invalidation (timed no-op for now)
  ReturnIfSet,      // driver control flow: end the driver operation if (word & mask) != 0
};
std::string_view to_string(OpKind k);

struct Operation {
  OpKind kind = OpKind::Delay;
  Addr addr = 0;
  // Store64: bits cleared then set. A plain assignment clears all 64 bits.
  u64 clear = 0;
  u64 set = 0;
  // Store128: the new value.
  u64 lo = 0, hi = 0;
  u64 mask = 0;  // ReturnIfSet
  bool once =
      false;         // Store64: WRITE_ONCE (volatile): never merged, kept in order with other volatile stores
  Cycle cycles = 0;  // Delay
  std::string label;  // source-level name: "context_set_domain_id", "WRITE_ONCE(lo)"...

  static Operation assign64(Addr a, u64 v, std::string label, bool once = false) {
    Operation o;
    o.kind = OpKind::Store64;
    o.addr = a;
    o.clear = ~0ull;
    o.set = v;
    o.once = once;
    o.label = std::move(label);
    return o;
  }
  static Operation rmw64(Addr a, u64 clear, u64 set, std::string label, bool once = false) {
    Operation o;
    o.kind = OpKind::Store64;
    o.addr = a;
    o.clear = clear;
    o.set = set;
    o.once = once;
    o.label = std::move(label);
    return o;
  }
  static Operation store128(Addr a, u64 lo, u64 hi, std::string label) {
    Operation o;
    o.kind = OpKind::Store128;
    o.addr = a;
    o.lo = lo;
    o.hi = hi;
    o.label = std::move(label);
    return o;
  }
  static Operation simple(OpKind k, std::string label, Addr a = 0) {
    Operation o;
    o.kind = k;
    o.addr = a;
    o.label = std::move(label);
    return o;
  }
  static Operation delay(Cycle n, std::string label = "delay") {
    Operation o;
    o.kind = OpKind::Delay;
    o.cycles = n;
    o.label = std::move(label);
    return o;
  }
  static Operation return_if_set(Addr a, u64 mask, std::string label) {
    Operation o;
    o.kind = OpKind::ReturnIfSet;
    o.addr = a;
    o.mask = mask;
    o.label = std::move(label);
    return o;
  }
  // Stores and loads are the only operations the compiler may move.
  bool is_region_member() const { return kind == OpKind::Store64; }
};

// One driver operation (a named sequence call or a block of raw operations):
// the unit an update span belongs to.
struct DriverOp {
  std::string name;  // "domain_context_mapping_one[pre_fix] 00:02.0 -> dom1"
  std::vector<Operation> ops;
  SourceLoc loc;
};

// One description per operation in `describe_op`: "store64 0x1008 &~0xffffffffffffffff |0x102 plain".
std::string describe_op(const Operation& op);

}  // namespace vtd
