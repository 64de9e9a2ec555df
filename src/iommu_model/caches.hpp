// The remapping unit's three translation caches (context-cache, PASID-cache,
// IOTLB) as plain classes with no SystemC: the IOMMU module decides when to
// look up, fill and invalidate; these decide what is kept and what an
// invalidation drops. Timing (CacheConfig hit/miss latency) is the caller's.
//
// Every cached copy keeps the Provenance of the fetch that filled it, so a
// checker can name the copy a translation used and the memory it came from.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <list>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "base/types.hpp"
#include "events/events.hpp"
#include "formats/bits.hpp"
#include "iommu_model/legacy_walker.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

// Provenance of a whole-entry fetch.
Provenance provenance_from(const FetchEvent& f);

struct CacheStats {
  u64 lookups = 0;
  u64 hits = 0;
  u64 misses = 0;
  u64 fills = 0;
  u64 evictions = 0;
  u64 invalidations = 0;  // invalidation operations applied
  u64 invalidated = 0;    // entries they dropped
  bool operator==(const CacheStats&) const = default;
};

// A cached copy: the value, the fetch it came from and when it was filled.
template <typename Value>
struct Cached {
  Value value;
  Provenance source;
  Cycle filled = 0;
};

template <typename Key, typename Value>
struct Evicted {
  Key key;
  Cached<Value> item;
};

template <typename Key, typename Value>
struct FillResult {
  bool filled = false;                         // false: disabled, capacity 0 or refused
  std::optional<Evicted<Key, Value>> evicted;  // the LRU victim a fill displaced
};

// Fully associative, least-recently-used cache. Deterministic: the victim is
// always the least recently looked-up-or-filled entry, and iteration follows
// recency, never hash or address order. Disabled (`enabled = false`), it is
// never consulted: lookups miss uncounted, fills and invalidations are no-ops.
template <typename Key, typename Value>
class LruCache {
 public:
  using Item = Cached<Value>;
  using Fill = FillResult<Key, Value>;

  explicit LruCache(const CacheConfig& cfg) : cfg_(cfg) {}
  // A copy must index its own list nodes, not the original's.
  LruCache(const LruCache& o) : cfg_(o.cfg_), order_(o.order_), stats_(o.stats_) { reindex(); }
  LruCache& operator=(const LruCache& o) {
    if (this != &o) {
      cfg_ = o.cfg_;
      order_ = o.order_;
      stats_ = o.stats_;
      reindex();
    }
    return *this;
  }
  LruCache(LruCache&&) = default;  // list iterators stay valid across a move
  LruCache& operator=(LruCache&&) = default;

  const CacheConfig& config() const { return cfg_; }
  bool enabled() const { return cfg_.enabled; }
  std::size_t size() const { return order_.size(); }
  const CacheStats& stats() const { return stats_; }

  // One lookup (counted once) probing `keys` in order: the first present is
  // the hit and becomes most recently used.
  std::optional<Item> lookup(std::span<const Key> keys) {
    if (const Item* hit = find(keys)) return *hit;
    return std::nullopt;
  }
  // The same lookup, without copying the hit: the pointer is valid until the
  // next fill or invalidation.
  const Item* find(std::span<const Key> keys) {
    return find_probing(keys.size(), [&](std::size_t i) -> const Key& { return keys[i]; });
  }
  // The same lookup probing key_at(0), ..., key_at(n - 1): keys are built
  // only as far as probed (an IOTLB hit at 4 KiB builds one).
  template <typename KeyAt>
  const Item* find_probing(std::size_t n, KeyAt&& key_at) {
    if (!cfg_.enabled) return nullptr;
    // The most recently used entry again (a device streaming to one page):
    // no index lookup, and it stays in place. Inline; the rest is not.
    if (n > 0 && !order_.empty() && order_.front().key == key_at(0)) {
      ++stats_.lookups;
      ++stats_.hits;
      return &order_.front().item;
    }
    return find_rest(n, key_at);
  }
  std::optional<Item> lookup(const Key& key) { return lookup(std::span<const Key>(&key, 1)); }

  // Inserts or replaces `key` as most recently used; at capacity the least
  // recently used entry is evicted first.
  Fill fill(const Key& key, const Value& value, const Provenance& src, Cycle now) {
    Fill r;
    if (!cfg_.enabled || cfg_.entries == 0) return r;
    ++stats_.fills;
    r.filled = true;
    Item item{value, src, now};
    if (auto it = index_.find(key); it != index_.end()) {
      it->second->item = std::move(item);
      order_.splice(order_.begin(), order_, it->second);
      return r;
    }
    if (order_.size() >= cfg_.entries) {
      Node& victim = order_.back();
      r.evicted = Evicted<Key, Value>{victim.key, victim.item};
      index_.erase(victim.key);
      order_.pop_back();
      ++stats_.evictions;
    }
    order_.push_front(Node{key, std::move(item)});
    index_.emplace(key, order_.begin());
    return r;
  }

  // One invalidation operation: drops every entry with pred(key, item) true
  // and returns how many.
  template <typename Pred>
  unsigned invalidate_if(Pred&& pred) {
    if (!cfg_.enabled) return 0;
    ++stats_.invalidations;
    unsigned n = 0;
    for (auto it = order_.begin(); it != order_.end();) {
      if (pred(std::as_const(it->key), std::as_const(it->item))) {
        index_.erase(it->key);
        it = order_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    stats_.invalidated += n;
    return n;
  }

  // Contents, most recently used first (reports and tests); no effect on LRU.
  std::vector<std::pair<Key, Item>> contents() const {
    std::vector<std::pair<Key, Item>> v;
    v.reserve(order_.size());
    for (const Node& n : order_) v.emplace_back(n.key, n.item);
    return v;
  }

 private:
  struct Node {
    Key key;
    Item item;
  };
  // find_probing past its first check (the first key is not the most recently used).
  template <typename KeyAt>
  [[gnu::noinline]] const Item* find_rest(std::size_t n, KeyAt& key_at) {
    ++stats_.lookups;
    for (std::size_t i = 0; i < n; ++i) {
      const Key& k = key_at(i);
      if (i > 0 && !order_.empty() && order_.front().key == k) {
        ++stats_.hits;
        return &order_.front().item;
      }
      auto it = index_.find(k);
      if (it == index_.end()) continue;
      if (it->second != order_.begin()) order_.splice(order_.begin(), order_, it->second);
      ++stats_.hits;
      return &it->second->item;
    }
    ++stats_.misses;
    return nullptr;
  }
  void reindex() {
    index_.clear();
    for (auto it = order_.begin(); it != order_.end(); ++it) index_.emplace(it->key, it);
  }
  CacheConfig cfg_;
  std::list<Node> order_;  // most recently used first
  std::map<Key, typename std::list<Node>::iterator> index_;
  CacheStats stats_;
};

// ------------------------------------------------------------ context-cache
struct ContextCacheValue {
  EntryBits entry;  // 128-bit legacy or 256-bit scalable-mode context entry
  // Domain tag. Legacy: the entry's DID. Scalable mode: 0, because context-
  // cache invalidation ignores DID there (Linux, intel_context_flush_no_pasid
  // and vtd-facts §7.10). Non-present (caching mode only): 0.
  u16 did = 0;
  bool present = false;
  // Legacy mode: the entry as the walker decodes it, made at the first hit
  // that needs it. It depends on `entry` alone (and the unit's fixed
  // configuration), so it never goes stale; a fill replaces the whole value.
  mutable std::optional<LegacyContext> legacy;
};

// Tagged by source ID.
class ContextCache {
 public:
  using Cache = LruCache<Rid, ContextCacheValue>;

  ContextCache(const CacheConfig& cfg, bool scalable, bool caching_mode);

  std::optional<Cache::Item> lookup(Rid rid) { return cache_.lookup(rid); }
  const Cache::Item* find(Rid rid) { return cache_.find(std::span<const Rid>(&rid, 1)); }
  // Caches `entry` for `rid`. A non-present entry is refused unless caching
  // mode: CAP.CM = 1 hardware may cache not-present results, tagged with DID 0
  // (vtd-facts §7.10), which is why Linux then flushes with DID 0.
  Cache::Fill fill(Rid rid, const EntryBits& entry, const Provenance& src, Cycle now);

  // Type 1 granularities (G = 1, 2, 3).
  unsigned invalidate_global();
  // Legacy: entries tagged `did`. Scalable mode: all (DID is ignored).
  unsigned invalidate_domain(u16 did);
  // Entries whose source ID equals `sid` with the function bits FM masks
  // ignored (FM 0: none; 1: bit 2; 2: bits 2:1; 3: bits 2:0, as the spec and
  // QEMU define FM). Legacy also requires the DID to match: the spec makes
  // software name the entries' DID, so hardware may use it as a tag.
  unsigned invalidate_device(u16 did, Rid sid, unsigned fm);

  const CacheStats& stats() const { return cache_.stats(); }
  const CacheConfig& config() const { return cache_.config(); }
  std::size_t size() const { return cache_.size(); }
  std::vector<std::pair<Rid, Cache::Item>> contents() const { return cache_.contents(); }

 private:
  Cache cache_;
  bool scalable_;
  bool caching_mode_;
};

// -------------------------------------------------------------- PASID-cache
struct PasidKey {
  Rid rid;
  u32 pasid = 0;
  auto operator<=>(const PasidKey&) const = default;
};

struct PasidCacheValue {
  EntryBits entry;  // 512-bit PASID-table entry
  u16 did = 0;      // the entry's DID; 0 for a non-present entry (caching mode)
  bool present = false;
};

class PasidCache {
 public:
  using Cache = LruCache<PasidKey, PasidCacheValue>;

  PasidCache(const CacheConfig& cfg, bool caching_mode);

  std::optional<Cache::Item> lookup(Rid rid, u32 pasid) { return cache_.lookup(PasidKey{rid, pasid}); }
  const Cache::Item* find(Rid rid, u32 pasid) {
    const PasidKey k{rid, pasid};
    return cache_.find(std::span<const PasidKey>(&k, 1));
  }
  // Non-present entries only under caching mode, tagged DID 0 (as ContextCache).
  Cache::Fill fill(Rid rid, u32 pasid, const EntryBits& entry, const Provenance& src, Cycle now);

  // Type 7 granularities: G = 3, G = 0 (DID), G = 1 (DID + PASID, any source ID).
  unsigned invalidate_global();
  unsigned invalidate_domain(u16 did);
  unsigned invalidate_pasid(u16 did, u32 pasid);

  const CacheStats& stats() const { return cache_.stats(); }
  const CacheConfig& config() const { return cache_.config(); }
  std::size_t size() const { return cache_.size(); }
  std::vector<std::pair<PasidKey, Cache::Item>> contents() const { return cache_.contents(); }

 private:
  Cache cache_;
  bool caching_mode_;
};

// -------------------------------------------------------------------- IOTLB
// Translation type an IOTLB entry came from; values are the PASID entry's PGTT
// codes (pasid_fmt::PGTT_*). Legacy-mode translations count as SecondLevel.
enum class Pgtt : u8 { FirstLevel = 1, SecondLevel = 2, Nested = 3, PassThrough = 4 };

struct IotlbKey {
  u16 did = 0;
  bool has_pasid = false;  // false: legacy mode (no PASID tag)
  u32 pasid = 0;
  u8 page_shift = 12;
  u64 page = 0;  // input address >> page_shift
  auto operator<=>(const IotlbKey&) const = default;
  Addr base() const { return page << page_shift; }
};

struct IotlbValue {
  Addr page_addr = 0;  // output address of the page (aligned to page_shift)
  u8 page_shift = 12;  // 12, 21 or 30
  bool read = false;
  bool write = false;
  Pgtt pgtt = Pgtt::SecondLevel;
  // The context (legacy) or PASID entry copy the translation was made with.
  Provenance table_source;
  Addr translate(Addr iova) const { return page_addr | (iova & ((Addr{1} << page_shift) - 1)); }
};

// Tagged by (DID, PASID or none, page number at the entry's page size). Only
// leaf translations are cached (no paging-structure caches), so the IH hint of
// page-selective invalidations never matters and is not taken.
//
// Which descriptor reaches which entries, by the PGTT the entry came from:
//   type 2 (IOTLB)          second-level, nested, pass-through, legacy
//   type 6 (PASID-IOTLB)    first-level, nested, pass-through, of that PASID
// Source: vtd-facts §7.5 step 8 and §7.10 — Linux flushes FL/PT PASIDs with
// P_IOTLB and SL/nested ones with IOTLB-DSI (spec Table 25 as Linux cites
// it); both reach nested and pass-through, which Linux flushes either way.
class Iotlb {
 public:
  using Cache = LruCache<IotlbKey, IotlbValue>;

  explicit Iotlb(const CacheConfig& cfg) : cache_(cfg) {}

  // The entry covering `iova` at any page size (4 KiB probed first, then
  // 2 MiB, then 1 GiB). Permissions are the caller's to check.
  std::optional<Cache::Item> lookup(u16 did, std::optional<u32> pasid, Addr iova);
  // Inline: the usual hit (the most recently used 4 KiB page) is a few compares.
  const Cache::Item* find(u16 did, std::optional<u32> pasid, Addr iova) {
    IotlbKey key{did, pasid.has_value(), pasid.value_or(0), kPageShifts[0], iova >> kPageShifts[0]};
    return cache_.find_probing(kPageShifts.size(), [&](std::size_t i) -> const IotlbKey& {
      key.page_shift = kPageShifts[i];
      key.page = iova >> kPageShifts[i];
      return key;
    });
  }
  // Caches the page containing `iova`; throws std::invalid_argument for a
  // page_shift other than 12, 21 or 30.
  Cache::Fill fill(u16 did, std::optional<u32> pasid, Addr iova, const IotlbValue& v, const Provenance& src,
                   Cycle now);

  // Type 2: G = 1, G = 2 (DID), G = 3 (DID, ADDR, AM). Page-selective drops
  // every entry overlapping the 2^AM 4-KiB pages at ADDR aligned down to
  // that size, large pages included.
  unsigned invalidate_global();
  unsigned invalidate_domain(u16 did);
  unsigned invalidate_page(u16 did, Addr addr, unsigned am);
  // Type 6: G = 2 (DID, PASID), G = 3 (DID, PASID, ADDR, AM).
  unsigned invalidate_pasid(u16 did, u32 pasid);
  unsigned invalidate_pasid_page(u16 did, u32 pasid, Addr addr, unsigned am);

  const CacheStats& stats() const { return cache_.stats(); }
  const CacheConfig& config() const { return cache_.config(); }
  std::size_t size() const { return cache_.size(); }
  std::vector<std::pair<IotlbKey, Cache::Item>> contents() const { return cache_.contents(); }

 private:
  static constexpr std::array<u8, 3> kPageShifts{12, 21, 30};  // probed in this order
  Cache cache_;
};

}  // namespace vtd
