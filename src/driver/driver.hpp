// Linux VT-d driver sequences as functions that emit CPU operations, faithful
// to drivers/iommu/intel before and after each fix (vtd-facts.md §7, §9).
// The registry turns a scenario's program items into driver operations and
// validates their arguments with file:line:column.
#pragma once

#include <string>
#include <vector>

#include "cpu_model/operation.hpp"
#include "platform/table_builder.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

struct DriverEnv {
  const TableLayout& layout;
  const Platform& platform;
};

// ---- legacy context entries (vtd-facts §2.1, §7.2, §7.3) ----
enum class MapVariant {
  PreFix,      // before patch 1/3: setters on the live entry, plain stores, plain `lo |= 1`
  Cmpxchg16b,  // patch 1/3: built on the stack, one cmpxchg16b
  DmaWmb,      // v2 / current: setters on the live entry, dma_wmb() then WRITE_ONCE(P)
};
enum class TeardownVariant {
  PreFix,        // context_clear_entry (lo = 0, hi = 0, plain) then flushes
  ClearPresent,  // v2 2/3: clear P, dma_wmb, flush + invalidate, then zero
};

DriverOp domain_context_mapping_one(const DriverEnv& env, const DeviceLayout& dev, const DomainLayout& dom,
                                    MapVariant v);
DriverOp domain_context_clear_one(const DriverEnv& env, const DeviceLayout& dev, TeardownVariant v);

// ---- registry ----
struct SequenceInfo {
  std::string name;
  std::string summary;
  std::vector<std::string> args;      // "device", "domain", "variant"
  std::vector<std::string> variants;  // accepted values of `variant`
};
const std::vector<SequenceInfo>& sequences();

// Builds every program item of a scenario; throws ScenarioError.
std::vector<DriverOp> build_program(const Scenario& s, const TableLayout& layout);

}  // namespace vtd
