#include "iommu_model/invalidation_queue.hpp"

#include <algorithm>
#include <utility>

#include "base/cycle_math.hpp"

namespace vtd {

using namespace qi_fmt;

u64 QiStats::total_completed() const {
  u64 n = 0;
  for (u64 c : completed) n += c;
  return n;
}

InvalidationQueue::InvalidationQueue(Registers& regs, const QiLatencies& lat)
    : regs_(regs), lat_(lat), opt_(decode_options(regs)) {}

Cycle InvalidationQueue::latency(u64 type) const {
  switch (type) {
    case TYPE_CC: return lat_.context_cache;
    case TYPE_IOTLB: return lat_.iotlb;
    case TYPE_DEVTLB: return lat_.dev_tlb;
    case TYPE_WAIT: return lat_.wait;
    case TYPE_PIOTLB: return lat_.piotlb;
    case TYPE_PC: return lat_.pasid_cache;
    case TYPE_PDEVTLB: return lat_.pasid_dev_tlb;
    default: return 0;  // IEC and page-group responses have nothing to do here
  }
}

unsigned InvalidationQueue::tail() const {
  // IQT holds the slot in bits 18:4, or 18:5 with 256-bit descriptors.
  return static_cast<unsigned>(reg_get(reg_fmt::IQ_QH, regs_.iqt()) >> (shift() - 4));
}

void InvalidationQueue::on_register_write(Addr offset, Cycle now) {
  const Register* r = regs_.find(offset);
  if (!r) return;
  switch (r->offset) {
    case reg::GCMD:
      if (regs_.qi_enabled() && !enabled_) enable(now);
      if (!regs_.qi_enabled() && enabled_) disable();
      break;
    case reg::IQT: doorbell(now); break;
    case reg::FSTS:
      // Clearing IQE (or ITE) lets hardware fetch again from IQH.
      if (!regs_.qi_blocked()) request_kick(now);
      break;
    default: break;  // IQA is latched when QIE is enabled
  }
}

RegWrite InvalidationQueue::mmio_write(Addr offset, unsigned size, u64 value, Cycle now) {
  const RegWrite w = regs_.write(offset, size, value);
  if (w.status == RegAccess::Ok) on_register_write(offset, now);
  return w;
}

void InvalidationQueue::doorbell(Cycle now) {
  ++stats_.doorbells;
  request_kick(now);
}

void InvalidationQueue::enable(Cycle now) {
  enabled_ = true;
  base_ = regs_.iqa_base();
  dw256_ = regs_.iqa_dw();
  size_ = (4096u << regs_.iqa_qs()) / (dw256_ ? 32u : 16u);
  head_ = 0;
  regs_.set_iqh(0);
  request_kick(now);  // software may have written IQT before enabling
}

// Descriptors already fetched still complete; an unfinished fetch is dropped.
void InvalidationQueue::disable() {
  enabled_ = false;
  fetch_.reset();
  kick_.reset();
  fence_.reset();
  head_ = 0;
  regs_.set_iqh(0);
}

void InvalidationQueue::request_kick(Cycle now) {
  if (!kick_ || now < *kick_) kick_ = now;
}

std::optional<std::size_t> InvalidationQueue::next_completion() const {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < in_flight_.size(); ++i) {
    const InFlight& x = in_flight_[i];
    if (!best || x.done < in_flight_[*best].done ||
        (x.done == in_flight_[*best].done && x.seq < in_flight_[*best].seq))
      best = i;
  }
  return best;
}

std::optional<Cycle> InvalidationQueue::next_event() const {
  std::optional<Cycle> t = kick_;
  auto take = [&t](Cycle c) {
    if (!t || c < *t) t = c;
  };
  if (fetch_) take(fetch_->done);
  if (const auto c = next_completion()) take(in_flight_[*c].done);
  return t;
}

void InvalidationQueue::advance(Cycle now, QiMemory& mem, QiSink& sink) {
  for (;;) {
    const auto c = next_completion();
    const std::optional<Cycle> tc = c ? std::optional<Cycle>(in_flight_[*c].done) : std::nullopt;
    const std::optional<Cycle> tf = fetch_ ? std::optional<Cycle>(fetch_->done) : std::nullopt;
    if (tc && *tc <= now && (!tf || *tc <= *tf) && (!kick_ || *tc <= *kick_)) {
      complete(*c, mem, sink);
    } else if (tf && *tf <= now && (!kick_ || *tf <= *kick_)) {
      finish_fetch(mem, sink);
    } else if (kick_ && *kick_ <= now) {
      const Cycle t = *kick_;
      kick_.reset();
      try_start_fetch(t, sink);
    } else {
      break;
    }
  }
}

void InvalidationQueue::try_start_fetch(Cycle now, QiSink& sink) {
  if (fetch_ || !enabled_ || fence_ || regs_.qi_blocked()) return;
  const u64 iqt = regs_.iqt();
  if (dw256_ && reg_get(reg_fmt::IQT_256_RSV, iqt)) {
    fault(now, reg_fmt::IQEI_INVALID_TAIL, {}, "IQT bit 4 set with 256-bit descriptors", sink);
    return;
  }
  const unsigned t = tail();
  if (t >= size_) {
    fault(now, reg_fmt::IQEI_INVALID_TAIL, {},
          "IQT slot " + std::to_string(t) + " beyond a queue of " + std::to_string(size_), sink);
    return;
  }
  if (head_ == t) return;
  fetch_ = Fetch{head_, sat_add(now, lat_.fetch)};
}

void InvalidationQueue::finish_fetch(QiMemory& mem, QiSink& sink) {
  const Fetch f = *fetch_;
  fetch_.reset();
  const Cycle now = f.done;
  const Addr addr = base_ + static_cast<Addr>(f.index) * (dw256_ ? 32 : 16);
  const DecodeResult r = decode_descriptor(mem.read_descriptor(addr, dw256_, now), dw256_, opt_);
  if (r.malformed()) {
    // IQH stays at the bad slot: software finds it there (§8.5).
    fault(now, r.iqei, r.desc.qw, r.reason, sink);
    return;
  }
  head_ = (f.index + 1) % size_;
  regs_.set_iqh(static_cast<u64>(head_) << shift());
  ++stats_.fetched[r.desc.type & 0xf];
  sink.on_fetched(r.desc, f.index, now);

  InFlight x{r.desc, f.index, next_seq_++, sat_add(now, latency(r.desc.type))};
  if (r.desc.type == TYPE_WAIT) {
    // Every descriptor in flight was fetched earlier: the wait drains them.
    Cycle start = now;
    for (const InFlight& y : in_flight_) start = std::max(start, y.done);
    x.done = sat_add(start, lat_.wait);
    if (r.desc.get(wait::FN)) fence_ = x.seq;
  }
  in_flight_.push_back(x);
  stats_.max_in_flight = std::max(stats_.max_in_flight, in_flight_.size());
  try_start_fetch(now, sink);
}

void InvalidationQueue::complete(std::size_t i, QiMemory& mem, QiSink& sink) {
  const InFlight x = in_flight_[i];
  in_flight_.erase(in_flight_.begin() + static_cast<std::ptrdiff_t>(i));
  const Cycle now = x.done;
  if (x.desc.type == TYPE_WAIT) {
    // The status write precedes the completion interrupt condition (§5.2).
    if (x.desc.get(wait::SW)) {
      mem.write_status(x.desc.get(wait::STATUS_ADDR) << 2, static_cast<u32>(x.desc.get(wait::STATUS_DATA)),
                       now);
      ++stats_.status_writes;
    }
    if (x.desc.get(wait::IF)) {
      regs_.set_ics_iwc();
      ++stats_.completion_events;
    }
  }
  ++stats_.completed[x.desc.type & 0xf];
  sink.on_complete(x.desc, x.index, now);
  if (fence_ && *fence_ == x.seq) {
    fence_.reset();
    try_start_fetch(now, sink);
  }
}

void InvalidationQueue::fault(Cycle now, u8 iqei, const std::array<u64, 4>& qw, std::string reason,
                              QiSink& sink) {
  regs_.raise_iqe(iqei);
  ++stats_.errors;
  QiFault f;
  f.iqei = iqei;
  f.index = head_;
  f.qw = qw;
  f.reason = std::move(reason);
  sink.on_error(f, now);
}

}  // namespace vtd
