#include "checkers/sync_log.hpp"

#include "formats/qi_descriptors.hpp"

namespace vtd {

using namespace qi_fmt;

bool SyncLog::Descriptor::is_wait() const { return type() == TYPE_WAIT; }

Addr SyncLog::Descriptor::status_word() const {
  return ((qw[1] & wait::STATUS_ADDR.mask_in_word()) >> (wait::STATUS_ADDR.lsb % 64) << 2) & ~Addr{7};
}

void SyncLog::reset() {
  fills_kept_ = true;
  loads_.clear();
  descs_.clear();
  writebacks_.clear();
  items_.clear();
  published_.clear();
  doorbell_.reset();
  tail_.reset();
  open_.clear();
  iommu_store_.reset();
  fills_.clear();
}

void SyncLog::on_store(const StoreEvent& e) {
  if (e.writer.cpu == Writer::kIommu) iommu_store_ = e;
}

void SyncLog::on_load(const LoadEvent& e) {
  // A load forwarded from the CPU's own store buffer read no other agent's store.
  if (!e.forwarded) loads_.push_back(Load{e.reader, e.cycle, e.addr, e.version});
}

void SyncLog::on_mmio(const MmioEvent& e) {
  if (e.write && e.reg == reg::IQT) doorbell_ = e.writer;
}

void SyncLog::on_queue(const QueueEvent& e) {
  if (!tail_) {
    tail_ = e.tail;
    return;
  }
  if (e.tail == *tail_) return;
  // The tail moved: an IQT write handed the slots before it to hardware.
  for (unsigned s = *tail_; s != e.tail; s = (s + 1) % QI_LENGTH) published_[s] = Publication{doorbell_, e.cycle};
  tail_ = e.tail;
  doorbell_.reset();
}

void SyncLog::on_descriptor(const DescriptorEvent& e) {
  if (e.what == DescriptorEvent::What::Fetched) {
    Descriptor d;
    d.slot = e.index;
    d.qw = e.qw;
    d.fetched = e.cycle;
    if (auto it = published_.find(e.index); it != published_.end()) {
      d.doorbell = it->second.by;
      d.published = it->second.cycle;
    }
    open_[e.index] = descs_.size();
    descs_.push_back(d);
  } else if (e.what == DescriptorEvent::What::Completed) {
    auto it = open_.find(e.index);
    if (it == open_.end()) return;
    Descriptor& d = descs_[it->second];
    open_.erase(it);
    d.completed = e.cycle;
    // The status write comes just before its wait descriptor completes.
    if (d.is_wait() && (d.qw[0] & wait::SW.mask_in_word()) && iommu_store_ &&
        iommu_store_->addr == d.status_word() && iommu_store_->cycle == e.cycle)
      d.status_store = iommu_store_->seq;
  }
}

void SyncLog::on_writeback(const WritebackEvent& e) {
  Writeback w{e.cycle, e.line, e.through_seq, std::nullopt};
  if (!e.eviction && e.by.op != Writer::kNone) w.by = e.by;
  writebacks_.push_back(w);
}

void SyncLog::on_item(const ItemEvent& e) { items_[{e.cpu, e.item}] = Item{e.first_op, e.last_op, e.start, e.end}; }

void SyncLog::on_cache(const CacheEvent& e) {
  if (e.what != CacheEvent::What::Fill || e.cache == CacheKind::Iotlb) return;
  fills_[e.addr].push_back(Fill{e.cycle, e.value, e.source});
}

std::optional<DmaEvent::CopyUsed> SyncLog::last_fill(Addr addr, EntryKind kind, Cycle cycle) const {
  auto it = fills_.find(addr);
  if (it == fills_.end()) return std::nullopt;
  std::optional<DmaEvent::CopyUsed> out;
  for (const Fill& f : it->second)
    if (f.cycle <= cycle) out = DmaEvent::CopyUsed{kind, addr, true, f.value, f.source};
  return out;
}

}  // namespace vtd
