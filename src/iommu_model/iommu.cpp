#include "iommu_model/iommu.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <new>
#include <stdexcept>

#include "base/cycles.hpp"
#include "base/log.hpp"
#include "iommu_model/dma_extension.hpp"
#include "iommu_model/fault_reasons.hpp"
#include "memory/physical_memory.hpp"

namespace vtd {

Iommu::Iommu(sc_core::sc_module_name name, const IommuConfig& cfg, const BootState& boot, const EventBus& bus)
    : sc_module(name),
      pcie_in("pcie_in"),
      mem_port("mem_port"),
      regs("regs"),
      bus_(bus),
      log_(module_logger(this->name())) {
  pcie_in.register_nb_transport_fw(this, &Iommu::nb_transport_fw);
  regs.register_b_transport(this, &Iommu::regs_b_transport);

  SC_HAS_PROCESS(Iommu);
  SC_METHOD(run);
  sensitive << wake_;
  dont_initialize();
  SC_METHOD(qi_run);
  sensitive << qi_wake_;
  dont_initialize();
  begin_episode(cfg, boot);
}

void Iommu::begin_episode(const IommuConfig& cfg, const BootState& boot) {
  if (!idle()) throw std::logic_error("iommu: new episode while requests or descriptors are in flight");
  cfg_ = cfg;
  // Reset: registers, queue and caches as at power-on (the queue refers to
  // the registers, so they are rebuilt in that order).
  translator_.reset();
  qi_.reset();
  // Registers of the same CAP/ECAP are reset in place (as at power-on) rather than rebuilt.
  if (const Registers::Config rc = Registers::config_from(cfg); regs_ && regs_->config() == rc)
    regs_->reset();
  else
    regs_.emplace(rc);
  qi_.emplace(*regs_, cfg.qi);
  translator_.emplace(cfg, boot.rtaddr, bus_);
  due_.clear();
  nactive_ = 0;
  next_seq_ = 0;
  wake_pending_ = false;
  stats_ = IommuStats{};
  check_latencies(cfg);
  for (unsigned n = 1; n <= kMaxBursts; ++n)
    for (unsigned k = 0; k < n; ++k) burst_order_[n][k] = static_cast<u8>(burst_index(k, n));
  for (unsigned k = 0; k < kinds_.size(); ++k) {
    const auto kind = static_cast<EntryKind>(k);
    kinds_[k].fmt = &format_of(kind);
    kinds_[k].latency = latency_of(EntryId{kind, 0, {}, 0, 0});
    kinds_[k].gap = sat_add(cfg_.inter_burst, kinds_[k].latency);
    kinds_[k].nbursts = kinds_[k].fmt->bursts();
    kinds_[k].narrow = kinds_[k].fmt->bits < 128;
    if (kinds_[k].nbursts > kMaxBursts) throw std::logic_error("iommu: an entry wider than a fetch holds");
  }

  // Boot as Linux leaves the unit (vtd-facts §5.1, §7.1): RTADDR + SRTP, the
  // queue (256 descriptors: one page, or two with 256-bit descriptors), QIE, TE.
  const bool sm = cfg.mode == TranslationMode::Scalable;
  regs_->write(reg::RTADDR, 8, boot.rtaddr | (sm ? reg_fmt::RTADDR_SMT.mask_in_word() : 0));
  regs_->write(reg::GCMD, 4, reg_fmt::GCMD_SRTP.mask_in_word());
  qi_->mmio_write(reg::IQT, 8, 0, 0);
  qi_->mmio_write(reg::IQA, 8, boot.qi_queue | (sm ? (reg_fmt::IQA_DW.mask_in_word() | 1) : 0), 0);
  qi_->mmio_write(reg::GCMD, 4, reg_fmt::GCMD_QIE.mask_in_word(), 0);
  qi_->mmio_write(reg::GCMD, 4, reg_fmt::GCMD_QIE.mask_in_word() | reg_fmt::GCMD_TE.mask_in_word(), 0);
  translator_->set_root(regs_->root_table() & ~Addr{0xfff});
  publish_queue(0, true);
  // The queue runs at the episode's cycle 0 too: the boot-time register
  // writes above are due.
  qi_wake_.notify(sc_core::SC_ZERO_TIME);
}

// A walk's steps add at most three of these latencies to the current cycle,
// a SystemC time (below 2^64 ticks, 2^54 cycles): bounded here, those sums
// cannot wrap, so the per-burst path adds without saturating. The loader
// bounds them the same way; a configuration built in code is checked here.
void Iommu::check_latencies(const IommuConfig& cfg) {
  const Cycle latencies[] = {cfg.burst_latency,
                             cfg.inter_burst,
                             cfg.pte_latency,
                             cfg.context_cache.hit_latency,
                             cfg.context_cache.miss_latency,
                             cfg.pasid_cache.hit_latency,
                             cfg.pasid_cache.miss_latency,
                             cfg.iotlb.hit_latency,
                             cfg.iotlb.miss_latency};
  for (Cycle c : latencies)
    if (c > kMaxInputCycles) throw std::invalid_argument("iommu: a latency above 2^40 cycles");
}

// mem_port's interface, looked up once bound (not through the port per
// burst), and the memory behind it, which walks read directly: a walk reads
// thousands of bursts, and a virtual call each cost a quarter of the read.
void Iommu::end_of_elaboration() {
  mem_ = mem_port.operator->();
  direct_ = mem_->direct();
  if (!direct_) throw std::logic_error("iommu: mem_port is bound to a memory that cannot be read directly");
}

// ------------------------------------------------------------------ requests

tlm::tlm_sync_enum Iommu::nb_transport_fw(int port, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                          sc_core::sc_time& t) {
  if (phase != tlm::BEGIN_REQ) return tlm::TLM_COMPLETED;
  auto* ext = gp.get_extension<DmaExtension>();
  if (!ext) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return tlm::TLM_COMPLETED;
  }
  // Devices may issue ahead (loosely timed): the request arrives at now + t.
  const Cycle now = now_cycle();
  const Cycle at = now + to_cycles(t);  // two SystemC times (each below 2^54 cycles): cannot wrap
  accept(port, gp, *ext, at);
  wake_at(at, now);
  phase = tlm::END_REQ;
  return tlm::TLM_UPDATED;
}

// Inline into nb_transport_fw: the call's frame was about a third of accepting's instructions.
[[gnu::always_inline]] inline void Iommu::accept(int port, tlm::tlm_generic_payload& gp, DmaExtension& ext,
                                                 Cycle now) {
  ++stats_.requests;
  // Admitted by run() at its cycle, after the walk steps due then: a new
  // request's first cache lookup sees what those steps filled, whatever order
  // SystemC runs the device's process and ours in.
  arrivals_.push(now, &gp, &ext, port);
}

// A walk for an arrived request, at its admission.
Iommu::Walk* Iommu::admit(const Arrival& a, Cycle now) {
  Walk* w;
  if (spare_.empty()) {
    walks_.push_back(std::make_unique<Walk>());
    w = walks_.back().get();
  } else {
    w = spare_.back();
    spare_.pop_back();
    w->phase = Walk::Phase::Resume;
    w->nbursts = 1;
    w->next = 0;
    w->done = false;
  }
  const DmaExtension& ext = *a.ext;
  std::optional<u32> pasid;
  if (ext.has_pasid) pasid = ext.pasid;
  translator_->start(w->job, ext.request, ext.rid, a.gp->get_address(), a.gp->is_write(), a.at, pasid);
  w->port = a.port;
  w->gp = a.gp;
  w->ext = a.ext;
  w->seq = next_seq_++;
  ++nactive_;
  advance(*w, now);
  return w;
}

Cycle Iommu::latency_of(const EntryId& e) const {
  return e.kind == EntryKind::SlPte || e.kind == EntryKind::FlPte ? cfg_.pte_latency : cfg_.burst_latency;
}

unsigned Iommu::burst_index(unsigned nth, unsigned nbursts) const {
  if (cfg_.burst_order.empty()) return nth;
  unsigned seen = 0;
  for (unsigned b : cfg_.burst_order)
    if (b < nbursts && seen++ == nth) return b;
  return nth;
}

// After a walk stepped or was admitted: back to the heap, or to the spares.
namespace {
[[noreturn, gnu::cold, gnu::noinline]] void scheduled_in_past() {
  throw std::logic_error("iommu: a walk scheduled in the past");
}
}  // namespace

// Inline: it runs after every step (a call cost a third of it).
[[gnu::always_inline]] inline void Iommu::settle(Walk* w, Cycle now) {
  if (w->done) {
    --nactive_;
    spare_.push_back(w);
    return;
  }
  if (w->next < now) [[unlikely]]
    scheduled_in_past();
  due_.push(w->next, w);
}

// Ask the translator what comes next and set the walk up for it.
void Iommu::advance(Walk& w, Cycle now) {
  const Translator::Step s = translator_->next(w.job, now);
  switch (s.kind) {
    case Translator::Step::Kind::Done: complete(w, now); return;
    case Translator::Step::Kind::Wait:
      // s.last: a cache answered, so only the outcome's publication is left.
      w.phase = s.last ? Walk::Phase::Complete : Walk::Phase::Resume;
      w.next = now + s.delay;  // cannot wrap: see check_latencies
      if (s.delay == 0) s.last ? complete(w, now) : advance(w, now);
      return;
    case Translator::Step::Kind::Fetch: {
      const EntryId& entry = translator_->fetch_entry(w.job);
      w.phase = Walk::Phase::Fetch;
      // Reset only what the fetch fills in part: bursts past nbursts are never read.
      w.fetch.request = w.job.req.id;
      w.fetch.entry = entry;
      w.fetch.nbursts = 0;
      w.fetch.value = EntryBits{};
      const KindInfo& k = kinds_[static_cast<unsigned>(entry.kind)];
      w.fmt = k.fmt;
      w.nbursts = k.nbursts;
      w.order = burst_order_[k.nbursts].data();
      // Entries narrower than a burst (paging and directory entries) come in the aligned burst holding them.
      w.base = k.narrow ? entry.addr & ~Addr{15} : entry.addr;
      w.gap = k.gap;
      w.narrow = k.narrow;
      w.next = now + s.delay + k.latency;
      return;
    }
  }
}

// The next burst of the walk's fetch, sampled at `now` (ahead of SystemC's
// time while the unit runs ahead). When more are to come, the walk goes
// straight back to the schedule (true); after the last, the caller publishes.
// Inline in process: this is the path of every burst.
[[gnu::always_inline]] inline bool Iommu::burst(Walk& w, Cycle now) {
  const unsigned n = w.fetch.nbursts++;
  // Constructed in place (an assignment copied it through a temporary). Page
  // walks snoop CPU caches only when ECAP.C = 1.
  const Burst& b = *::new (static_cast<void*>(&w.fetch.bursts[n]))
                       Burst(direct_->read_burst(w.base + 16 * w.order[n], now, cfg_.coherent));
  if (trace_) [[unlikely]]
    log_burst(w, b, w.order[n]);
  if (n + 1 == w.nbursts) return false;
  w.next = now + w.gap;
  due_.push(w.next, &w);
  return true;
}

// Out of line: formatting the line would widen every burst's frame.
[[gnu::cold, gnu::noinline]] void Iommu::log_burst(const Walk& w, const Burst& b, unsigned idx) const {
  log_->trace("request #{} burst {:#x} (chunk {} of {}) version {} = {:#x} {:#x}", w.job.req.id, b.addr, idx,
              to_string(w.fetch.entry), b.version, b.data[0], b.data[1]);
}

[[gnu::cold, gnu::noinline]] void Iommu::log_fetch(const Walk& w) const {
  log_->trace("fetch {} = {}", to_string(w.fetch.entry), describe(*w.fmt, w.fetch.value));
}

// The entry's last burst is in: publish the fetch and go on with the walk.
// Out of line, so the per-burst path above keeps a small frame.
[[gnu::noinline]] void Iommu::fetched(Walk& w, Cycle now) {
  // The value from the bursts, once per fetch (not per burst).
  EntryBits& v = w.fetch.value;
  if (w.narrow) {
    v.w[0] = w.fetch.bursts[0].data[(w.fetch.entry.addr >> 3) & 1];
  } else {
    for (unsigned k = 0; k < w.nbursts; ++k) {
      const unsigned idx = w.order[k];
      v.w[2 * idx] = w.fetch.bursts[k].data[0];
      v.w[2 * idx + 1] = w.fetch.bursts[k].data[1];
    }
  }
  ++stats_.fetches;
  stats_.bursts += w.fetch.nbursts;  // counted here, not per burst: a run ends with every fetch done
  if (trace_) [[unlikely]]
    log_fetch(w);
  bus_.publish(w.fetch);
  translator_->on_fetched(w.job, w.fetch, now);
  advance(w, now);
}

[[gnu::cold, gnu::noinline]] void Iommu::log_outcome(const DmaEvent& ev) const {
  if (ev.fault)
    log_->debug("request #{} fault {:#x} ({}){}", ev.request, ev.fault_reason, fault::name(ev.fault_reason),
                ev.fault_recorded ? "" : ", not recorded (FPD)");
  else
    log_->debug("request #{} iova {:#x} -> pa {:#x}", ev.request, ev.iova, ev.pa);
}

[[gnu::cold, gnu::noinline]] void Iommu::log_arrivals(std::size_t n) const {
  for (std::size_t i = 0; i < n; ++i) {
    const Arrival& a = arrivals_[i];
    log_->debug("request #{} from {} {} iova {:#x}", a.ext->request, to_string(a.ext->rid),
                a.gp->is_write() ? "write" : "read", a.gp->get_address());
  }
}

void Iommu::complete(Walk& w, Cycle now) {
  w.done = true;
  const DmaEvent& ev = translator_->outcome(w.job, now);
  if (ev.fault) {
    ++stats_.faulted;
    if (ev.fault_recorded) ++stats_.faults_recorded;
  } else {
    ++stats_.translated;
  }
  if (debug_) [[unlikely]]
    log_outcome(ev);
  DmaExtension* ext = w.ext;
  ext->fault = ev.fault;
  ext->reason = ev.fault_reason;
  ext->pa = ev.pa;
  bus_.publish(ev);
  w.gp->set_response_status(ev.fault ? tlm::TLM_ADDRESS_ERROR_RESPONSE : tlm::TLM_OK_RESPONSE);
  tlm::tlm_phase phase = tlm::BEGIN_RESP;
  sc_core::sc_time t = sc_core::SC_ZERO_TIME;
  pcie_in[w.port]->nb_transport_bw(*w.gp, phase, t);
}

// Everything due at cycle `at`. Same-cycle rule: walk steps due first (in
// admission order, so same-cycle samples are deterministic), then requests
// that waited for a walker, then the requests arriving now, in arrival order.
void Iommu::process(Cycle at) {
  // Queue events due now (descriptor fetches, completions) come before walk
  // steps, whichever of our two processes SystemC runs first.
  if (!qi_->idle()) qi_->advance(at, *this, *this);
  for (Walk* w = due_.take(at); w;) {
    Walk* const after = w->link;  // pushing w relinks it
    if (w->phase == Walk::Phase::Fetch) {
      if (burst(*w, at)) {  // the usual burst: the fetch goes on
        w = after;
        continue;
      }
      fetched(*w, at);
    } else if (w->phase == Walk::Phase::Complete) {
      complete(*w, at);
    } else {
      advance(*w, at);
    }
    settle(w, at);
    w = after;
  }
  // The arrivals due now queue behind the waiting requests; while the queue
  // is empty they are admitted straight from arrivals_, in the same order.
  std::size_t arrived = 0;
  while (arrived < arrivals_.size() && arrivals_[arrived].at <= at) ++arrived;
  if (debug_) [[unlikely]]
    log_arrivals(arrived);
  std::size_t taken = 0;
  while (nactive_ < cfg_.max_outstanding) {
    Walk* w;
    if (!waiting_.empty()) {
      w = admit(waiting_.front(), at);
      waiting_.pop_front();
    } else if (taken < arrived) {
      w = admit(arrivals_[taken++], at);
    } else {
      break;
    }
    settle(w, at);
  }
  for (std::size_t i = taken; i < arrived; ++i) {
    waiting_.push_back(arrivals_[i]);
    ++stats_.waited_for_walker;
  }
  arrivals_.pop_front(arrived);
}

Cycle Iommu::next_due() const {
  Cycle t = due_.next();
  if (!arrivals_.empty()) t = std::min(t, arrivals_.front().at);
  return t;
}

// Runs the cycle SystemC woke us for, then runs ahead of SystemC time through
// the cycles before any other process has something to do (no store can
// become visible, no register be written, no queued invalidation complete
// before then, so nothing we read can differ), and sleeps until the next
// cycle with work. Running ahead is what makes a request every cycle cheap:
// one activation per batch instead of one per cycle.
void Iommu::run() {
  const Cycle now = now_cycle();
  wake_pending_ = false;
  trace_ = log_->should_log(spdlog::level::trace);
  debug_ = log_->should_log(spdlog::level::debug);
  process(now);
  qi_schedule(now);
  Cycle last = now;
  const sc_core::sc_time idle = sc_core::sc_time_to_pending_activity();
  const Cycle horizon = std::min<Cycle>(sat_add(now, to_cycles(idle)), limit_);
  for (Cycle d = next_due(); d < horizon; d = next_due()) {
    LogCycle ahead(d);
    process(d);
    last = d;
  }
  const Cycle d = next_due();
  if (d != ~Cycle{0})
    wake_at(d, now);
  else if (last > now)
    wake_at(last, now);  // the episode ends when our last cycle would have
}

// sc_event keeps only the earliest pending notification; skip the kernel
// call when that one is no later.
void Iommu::wake_at(Cycle at, Cycle now) {
  if (wake_pending_ && wake_time_ <= at) return;
  wake_.notify(cycles(at - now));
  wake_pending_ = true;
  wake_time_ = at;
}

// ------------------------------------------------------------------ registers

void Iommu::regs_b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
  const Cycle now = now_cycle();
  const unsigned size = gp.get_data_length();
  // Register writes must follow every queue event due before them.
  qi_->advance(now, *this, *this);
  if (gp.is_write()) {
    u64 v = 0;
    std::memcpy(&v, gp.get_data_ptr(), std::min(size, 8u));
    const RegWrite r = qi_->mmio_write(gp.get_address(), size, v, now);
    if (r.status != RegAccess::Ok) {
      VTD_LOG(log_, warn, "register write {:#x} ({} bytes) = {:#x}: {}", gp.get_address(), size, v,
              to_string(r.status));
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    VTD_LOG(log_, debug, "register write {:#x} = {:#x}", gp.get_address(), v);
    publish_queue(now);
  } else {
    const RegRead r = regs_->read(gp.get_address(), size);
    if (r.status != RegAccess::Ok) {
      VTD_LOG(log_, warn, "register read {:#x} ({} bytes): {}", gp.get_address(), size, to_string(r.status));
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    std::memcpy(gp.get_data_ptr(), &r.value, std::min(size, 8u));
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  qi_schedule(now);
}

// ------------------------------------------------------------------ queued invalidation

void Iommu::qi_schedule(Cycle now) {
  if (auto t = qi_->next_event()) qi_wake_.notify(cycles(*t > now ? *t - now : 0));
}

void Iommu::qi_run() {
  const Cycle now = now_cycle();
  qi_->advance(now, *this, *this);
  qi_schedule(now);
}

std::array<u64, 4> Iommu::read_descriptor(Addr addr, bool dw256, Cycle now) {
  // Descriptor fetches always snoop (only page walks depend on ECAP.C).
  std::array<u64, 4> qw{};
  const Burst b0 = mem_->read_burst(addr, now, true);
  qw[0] = b0.data[0];
  qw[1] = b0.data[1];
  if (dw256) {
    const Burst b1 = mem_->read_burst(addr + 16, now, true);
    qw[2] = b1.data[0];
    qw[3] = b1.data[1];
  }
  return qw;
}

void Iommu::write_status(Addr addr, u32 data, Cycle now) { mem_->write32(addr, data, now); }

void Iommu::on_fetched(const Descriptor& d, unsigned index, Cycle now) {
  VTD_LOG(log_, debug, "descriptor [{}] fetched: {}", index, describe(d));
  if (bus_.has_subscribers())
    bus_.publish(DescriptorEvent{DescriptorEvent::What::Fetched, now, index, d.qw, {}});
  publish_queue(now);  // IQH moved past the slot
}

void Iommu::publish_queue(Cycle now, bool always) {
  if (!bus_.has_subscribers()) return;
  const unsigned head = qi_->head(), tail = qi_->tail();
  if (!always && head == published_head_ && tail == published_tail_) return;
  published_head_ = head;
  published_tail_ = tail;
  bus_.publish(QueueEvent{now, head, tail});
}

void Iommu::on_complete(const Descriptor& d, unsigned index, Cycle now) {
  translator_->apply(d, now);
  VTD_LOG(log_, debug, "descriptor [{}] completed: {}", index, describe(d));
  if (bus_.has_subscribers())
    bus_.publish(DescriptorEvent{DescriptorEvent::What::Completed, now, index, d.qw, {}});
}

void Iommu::on_error(const QiFault& f, Cycle now) {
  VTD_LOG(log_, warn, "invalidation queue error at slot {}: {} (IQE, IQEI {})", f.index, f.reason, f.iqei);
  if (bus_.has_subscribers())
    bus_.publish(DescriptorEvent{DescriptorEvent::What::Error, now, f.index, f.qw, f.reason});
}

}  // namespace vtd
