// A scenario as loaded from YAML: platform, initial tables, CPU program, DMA
// traffic and expectations. Every value keeps its source location so later
// semantic checks (driver arguments, table layout) can name file:line:column.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "base/types.hpp"

namespace vtd {

// Thrown for bad scenario input; what() is "file:line:col: message".
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(const SourceLoc& loc, const std::string& msg)
      : std::runtime_error(loc.str() + ": " + msg), loc_(loc) {}
  const SourceLoc& loc() const { return loc_; }

 private:
  SourceLoc loc_;
};

template <typename T>
struct Located {
  T value{};
  SourceLoc loc;
};

// ---------------------------------------------------------------- platform
// How the compiler emits plain stores between two barriers.
struct CompilerOrder {
  enum class Kind { Program, Reversed, Explicit };
  Kind kind = Kind::Program;
  // Kind::Explicit: one permutation per barrier region that has stores, keyed
  // by region index (0-based, counted over the whole program of that CPU).
  // Each permutation lists store indices within the region in emitted order.
  std::map<unsigned, std::vector<unsigned>> permutations;
  SourceLoc loc;
};

struct CpuCosts {
  Cycle store64 = 1;
  Cycle store128 = 4;  // cmpxchg16b (locked; drains the store buffer first)
  Cycle load64 = 1;
  Cycle compiler_barrier = 0;
  Cycle mfence = 10;
  Cycle clflush = 20;
  Cycle invalidation = 100;  // one timed no-op invalidation (until queued invalidation exists)
  Cycle branch = 1;          // evaluating a driver-level condition
};

struct CpuConfig {
  bool cmpxchg16b = true;
  Cycle store_buffer_delay = 2;  // cycles from executing a store to its visibility
  bool merge_rmw = false;        // merge read-modify-writes of one word within a region
  CompilerOrder order;
  CpuCosts costs;
  Cycle start = 0;  // cycle at which the program starts
};

struct IommuConfig {
  std::string mode = "legacy";        // only "legacy" so far
  bool coherent = true;               // ECAP.C
  Cycle burst_latency = 10;           // one 128-bit table burst
  Cycle inter_burst = 0;              // extra gap between bursts of one multi-burst entry
  std::vector<unsigned> burst_order;  // empty = ascending
  SourceLoc burst_order_loc;
  Cycle pte_latency = 10;             // one paging-entry read (also a 128-bit aligned burst)
  unsigned max_outstanding = 8;       // requests walked concurrently
  std::vector<unsigned> sagaw{2, 3};  // supported AGAW codes
  bool pass_through = true;           // ECAP.PT
};

struct SimConfig {
  Cycle max_cycles = 1'000'000;  // stop, with an error, if still running here
};

struct Platform {
  CpuConfig cpu;
  IommuConfig iommu;
  SimConfig sim;
};

// ---------------------------------------------------------------- tables
struct Mapping {
  Addr iova = 0;
  Addr pa = 0;
  u64 size = 0x1000;
  bool read = true;
  bool write = true;
  SourceLoc loc;
};

struct Domain {
  std::string name;
  u16 did = 0;
  unsigned aw = 2;  // AGAW code
  std::vector<Mapping> mappings;
  SourceLoc loc;
};

struct Device {
  Rid rid;
  // Name of the domain the context entry initially points to; empty means
  // the context entry starts all-zero (not present).
  std::string domain;
  std::string translation = "multi_level";  // multi_level | dev_iotlb | pass_through
  SourceLoc loc;
};

struct Tables {
  std::vector<Domain> domains;
  std::vector<Device> devices;
};

// ---------------------------------------------------------------- program
// A raw CPU operation written in the scenario.
struct RawOp {
  std::string op;  // store64 | store128 | load64 | compiler_barrier | mfence | clflush | delay
  Addr addr = 0;
  u64 value = 0;       // store64
  u64 lo = 0, hi = 0;  // store128
  bool once = false;   // store64: WRITE_ONCE (volatile) rather than a plain store
  Cycle cycles = 0;    // delay
  SourceLoc loc;
};

// Argument of a named driver sequence: kept as text with its location; the
// driver registry converts and validates it.
struct Arg {
  std::string text;
  SourceLoc loc;
};

struct ProgramItem {
  enum class Kind { Sequence, Ops, Delay };
  Kind kind = Kind::Delay;
  std::string sequence;             // Kind::Sequence
  std::map<std::string, Arg> args;  // Kind::Sequence (every key other than `sequence`)
  std::vector<RawOp> ops;           // Kind::Ops
  Cycle delay = 0;                  // Kind::Delay
  SourceLoc loc;
};

// ---------------------------------------------------------------- traffic
struct TrafficStream {
  Rid rid;
  Addr iova = 0;
  bool write = false;
  std::vector<Cycle> at;  // listed cycles, or
  Cycle start = 0;        // periodic: start, every, count
  Cycle every = 0;
  u64 count = 0;
  SourceLoc loc;
};

// ---------------------------------------------------------------- expect
struct Expectation {
  enum class Cmp { Eq, Ge, Le };
  Cmp cmp = Cmp::Eq;
  u64 n = 0;
  SourceLoc loc;
  bool holds(u64 observed) const {
    switch (cmp) {
      case Cmp::Eq: return observed == n;
      case Cmp::Ge: return observed >= n;
      case Cmp::Le: return observed <= n;
    }
    return false;
  }
  std::string str() const;  // "== 1", ">= 1"
};

struct Scenario {
  std::string name;  // `name:` or the file stem
  std::string description;
  std::string source;  // which seed / claim it reproduces (free text)
  std::string file;
  Platform platform;
  Tables tables;
  std::vector<ProgramItem> program;
  std::vector<TrafficStream> traffic;
  // Violation (or benign) kind -> expectation. Kinds absent here are expected
  // to be 0 for violations and are not checked for benign kinds.
  std::map<std::string, Expectation> expect;
};

// Kinds a scenario may name under `expect:`.
const std::vector<std::string>& known_verdict_kinds();
bool is_violation_kind(const std::string& kind);

}  // namespace vtd
