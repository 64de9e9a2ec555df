// What the IOMMU did in a run, counted (SystemC-free, for reports and listeners).
#pragma once

#include "base/types.hpp"

namespace vtd {

struct IommuStats {
  u64 requests = 0;
  u64 translated = 0;
  u64 faulted = 0;
  u64 faults_recorded = 0;
  u64 fetches = 0;
  u64 bursts = 0;
  // Requests that arrived while every walker was busy (max_outstanding) and
  // waited in the queue: their walks start later than they arrived.
  u64 waited_for_walker = 0;
};

}  // namespace vtd
