// The space a sweep explores: the product of its dimensions (CPU start
// offset, burst order, inter-burst latency, compiler order, store-buffer
// delay, queue-invalidation latencies, MMIO cost), enumerated in one fixed
// order so that an index names the same interleaving in every process, shard
// and run. SystemC-free.
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
  std::optional<long long> offset_step;  // every step-th offset of the window (a sample of it)
  // At most this many interleavings: the offset step is the smallest that keeps the space so.
  std::optional<u64> sample;
  std::optional<std::string> burst_orders;  // "all", or orders separated by ';' ("ascending;3,2,1,0")
  std::optional<std::vector<Cycle>> inter_burst;
  std::optional<std::string> compiler_orders;  // "all" | "program"
  std::optional<u64> max_compiler_orders;
  std::optional<std::vector<Cycle>> store_buffer_delay;
  // Every --qi-latency TYPE=V1,...: together they replace sweep.qi_latency
  // (qi_latency_fields() order, each type once).
  std::optional<std::vector<std::pair<std::string, std::vector<Cycle>>>> qi_latency;
  std::optional<std::vector<Cycle>> mmio_cost;
};

// What planning needs to know of the scenario as written (from one run of it).
struct ProgramTiming {
  Cycle program_start = 0, program_end = 0;
};

struct SweepSpace {
  long long offset_from = 0, offset_to = 0;  // inclusive
  long long offset_step = 1;                 // offsets from, from + step, ... up to `to`
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
  // The queue latencies the sweep sets: per descriptor type (qi_latency_fields()
  // order) its values. A choice is one value per type, the first type varying
  // slowest. Empty: one choice, the scenario's platform.iommu.qi.
  std::vector<std::pair<std::string, std::vector<Cycle>>> qi_latency;
  std::vector<Cycle> mmio_costs;  // empty: one choice, the scenario's platform.cpu.costs.mmio
  // Where the scenario as written runs the CPU programs (its nominal run: the
  // earliest start to the last store visible or operation ended) and issues
  // the DMA traffic (first and last request), in cycles: what the picture
  // marks on the offset axis. Not a dimension; `known` is false without traffic.
  struct Timeline {
    bool known = false;
    long long program_start = 0, program_end = 0, traffic_first = 0, traffic_last = 0;
  };
  Timeline timeline;

  u64 offsets() const { return static_cast<u64>((offset_to - offset_from) / offset_step + 1); }
  u64 qi_latency_choices() const {
    u64 n = 1;
    for (const auto& t : qi_latency) n *= t.second.size();
    return n;
  }
  u64 mmio_cost_choices() const { return mmio_costs.empty() ? 1 : mmio_costs.size(); }
  // A row is one combination of every dimension but the offset.
  u64 rows() const {
    return burst_orders.size() * inter_bursts.size() * compilers.size() * store_buffer_delays.size() *
           qi_latency_choices() * mmio_cost_choices();
  }
  u64 size() const { return offsets() * rows(); }
  // Index order: row-major, the offset fastest; rows vary the MMIO cost
  // fastest, then queue latency, store-buffer delay, compiler order,
  // inter-burst latency, burst order (the slowest, so that the members of a
  // burst-order group are size() / burst_orders.size() apart).
  Interleaving at(u64 index) const;
  u64 row_of(u64 index) const { return index / offsets(); }
  long long offset_of(u64 index) const {
    return offset_from + static_cast<long long>(index % offsets()) * offset_step;
  }
  std::string row_label(u64 row) const;
  // "offsets -140..199 (340) x burst orders 24 x ... = 8160 interleavings";
  // queue latencies and MMIO costs only when the sweep sets them.
  std::string describe() const;
  // A fingerprint of every dimension: shards of one sweep share it.
  std::string key() const;
};

// The number of interleavings a sweep may run unless --max-interleavings
// says otherwise: what half the memory available now holds at
// kBytesPerInterleaving each, at least kMinDefaultMaxInterleavings. Results
// stream to the report (docs/reliability.md); what stays per interleaving
// is the burst-order reduction's knowledge of its group (about 220 bytes a
// group, a group being two or more interleavings) and, with --plot, its cell.
inline constexpr u64 kBytesPerInterleaving = 256;
inline constexpr u64 kMinDefaultMaxInterleavings = 1'000'000;
u64 default_max_interleavings();
// sp.size() without wrapping: the product of the dimensions' sizes,
// saturated at the largest u64.
u64 saturated_size(const SweepSpace& sp);
// Why a sweep of `sp` running the interleavings with index % shards ==
// shard is refused under `max` (empty: it is not): the count, what it is
// made of, and the flag that raises the limit.
std::string interleavings_refusal(const SweepSpace& sp, u64 shards, u64 max);

// Throws std::invalid_argument (bad input, exit 2) when a dimension cannot
// apply to this scenario.
SweepSpace plan_sweep(const Scenario& s, const SweepOptions& o, const ProgramTiming& t);

// Bursts in the widest entry this scenario's IOMMU fetches (4: a PASID entry).
unsigned widest_entry_bursts(const Scenario& s);

}  // namespace vtd
