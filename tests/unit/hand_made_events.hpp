// Hand-made event streams for checker and story tests: the stores, one-burst
// fetches and queued-invalidation descriptors of one watched 128-bit entry,
// published to whichever observers a test feeds (the checkers' EntryHistory
// and QiLog, a StoryRecorder).
#pragma once

#include <array>
#include <initializer_list>
#include <vector>

#include "driver/driver.hpp"
#include "events/events.hpp"

namespace vtd::test {

class EntryStream {
 public:
  EntryStream(EntryId id, std::array<u64, 2> initial) : id_(id), mem_(initial) {}

  void feed(Observer* o) { to_.push_back(o); }
  EntryBits initial_bits() const {
    EntryBits e;
    e.w[0] = mem_[0];
    e.w[1] = mem_[1];
    return e;
  }
  u64 stores() const { return seq_; }

  // A 64-bit store to word 0 or 1 of the entry by `writer`.
  StoreEvent store(unsigned word, u64 v, Cycle c, Writer writer) {
    StoreEvent s;
    s.seq = seq_++;
    s.cycle = c;
    s.writer = writer;
    s.addr = id_.addr + 8 * word;
    s.words = 1;
    s.old_val[0] = mem_[word];
    s.new_val[0] = v;
    mem_[word] = v;
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
  // A descriptor fetched by the IOMMU from `slot`, then completed.
  void descriptor(unsigned slot, const QiDesc& d, Cycle fetched, Cycle completed) {
    const std::array<u64, 4> qw{d.bits.w[0], d.bits.w[1], 0, 0};
    for (const DescriptorEvent& e :
         {DescriptorEvent{DescriptorEvent::What::Fetched, fetched, slot, qw, {}},
          DescriptorEvent{DescriptorEvent::What::Completed, completed, slot, qw, {}}})
      for (Observer* o : to_) o->on_descriptor(e);
  }

 private:
  EntryId id_;
  std::array<u64, 2> mem_;
  u64 seq_ = 0;
  std::vector<Observer*> to_;
};

}  // namespace vtd::test
