// The IOMMU's port to memory, as its hardware has it: a 128-bit burst read
// sampled at one cycle, which returns the data and the memory version it saw,
// and the 32-bit write of a wait descriptor's status. A SystemC interface
// (bound at elaboration like a socket) rather than a TLM-2.0 socket: a walk
// reads thousands of bursts, and one virtual call per burst costs a fraction
// of a generic payload, its extension and the socket's indirections.
#pragma once

#include <systemc>

#include "events/events.hpp"

namespace vtd {

class PhysicalMemory;

class BurstMemoryIf : public virtual sc_core::sc_interface {
 public:
  // The aligned burst at `addr16` sampled at episode cycle `at` (not before
  // SystemC's: the caller may run ahead). `snoop`: read through CPU caches
  // (false: a non-coherent page walk reads DRAM).
  virtual Burst read_burst(Addr addr16, Cycle at, bool snoop) = 0;
  // The IOMMU's own store (wait-descriptor status): 32 bits, 4-aligned,
  // snooped, visible at cycle `at`.
  virtual void write32(Addr addr, u32 value, Cycle at) = 0;
  // The PhysicalMemory that read_burst reads, if any: a reader of thousands
  // of bursts calls its inline read_burst directly (the same burst, no
  // virtual call). The IOMMU's walks need it: the IOMMU refuses, at
  // elaboration, a memory that returns nullptr.
  virtual PhysicalMemory* direct() { return nullptr; }
};

}  // namespace vtd
