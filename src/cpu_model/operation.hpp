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
  Invalidate,       // a synchronous cache invalidation as a timed no-op (no queued invalidation)
  ReturnIfSet,      // driver control flow: end the driver operation if (word & mask) != 0
  MmioWrite,        // uncached register write (writel/writeq): ordered after earlier stores
  MmioRead,         // uncached register read
  PollUntil,        // spin until (word & mask) == value, re-reading every costs.poll cycles
  Lock,             // spin_lock: locked cmpxchg of the word from 0 to 1, spinning while it is 1
  Unlock,           // spin_unlock: a plain store of 0
  ReturnIfClear,    // driver control flow: end the driver operation if (word & mask) == 0
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
  u64 mask = 0;   // ReturnIfSet, ReturnIfClear, PollUntil
  u64 value = 0;  // PollUntil: awaited (word & mask); MmioWrite: the value
  u8 bytes = 8;   // Store64: 8, or 4 for a 32-bit store (addr 4-byte aligned); MmioWrite/Read: 4 or 8
  bool once =
      false;         // Store64: WRITE_ONCE (volatile): never merged, kept in order with other volatile stores
  Cycle cycles = 0;  // Delay
  // ReturnIfSet, ReturnIfClear: what the driver function returns when the
  // branch is taken: 0 (a normal return, e.g. a reader skipping an entry) or
  // a negative Linux errno (-EBUSY).
  int ret = 0;
  std::string label;  // source-level name: "context_set_domain_id", "WRITE_ONCE(lo)"...
  bool operator==(const Operation&) const = default;

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
  static Operation store32(Addr a, u32 v, std::string label, bool once = false) {
    Operation o = assign64(a, v, std::move(label), once);
    o.bytes = 4;
    o.clear = 0xffffffffull;
    return o;
  }
  static Operation mmio_write(Addr reg, u64 v, u8 bytes, std::string label) {
    Operation o;
    o.kind = OpKind::MmioWrite;
    o.addr = reg;
    o.value = v;
    o.bytes = bytes;
    o.label = std::move(label);
    return o;
  }
  static Operation mmio_read(Addr reg, u8 bytes, std::string label) {
    Operation o;
    o.kind = OpKind::MmioRead;
    o.addr = reg;
    o.bytes = bytes;
    o.label = std::move(label);
    return o;
  }
  static Operation poll_until(Addr a, u64 mask, u64 value, std::string label) {
    Operation o;
    o.kind = OpKind::PollUntil;
    o.addr = a;
    o.mask = mask;
    o.value = value;
    o.label = std::move(label);
    return o;
  }
  static Operation lock(Addr a, std::string label) { return simple(OpKind::Lock, std::move(label), a); }
  static Operation unlock(Addr a, std::string label) { return simple(OpKind::Unlock, std::move(label), a); }
  // `if (present(entry)) return ret;` (`ret`: 0 or -errno).
  static Operation return_if_set(Addr a, u64 mask, std::string label, int ret = 0) {
    Operation o;
    o.kind = OpKind::ReturnIfSet;
    o.addr = a;
    o.mask = mask;
    o.ret = ret;
    o.label = std::move(label);
    return o;
  }
  // `if (!present(entry)) return ret;`, or a reader's walk skipping an entry.
  static Operation return_if_clear(Addr a, u64 mask, std::string label, int ret = 0) {
    Operation o = return_if_set(a, mask, std::move(label), ret);
    o.kind = OpKind::ReturnIfClear;
    return o;
  }
  static Operation load64(Addr a, std::string label) { return simple(OpKind::Load64, std::move(label), a); }
  // For Store64 with bytes == 4: `clear`/`set` are relative to the 32-bit
  // value at addr (which may be the upper half of its 64-bit word).
  // Plain stores are the only operations the compiler may move.
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
