// SystemC face of PhysicalMemory: applies posted stores at their visibility
// cycle (so the event stream stays in time order) and serves the IOMMU on a
// TLM-2.0 target socket: 128-bit burst reads, and 32-bit writes (the
// wait-descriptor status).
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <memory>
#include <systemc>
#include <tlm>

#include "memory/physical_memory.hpp"

namespace spdlog {
class logger;
}

namespace vtd {

// Returned with every burst read: the memory version the burst saw.
struct BurstVersion : tlm::tlm_extension<BurstVersion> {
  bool snoop = true;  // in: read through CPU caches (false: non-coherent page walk)
  u64 version = 0;    // out
  tlm_extension_base* clone() const override { return new BurstVersion(*this); }
  void copy_from(const tlm_extension_base& e) override {
    version = static_cast<const BurstVersion&>(e).version;
  }
};

class MemoryModule : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MemoryModule> iommu_port;

  MemoryModule(sc_core::sc_module_name name, PhysicalMemory& mem);

  PhysicalMemory& mem() { return mem_; }
  // A store was posted (or a line dirtied): apply it, and evictions, at their cycle.
  void store_posted();

 private:
  void drain();
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);

  PhysicalMemory& mem_;
  sc_core::sc_event wake_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace vtd
