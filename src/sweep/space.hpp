// The space a sweep explores: the product of its dimensions (CPU start
// offset, burst order, inter-burst latency, compiler order, store-buffer
// delay), enumerated in one fixed order so that an index names the same
// interleaving in every process, shard and run. SystemC-free.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cpu_model/compiler.hpp"
#include "sweep/interleaving.hpp"

namespace vtd {

// Dimensions from the command line; each one set replaces the scenario's `sweep:`.
struct SweepOptions {
  std::optional<std::pair<long long, long long>> offsets;
  std::optional<std::string> burst_orders;  // "all", or orders separated by ';' ("ascending;3,2,1,0")
  std::optional<std::vector<Cycle>> inter_burst;
  std::optional<std::string> compiler_orders;  // "all" | "program"
  std::optional<u64> max_compiler_orders;
  std::optional<std::vector<Cycle>> store_buffer_delay;
};

// What planning needs to know of the scenario as written (from one run of it).
struct ProgramTiming {
  Cycle program_start = 0, program_end = 0;
};

struct SweepSpace {
  long long offset_from = 0, offset_to = 0;  // inclusive
  std::string offsets_origin;                // how the range was chosen (printed and in JSON)
  std::vector<std::vector<unsigned>> burst_orders;
  std::vector<Cycle> inter_bursts;
  struct Compiler {
    bool merge_rmw = false;
    CompilerOrder order;
  };
  std::vector<Compiler> compilers;
  u64 compiler_limit = 0;
  bool compilers_truncated = false;  // more legal orders than the limit
  std::vector<Cycle> store_buffer_delays;

  u64 offsets() const { return static_cast<u64>(offset_to - offset_from + 1); }
  // A row is one combination of every dimension but the offset.
  u64 rows() const {
    return burst_orders.size() * inter_bursts.size() * compilers.size() * store_buffer_delays.size();
  }
  u64 size() const { return offsets() * rows(); }
  // Index order: row-major, the offset fastest; rows vary the store-buffer
  // delay fastest, then compiler order, inter-burst latency, burst order.
  Interleaving at(u64 index) const;
  u64 row_of(u64 index) const { return index / offsets(); }
  long long offset_of(u64 index) const { return offset_from + static_cast<long long>(index % offsets()); }
  std::string row_label(u64 row) const;
  // "offsets -140..199 (340) x burst orders 24 x ... = 8160 interleavings"
  std::string describe() const;
  // A fingerprint of every dimension: shards of one sweep share it.
  std::string key() const;
};

// Throws std::invalid_argument (bad input, exit 2) when a dimension cannot
// apply to this scenario.
SweepSpace plan_sweep(const Scenario& s, const SweepOptions& o, const ProgramTiming& t);

// Bursts in the widest entry this scenario's IOMMU fetches (4: a PASID entry).
unsigned widest_entry_bursts(const Scenario& s);

}  // namespace vtd
