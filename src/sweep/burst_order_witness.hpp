// Whether an episode could have gone differently with another burst order.
//
// The burst order only decides which chunk of a multi-burst entry is sampled
// at which of the fetch's burst instants; the instants themselves, and
// everything else the models do, do not depend on it. So when no
// multi-burst fetch of an episode had its entry change between its first and
// its last burst, every chunk held one value over the whole fetch, each
// fetch assembles the same entry in any order, and (by induction over the
// episode) the episode runs identically — the same fetch values, burst
// instants and versions in read order, cache fills, DMA outcomes, stores and
// findings — whatever the burst order. A sweep then runs one burst order of
// such a group of interleavings and gives its outcome to the others
// (docs/sweeps.md, "Burst-order reduction").
//
// Judged from the published events only: a fetch's bursts (their versions)
// and the store history (every write to memory is a StoreEvent). A store
// that some of a fetch's bursts saw and others did not (lo <= seq < hi) and
// that changed a word of the entry makes the episode order-sensitive.
// Walks that do not snoop (ECAP.C = 0) read DRAM, which write-backs change
// without a store: such episodes always count as order-sensitive.
#pragma once

#include <vector>

#include "platform/run_listener.hpp"

namespace vtd {

class BurstOrderWitness : public RunListener {
 public:
  Interests interests() const override { return overridden<BurstOrderWitness>(); }
  void on_start(const EpisodeStart& s) override;
  // A new episode; walks that do not snoop always make the order matter.
  void reset(bool coherent_walks);
  void on_store(const StoreEvent& e) override;
  void on_fetch(const FetchEvent& e) override;

  // After the episode: false when every other burst order gives the same episode.
  bool order_matters() const { return matters_; }

 private:
  struct Change {
    u64 seq;
    Addr lo, hi;  // bytes [lo, hi) whose value the store changed
  };
  std::vector<Change> changes_;  // by seq
  bool matters_ = false;
};

}  // namespace vtd
