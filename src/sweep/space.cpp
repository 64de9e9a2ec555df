#include "sweep/space.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "driver/driver.hpp"
#include "memory/physical_memory.hpp"
#include "tables/table_builder.hpp"

namespace vtd {

namespace {

std::vector<std::vector<unsigned>> all_permutations(unsigned n) {
  std::vector<unsigned> p(n);
  std::iota(p.begin(), p.end(), 0u);
  std::vector<std::vector<unsigned>> out;
  do out.push_back(p);
  while (std::next_permutation(p.begin(), p.end()));
  return out;
}

// Every program the compiler may emit for CPU 0, with and without merging
// read-modify-writes: the product of each region's legal orders, at most
// `limit`, without duplicates (merging changes nothing when no two stores of
// a region write one word).
std::vector<SweepSpace::Compiler> compiler_choices(const Scenario& s, u64 limit, bool& truncated) {
  PhysicalMemory mem;
  const TableLayout layout = build_tables(s, mem);
  const std::vector<DriverOp> items = build_program(s, layout);
  std::vector<SweepSpace::Compiler> out;
  std::vector<std::vector<std::string>> seen;  // emitted store labels of each choice
  truncated = false;
  for (bool merge : {false, true}) {
    const EmittedProgram base = emit_program(items, merge, CompilerOrder{});
    std::vector<std::vector<std::vector<unsigned>>> per_region;
    for (const Region& r : base.regions) per_region.push_back(legal_orders(r, limit + 1));
    // Odometer over regions, first region slowest.
    std::vector<std::size_t> pick(per_region.size(), 0);
    while (true) {
      if (out.size() >= limit) {
        truncated = true;
        return out;
      }
      SweepSpace::Compiler c;
      c.merge_rmw = merge;
      c.order.kind = CompilerOrder::Kind::Explicit;
      bool identity = true;
      for (std::size_t r = 0; r < per_region.size(); ++r) {
        const std::vector<unsigned>& perm = per_region[r][pick[r]];
        for (unsigned k = 0; k < perm.size(); ++k) identity = identity && perm[k] == k;
        c.order.permutations[static_cast<unsigned>(r)] = perm;
      }
      if (identity) c.order = CompilerOrder{};
      std::vector<std::string> labels;
      for (const EmittedOp& e : emit_program(items, merge, c.order).ops)
        if (e.region >= 0) labels.push_back(e.op.label);
      if (std::find(seen.begin(), seen.end(), labels) == seen.end()) {
        seen.push_back(std::move(labels));
        out.push_back(std::move(c));
      }
      // Next combination; a carry out of the first region means all were seen.
      bool carry = true;
      for (std::size_t r = per_region.size(); carry && r-- > 0;) {
        if (++pick[r] < per_region[r].size())
          carry = false;
        else
          pick[r] = 0;
      }
      if (carry) break;
    }
  }
  return out;
}

}  // namespace

unsigned widest_entry_bursts(const Scenario& s) {
  return s.platform.iommu.mode == TranslationMode::Scalable ? 4 : 1;
}

SweepSpace plan_sweep(const Scenario& s, const SweepOptions& o, const ProgramTiming& t) {
  const SweepConfig& c = s.sweep;
  SweepSpace sp;
  const Interleaving nominal = nominal_interleaving(s);
  const unsigned nb = widest_entry_bursts(s);

  // Burst orders.
  const std::string bo = o.burst_orders.value_or(c.all_burst_orders ? "all" : "");
  if (bo == "all") {
    sp.burst_orders = all_permutations(nb);
    if (nb == 1) sp.burst_orders = {{}};
  } else if (!bo.empty()) {
    std::stringstream ss(bo);
    std::string part;
    while (std::getline(ss, part, ';')) {
      std::vector<unsigned> order;
      std::string err;
      if (!parse_burst_order(part, order, err)) throw std::invalid_argument(err);
      sp.burst_orders.push_back(order);
    }
  } else if (!c.burst_orders.empty()) {
    sp.burst_orders = c.burst_orders;
  } else {
    sp.burst_orders = {nominal.burst_order};
  }
  for (const auto& order : sp.burst_orders)
    if (!order.empty() && order.size() != nb)
      throw std::invalid_argument("burst order " + burst_order_text(order) + " names " +
                                  std::to_string(order.size()) + " bursts, but the widest entry of this " +
                                  mode_name(s.platform.iommu.mode) + "-mode scenario has " +
                                  std::to_string(nb));

  sp.inter_bursts =
      o.inter_burst.value_or(c.inter_burst.empty() ? std::vector<Cycle>{nominal.inter_burst} : c.inter_burst);
  sp.store_buffer_delays = o.store_buffer_delay.value_or(
      c.store_buffer_delay.empty() ? std::vector<Cycle>{nominal.store_buffer_delay} : c.store_buffer_delay);

  // Compiler orders.
  const bool all_compilers = o.compiler_orders ? *o.compiler_orders == "all" : c.all_compiler_orders;
  sp.compiler_limit = o.max_compiler_orders.value_or(c.max_compiler_orders.value_or(1000));
  if (all_compilers) {
    if (!s.more_cpus.empty())
      throw std::invalid_argument(
          "compiler orders can be swept only with one CPU (platform.cpu.compiler applies to every CPU)");
    sp.compilers = compiler_choices(s, sp.compiler_limit, sp.compilers_truncated);
  } else {
    sp.compilers = {{nominal.merge_rmw, nominal.order}};
  }

  // Queue latencies and MMIO cost: the command line's, else sweep:'s, else
  // the scenario's own (no dimension). The loader has checked sweep:'s, so
  // what is wrong here came from the command line.
  const auto qi = o.qi_latency.value_or(c.qi_latency);
  const std::string too_many = " cycles is more than " + std::to_string(kMaxSweptCycles);
  for (const auto& [type, values] : qi) {
    check_qi_latency_applies(s, type, "--qi-latency");
    if (values.empty()) throw std::invalid_argument("--qi-latency " + type + ": no values");
    for (Cycle v : values)
      if (v > kMaxSweptCycles)
        throw std::invalid_argument("--qi-latency " + type + ": " + std::to_string(v) + too_many);
  }
  // In qi_latency_fields() order, whatever the input's: the order decides the index.
  for (const QiLatencyField& f : qi_latency_fields()) {
    const auto is_f = [&](const auto& t) { return t.first == f.name; };
    const auto n = std::count_if(qi.begin(), qi.end(), is_f);
    if (n > 1)
      throw std::invalid_argument("--qi-latency " + std::string(f.name) + " is given more than once");
    if (n == 1) sp.qi_latency.push_back(*std::find_if(qi.begin(), qi.end(), is_f));
  }
  for (const auto& [name, values] : {std::pair{"--inter-burst", &sp.inter_bursts},
                                     std::pair{"--store-buffer-delay", &sp.store_buffer_delays}})
    for (Cycle v : *values)
      if (v > kMaxSweptCycles) throw std::invalid_argument(name + (": " + std::to_string(v)) + too_many);
  sp.mmio_costs = o.mmio_cost.value_or(c.mmio_cost);
  for (Cycle v : sp.mmio_costs)
    if (v > kMaxSweptCycles) throw std::invalid_argument("--mmio-cost: " + std::to_string(v) + too_many);

  // When the traffic's requests are issued: the first and the last.
  long long first = std::numeric_limits<long long>::max(), last = 0;
  for (const TrafficStream& ts : s.traffic) {
    if (!ts.at.empty()) {
      first = std::min(first, static_cast<long long>(ts.at.front()));
      last = std::max(last, static_cast<long long>(ts.at.back()));
    } else if (ts.count > 0) {
      first = std::min(first, static_cast<long long>(ts.start));
      // The last request a run can issue: no later than max_cycles (count x
      // every may be far beyond it, and beyond 64 bits).
      const Cycle end = std::min<Cycle>(sat_add(ts.start, sat_mul(ts.count - 1, ts.every)),
                                        std::max<Cycle>(ts.start, s.platform.sim.max_cycles));
      last = std::max(last, static_cast<long long>(end));
    }
  }
  if (first <= last)
    sp.timeline = {true, static_cast<long long>(t.program_start), static_cast<long long>(t.program_end),
                   first, last};

  // Offsets: every start of the CPU program at which it overlaps the DMA
  // traffic, widened by one fetch of the widest entry on each side.
  if (o.offsets || c.offsets) {
    const auto r = o.offsets ? *o.offsets : *c.offsets;
    sp.offset_from = r.first;
    sp.offset_to = r.second;
    sp.offsets_origin = o.offsets ? "--offsets" : "sweep.offsets";
  } else {
    if (s.traffic.empty())
      throw std::invalid_argument("the scenario has no traffic: give the offsets to sweep");
    const Cycle max_gap = *std::max_element(sp.inter_bursts.begin(), sp.inter_bursts.end());
    const long long fetch = static_cast<long long>(nb * s.platform.iommu.burst_latency + (nb - 1) * max_gap);
    const long long len = static_cast<long long>(t.program_end - t.program_start);
    const long long start = static_cast<long long>(t.program_start);
    sp.offset_from = first - fetch - len - start;
    sp.offset_to = last + fetch - start;
    std::ostringstream why;
    why << "computed: the program (" << len << " cycles from cycle " << start
        << ") overlaps the traffic (cycles " << first << ".." << last << ") widened by one " << nb
        << "-burst fetch (" << fetch << " cycles)";
    sp.offsets_origin = why.str();
  }

  if (o.offset_step) {
    if (*o.offset_step < 1 || *o.offset_step > (1LL << 40))
      throw std::invalid_argument("--offset-step must be between 1 and 2^40");
    sp.offset_step = *o.offset_step;
  }
  if (o.sample) {
    if (o.offset_step) throw std::invalid_argument("give --offset-step or --sample, not both");
    if (*o.sample == 0) throw std::invalid_argument("--sample must be at least 1");
    // Offsets the sample can afford per row (at least one), spread evenly.
    const u64 per_row = std::max<u64>(1, *o.sample / std::max<u64>(1, sp.rows()));
    const u64 span = static_cast<u64>(sp.offset_to - sp.offset_from) + 1;
    sp.offset_step = static_cast<long long>(std::max<u64>(1, (span + per_row - 1) / per_row));
  }
  // Every index must fit in a u64.
  u64 total = sp.offsets();
  std::vector<u64> sizes{sp.burst_orders.size(), sp.inter_bursts.size(), sp.compilers.size(),
                         sp.store_buffer_delays.size(), sp.mmio_cost_choices()};
  for (const auto& t : sp.qi_latency) sizes.push_back(t.second.size());
  for (u64 n : sizes)
    if (__builtin_mul_overflow(total, n, &total))
      throw std::invalid_argument("the sweep has more interleavings than a 64-bit index can count");
  return sp;
}

Interleaving SweepSpace::at(u64 index) const {
  Interleaving il;
  il.offset = offset_of(index);
  u64 row = row_of(index);
  if (!mmio_costs.empty()) {
    il.mmio_cost = mmio_costs[row % mmio_costs.size()];
    row /= mmio_costs.size();
  }
  const u64 nqi = qi_latency_choices();
  u64 qi = row % nqi;
  row /= nqi;
  il.qi_latency.resize(qi_latency.size());
  for (std::size_t t = qi_latency.size(); t-- > 0;) {  // the last type fastest
    const std::vector<Cycle>& values = qi_latency[t].second;
    il.qi_latency[t] = {qi_latency[t].first, values[qi % values.size()]};
    qi /= values.size();
  }
  const u64 nsbd = store_buffer_delays.size(), ncomp = compilers.size(), nib = inter_bursts.size();
  il.store_buffer_delay = store_buffer_delays[row % nsbd];
  row /= nsbd;
  il.merge_rmw = compilers[row % ncomp].merge_rmw;
  il.order = compilers[row % ncomp].order;
  row /= ncomp;
  il.inter_burst = inter_bursts[row % nib];
  row /= nib;
  il.burst_order = burst_orders[row];
  return il;
}

std::string SweepSpace::row_label(u64 row) const {
  const Interleaving il = at(row * offsets());
  std::string out = "bursts " + burst_order_text(il.burst_order);
  if (inter_bursts.size() > 1) out += ", gap " + std::to_string(il.inter_burst);
  if (compilers.size() > 1)
    out += std::string(", ") + (il.merge_rmw ? "merged " : "") + "stores " + compiler_order_text(il.order);
  if (store_buffer_delays.size() > 1) out += ", sb " + std::to_string(il.store_buffer_delay);
  if (qi_latency_choices() > 1) {
    out += ", qi";
    for (std::size_t t = 0; t < qi_latency.size(); ++t)
      if (qi_latency[t].second.size() > 1)
        out += " " + il.qi_latency[t].first + "=" + std::to_string(il.qi_latency[t].second);
  }
  if (mmio_costs.size() > 1) out += ", mmio " + std::to_string(*il.mmio_cost);
  return out;
}

std::string SweepSpace::describe() const {
  std::ostringstream o;
  o << "offsets " << offset_from << ".." << offset_to;
  if (offset_step > 1) o << " step " << offset_step;
  o << " (" << offsets() << ") x burst orders " << burst_orders.size() << " x inter-burst latencies "
    << inter_bursts.size() << " x compiler orders " << compilers.size()
    << (compilers_truncated ? " (truncated at --max-compiler-orders)" : "") << " x store-buffer delays "
    << store_buffer_delays.size();
  if (!qi_latency.empty()) o << " x queue latencies " << qi_latency_choices();
  if (!mmio_costs.empty()) o << " x MMIO costs " << mmio_costs.size();
  o << " = " << size() << " interleavings";
  return o.str();
}

std::string SweepSpace::key() const {
  std::ostringstream o;
  o << offset_from << ".." << offset_to << "/" << offset_step << "|";
  for (const auto& b : burst_orders) o << burst_order_text(b) << ";";
  o << "|";
  for (Cycle g : inter_bursts) o << g << ",";
  o << "|";
  for (const Compiler& c : compilers) o << (c.merge_rmw ? "m" : "") << compiler_order_text(c.order) << ";";
  o << "|";
  for (Cycle d : store_buffer_delays) o << d << ",";
  if (!qi_latency.empty() || !mmio_costs.empty()) {  // spaces without them keep their keys
    o << "|";
    for (const auto& [type, values] : qi_latency) {
      o << type << "=";
      for (Cycle v : values) o << v << ",";
      o << ";";
    }
    o << "|";
    for (Cycle m : mmio_costs) o << m << ",";
  }
  return o.str();
}

}  // namespace vtd

namespace vtd {

u64 default_max_interleavings() {
  // MemAvailable (what can be allocated without swapping), else free pages.
  u64 avail = 0;
  std::ifstream in("/proc/meminfo");
  for (std::string key; in >> key;) {
    u64 kib = 0;
    std::string unit;
    if (!(in >> kib >> unit)) break;
    if (key == "MemAvailable:") {
      avail = kib * 1024;
      break;
    }
  }
  if (avail == 0) {
    const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) avail = static_cast<u64>(pages) * static_cast<u64>(page);
  }
  return std::max(kMinDefaultMaxInterleavings, avail / 2 / kBytesPerInterleaving);
}

u64 saturated_size(const SweepSpace& sp) {
  constexpr u64 kMax = std::numeric_limits<u64>::max();
  // The offset count as the span over the step, in 128 bits: a range of
  // the whole long long line does not wrap.
  const __int128 span = static_cast<__int128>(sp.offset_to) - sp.offset_from;
  const __int128 offs = sp.offset_step > 0 && span >= 0 ? span / sp.offset_step + 1 : 0;
  u64 n = offs > static_cast<__int128>(kMax) ? kMax : static_cast<u64>(offs);
  auto times = [&](u64 k) { n = n != 0 && k > kMax / n ? kMax : n * k; };
  times(sp.burst_orders.size());
  times(sp.inter_bursts.size());
  times(sp.compilers.size());
  times(sp.store_buffer_delays.size());
  for (const auto& q : sp.qi_latency) times(q.second.size());
  times(sp.mmio_cost_choices());
  return n;
}

std::string interleavings_refusal(const SweepSpace& sp, u64 shards, u64 max) {
  const u64 total = saturated_size(sp);
  // A shard runs every shards-th interleaving: at most ceil(total / shards).
  const u64 mine = shards > 1 ? total / shards + (total % shards != 0) : total;
  if (mine <= max) return "";
  std::ostringstream o;
  o << "the sweep has " << (total == std::numeric_limits<u64>::max() ? "more than " : "") << total
    << " interleavings";
  if (shards > 1) o << " (about " << mine << " in this shard)";
  o << ", more than --max-interleavings " << max
    << "; narrow a dimension (--offsets, --offset-step, --sample N), split it with --shard I/N, or raise "
       "--max-interleavings";
  return o.str();
}

}  // namespace vtd
