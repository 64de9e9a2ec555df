// The one event stream of a simulation. Models publish what happened, with
// cycle stamps; checkers, logs and traces subscribe. No model knows who
// listens.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/types.hpp"
#include "formats/formats.hpp"

namespace vtd {

// Who performed a store: CPU `cpu`, program item `item` (one driver
// operation), emitted operation `op` within that CPU's program.
struct Writer {
  static constexpr u32 kNone = ~0u;
  static constexpr u16 kIommu = 0xffff;  // `cpu` of stores the IOMMU makes (wait-descriptor status)
  u16 cpu = 0;
  u32 item = kNone;
  u32 op = kNone;
  bool operator==(const Writer&) const = default;
};

// One store becoming visible in memory. A 128-bit atomic store is one event
// with two words.
struct StoreEvent {
  u64 seq = 0;  // position in the store history (0-based)
  Cycle cycle = 0;
  Writer writer;
  Addr addr = 0;
  u8 words = 1;
  std::array<u64, 2> old_val{};
  std::array<u64, 2> new_val{};
};

// One 128-bit aligned burst read by the IOMMU, taken atomically at `cycle`.
// `version` is the number of stores visible at that instant: the burst saw
// stores with seq < version and none after.
struct Burst {
  Cycle cycle = 0;
  Addr addr = 0;
  std::array<u64, 2> data{};
  u64 version = 0;
};

// Identity of a table entry: its kind, address, and who it serves.
struct EntryId {
  EntryKind kind = EntryKind::Root;
  Addr addr = 0;
  Rid rid;             // root: bus only meaningful; context: the device
  unsigned level = 0;  // paging entries: level (1 = leaf)
  u32 pasid = 0;       // PASID directory and table entries, first-level paging entries
  bool operator==(const EntryId&) const = default;
};
std::string to_string(const EntryId& id);

// A whole entry fetched by the IOMMU: its bursts in the order issued, and the
// value assembled from them.
struct FetchEvent {
  u64 request = 0;  // DMA request that caused the fetch
  EntryId entry;
  std::array<Burst, 4> bursts{};  // in the order issued; those past nbursts are unspecified
  u8 nbursts = 0;
  EntryBits value;
  Cycle first_cycle() const { return nbursts ? bursts[0].cycle : 0; }
  Cycle cycle() const { return nbursts ? bursts[nbursts - 1].cycle : 0; }
};

// Where a copy of an entry the IOMMU used came from: the fetch that read it.
struct Provenance {
  u64 request = 0;  // DMA request whose walk fetched it
  Cycle cycle = 0;  // when the fetch completed
  Addr entry_addr = 0;
  u8 nbursts = 0;
  std::array<u64, 4> versions{};  // memory version each burst saw
  bool operator==(const Provenance&) const = default;
};

// A DMA request's outcome.
struct DmaEvent {
  u64 request = 0;
  Rid rid;
  Addr iova = 0;
  bool write = false;
  Cycle arrived = 0;
  Cycle done = 0;
  bool fault = false;
  u8 fault_reason = 0;         // VT-d fault reason code when fault
  bool fault_recorded = true;  // false when FPD suppressed recording
  Addr pa = 0;                 // translated address when !fault
  u32 pasid = 0;               // effective PASID (scalable mode)
  bool has_pasid = false;
  u16 did = 0;  // domain the translation was tagged with
  // The copies of table entries the translation went through, from a cache
  // or fetched by this walk.
  struct CopyUsed {
    // A constructor, not aggregate init: the walk constructs copies in place
    // (emplace_back), which clang 14 (the fuzz build) cannot do for aggregates.
    CopyUsed() = default;
    CopyUsed(EntryKind k, Addr e, bool cached, const EntryBits& v, const Provenance& s)
        : kind(k), entry(e), from_cache(cached), value(v), source(s) {}
    EntryKind kind{};
    Addr entry = 0;
    bool from_cache = false;
    EntryBits value;
    Provenance source;
    bool operator==(const CopyUsed&) const = default;
  };
  std::vector<CopyUsed> copies;
  bool iotlb_hit = false;
};

// A CPU operation executed (for logs and traces).
struct CpuOpEvent {
  u16 cpu = 0;
  u32 item = 0;
  u32 op = 0;
  Cycle start = 0;
  Cycle end = 0;
  std::string_view name;  // "store64 0x1000 = 0x3  [label]"; valid while the CPU exists
};

// A 64-bit load a CPU executed: what software saw. Plain loads are raw
// load64s and the reads of driver branches (a debugfs reader walking the
// tables while another CPU updates them); a poll's last read (the one that
// found the awaited value) and a lock's locked cmpxchg are published too,
// since they are how software learns that something happened: on x86 every
// load is an acquire, and happens-before follows what a load read from.
enum class LoadKind : u8 { Plain, Poll, Atomic };
struct LoadEvent {
  Writer reader;  // the CPU, program item and emitted operation that loaded
  Cycle cycle = 0;
  Addr addr = 0;  // 8-byte aligned
  u64 value = 0;
  // Stores applied to memory at the load (as Burst::version): the load saw
  // every store with seq < version, unless `forwarded`.
  u64 version = 0;
  bool forwarded = false;  // taken from this CPU's own store buffer, not yet in memory
  std::string_view label;  // "print_tbl_walk: val[2]"; valid while the CPU exists
  LoadKind kind = LoadKind::Plain;
};

// An uncached register access by a CPU (writel/readl to the IOMMU), published
// before the IOMMU sees it: an IQT write is the doorbell that hands the
// descriptors before the new tail to hardware.
struct MmioEvent {
  Writer writer;  // the CPU, program item and emitted operation
  Cycle cycle = 0;
  Addr reg = 0;  // register offset
  u64 value = 0;
  u8 bytes = 4;
  bool write = true;
};

// A (timed no-op) invalidation the driver issued; queued invalidation will
// replace it with real descriptors.
struct InvalidationEvent {
  u16 cpu = 0;
  Writer writer;
  Cycle start = 0;
  Cycle end = 0;
  std::string_view what;  // "CC-dev(did=1, sid=00:02.0)"; valid while the CPU exists
};

// With non-coherent walks (ECAP.C = 0): a dirty CPU cache line reaching
// memory, by clflush or eviction. Until then the IOMMU reads the old data.
struct WritebackEvent {
  Cycle cycle = 0;
  Addr line = 0;          // 64-byte aligned
  u64 through_seq = 0;    // every store to the line with seq < through_seq is now in memory
  bool eviction = false;  // false: clflush
  Writer by;              // clflush: the CPU operation that flushed (eviction: no one)
};

// A driver operation (program item) finished: its last operation retired.
// Its emitted operations are first_op..last_op of the CPU's program.
struct ItemEvent {
  u16 cpu = 0;
  u32 item = 0;
  Cycle start = 0;
  Cycle end = 0;
  std::string_view name;
  u32 first_op = 0, last_op = 0;
  // What the driver function returned: 0, or the -errno of the early return
  // (return_if_set / return_if_clear) taken at emitted operation `ret_op`.
  int ret = 0;
  u32 ret_op = Writer::kNone;  // kNone: no early return was taken
};

enum class CacheKind : u8 { Context, Pasid, Iotlb };
std::string_view to_string(CacheKind k);

// IOMMU cache activity.
struct CacheEvent {
  enum class What : u8 { Fill, Hit, Miss, Invalidate, Evict };
  What what = What::Fill;
  CacheKind cache = CacheKind::Context;
  Cycle cycle = 0;
  Rid rid;
  u16 did = 0;
  u32 pasid = 0;
  Addr addr = 0;      // IOTLB: page address; context/PASID caches: entry address
  u64 count = 1;      // Invalidate: entries dropped
  EntryBits value;    // Fill/Hit: the cached entry (IOTLB: w[0] = output page, w[1] = permissions)
  Provenance source;  // Fill/Hit: where the copy came from
};

// A queued-invalidation descriptor: fetched by the IOMMU, then completed
// (its effect on the caches happens at completion).
struct DescriptorEvent {
  enum class What : u8 { Fetched, Completed, Error };
  What what = What::Fetched;
  Cycle cycle = 0;
  unsigned index = 0;  // slot in the queue
  std::array<u64, 4> qw{};
  std::string_view error;  // What::Error: why it is malformed
};

// The invalidation queue's head (IQH) or tail (IQT) moved: software wrote
// IQT, or the IOMMU fetched a descriptor (IQH advances past it), or the queue
// was enabled or disabled (IQH back to 0). Both in descriptor slots.
struct QueueEvent {
  Cycle cycle = 0;
  unsigned head = 0;  // IQH: the next slot hardware fetches
  unsigned tail = 0;  // IQT: the slot software fills next
};

// What an observer consumes, so the bus delivers each event only to the
// observers that use it and a model can skip building an event nobody does.
// Cache events split in two: lookups (Hit, Miss) and changes (Fill,
// Invalidate, Evict), since most observers keep only the changes.
enum class Topic : u8 {
  Store,
  Fetch,
  Dma,
  CpuOp,
  Load,
  Invalidation,
  Writeback,
  Item,
  CacheLookup,
  CacheChange,
  Descriptor,
  Queue,
  Mmio,
  Count
};
using Interests = u32;
constexpr Interests interest(Topic t) { return Interests{1} << static_cast<unsigned>(t); }
constexpr Interests kAllTopics = interest(Topic::Count) - 1;
constexpr Topic topic_of(CacheEvent::What w) {
  return w == CacheEvent::What::Hit || w == CacheEvent::What::Miss ? Topic::CacheLookup : Topic::CacheChange;
}
constexpr Topic topic_of(const CacheEvent& e) { return topic_of(e.what); }

class Observer {
 public:
  virtual ~Observer() = default;
  // The topics this observer consumes; read once, when it subscribes. An
  // observer that does not say gets every event.
  virtual Interests interests() const { return kAllTopics; }
  virtual void on_store(const StoreEvent&) {}
  virtual void on_fetch(const FetchEvent&) {}
  virtual void on_dma(const DmaEvent&) {}
  virtual void on_cpu_op(const CpuOpEvent&) {}
  virtual void on_load(const LoadEvent&) {}
  virtual void on_invalidation(const InvalidationEvent&) {}
  virtual void on_writeback(const WritebackEvent&) {}
  virtual void on_item(const ItemEvent&) {}
  virtual void on_cache(const CacheEvent&) {}
  virtual void on_descriptor(const DescriptorEvent&) {}
  virtual void on_queue(const QueueEvent&) {}
  virtual void on_mmio(const MmioEvent&) {}

  // The topics whose handlers observer class D (or a base between it and
  // Observer) overrides: `interests()` of D without a list to keep in step
  // with its handlers. A handler D does not override names Observer's, which
  // does nothing.
  template <typename D>
  static constexpr Interests overridden() {
    Interests i = 0;
    // &D::on_x has Observer's member type unless D (or a base below Observer) overrides on_x.
    auto add = [&i](auto mine, auto base, Interests topics) {
      if (!std::is_same_v<decltype(mine), decltype(base)>) i |= topics;
    };
    add(&D::on_store, &Observer::on_store, interest(Topic::Store));
    add(&D::on_fetch, &Observer::on_fetch, interest(Topic::Fetch));
    add(&D::on_dma, &Observer::on_dma, interest(Topic::Dma));
    add(&D::on_cpu_op, &Observer::on_cpu_op, interest(Topic::CpuOp));
    add(&D::on_load, &Observer::on_load, interest(Topic::Load));
    add(&D::on_invalidation, &Observer::on_invalidation, interest(Topic::Invalidation));
    add(&D::on_writeback, &Observer::on_writeback, interest(Topic::Writeback));
    add(&D::on_item, &Observer::on_item, interest(Topic::Item));
    add(&D::on_cache, &Observer::on_cache, interest(Topic::CacheLookup) | interest(Topic::CacheChange));
    add(&D::on_descriptor, &Observer::on_descriptor, interest(Topic::Descriptor));
    add(&D::on_queue, &Observer::on_queue, interest(Topic::Queue));
    add(&D::on_mmio, &Observer::on_mmio, interest(Topic::Mmio));
    return i;
  }
};

// Delivers each event, in subscription order, to the observers interested in
// its topic. Models may ask whether anybody consumes a topic, never who.
class EventBus {
 public:
  void subscribe(Observer* o) {
    observers_.push_back(o);
    const Interests i = o->interests();
    for (unsigned t = 0; t < by_topic_.size(); ++t)
      if (i & interest(static_cast<Topic>(t))) by_topic_[t].push_back(o);
  }
  void clear() {
    observers_.clear();
    for (auto& v : by_topic_) v.clear();
  }
  bool has_subscribers() const { return !observers_.empty(); }
  // Whether any observer consumes `t`: an event nobody consumes need not be built.
  bool wants(Topic t) const { return !by_topic_[static_cast<unsigned>(t)].empty(); }
  void publish(const StoreEvent& e) const {
    for (Observer* o : to(Topic::Store)) o->on_store(e);
  }
  void publish(const FetchEvent& e) const {
    for (Observer* o : to(Topic::Fetch)) o->on_fetch(e);
  }
  void publish(const DmaEvent& e) const {
    for (Observer* o : to(Topic::Dma)) o->on_dma(e);
  }
  void publish(const CpuOpEvent& e) const {
    for (Observer* o : to(Topic::CpuOp)) o->on_cpu_op(e);
  }
  void publish(const LoadEvent& e) const {
    for (Observer* o : to(Topic::Load)) o->on_load(e);
  }
  void publish(const InvalidationEvent& e) const {
    for (Observer* o : to(Topic::Invalidation)) o->on_invalidation(e);
  }
  void publish(const WritebackEvent& e) const {
    for (Observer* o : to(Topic::Writeback)) o->on_writeback(e);
  }
  void publish(const ItemEvent& e) const {
    for (Observer* o : to(Topic::Item)) o->on_item(e);
  }
  void publish(const CacheEvent& e) const {
    for (Observer* o : to(topic_of(e))) o->on_cache(e);
  }
  void publish(const DescriptorEvent& e) const {
    for (Observer* o : to(Topic::Descriptor)) o->on_descriptor(e);
  }
  void publish(const QueueEvent& e) const {
    for (Observer* o : to(Topic::Queue)) o->on_queue(e);
  }
  void publish(const MmioEvent& e) const {
    for (Observer* o : to(Topic::Mmio)) o->on_mmio(e);
  }

 private:
  const std::vector<Observer*>& to(Topic t) const { return by_topic_[static_cast<unsigned>(t)]; }
  std::vector<Observer*> observers_;
  std::array<std::vector<Observer*>, static_cast<unsigned>(Topic::Count)> by_topic_;
};

}  // namespace vtd
