// SystemC face of PhysicalMemory: applies posted stores at their visibility
// cycle (so the event stream stays in time order) and serves the IOMMU on
// `iommu_port` (BurstMemoryIf): 128-bit burst reads, and 32-bit writes (the
// wait-descriptor status).
#pragma once

#include <memory>
#include <systemc>

#include "memory/burst_memory_if.hpp"
#include "memory/physical_memory.hpp"

namespace spdlog {
class logger;
}

namespace vtd {

class MemoryModule : public sc_core::sc_module, private BurstMemoryIf {
 public:
  sc_core::sc_export<BurstMemoryIf> iommu_port;

  MemoryModule(sc_core::sc_module_name name, PhysicalMemory& mem);

  PhysicalMemory& mem() { return mem_; }
  // A store was posted (or a line dirtied): apply it, and evictions, at their cycle.
  void store_posted();
  // A new episode: no wake-up pending from the last one.
  void begin_episode() { wake_at_ = ~Cycle{0}; }

 private:
  void drain();
  Burst read_burst(Addr addr16, Cycle at, bool snoop) override;
  void write32(Addr addr, u32 value, Cycle at) override;
  PhysicalMemory* direct() override { return &mem_; }

  PhysicalMemory& mem_;
  sc_core::sc_event wake_;
  // Cycle of wake_'s pending notification (~0: none). sc_event keeps only the
  // earliest: a later one need not be asked for (most posts are).
  Cycle wake_at_ = ~Cycle{0};
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace vtd
