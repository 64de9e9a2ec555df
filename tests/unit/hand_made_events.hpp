// Hand-made event streams for checker and story tests: the stores, one-burst
// fetches and queued-invalidation traffic (doorbells, descriptors, wait
// status writes, polls) of one watched 128-bit entry and whatever else a test
// stores to, published to whichever observers a test feeds (the checkers'
// EntryHistory, SyncLog and DmaOutcomes, a StoryRecorder), with the store
// history the rules judge against.
#pragma once

#include <array>
#include <initializer_list>
#include <map>
#include <vector>

#include "driver/driver.hpp"
#include "events/events.hpp"
#include "formats/qi_descriptors.hpp"

namespace vtd::test {

class EntryStream {
 public:
  EntryStream(EntryId id, std::array<u64, 2> initial) : id_(id) {
    mem_[id.addr] = initial[0];
    mem_[id.addr + 8] = initial[1];
  }

  void feed(Observer* o) {
    to_.push_back(o);
    // As at boot: the queue's tail before any doorbell.
    o->on_queue(QueueEvent{0, 0, 0});
  }
  EntryBits initial_bits() const {
    EntryBits e;
    e.w[0] = mem_.at(id_.addr);
    e.w[1] = mem_.at(id_.addr + 8);
    return e;
  }
  u64 stores() const { return history_.size(); }
  // Every store so far, in seq order (what PhysicalMemory::history() holds).
  const std::vector<StoreEvent>& history() const { return history_; }

  // A 64-bit store to word 0 or 1 of the entry by `writer`.
  StoreEvent store(unsigned word, u64 v, Cycle c, Writer writer) { return store_at(id_.addr + 8 * word, v, c, writer); }
  // A 64-bit store anywhere (a lock, a flag).
  StoreEvent store_at(Addr addr, u64 v, Cycle c, Writer writer) {
    StoreEvent s;
    s.seq = history_.size();
    s.cycle = c;
    s.writer = writer;
    s.addr = addr;
    s.words = 1;
    s.old_val[0] = mem_[addr];
    s.new_val[0] = v;
    mem_[addr] = v;
    history_.push_back(s);
    for (Observer* o : to_) o->on_store(s);
    return s;
  }
  // A fetch by DMA request `request` that assembled `value` from `bursts`
  // (each {cycle, data, version}: the burst saw the first `version` stores).
  struct BurstSeen {
    Cycle cycle;
    std::array<u64, 2> data;
    u64 version;
  };
  void fetch(u64 request, std::array<u64, 2> value, std::initializer_list<BurstSeen> bursts) {
    FetchEvent f;
    f.request = request;
    f.entry = id_;
    for (const BurstSeen& b : bursts) f.bursts[f.nbursts++] = Burst{b.cycle, id_.addr, b.data, b.version};
    f.value.w[0] = value[0];
    f.value.w[1] = value[1];
    for (Observer* o : to_) o->on_fetch(f);
  }
  // The common case: one burst that saw the first `version` stores.
  void fetch(u64 request, u64 version, std::array<u64, 2> data, Cycle c) {
    fetch(request, data, {{c, data, version}});
  }

  // CPU operation `by` writes IQT at cycle `c`, handing the ring's slots up to
  // (not including) `tail` to hardware.
  void doorbell(Writer by, Cycle c, unsigned tail) {
    for (Observer* o : to_) o->on_mmio(MmioEvent{by, c, reg::IQT, Addr{tail} << 4, 4, true});
    for (Observer* o : to_) o->on_queue(QueueEvent{c, head_, tail});
  }
  // A descriptor fetched by the IOMMU from `slot`, then completed. A wait
  // descriptor with SW writes its status (a store by the IOMMU) first.
  void descriptor(unsigned slot, const QiDesc& d, Cycle fetched, Cycle completed) {
    const std::array<u64, 4> qw{d.bits.w[0], d.bits.w[1], 0, 0};
    head_ = slot + 1;
    for (Observer* o : to_) o->on_descriptor(DescriptorEvent{DescriptorEvent::What::Fetched, fetched, slot, qw, {}});
    if ((qw[0] & 0xf) == qi_fmt::TYPE_WAIT && (qw[0] & qi_fmt::wait::SW.mask_in_word())) {
      const Addr status = ((qw[1] >> 2) << 2) & ~Addr{7};
      store_at(status, u64{qi_fmt::QI_DONE} << ((qw[1] & 4) ? 32 : 0), completed,
               Writer{Writer::kIommu, Writer::kNone, Writer::kNone});
    }
    for (Observer* o : to_)
      o->on_descriptor(DescriptorEvent{DescriptorEvent::What::Completed, completed, slot, qw, {}});
  }
  // One qi_submit_sync's hardware side: `descs` then a wait on `status`,
  // from slot `slot`, rung by `by` at `rung`; each descriptor fetched 10
  // cycles after the last and completed `latency` later; the wait completes
  // after all of them. Returns the wait's completion cycle.
  Cycle submit(Writer by, Cycle rung, unsigned slot, std::initializer_list<QiDesc> descs, Addr status,
               Cycle latency = 20) {
    const unsigned n = static_cast<unsigned>(descs.size());
    doorbell(by, rung, slot + n + 1);
    Cycle t = rung, last = rung;
    unsigned s = slot;
    for (const QiDesc& d : descs) {
      t += 10;
      descriptor(s++, d, t, t + latency);
      last = std::max(last, t + latency);
    }
    t += 10;
    const Cycle done = std::max(t, last) + 5;
    descriptor(s, qi_wait(status), t, done);
    return done;
  }
  // A load by `reader` at `c` of the word at `addr`, seeing every store so far.
  void load(Writer reader, Cycle c, Addr addr, LoadKind kind = LoadKind::Plain) {
    const u64 v = mem_[addr & ~Addr{7}];
    for (Observer* o : to_)
      o->on_load(LoadEvent{reader, c, addr & ~Addr{7}, v, history_.size(), false, "", kind});
  }
  // A poll that found the wait's status written (qi_submit_sync's READ_ONCE loop).
  void poll(Writer reader, Cycle c, Addr status) { load(reader, c, status, LoadKind::Poll); }
  // A clflush by `by` wrote the line holding the entry back to DRAM.
  void writeback(Writer by, Cycle c) {
    for (Observer* o : to_) o->on_writeback(WritebackEvent{c, id_.addr & ~Addr{63}, history_.size(), false, by});
  }
  // A driver operation returned.
  void item(u16 cpu, u32 item, u32 first_op, u32 last_op, Cycle start, Cycle end) {
    for (Observer* o : to_) o->on_item(ItemEvent{cpu, item, start, end, "", first_op, last_op});
  }

 private:
  EntryId id_;
  std::map<Addr, u64> mem_;
  std::vector<StoreEvent> history_;
  std::vector<Observer*> to_;
  unsigned head_ = 0;
};

}  // namespace vtd::test

#include "checkers/dma_outcomes.hpp"
#include "checkers/handshakes.hpp"
#include "memory/physical_memory.hpp"
#include "rules/rule.hpp"

namespace vtd::test {

// An entry's hand-made episode fed to the checkers, judged by every rule.
struct Judged {
  EntryHistory h;
  SyncLog sync;
  PhysicalMemory mem;
  ReferenceTranslator ref{mem, IommuConfig{}, 0};
  DmaOutcomes dma{h};
  Handshakes hs;
  EntryStream events;

  Judged(EntryId id, std::array<u64, 2> initial) : events(id, initial) {
    h.watch(id, events.initial_bits());
    events.feed(&h);
    events.feed(&sync);
    events.feed(&dma);
  }
  const Handshakes& built(bool coherent = true) {
    hs.build(sync, events.history(), coherent);
    return hs;
  }
  Findings judge(bool coherent = true, bool detail = true) {
    return vtd::judge(Evidence(h, built(coherent), dma, ref, detail));
  }
  u64 count(const std::string& kind, bool coherent = true) {
    const auto c = judge(coherent).counts();
    return c.at(kind);
  }
};

}  // namespace vtd::test
