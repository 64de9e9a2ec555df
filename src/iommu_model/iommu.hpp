// The VT-d remapping unit (legacy mode). Devices send DMA requests on
// `pcie_in` (TLM-2.0, non-blocking: BEGIN_REQ in, BEGIN_RESP back when the
// translation or fault is known). For each request a LegacyWalker decides
// which entry it needs; this module fetches it from memory on `mem_port` as
// 128-bit bursts, each sampled at one instant after `burst_latency` cycles,
// and publishes every fetch and every outcome on the event bus.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <deque>
#include <memory>
#include <systemc>
#include <tlm>
#include <vector>

#include "events/events.hpp"
#include "iommu_model/legacy_walker.hpp"
#include "scenario/scenario.hpp"

namespace spdlog {
class logger;
}

namespace vtd {

struct IommuStats {
  u64 requests = 0;
  u64 translated = 0;
  u64 faulted = 0;
  u64 fetches = 0;
  u64 bursts = 0;
};

class Iommu : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Iommu> pcie_in;
  tlm_utils::simple_initiator_socket<Iommu> mem_port;

  Iommu(sc_core::sc_module_name name, const IommuConfig& cfg, Addr rtaddr, const EventBus& bus);

  const IommuStats& stats() const { return stats_; }
  bool idle() const { return active_.empty() && waiting_.empty(); }

 private:
  struct Walk {
    DmaRequest req;
    int port = 0;
    tlm::tlm_generic_payload* gp = nullptr;
    LegacyWalker walker;
    FetchEvent fetch;    // the entry being fetched
    unsigned burst = 0;  // bursts of it read so far
    unsigned nbursts = 1;
    Cycle next = 0;  // cycle of the next burst sample
    bool done = false;
  };

  tlm::tlm_sync_enum nb_transport_fw(int port, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                     sc_core::sc_time& t);
  void admit(Walk&& w, Cycle now);
  void begin_entry(Walk& w, Cycle now);
  void step(Walk& w, Cycle now);
  Burst read_burst(Addr addr, Cycle now);
  void complete(Walk& w, Cycle now);
  void run();
  void reschedule(Cycle now);
  Cycle latency_of(const EntryId& e) const;
  unsigned burst_index(unsigned nth, unsigned nbursts) const;

  IommuConfig cfg_;
  WalkerConfig wcfg_;
  Addr rtaddr_;
  const EventBus& bus_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<Walk> active_;  // in arrival order
  std::deque<Walk> waiting_;
  sc_core::sc_event wake_;
  tlm::tlm_generic_payload mem_gp_;
  std::array<unsigned char, 16> mem_buf_{};
  IommuStats stats_;
};

}  // namespace vtd
