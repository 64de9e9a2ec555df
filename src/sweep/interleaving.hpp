// One point of a sweep: how one run differs from the scenario as written,
// its text forms (the command-line options that replay it), and how it is
// applied to a scenario. SystemC-free.
#pragma once

#include <string>
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
};

// The scenario as written: offset 0 and its own settings.
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

// The `vtdsim run` command that replays `il` on `file`, bit for bit.
std::string reproducer_command(const std::string& file, const Interleaving& il);

}  // namespace vtd
