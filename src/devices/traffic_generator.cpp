#include "devices/traffic_generator.hpp"

#include <stdexcept>

#include "base/cycles.hpp"
#include "iommu_model/dma_extension.hpp"

namespace vtd {

TrafficGenerator::TrafficGenerator(sc_core::sc_module_name name, std::vector<TrafficStream> streams)
    : sc_module(name), pcie_out("pcie_out") {
  pcie_out.register_nb_transport_bw(this, &TrafficGenerator::nb_transport_bw);
  for (Cycle d = 0; d < kLookahead; ++d) delay_[d] = cycles(d);
  SC_HAS_PROCESS(TrafficGenerator);
  SC_METHOD(run);
  sensitive << start_;
  dont_initialize();
  begin_episode(std::move(streams));
}

void TrafficGenerator::begin_episode(std::vector<TrafficStream> streams) {
  if (issued_ != completed_) throw std::logic_error("traffic generator: new episode with requests in flight");
  streams_ = std::move(streams);
  cursors_.assign(streams_.size(), Cursor{});
  issued_ = completed_ = total_ = 0;
  for (const TrafficStream& s : streams_) total_ += s.at.empty() ? s.count : s.at.size();
  start_.notify(sc_core::SC_ZERO_TIME);
}

// Each payload owns its DmaExtension; the payload's destructor frees it.
TrafficGenerator::~TrafficGenerator() = default;

bool TrafficGenerator::due(std::size_t i, Cycle& when) const {
  const TrafficStream& s = streams_[i];
  const std::size_t n = cursors_[i].next;
  if (!s.at.empty()) {
    if (n >= s.at.size()) return false;
    when = s.at[n];
    return true;
  }
  if (n >= s.count) return false;
  when = s.start + n * s.every;
  return true;
}

void TrafficGenerator::issue(const TrafficStream& s, Cycle delay) {
  tlm::tlm_generic_payload* gp;
  if (free_.empty()) {
    pool_.push_back(std::make_unique<tlm::tlm_generic_payload>());
    gp = pool_.back().get();
    gp->set_extension(new DmaExtension);
  } else {
    gp = free_.back();
    free_.pop_back();
  }
  auto* ext = gp->get_extension<DmaExtension>();
  // Every field set (no temporary extension to copy from).
  ext->request = issued_++;
  ext->rid = s.rid;
  // A PASID TLP prefix when the stream has one; otherwise RID_PASID applies.
  ext->has_pasid = s.pasid.has_value();
  ext->pasid = s.pasid.value_or(0);
  ext->fault = false;
  ext->reason = 0;
  ext->pa = 0;
  gp->set_address(s.iova);
  gp->set_command(s.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  gp->set_data_length(0);
  gp->set_data_ptr(nullptr);
  gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  // Loosely timed: the request arrives `delay` cycles from now.
  sc_core::sc_time t = delay_[delay];
  pcie_out->nb_transport_fw(*gp, phase, t);
}

// Issues every request due before now + kLookahead, each annotated with its
// arrival time (TLM-2.0 temporal decoupling: the streams do not depend on
// responses), in (cycle, listed stream) order, then sleeps until the next.
void TrafficGenerator::run() {
  const Cycle now = now_cycle();
  for (;;) {
    std::size_t pick = streams_.size();
    Cycle first = ~Cycle{0};
    for (std::size_t i = 0; i < streams_.size(); ++i) {
      Cycle when;
      if (due(i, when) && when < first) {
        first = when;
        pick = i;
      }
    }
    if (pick == streams_.size()) return;  // every stream issued
    if (first >= now + kLookahead) {
      next_trigger(cycles(first - now));
      return;
    }
    issue(streams_[pick], first > now ? first - now : 0);
    ++cursors_[pick].next;
  }
}

tlm::tlm_sync_enum TrafficGenerator::nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                                     sc_core::sc_time&) {
  if (phase == tlm::BEGIN_RESP) {
    ++completed_;
    free_.push_back(&gp);
  }
  return tlm::TLM_COMPLETED;
}

}  // namespace vtd
