// A scenario as loaded from YAML: platform, initial tables, CPU program, DMA
// traffic and expectations. Every value keeps its source location so later
// semantic checks (driver arguments, table layout) can name file:line:column.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/cycle_math.hpp"
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
  bool operator==(const Located&) const = default;
  T value{};
  SourceLoc loc;
};

// ---------------------------------------------------------------- platform
// How the compiler emits plain stores between two barriers.
struct CompilerOrder {
  bool operator==(const CompilerOrder&) const = default;
  enum class Kind { Program, Reversed, Explicit };
  Kind kind = Kind::Program;
  // Kind::Explicit: one permutation per barrier region that has stores, keyed
  // by region index (0-based, counted over the whole program of that CPU).
  // Each permutation lists store indices within the region in emitted order.
  std::map<unsigned, std::vector<unsigned>> permutations;
  SourceLoc loc;
};

struct CpuCosts {
  bool operator==(const CpuCosts&) const = default;
  Cycle store64 = 1;
  Cycle store128 = 4;  // cmpxchg16b (locked; drains the store buffer first)
  Cycle load64 = 1;
  Cycle compiler_barrier = 0;
  Cycle mfence = 10;
  Cycle clflush = 20;
  Cycle invalidation = 100;  // one timed no-op invalidation (until queued invalidation exists)
  Cycle branch = 1;          // evaluating a driver-level condition
  Cycle mmio = 50;           // one uncached register access
  Cycle poll = 20;           // one iteration of a polling loop
  Cycle atomic = 20;         // a locked read-modify-write (spin_lock's cmpxchg)
};

// The CPU's write-back cache for table memory when walks are not coherent.
struct CpuCacheConfig {
  bool operator==(const CpuCacheConfig&) const = default;
  bool evict = false;           // false: lines stay dirty until clflush (the worst case)
  Cycle eviction_delay = 1000;  // with evict: a dirty line is written back this long after its first store
};

struct CpuConfig {
  bool operator==(const CpuConfig&) const = default;
  bool cmpxchg16b = true;
  Cycle store_buffer_delay = 2;  // cycles from executing a store to its visibility
  bool merge_rmw = false;        // merge read-modify-writes of one word within a region
  CompilerOrder order;
  CpuCosts costs;
  Cycle start = 0;       // cycle at which the program starts
  CpuCacheConfig cache;  // only with non-coherent walks (platform.iommu.coherent: false)
};

// One IOMMU cache (context-cache, PASID-cache or IOTLB).
struct CacheConfig {
  bool operator==(const CacheConfig&) const = default;
  bool enabled = true;
  unsigned entries = 64;   // fully associative, LRU
  Cycle hit_latency = 1;   // a hit replaces the fetch
  Cycle miss_latency = 1;  // the lookup that misses, before the fetch starts
};

// Per-descriptor-type processing latency of queued invalidation, in cycles
// from the descriptor's fetch to its completion.
struct QiLatencies {
  bool operator==(const QiLatencies&) const = default;
  Cycle fetch = 10;           // reading one descriptor from the queue
  Cycle context_cache = 20;   // type 1
  Cycle iotlb = 30;           // type 2
  Cycle dev_tlb = 200;        // type 3 (completes after this until an ATS device model exists)
  Cycle wait = 5;             // type 5, after every earlier descriptor has completed
  Cycle piotlb = 30;          // type 6
  Cycle pasid_cache = 20;     // type 7
  Cycle pasid_dev_tlb = 200;  // type 8
};

// QiLatencies by name (the keys of platform.iommu.qi), in declaration order:
// the one list the loader, sweeps and `vtdsim run --qi-latency` name them by.
struct QiLatencyField {
  std::string_view name;
  Cycle QiLatencies::*field;
  bool scalable_only;  // PASID-granular descriptors (types 6-8): only with scalable-mode tables
};
const std::vector<QiLatencyField>& qi_latency_fields();
// The field called `name`; null when there is none.
const QiLatencyField* find_qi_latency_field(std::string_view name);
// "fetch, context_cache, ..." for messages.
std::string qi_latency_names();

// The largest cycle count a sweep (or a replayed interleaving) may set: the
// limit of every cycle-valued input (base/cycle_math.hpp).
inline constexpr Cycle kMaxSweptCycles = kMaxInputCycles;
// The most compiler orders a sweep may enumerate (max_compiler_orders,
// --max-compiler-orders): each is held in memory while the sweep runs.
inline constexpr u64 kMaxCompilerOrders = u64{1} << 20;

// Which tables the IOMMU walks (RTADDR_REG.TTM): legacy root/context
// entries, or scalable-mode ones with PASID tables.
enum class TranslationMode : u8 { Legacy, Scalable };
inline const char* mode_name(TranslationMode m) {
  return m == TranslationMode::Scalable ? "scalable" : "legacy";
}

struct IommuConfig {
  bool operator==(const IommuConfig&) const = default;
  TranslationMode mode = TranslationMode::Legacy;
  bool coherent = true;       // ECAP.C: page walks snoop CPU caches
  bool caching_mode = false;  // CAP.CM
  CacheConfig context_cache;
  CacheConfig pasid_cache;
  CacheConfig iotlb;
  QiLatencies qi;
  bool fl5lp = true;                  // CAP.FL5LP: 5-level first-level paging
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
  bool operator==(const SimConfig&) const = default;
  Cycle max_cycles = 1'000'000;  // stop, with an error, if still running here
};

struct Platform {
  bool operator==(const Platform&) const = default;
  CpuConfig cpu;
  IommuConfig iommu;
  SimConfig sim;
};

// ---------------------------------------------------------------- tables
struct Mapping {
  bool operator==(const Mapping&) const = default;
  Addr iova = 0;
  Addr pa = 0;
  u64 size = 0x1000;
  bool read = true;
  bool write = true;
  SourceLoc loc;
  // log2 of the leaf page size: 12 (4 KiB), 21 (2 MiB, PS at level 2) or 30
  // (1 GiB, PS at level 3); iova, pa and size are multiples of it. Last, so
  // aggregate initializers of the fields above keep their meaning.
  unsigned page_shift = 12;
};

struct Domain {
  bool operator==(const Domain&) const = default;
  std::string name;
  u16 did = 0;
  // second_level: an SL page table of `aw` (AGAW code) levels + 2.
  // first_level: an FL (x86) page table of 4 or 5 levels (`fl_levels`).
  std::string type = "second_level";
  unsigned aw = 2;         // AGAW code (second_level)
  unsigned fl_levels = 4;  // first_level
  // first_level domains used nested: the second-level domain that translates
  // this domain's table and output addresses (empty: not nested).
  std::string parent;
  std::vector<Mapping> mappings;
  SourceLoc loc;
};

// A PASID entry present at the start of a scalable-mode scenario.
struct PasidAttach {
  bool operator==(const PasidAttach&) const = default;
  u32 pasid = 0;
  std::string domain;
  // first_level | second_level | nested | pass_through (nested: `domain` is
  // the first-level domain, its `parent` the second-level one)
  std::string pgtt = "second_level";
  bool fpd = false;
  SourceLoc loc;
};

struct Device {
  bool operator==(const Device&) const = default;
  Rid rid;
  // Name of the domain the context entry initially points to; empty means
  // the context entry starts all-zero (not present).
  std::string domain;
  std::string translation = "multi_level";  // legacy: multi_level | dev_iotlb | pass_through
  // scalable mode: the context entry is present (PASID table set up) unless
  // `context: false`; these PASID entries start present.
  bool context = true;
  bool ats = false;  // DTE in the context entry; device-TLB invalidations issued
  std::vector<PasidAttach> pasids;
  SourceLoc loc;
};

struct Tables {
  bool operator==(const Tables&) const = default;
  std::vector<Domain> domains;
  std::vector<Device> devices;
};

// ---------------------------------------------------------------- program
// A raw CPU operation written in the scenario.
struct RawOp {
  bool operator==(const RawOp&) const = default;
  // store64 | store32 | store128 | load64 | compiler_barrier | mfence | clflush | delay
  // | mmio_write | mmio_read | poll | lock | unlock
  std::string op;
  Addr addr = 0;       // memory address; mmio_write / mmio_read: the register offset
  u64 value = 0;       // store64, store32, mmio_write; poll: the awaited (word & mask)
  u64 lo = 0, hi = 0;  // store128
  bool once = false;   // store64 / store32: WRITE_ONCE (volatile) rather than a plain store
  Cycle cycles = 0;    // delay
  u64 mask = 0;        // poll
  unsigned bytes = 8;  // access size: store32 4; mmio_write / mmio_read 4 or 8; others 8
  SourceLoc loc;
};

// Argument of a named driver sequence: kept as text with its location; the
// driver registry converts and validates it.
struct Arg {
  bool operator==(const Arg&) const = default;
  std::string text;
  SourceLoc loc;
};

struct ProgramItem {
  bool operator==(const ProgramItem&) const = default;
  enum class Kind { Sequence, Ops, Delay };
  Kind kind = Kind::Delay;
  std::string sequence;             // Kind::Sequence
  std::map<std::string, Arg> args;  // Kind::Sequence (every key other than `sequence`)
  std::vector<RawOp> ops;           // Kind::Ops
  Cycle delay = 0;                  // Kind::Delay
  SourceLoc loc;
};

// A further CPU running concurrently with CPU 0 (e.g. a debugfs-style reader).
struct ExtraCpu {
  bool operator==(const ExtraCpu&) const = default;
  Cycle start = 0;
  std::vector<ProgramItem> program;
  SourceLoc loc;
};

// ---------------------------------------------------------------- traffic
struct TrafficStream {
  bool operator==(const TrafficStream&) const = default;
  Rid rid;
  std::optional<u32> pasid;  // requests with a PASID (scalable mode); none: RID_PASID
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
  bool operator==(const Expectation&) const = default;
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

// One entry of `expect: returns:`: program item `item` (0-based, as listed)
// of CPU `cpu` must return `value` (0 or a negative Linux errno). Items not
// listed must return 0.
struct ReturnExpectation {
  bool operator==(const ReturnExpectation&) const = default;
  u16 cpu = 0;
  u32 item = 0;
  int value = 0;
  SourceLoc loc;
};

// What `vtdsim sweep` explores (docs/sweeps.md). Every dimension left unset
// here takes the command line's value, else the scenario's own setting
// (offsets: the window vtdsim computes).
struct SweepConfig {
  bool operator==(const SweepConfig&) const = default;
  std::optional<std::pair<long long, long long>> offsets;  // inclusive range of CPU start offsets
  SourceLoc offsets_loc;
  bool all_burst_orders = false;                    // every permutation of the bursts
  std::vector<std::vector<unsigned>> burst_orders;  // or these
  std::vector<Cycle> inter_burst;
  bool all_compiler_orders = false;
  std::optional<u64> max_compiler_orders;
  std::vector<Cycle> store_buffer_delay;
  // Queue latencies per descriptor type (names of qi_latency_fields(), in
  // that order; each list non-empty); types not listed keep platform.iommu.qi.
  std::vector<std::pair<std::string, std::vector<Cycle>>> qi_latency;
  std::vector<Cycle> mmio_cost;  // platform.cpu.costs.mmio; empty: the scenario's
  // Number of interleavings showing each kind. Unset kinds follow `expect:`
  // (docs/sweeps.md, "Verdict").
  std::map<std::string, Expectation> expect;
};

// A mutant of the scenario's driver operations (`mutant:`, or the command
// line's --mutant): its id as `vtdsim mutate FILE --list` prints it. The
// driver registry applies it where the programs are built.
struct MutantRef {
  bool operator==(const MutantRef&) const = default;
  std::string id;
  SourceLoc loc;
};

struct Scenario {
  bool operator==(const Scenario&) const = default;
  std::string name;  // `name:` or the file stem
  std::string description;
  std::string source;  // which seed / claim it reproduces (free text)
  std::string file;
  Platform platform;
  Tables tables;
  std::vector<ProgramItem> program;  // CPU 0
  std::vector<ExtraCpu> more_cpus;   // `cpus:` beyond CPU 0
  std::vector<TrafficStream> traffic;
  // Violation (or benign) kind -> expectation. Kinds absent here are expected
  // to be 0 for violations and are not checked for benign kinds.
  std::map<std::string, Expectation> expect;
  // `expect: returns:`, in the order written; every other item must return 0.
  std::vector<ReturnExpectation> expect_returns;
  SweepConfig sweep;
  std::optional<MutantRef> mutant;  // none: the program as written
};

// Kinds a scenario may name under `expect:`: one per checker rule, in the
// order reports list them (defined with the rules, src/rules/rule.cpp).
const std::vector<std::string>& known_verdict_kinds();
bool is_violation_kind(const std::string& kind);

}  // namespace vtd
