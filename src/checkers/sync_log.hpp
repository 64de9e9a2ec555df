// What orders software's operations against each other and against the
// invalidation queue, kept from the event stream: every load a CPU made from
// memory (on x86 each is an acquire of what it read), the doorbell (IQT
// write) that handed each descriptor to hardware, the descriptors in the
// order the queue fetched them with their completions and, for wait
// descriptors, the status write; clflush write-backs; and the cache fills a
// story shows. SystemC-free.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <vector>

#include "events/events.hpp"

namespace vtd {

class SyncLog : public Observer {
 public:
  struct Load {
    Writer reader;  // cpu, item, op
    Cycle cycle = 0;
    Addr addr = 0;  // 8-byte word
    u64 version = 0;
  };
  struct Descriptor {
    unsigned slot = 0;
    std::array<u64, 4> qw{};
    Cycle fetched = 0;
    std::optional<Cycle> completed;
    // The CPU operation whose IQT write made the slot part of the queue
    // (none: published at boot, or by nobody the run saw).
    std::optional<Writer> doorbell;
    Cycle published = 0;
    // Wait descriptors with SW = 1: the store of the status write.
    std::optional<u64> status_store;
    u64 type() const { return qw[0] & 0xf; }
    bool is_wait() const;
    Addr status_word() const;  // the 8-byte word the status write lands in
  };
  // A driver operation that returned: its last operation and when.
  struct Item {
    u32 first_op = 0, last_op = 0;
    Cycle start = 0, end = 0;
  };
  struct Writeback {
    Cycle cycle = 0;
    Addr line = 0;
    u64 through_seq = 0;
    std::optional<Writer> by;  // clflush; none for an eviction
  };

  Interests interests() const override {
    return overridden<SyncLog>() & ~interest(Topic::CacheLookup) &
           (fills_kept_ ? kAllTopics : ~interest(Topic::CacheChange));
  }
  // Before subscribing: whether to keep cache fills (last_fill, for stories).
  void keep_fills(bool keep) { fills_kept_ = keep; }
  // As newly made, for a new episode (storage kept).
  void reset();

  void on_store(const StoreEvent& e) override;
  void on_load(const LoadEvent& e) override;
  void on_mmio(const MmioEvent& e) override;
  void on_queue(const QueueEvent& e) override;
  void on_descriptor(const DescriptorEvent& e) override;
  void on_writeback(const WritebackEvent& e) override;
  void on_cache(const CacheEvent& e) override;
  void on_item(const ItemEvent& e) override;

  const std::vector<Load>& loads() const { return loads_; }
  // In the order the queue fetched them.
  const std::vector<Descriptor>& descriptors() const { return descs_; }
  const std::vector<Writeback>& writebacks() const { return writebacks_; }
  // The driver operation `item` of `cpu`, once it returned.
  const Item* item(u16 cpu, u32 item) const {
    auto it = items_.find({cpu, item});
    return it == items_.end() ? nullptr : &it->second;
  }
  // The last fill of a copy of the entry at `addr` at or before `cycle`.
  std::optional<DmaEvent::CopyUsed> last_fill(Addr addr, EntryKind kind, Cycle cycle) const;

 private:
  bool fills_kept_ = true;
  std::vector<Load> loads_;
  std::vector<Descriptor> descs_;
  std::vector<Writeback> writebacks_;
  std::map<std::pair<u16, u32>, Item> items_;
  struct Publication {
    std::optional<Writer> by;
    Cycle cycle = 0;
  };
  std::map<unsigned, Publication> published_;  // slot -> its latest publication
  std::optional<Writer> doorbell_;             // the last IQT write, until the tail it set is seen
  std::optional<unsigned> tail_;
  std::map<unsigned, std::size_t> open_;  // slot -> index of its fetched, not yet completed descriptor
  std::optional<StoreEvent> iommu_store_;  // the IOMMU's last store (a wait's status write)
  struct Fill {
    Cycle cycle;
    EntryBits value;
    Provenance source;
  };
  std::map<Addr, std::vector<Fill>> fills_;
};

}  // namespace vtd
