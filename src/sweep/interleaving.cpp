#include "sweep/interleaving.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>
#include <stdexcept>

namespace vtd {

Interleaving nominal_interleaving(const Scenario& s) {
  Interleaving il;
  il.burst_order = s.platform.iommu.burst_order;
  il.inter_burst = s.platform.iommu.inter_burst;
  il.merge_rmw = s.platform.cpu.merge_rmw;
  il.order = s.platform.cpu.order;
  il.store_buffer_delay = s.platform.cpu.store_buffer_delay;
  return il;
}

Scenario apply_interleaving(const Scenario& s, const Interleaving& il) {
  Scenario out = s;
  apply_interleaving(s, il, out);
  return out;
}

void apply_interleaving(const Scenario& s, const Interleaving& il, Scenario& out) {
  long long earliest = static_cast<long long>(s.platform.cpu.start);
  for (const ExtraCpu& c : s.more_cpus) earliest = std::min(earliest, static_cast<long long>(c.start));
  long long cpu_shift = il.offset;
  Cycle traffic_shift = 0;
  if (earliest + il.offset < 0) {
    traffic_shift = static_cast<Cycle>(-(earliest + il.offset));
    cpu_shift += static_cast<long long>(traffic_shift);
  }
  auto shifted = [](Cycle c, long long d) { return static_cast<Cycle>(static_cast<long long>(c) + d); };
  out.platform.cpu.start = shifted(s.platform.cpu.start, cpu_shift);
  for (std::size_t i = 0; i < out.more_cpus.size(); ++i)
    out.more_cpus[i].start = shifted(s.more_cpus[i].start, cpu_shift);
  for (std::size_t i = 0; i < out.traffic.size(); ++i) {
    TrafficStream& t = out.traffic[i];
    const TrafficStream& from = s.traffic[i];
    t.start = from.start + traffic_shift;
    t.at.resize(from.at.size());
    for (std::size_t k = 0; k < t.at.size(); ++k) t.at[k] = from.at[k] + traffic_shift;
  }
  out.platform.iommu.burst_order = il.burst_order;
  out.platform.iommu.inter_burst = il.inter_burst;
  out.platform.cpu.merge_rmw = il.merge_rmw;
  if (!(out.platform.cpu.order == il.order)) out.platform.cpu.order = il.order;
  out.platform.cpu.store_buffer_delay = il.store_buffer_delay;
  out.platform.iommu.qi = s.platform.iommu.qi;
  for (const auto& [type, cycles] : il.qi_latency) {
    const QiLatencyField* f = find_qi_latency_field(type);
    if (!f) throw std::invalid_argument("unknown queue-invalidation descriptor type '" + type + "'");
    out.platform.iommu.qi.*f->field = cycles;
  }
  out.platform.cpu.costs.mmio = il.mmio_cost.value_or(s.platform.cpu.costs.mmio);
}

namespace {

std::string join_uints(const std::vector<unsigned>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(v[i]);
  }
  return out;
}

bool parse_uint_list(std::string_view text, std::vector<unsigned>& out) {
  out.clear();
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view tok = text.substr(pos, comma - pos);
    unsigned v = 0;
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (tok.empty() || ec != std::errc{} || p != tok.data() + tok.size()) return false;
    out.push_back(v);
    pos = comma + 1;
  }
  return true;
}

bool is_permutation_of_n(const std::vector<unsigned>& v) {
  std::vector<bool> seen(v.size(), false);
  for (unsigned x : v) {
    if (x >= v.size() || seen[x]) return false;
    seen[x] = true;
  }
  return true;
}

}  // namespace

std::string burst_order_text(const std::vector<unsigned>& order) {
  return order.empty() ? "ascending" : join_uints(order);
}

std::string compiler_order_text(const CompilerOrder& order) {
  switch (order.kind) {
    case CompilerOrder::Kind::Program: return "program";
    case CompilerOrder::Kind::Reversed: return "reversed";
    case CompilerOrder::Kind::Explicit: break;
  }
  std::string out;
  for (const auto& [region, perm] : order.permutations) {
    if (!out.empty()) out += ';';
    out += std::to_string(region);
    out += ':';
    out += join_uints(perm);
  }
  return out.empty() ? "program" : out;
}

bool parse_burst_order(const std::string& text, std::vector<unsigned>& out, std::string& err) {
  if (text == "ascending") {
    out.clear();
    return true;
  }
  if (text == "descending") {
    out = {3, 2, 1, 0};
    return true;
  }
  if (!parse_uint_list(text, out) || out.size() > 4 || !is_permutation_of_n(out)) {
    err = "burst order '" + text + "': expected ascending, descending, or a permutation of 0..n-1 (n <= 4)";
    return false;
  }
  return true;
}

bool parse_compiler_order(const std::string& text, CompilerOrder& out, std::string& err) {
  out = CompilerOrder{};
  if (text == "program") return true;
  if (text == "reversed") {
    out.kind = CompilerOrder::Kind::Reversed;
    return true;
  }
  out.kind = CompilerOrder::Kind::Explicit;
  const std::string what =
      "compiler order '" + text + "': expected program, reversed, or REGION:i,j,...[;REGION:...]";
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ';')) {
    const std::size_t colon = part.find(':');
    unsigned region = 0;
    std::vector<unsigned> perm;
    if (colon == std::string::npos) {
      err = what;
      return false;
    }
    auto [p, ec] = std::from_chars(part.data(), part.data() + colon, region);
    if (colon == 0 || ec != std::errc{} || p != part.data() + colon ||
        !parse_uint_list(std::string_view(part).substr(colon + 1), perm) || !is_permutation_of_n(perm) ||
        out.permutations.count(region)) {
      err = what;
      return false;
    }
    out.permutations[region] = perm;
  }
  if (out.permutations.empty()) {
    err = what;
    return false;
  }
  return true;
}

bool parse_swept_cycles(const std::string& text, std::vector<Cycle>& out, std::string& err) {
  out.clear();
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view tok = std::string_view(text).substr(pos, comma - pos);
    Cycle v = 0;
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (tok.empty() || ec == std::errc::invalid_argument || p != tok.data() + tok.size()) {
      err = "'" + text + "': expected cycle counts (each 0.." + std::to_string(kMaxSweptCycles) +
            ") separated by commas";
      return false;
    }
    if (ec == std::errc::result_out_of_range || v > kMaxSweptCycles) {
      err = "'" + text + "': " + std::string(tok) + " is more than " + std::to_string(kMaxSweptCycles) +
            " cycles";
      return false;
    }
    out.push_back(v);
    pos = comma + 1;
  }
  return true;
}

bool parse_qi_latency(const std::string& text, std::string& type, std::vector<Cycle>& values,
                      std::string& err) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos) {
    err = "'" + text + "': expected TYPE=CYCLES[,CYCLES...] (TYPE: " + qi_latency_names() + ")";
    return false;
  }
  type = text.substr(0, eq);
  if (!find_qi_latency_field(type)) {
    err = "'" + text + "': unknown descriptor type '" + type + "' (known: " + qi_latency_names() + ")";
    return false;
  }
  return parse_swept_cycles(text.substr(eq + 1), values, err);
}

void check_qi_latency_applies(const Scenario& s, const std::string& type, const std::string& what) {
  const QiLatencyField* f = find_qi_latency_field(type);
  if (!f) throw std::invalid_argument(what + ": unknown descriptor type '" + type + "'");
  if (f->scalable_only && s.platform.iommu.mode != TranslationMode::Scalable)
    throw std::invalid_argument(what + ": " + type +
                                " applies to scalable mode only (legacy mode never issues PASID-granular "
                                "descriptors)");
}

std::string reproducer_command(const std::string& file, const Interleaving& il, const std::string& mutant) {
  std::string cmd = "vtdsim run " + file;
  if (!mutant.empty()) cmd += " --mutant " + mutant;
  cmd += " --offset " + std::to_string(il.offset);
  cmd += " --burst-order " + burst_order_text(il.burst_order);
  cmd += " --inter-burst " + std::to_string(il.inter_burst);
  cmd += std::string(" --merge-rmw ") + (il.merge_rmw ? "yes" : "no");
  cmd += " --compiler-order '" + compiler_order_text(il.order) + "'";
  cmd += " --store-buffer-delay " + std::to_string(il.store_buffer_delay);
  // Only what the sweep set: the scenario supplies the rest when replayed.
  for (const auto& [type, cycles] : il.qi_latency)
    cmd += " --qi-latency " + type + "=" + std::to_string(cycles);
  if (il.mmio_cost) cmd += " --mmio-cost " + std::to_string(*il.mmio_cost);
  return cmd;
}

}  // namespace vtd
