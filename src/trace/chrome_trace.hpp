// A transaction-level timeline of an episode in the Chrome trace-event JSON
// format (ui.perfetto.dev and chrome://tracing open it), built from the
// event stream alone. SystemC-free.
//
// Tracks (a "process" per group, a "thread" per track in it):
//   violations       one instant per violation (kind, entry, cycle), and one
//                    per benign finding on a track of its own
//   CPUs             per CPU: its driver operations (program items) with the
//                    emitted operations nested in them; and a track of the
//                    moments its stores became visible in memory
//   IOMMU walker     per request that fetched anything, its walk, with each
//                    entry fetch nested in it and each 128-bit burst in the
//                    fetch; concurrent walks take separate lanes
//   invalidation queue  descriptors from fetch to completion (lanes), the
//                    status writes and queue errors
//   IOMMU caches     fills, invalidations and evictions (when caches are on)
//   device BB:DD.F   per requester ID, DMA requests from arrival to
//                    translation or fault (lanes when they overlap)
//   memory           CPU-cache write-backs (non-coherent walks only)
//
// Time: ts and dur are cycle numbers, read by the viewers as microseconds
// (1 cycle = 1 us of trace time). A burst is sampled at one instant; it is
// drawn one cycle long from that instant so the viewers show it. The output
// is sorted (track, time, longer slices first) and byte-identical for the
// same episode.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checkers/findings.hpp"
#include "platform/run_listener.hpp"

namespace vtd {

class ChromeTrace : public RunListener {
 public:
  // What on_start does, for use without a platform (tests).
  void begin(std::string scenario, std::string file, std::vector<std::vector<std::string>> item_names,
             std::vector<EntryId> watched = {});
  // What on_finish does: the findings become instant events.
  void finish(const Findings& findings, Cycle end);
  // The trace file's text (valid after finish).
  std::string text() const;
  // Writes text() to `path`; false when it cannot.
  bool write(const std::string& path) const;

  void on_start(const EpisodeStart& s) override;
  void on_finish(const RunResult& r) override;
  // Keeps cache changes only (Fill, Invalidate and Evict): lookups are not delivered.
  Interests interests() const override { return overridden<ChromeTrace>() & ~interest(Topic::CacheLookup); }
  void on_store(const StoreEvent& e) override { stores_.push_back(e); }
  void on_fetch(const FetchEvent& e) override { fetches_.push_back(e); }
  void on_dma(const DmaEvent& e) override;
  void on_cpu_op(const CpuOpEvent& e) override;
  void on_item(const ItemEvent& e) override;
  void on_cache(const CacheEvent& e) override;
  void on_descriptor(const DescriptorEvent& e) override;
  void on_writeback(const WritebackEvent& e) override { writebacks_.push_back(e); }

 private:
  struct Op {
    u16 cpu;
    u32 item, op;
    Cycle start, end;
    std::string name;
  };
  struct Dma {
    DmaEvent ev;  // without its copies
    std::string copies;
  };
  struct Desc {
    DescriptorEvent::What what;
    Cycle cycle;
    unsigned index;
    std::array<u64, 4> qw;
    std::string error;
  };

  std::string scenario_, file_;
  std::vector<EntryId> watched_;  // to name the entry a store wrote
  std::vector<std::vector<std::string>> item_names_;
  std::vector<Op> items_, ops_;
  std::vector<StoreEvent> stores_;
  std::vector<FetchEvent> fetches_;
  std::vector<Dma> dmas_;
  std::vector<Desc> descriptors_;
  std::vector<CacheEvent> caches_;
  std::vector<WritebackEvent> writebacks_;
  std::vector<Finding> findings_;
  Cycle end_ = 0;
};

}  // namespace vtd
