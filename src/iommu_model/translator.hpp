// Translation of DMA requests through the IOMMU's caches and table walks,
// SystemC-free. The Iommu module owns timing and bursts; a Translator decides,
// for each request, whether a cache answers the next step or which entry must
// be fetched, fills the caches from what was fetched, and applies completed
// invalidation descriptors to the caches.
#pragma once

#include <array>
#include <optional>
#include <stdexcept>
#include <variant>
#include <vector>

#include "events/events.hpp"
#include "formats/qi_descriptors.hpp"
#include "iommu_model/caches.hpp"
#include "iommu_model/legacy_walker.hpp"
#include "iommu_model/scalable_walker.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

class Translator {
 public:
  Translator(const IommuConfig& cfg, Addr rtaddr, const EventBus& bus);

  struct Job {
    DmaRequest req;
    std::optional<u32> pasid;
    std::variant<LegacyWalker, ScalableWalker> walker{LegacyWalker(WalkerConfig{})};
    bool ctx_checked = false, pasid_checked = false, iotlb_checked = false;
    bool iotlb_hit = false;
    // The outcome, built in place: the entry copies used go straight into its
    // `copies` (kept with its capacity as the job is reused), published as is.
    DmaEvent out;
    // The context (legacy) or PASID entry copy used, in out.copies: the
    // provenance an IOTLB fill records (an index, not a copy of it).
    static constexpr u8 kNoCopy = 0xff;
    u8 table_copy = kNoCopy;
  };

  struct Step {
    enum class Kind { Fetch, Wait, Done };
    Kind kind = Kind::Done;
    Cycle delay = 0;  // cache lookup latency before the fetch starts / the wait
    // Wait only: a cache answered and the walk is over; the step after the
    // wait is Done (the caller need not ask).
    bool last = false;
  };

  Job start(const DmaRequest& req, std::optional<u32> pasid) const;
  // The same, reusing `job` (no allocation).
  void start(Job& job, const DmaRequest& req, std::optional<u32> pasid) const {
    start(job, req.id, req.rid, req.iova, req.write, req.arrived, pasid);
  }
  // The same from the request's fields, which go straight into the job (a
  // request built first and then copied stalled on reading it back).
  void start(Job& job, u64 id, Rid rid, Addr iova, bool write, Cycle arrived, std::optional<u32> pasid) const;
  // What to do next for `job` at cycle `now` (cache lookups happen here).
  Step next(Job& job, Cycle now) {
    // One dispatch per step: every job of this translator holds the walker of its mode.
    // A finished walk's step is Done: checked here, so it costs no call of next_in.
    if (scalable_) {
      auto& w = *std::get_if<ScalableWalker>(&job.walker);
      return w.done() ? Step{} : next_in(job, w, now);
    }
    auto& w = *std::get_if<LegacyWalker>(&job.walker);
    return w.done() ? Step{} : next_in(job, w, now);
  }
  // The entry a Fetch step asks for (valid until the next on_fetched).
  const EntryId& fetch_entry(const Job& job) const {
    return scalable_ ? std::get_if<ScalableWalker>(&job.walker)->next_entry()
                     : std::get_if<LegacyWalker>(&job.walker)->next_entry();
  }
  // The entry asked for by the last Fetch step, as fetched.
  void on_fetched(Job& job, const FetchEvent& f, Cycle now);
  // The outcome, once next() said Done: job.out completed (valid until the
  // job restarts). Inline: every request completes through it.
  const DmaEvent& outcome(Job& j, Cycle now) const {
    // Every field is set but the copies, which the walk filled.
    DmaEvent& ev = j.out;
    ev.request = j.req.id;
    ev.rid = j.req.rid;
    ev.iova = j.req.iova;
    ev.write = j.req.write;
    ev.arrived = j.req.arrived;
    ev.done = now;
    ev.iotlb_hit = j.iotlb_hit;
    if (scalable_) {
      const ScalableResult& r = std::get_if<ScalableWalker>(&j.walker)->result();
      ev.fault = r.fault;
      ev.fault_reason = r.reason;
      ev.fault_recorded = r.fault_recorded;
      ev.pa = r.pa;
      ev.pasid = r.pasid;
      ev.has_pasid = j.pasid.has_value();  // the request carried a PASID (else RID_PASID was used)
      ev.did = r.did;
    } else {
      const TranslationResult& r = std::get_if<LegacyWalker>(&j.walker)->result();
      ev.fault = r.fault;
      ev.fault_reason = r.reason;
      ev.fault_recorded = true;
      ev.pa = r.pa;
      ev.pasid = 0;
      ev.has_pasid = false;
      ev.did = r.did;
    }
    return ev;
  }

  // A completed invalidation descriptor takes effect on the caches.
  void apply(const Descriptor& d, Cycle now);

  const ContextCache& context_cache() const { return ctx_; }
  const PasidCache& pasid_cache() const { return pc_; }
  const Iotlb& iotlb() const { return iotlb_; }
  void set_root(Addr rtaddr) { rtaddr_ = rtaddr; }

 private:
  // A walk uses at most a context entry and a PASID entry.
  static void add_copy(Job& j, EntryKind kind, Addr entry, bool from_cache, const EntryBits& value,
                       const Provenance& source) {
    if (j.out.copies.size() == 2) throw std::logic_error("translator: more entry copies than a walk can use");
    j.out.copies.emplace_back(kind, entry, from_cache, value, source);
  }
  template <typename W>
  Step next_in(Job& job, W& walker, Cycle now);
  // on_fetched's rarer parts: a context or PASID entry's copy (and cache
  // fill), and a completed walk's IOTLB fill.
  [[gnu::noinline]] void keep_copy(Job& j, const FetchEvent& f, Cycle now);
  [[gnu::noinline]] void fill_iotlb(Job& j, Cycle now);
  // Publishes a CacheEvent when anybody consumes its topic (cache lookups:
  // usually nobody, so the common hit builds nothing).
  void publish(CacheEvent::What what, CacheKind cache, Cycle now, Rid rid, u16 did, u32 pasid, Addr addr,
               u64 count = 1, const EntryBits& value = {}, const Provenance& src = {}) const {
    if (bus_.wants(topic_of(what))) emit(what, cache, now, rid, did, pasid, addr, count, value, src);
  }
  void emit(CacheEvent::What what, CacheKind cache, Cycle now, Rid rid, u16 did, u32 pasid, Addr addr,
            u64 count, const EntryBits& value, const Provenance& src) const;
  void record_invalidation(CacheKind cache, Cycle now, u64 dropped, u16 did, u32 pasid, Addr addr) const;

  IommuConfig cfg_;
  bool scalable_;
  Addr rtaddr_;
  const EventBus& bus_;
  WalkerConfig legacy_cfg_;
  ScalableWalkerConfig scalable_cfg_;
  ContextCache ctx_;
  PasidCache pc_;
  Iotlb iotlb_;
};

}  // namespace vtd
