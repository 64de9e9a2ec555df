// One point of a sweep: how one run differs from the scenario as written,
// its text forms (the command-line options that replay it), and how it is
// applied to a scenario. SystemC-free.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scenario/scenario.hpp"

namespace vtd {

struct Interleaving {
  long long offset = 0;               // CPU program start, relative to where the scenario puts it
  std::vector<unsigned> burst_order;  // empty: ascending
  Cycle inter_burst = 0;
  bool merge_rmw = false;
  CompilerOrder order;  // Program, Reversed or Explicit
  Cycle store_buffer_delay = 2;
  // Queue-invalidation latencies set per descriptor type (names of
  // qi_latency_fields(), in that order); the types not listed, and all of
  // them when empty, keep the scenario's platform.iommu.qi.
  std::vector<std::pair<std::string, Cycle>> qi_latency;
  std::optional<Cycle> mmio_cost;  // platform.cpu.costs.mmio; unset: the scenario's
};

// The scenario as written: offset 0 and its own settings (no queue latency
// or MMIO cost set: the scenario's own apply).
Interleaving nominal_interleaving(const Scenario& s);

// The scenario with `il` applied. A negative offset that would start a CPU
// before cycle 0 delays the traffic instead (the same relative timing).
Scenario apply_interleaving(const Scenario& s, const Interleaving& il);
// The same into `out`, a copy of `s` that earlier calls may have changed:
// only the fields an interleaving sets are assigned (a sweep reuses one
// Scenario instead of copying `s` every episode).
void apply_interleaving(const Scenario& s, const Interleaving& il, Scenario& out);

// "ascending" or "3,2,1,0".
std::string burst_order_text(const std::vector<unsigned>& order);
// "program", "reversed", or "REGION:i,j,...;REGION:..." (explicit).
std::string compiler_order_text(const CompilerOrder& order);
// Parsers for the forms above; false with `err` set on bad text.
bool parse_burst_order(const std::string& text, std::vector<unsigned>& out, std::string& err);
bool parse_compiler_order(const std::string& text, CompilerOrder& out, std::string& err);
// Cycle counts separated by commas, each at most kMaxSweptCycles ("50,500").
bool parse_swept_cycles(const std::string& text, std::vector<Cycle>& out, std::string& err);
// "TYPE=V1,V2,..." (--qi-latency): a name of qi_latency_fields() and cycle
// counts as parse_swept_cycles reads them.
bool parse_qi_latency(const std::string& text, std::string& type, std::vector<Cycle>& values,
                      std::string& err);
// Throws std::invalid_argument when `s` never issues descriptors of `type`
// (the PASID-granular ones in legacy mode), as the loader refuses
// platform.iommu.qi keys that could not take effect. `what` names the option.
void check_qi_latency_applies(const Scenario& s, const std::string& type, const std::string& what);

// The `vtdsim run` command that replays `il` on `file`, bit for bit;
// `mutant`: the id of the mutant the run applies (--mutant), if any.
std::string reproducer_command(const std::string& file, const Interleaving& il,
                               const std::string& mutant = "");

}  // namespace vtd
