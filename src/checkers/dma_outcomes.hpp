// What DMA requests got, kept for the rules that judge outcomes against the
// tables: every distinct translated outcome (corrupting_dma), and the
// requests that went through a copy of a watched entry which had been
// stored to since the copy was read (the only ones stale_translation can
// flag). SystemC-free.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <tuple>
#include <vector>

#include "checkers/entry_history.hpp"
#include "checkers/run_log.hpp"

namespace vtd {

// A run of DmaLog: `first`, then n - 1 requests each adding the steps below.
struct DmaRun {
  DmaEvent first;
  std::size_t n = 1;
  u64 request = 0, arrived = 0, done = 0;  // the step from one request to the next (mod 2^64)
  DmaEvent at(u64 k) const {
    DmaEvent e = first;
    e.request += k * request;
    e.arrived += k * arrived;
    e.done += k * done;
    return e;
  }
};

// DMA requests in completion order, stored as runs: a request alike the
// previous one but for its request number, arrival and completion (a stream
// through the same stale cached copy) whose steps in those equal the run's
// extends the run instead of taking a record. Lossless: every request reads
// back exactly as it was published. SystemC-free.
class DmaLog : public RunLog<DmaRun, DmaEvent> {
 public:
  using Run = DmaRun;
  void push_back(const DmaEvent& e);
};

class DmaOutcomes : public Observer {
 public:
  explicit DmaOutcomes(const EntryHistory& h) : h_(h) {}
  // As newly made, for a new episode over the same history.
  void reset();
  // Whether page walks snoop CPU caches (ECAP.C). Then a copy a request's
  // own walk fetched read memory after the request arrived, so it saw every
  // store visible before: no later invalidation can have made it stale.
  void set_coherent(bool coherent) { coherent_ = coherent; }
  Interests interests() const override { return overridden<DmaOutcomes>(); }
  void on_dma(const DmaEvent& e) override;

  // Requests that used a copy of a watched entry that some store visible
  // before the request arrived had changed since the copy was read (the
  // only ones a later invalidation could have made stale), in completion
  // order.
  const DmaLog& superseded() const { return superseded_; }
  // Distinct translated outcomes: (rid, pasid or -1, iova, write, pa) -> first request and count.
  using Key = std::tuple<u16, long long, Addr, bool, Addr>;
  struct Seen {
    DmaEvent first;
    u64 count = 0;
  };
  const std::map<Key, Seen>& outcomes() const { return outcomes_; }

 private:
  void switch_outcome(const DmaEvent& e, long long pasid);
  void check_copies(const DmaEvent& e);
  const EntryHistory::Entry* entry(EntryKind kind, Addr addr);

  const EntryHistory& h_;
  DmaLog superseded_;
  std::map<Key, Seen> outcomes_;
  Key last_key_{};
  Seen* last_seen_ = nullptr;  // outcomes_[last_key_] (map nodes stay put)
  // The entries the last copies were of: a stream's requests go through the
  // same few entries, so most lookups are answered here.
  struct Looked {
    Addr addr = ~Addr{0};
    EntryKind kind = EntryKind::Root;
    const EntryHistory::Entry* entry = nullptr;
  };
  std::array<Looked, 2> looked_{};
  bool coherent_ = true;
};

}  // namespace vtd
