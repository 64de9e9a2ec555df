// A PCIe traffic generator: issues the scenario's DMA streams (at listed
// cycles or periodically) to the IOMMU over TLM-2.0 and collects responses.
// Requests are numbered in issue order; streams due in the same cycle issue
// in the order the scenario lists them. Requests go out ahead of their cycle
// with an annotated delay (loosely timed), so the generator wakes once per
// batch rather than once per request.
#pragma once

#include <array>
#include <memory>
#include <systemc>
#include <tlm>
#include <vector>

#include "iommu_model/dma_extension.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

// The generator is its socket's backward interface itself (not through a
// simple_initiator_socket's callback): every response comes back through it.
class TrafficGenerator : public sc_core::sc_module, private tlm::tlm_bw_transport_if<> {
 public:
  tlm::tlm_initiator_socket<> pcie_out;

  TrafficGenerator(sc_core::sc_module_name name, std::vector<TrafficStream> streams);
  ~TrafficGenerator() override;

  // Start a new episode (the constructor starts the first) with these streams.
  void begin_episode(std::vector<TrafficStream> streams);

  u64 issued() const { return issued_; }
  u64 completed() const { return completed_; }
  bool finished() const { return issued_ == total_ && completed_ == issued_; }

 private:
  static constexpr Cycle kNever = ~Cycle{0};
  struct Cursor {
    std::size_t next = 0;  // index into `at`, or number issued for periodic
    Cycle when = kNever;   // cycle of request `next`; kNever once all are issued
  };
  // A payload with its extension, so issuing needs no extension lookup.
  struct Request : tlm::tlm_generic_payload {
    DmaExtension* ext = nullptr;
  };
  void advance_cursor(std::size_t s);
  void run();
  void issue(const TrafficStream& s, Cycle delay);
  static constexpr Cycle kLookahead = 256;          // cycles of requests issued ahead
  std::array<sc_core::sc_time, kLookahead> delay_;  // cycles(d), built once: not per request
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                     sc_core::sc_time& t) final;
  void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) final {}  // DMI is never granted

  std::vector<TrafficStream> streams_;
  std::vector<Cursor> cursors_;
  Request* new_request();
  // Payloads not in flight: free_[0, nfree_). free_ is as long as pool_, so
  // returning one never grows it.
  std::vector<Request*> free_;
  std::size_t nfree_ = 0;
  std::vector<std::unique_ptr<Request>> pool_;
  u64 issued_ = 0, completed_ = 0, total_ = 0;
  sc_core::sc_event start_;
};

}  // namespace vtd
