#include "iommu_model/iommu.hpp"

#include <algorithm>
#include <cstring>

#include "base/cycles.hpp"
#include "base/log.hpp"
#include "iommu_model/dma_extension.hpp"
#include "iommu_model/fault_reasons.hpp"
#include "memory/memory_module.hpp"

namespace vtd {

Iommu::Iommu(sc_core::sc_module_name name, const IommuConfig& cfg, Addr rtaddr, const EventBus& bus)
    : sc_module(name),
      pcie_in("pcie_in"),
      mem_port("mem_port"),
      cfg_(cfg),
      rtaddr_(rtaddr),
      bus_(bus),
      log_(module_logger(this->name())) {
  wcfg_.sagaw_mask = 0;
  for (unsigned aw : cfg.sagaw) wcfg_.sagaw_mask |= static_cast<u8>(1u << aw);
  wcfg_.pass_through = cfg.pass_through;
  pcie_in.register_nb_transport_fw(this, &Iommu::nb_transport_fw);
  mem_gp_.set_command(tlm::TLM_READ_COMMAND);
  mem_gp_.set_data_length(16);
  mem_gp_.set_data_ptr(mem_buf_.data());
  mem_gp_.set_streaming_width(16);
  mem_gp_.set_extension(new BurstVersion);
  SC_HAS_PROCESS(Iommu);
  SC_METHOD(run);
  sensitive << wake_;
  dont_initialize();
}

tlm::tlm_sync_enum Iommu::nb_transport_fw(int port, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                          sc_core::sc_time&) {
  if (phase != tlm::BEGIN_REQ) return tlm::TLM_COMPLETED;
  auto* ext = gp.get_extension<DmaExtension>();
  if (!ext) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return tlm::TLM_COMPLETED;
  }
  const Cycle now = now_cycle();
  Walk w{DmaRequest{ext->request, ext->rid, gp.get_address(), gp.is_write(), now},
         port,
         &gp,
         LegacyWalker(wcfg_),
         {},
         0,
         1,
         0,
         false};
  ++stats_.requests;
  log_->debug("request #{} from {} {} iova {:#x}", ext->request, to_string(ext->rid),
              gp.is_write() ? "write" : "read", gp.get_address());
  if (active_.size() < cfg_.max_outstanding)
    admit(std::move(w), now);
  else
    waiting_.push_back(std::move(w));
  reschedule(now);
  phase = tlm::END_REQ;
  return tlm::TLM_UPDATED;
}

Cycle Iommu::latency_of(const EntryId& e) const {
  return e.kind == EntryKind::SlPte ? cfg_.pte_latency : cfg_.burst_latency;
}

unsigned Iommu::burst_index(unsigned nth, unsigned nbursts) const {
  if (cfg_.burst_order.empty()) return nth;
  unsigned seen = 0;
  for (unsigned b : cfg_.burst_order)
    if (b < nbursts && seen++ == nth) return b;
  return nth;
}

void Iommu::admit(Walk&& w, Cycle now) {
  w.walker.start(w.req, rtaddr_);
  active_.push_back(std::move(w));
  begin_entry(active_.back(), now);
}

void Iommu::begin_entry(Walk& w, Cycle now) {
  const EntryId& e = w.walker.next_entry();
  w.fetch = FetchEvent{};
  w.fetch.request = w.req.id;
  w.fetch.entry = e;
  w.burst = 0;
  w.nbursts = format_of(e.kind).bursts();
  w.next = now + latency_of(e);
}

Burst Iommu::read_burst(Addr addr, Cycle now) {
  (void)now;
  sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
  mem_gp_.set_address(addr);
  mem_gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  mem_port->b_transport(mem_gp_, zero);
  Burst b;
  b.cycle = now;
  b.addr = addr;
  std::memcpy(b.data.data(), mem_buf_.data(), 16);
  b.version = mem_gp_.get_extension<BurstVersion>()->version;
  return b;
}

void Iommu::step(Walk& w, Cycle now) {
  const EntryId& e = w.fetch.entry;
  const Format& f = format_of(e.kind);
  const unsigned idx = burst_index(w.burst, w.nbursts);
  // Entries narrower than a burst (paging entries) come in the aligned burst holding them.
  const Addr burst_addr = f.bits < 128 ? (e.addr & ~Addr{15}) : e.addr + 16 * idx;
  Burst b = read_burst(burst_addr, now);
  ++stats_.bursts;
  w.fetch.bursts[w.fetch.nbursts++] = b;
  if (f.bits < 128) {
    w.fetch.value.w[0] = b.data[(e.addr >> 3) & 1];
  } else {
    w.fetch.value.w[2 * idx] = b.data[0];
    w.fetch.value.w[2 * idx + 1] = b.data[1];
  }
  if (++w.burst < w.nbursts) {
    w.next = now + cfg_.inter_burst + latency_of(e);
    return;
  }
  ++stats_.fetches;
  log_->trace("fetch {} = {}", to_string(e), describe(f, w.fetch.value));
  bus_.publish(w.fetch);
  w.walker.on_entry(w.fetch.value);
  if (w.walker.done())
    complete(w, now);
  else
    begin_entry(w, now);
}

void Iommu::complete(Walk& w, Cycle now) {
  const TranslationResult& r = w.walker.result();
  w.done = true;
  if (r.fault)
    ++stats_.faulted;
  else
    ++stats_.translated;
  DmaEvent ev{w.req.id, w.req.rid, w.req.iova, w.req.write, w.req.arrived, now, r.fault, r.reason, r.pa};
  bus_.publish(ev);
  if (r.fault)
    log_->debug("request #{} fault {:#x} ({})", w.req.id, r.reason, fault::name(r.reason));
  else
    log_->debug("request #{} iova {:#x} -> pa {:#x}", w.req.id, w.req.iova, r.pa);
  auto* ext = w.gp->get_extension<DmaExtension>();
  ext->fault = r.fault;
  ext->reason = r.reason;
  ext->pa = r.pa;
  w.gp->set_response_status(r.fault ? tlm::TLM_ADDRESS_ERROR_RESPONSE : tlm::TLM_OK_RESPONSE);
  tlm::tlm_phase phase = tlm::BEGIN_RESP;
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  pcie_in[w.port]->nb_transport_bw(*w.gp, phase, t);
}

void Iommu::run() {
  const Cycle now = now_cycle();
  // Walks step in arrival order, so same-cycle samples are deterministic.
  for (Walk& w : active_)
    if (!w.done && w.next == now) step(w, now);
  active_.erase(std::remove_if(active_.begin(), active_.end(), [](const Walk& w) { return w.done; }),
                active_.end());
  while (!waiting_.empty() && active_.size() < cfg_.max_outstanding) {
    admit(std::move(waiting_.front()), now);
    waiting_.pop_front();
  }
  reschedule(now);
}

void Iommu::reschedule(Cycle now) {
  Cycle next = ~Cycle{0};
  for (const Walk& w : active_)
    if (!w.done) next = std::min(next, w.next);
  if (next != ~Cycle{0}) wake_.notify(cycles(next - now));
}

}  // namespace vtd
