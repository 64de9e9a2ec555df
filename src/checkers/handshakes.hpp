// The ownership handshake of VT-d spec 6.5.3.3 judged by happens-before:
// after a store changes an entry hardware may hold in a cache, software owns
// the old state only once it has *observed* the covering invalidations
// complete. For one Need and a change made after store K, that is:
//
//   1. a descriptor covering the need was queued after K was visible to
//      hardware (K happens before the IQT write that published it; with
//      non-coherent walks, before a clflush that wrote K's line back, which
//      happens before that IQT write);
//   2. a wait descriptor was queued after it (the queue completes a wait
//      only after every descriptor before it), and wrote its status;
//   3. some CPU read that status write, and that read happens before the
//      change (the changing CPU polled it, or synchronized with one that did).
//
// Timing decides none of this: a fast queue does not make a change legal,
// a slow one does not make it illegal. SystemC-free.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checkers/happens_before.hpp"
#include "checkers/needs.hpp"
#include "checkers/sync_log.hpp"

namespace vtd {

class Handshakes {
 public:
  // Built after the episode: the log, every store, and whether page walks
  // snoop CPU caches (ECAP.C).
  void build(const SyncLog& log, const std::vector<StoreEvent>& history, bool coherent);

  const HappensBefore& hb() const { return hb_; }
  const SyncLog& log() const { return *log_; }
  const std::vector<StoreEvent>& history() const { return *history_; }

  // Whether store `k` was visible to hardware before the doorbell of
  // descriptor `d`; with `software_view`, visible to CPUs (with non-coherent
  // walks, K may not have reached DRAM).
  bool published_after(const StoreEvent& k, const SyncLog::Descriptor& d, bool software_view = false) const;

  // Why a need is met or not, for a change by CPU operation `change` after store `k`.
  struct Judgement {
    enum class Status : u8 {
      Met,
      NotQueued,       // no covering descriptor was queued after K
      QueuedEarly,     // one was, but its doorbell is not ordered after K
      NoWait,          // no wait descriptor queued after it completed with a status write
      NotObserved,     // the wait completed, nobody read its status
      ObservedLate,    // read, but not before the change
    };
    Status status = Status::NotQueued;
    Need need;
    std::optional<std::size_t> desc;      // the covering descriptor (index in log().descriptors())
    std::optional<std::size_t> wait;      // the wait after it
    std::optional<SyncLog::Load> observer;  // the read of its status
    bool met() const { return status == Status::Met; }
  };
  Judgement judge(const Need& n, const StoreEvent& k, const Writer& change) const;
  bool met(const Need& n, const StoreEvent& k, const Writer& change) const {
    return judge(n, k, change).met();
  }
  // Every need met; with no needs, a completed wait queued after K was
  // observed before the change (a sync point, though nothing needed it).
  bool synced(const std::vector<Need>& needs, const StoreEvent& k, const Writer& change) const;
  // Hardware's side: the cycle a descriptor covering `n`, queued after
  // software saw K (program order or happens-before, whether or not K had
  // reached DRAM), completed, if one did by `by`.
  std::optional<Cycle> completed_by(const Need& n, const StoreEvent& k, Cycle by) const;

  // One sentence: "no completed wait after the PASID-cache invalidation
  // (slot 3, fetched at cycle 412)".
  std::string explain(const Judgement& j, const StoreEvent& k) const;

 private:
  // Reads of the status write of wait `w`.
  const std::vector<SyncLog::Load>& observers(std::size_t w) const { return observers_[w]; }

  const SyncLog* log_ = nullptr;
  const std::vector<StoreEvent>* history_ = nullptr;
  bool coherent_ = true;
  HappensBefore hb_;
  std::vector<std::vector<SyncLog::Load>> observers_;  // per descriptor (waits only)
  std::vector<std::size_t> waits_;                     // indices of waits with a status write
};

}  // namespace vtd
