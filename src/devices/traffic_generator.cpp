#include "devices/traffic_generator.hpp"

#include <algorithm>
#include <stdexcept>

#include "base/cycles.hpp"

namespace vtd {

TrafficGenerator::TrafficGenerator(sc_core::sc_module_name name, std::vector<TrafficStream> streams)
    : sc_module(name), pcie_out("pcie_out") {
  pcie_out.bind(*this);
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
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    const TrafficStream& s = streams_[i];
    total_ += s.at.empty() ? s.count : s.at.size();
    if (!s.at.empty())
      cursors_[i].when = s.at[0];
    else if (s.count > 0)
      cursors_[i].when = s.start;
  }
  start_.notify(sc_core::SC_ZERO_TIME);
}

// Each payload owns its DmaExtension; the payload's destructor frees it.
TrafficGenerator::~TrafficGenerator() = default;

// Past request `next` of stream `i`: the cycle of the following one.
void TrafficGenerator::advance_cursor(std::size_t i) {
  const TrafficStream& s = streams_[i];
  Cursor& c = cursors_[i];
  const std::size_t n = ++c.next;
  if (!s.at.empty())
    c.when = n < s.at.size() ? s.at[n] : kNever;
  else
    c.when = n < s.count ? sat_add(c.when, s.every) : kNever;
}

// Out of line: the usual request reuses a payload.
[[gnu::noinline]] TrafficGenerator::Request* TrafficGenerator::new_request() {
  Request* gp = pool_.emplace_back(std::make_unique<Request>()).get();
  gp->ext = new DmaExtension;
  gp->set_extension(gp->ext);
  free_.resize(pool_.size());
  return gp;
}

// Inline into run: a call per request cost more than the body.
[[gnu::always_inline]] inline void TrafficGenerator::issue(const TrafficStream& s, Cycle delay) {
  Request* const gp = nfree_ ? free_[--nfree_] : new_request();
  DmaExtension* ext = gp->ext;
  // Every field the IOMMU reads is set (no temporary extension to copy
  // from); the outcome fields are the IOMMU's to fill. Data pointer and
  // length stay as made: null and 0.
  ext->request = issued_++;
  ext->rid = s.rid;
  // A PASID TLP prefix when the stream has one; otherwise RID_PASID applies.
  ext->has_pasid = s.pasid.has_value();
  ext->pasid = s.pasid.value_or(0);
  gp->set_address(s.iova);
  gp->set_command(s.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
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
  const Cycle limit = now + kLookahead;
  for (;;) {
    // The earliest stream and the one after it (ties: the listed order).
    std::size_t pick = streams_.size(), second = streams_.size();
    Cycle first = kNever, next = kNever;
    for (std::size_t i = 0; i < cursors_.size(); ++i) {
      const Cycle when = cursors_[i].when;
      if (when < first) {
        second = pick;
        next = first;
        pick = i;
        first = when;
      } else if (when < next) {
        second = i;
        next = when;
      }
    }
    if (first == kNever) return;  // every stream issued
    if (first >= limit) {
      next_trigger(cycles(first - now));
      return;
    }
    // The picked stream keeps the turn while it stays the earliest (the
    // others' next requests do not move meanwhile): a periodic stream issues
    // a run of requests without a scan per request.
    const TrafficStream& s = streams_[pick];
    Cursor& c = cursors_[pick];
    const Cycle stop = std::min(limit, second < pick ? next : (next == kNever ? kNever : next + 1));
    if (!s.at.empty()) {
      do {
        issue(s, c.when > now ? c.when - now : 0);
        advance_cursor(pick);
      } while (c.when < stop);
      continue;
    }
    // Periodic: the run's state in locals (kept in registers across issue's call).
    const u64 count = s.count;
    const Cycle every = s.every;
    std::size_t n = c.next;
    Cycle when = c.when;
    do {
      issue(s, when > now ? when - now : 0);
      when = ++n < count ? sat_add(when, every) : kNever;
    } while (when < stop);
    c.next = n;
    c.when = when;
  }
}

tlm::tlm_sync_enum TrafficGenerator::nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                                     sc_core::sc_time&) {
  if (phase == tlm::BEGIN_RESP) {
    ++completed_;
    free_[nfree_++] = static_cast<Request*>(&gp);  // ours: only our payloads come back
  }
  return tlm::TLM_COMPLETED;
}

}  // namespace vtd
