// Driver sequences that return early at run time (the entry is already
// present) must leave the ring as the return does: the invalidations after
// the return test are not queued, so the next submission starts at the same
// slot. Found by the fuzz target tests/fuzz/simulate.cpp (its corpus keeps
// the input): with caching mode, a second sequence's doorbell made the IOMMU
// fetch the empty slots of the skipped submissions (IQE), and the run polled
// until max_cycles.
#include <catch2/catch.hpp>

#include "driver/driver.hpp"
#include "scenario/loader.hpp"
#include "tables/table_builder.hpp"

using namespace vtd;

namespace {

// The label of item `item`'s first ring store and of its first doorbell.
std::pair<std::string, std::string> first_slot_and_doorbell(const char* yaml, std::size_t item) {
  const Scenario s = load_scenario_text(yaml, "t.yaml");
  PhysicalMemory mem;
  const TableLayout L = build_tables(s, mem);
  const std::vector<DriverOp> ops = build_cpu_programs(s, L).at(0);
  std::pair<std::string, std::string> out;
  for (const Operation& o : ops.at(item).ops) {
    if (out.first.empty() && o.label.find("memcpy ring[") != std::string::npos) out.first = o.label;
    if (out.second.empty() && o.label.find("IQT)") != std::string::npos) out.second = o.label;
  }
  return out;
}

}  // namespace

TEST_CASE("legacy context set-up on a present entry in caching mode leaves the ring to the next submission",
          "[driver]") {
  const auto [slot, doorbell] = first_slot_and_doorbell(R"(
platform:
  iommu: {mode: legacy, caching_mode: true}
tables:
  domains:
    - {name: d1, did: 3, mappings: [{iova: 0x0, pa: 0x80007000}]}
  devices:
    - {bdf: "00:02.0", domain: d1}
program:
  - sequence: domain_context_mapping_one
    device: "00:02.0"
    domain: d1
    variant: dma_wmb
  - sequence: context_teardown
    device: "00:02.0"
    variant: pre_fix
)",
                                                        1);
  CHECK_THAT(slot, Catch::Matchers::Contains("memcpy ring[0].qw0"));
  CHECK_THAT(doorbell, Catch::Matchers::Contains("writel(2 << 4, IQT)"));
}

TEST_CASE("PASID set-up on a present entry in caching mode (-EBUSY) leaves the ring to the next submission",
          "[driver]") {
  const auto [slot, doorbell] = first_slot_and_doorbell(R"(
platform:
  iommu: {mode: scalable, caching_mode: true}
tables:
  domains:
    - {name: d1, did: 3, mappings: [{iova: 0x0, pa: 0x80007000}]}
  devices:
    - bdf: "00:02.0"
      pasids: [{pasid: 0, domain: d1}]
program:
  - sequence: intel_pasid_setup_second_level
    device: "00:02.0"
    pasid: 0
    domain: d1
  - sequence: intel_pasid_tear_down_entry
    device: "00:02.0"
    pasid: 0
    variant: clear_present
expect:
  returns:
    - {cpu: 0, item: 0, value: -EBUSY}
)",
                                                        1);
  CHECK_THAT(slot, Catch::Matchers::Contains("memcpy ring[0].qw0"));
  CHECK_THAT(doorbell, Catch::Matchers::Contains("writel(2 << 5, IQT)"));
}
