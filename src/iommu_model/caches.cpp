#include "iommu_model/caches.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include "formats/formats.hpp"

namespace vtd {

Provenance provenance_from(const FetchEvent& f) {
  Provenance p;
  p.request = f.request;
  p.cycle = f.cycle();
  p.entry_addr = f.entry.addr;
  p.nbursts = f.nbursts;
  for (unsigned i = 0; i < f.nbursts && i < p.versions.size(); ++i) p.versions[i] = f.bursts[i].version;
  return p;
}

// ------------------------------------------------------------ context-cache
ContextCache::ContextCache(const CacheConfig& cfg, bool scalable, bool caching_mode)
    : cache_(cfg), scalable_(scalable), caching_mode_(caching_mode) {}

ContextCache::Cache::Fill ContextCache::fill(Rid rid, const EntryBits& entry, const Provenance& src,
                                             Cycle now) {
  if (!cache_.enabled()) return {};  // as cache_.fill would, without building the value
  ContextCacheValue v;
  v.entry = entry;
  v.present = (scalable_ ? smctx_fmt::P : ctx_fmt::P).get(entry) != 0;
  if (!v.present && !caching_mode_) return {};
  v.did = (v.present && !scalable_) ? static_cast<u16>(ctx_fmt::DID.get(entry)) : 0;
  return cache_.fill(rid, v, src, now);
}

unsigned ContextCache::invalidate_global() {
  return cache_.invalidate_if([](const Rid&, const Cache::Item&) { return true; });
}

unsigned ContextCache::invalidate_domain(u16 did) {
  const bool scalable = scalable_;
  return cache_.invalidate_if(
      [=](const Rid&, const Cache::Item& it) { return scalable || it.value.did == did; });
}

unsigned ContextCache::invalidate_device(u16 did, Rid sid, unsigned fm) {
  static constexpr std::array<u16, 4> kFunctionMask{0, 4, 6, 7};
  const u16 keep = static_cast<u16>(~kFunctionMask[fm & 3]);
  const bool scalable = scalable_;
  return cache_.invalidate_if([=](const Rid& rid, const Cache::Item& it) {
    return (rid.value & keep) == (sid.value & keep) && (scalable || it.value.did == did);
  });
}

// -------------------------------------------------------------- PASID-cache
PasidCache::PasidCache(const CacheConfig& cfg, bool caching_mode)
    : cache_(cfg), caching_mode_(caching_mode) {}

PasidCache::Cache::Fill PasidCache::fill(Rid rid, u32 pasid, const EntryBits& entry, const Provenance& src,
                                         Cycle now) {
  if (!cache_.enabled()) return {};  // as cache_.fill would, without building the value
  PasidCacheValue v;
  v.entry = entry;
  v.present = pasid_fmt::P.get(entry) != 0;
  if (!v.present && !caching_mode_) return {};
  v.did = v.present ? static_cast<u16>(pasid_fmt::DID.get(entry)) : 0;
  return cache_.fill(PasidKey{rid, pasid}, v, src, now);
}

unsigned PasidCache::invalidate_global() {
  return cache_.invalidate_if([](const PasidKey&, const Cache::Item&) { return true; });
}

unsigned PasidCache::invalidate_domain(u16 did) {
  return cache_.invalidate_if([=](const PasidKey&, const Cache::Item& it) { return it.value.did == did; });
}

unsigned PasidCache::invalidate_pasid(u16 did, u32 pasid) {
  return cache_.invalidate_if(
      [=](const PasidKey& k, const Cache::Item& it) { return k.pasid == pasid && it.value.did == did; });
}

// -------------------------------------------------------------------- IOTLB
namespace {

IotlbKey key_for(u16 did, std::optional<u32> pasid, u8 shift, Addr iova) {
  return IotlbKey{did, pasid.has_value(), pasid.value_or(0), shift, iova >> shift};
}

// Reached by type 2 descriptors (see the class comment).
bool in_iotlb_scope(Pgtt p) { return p != Pgtt::FirstLevel; }
// Reached by type 6 descriptors.
bool in_piotlb_scope(Pgtt p) { return p != Pgtt::SecondLevel; }

// Whether the entry's page overlaps the 2^am 4-KiB pages at addr (aligned
// down to that size).
bool overlaps(const IotlbKey& k, Addr addr, unsigned am) {
  const unsigned order = 12 + am;
  if (order >= 64) return true;
  const Addr lo = addr & ~((Addr{1} << order) - 1);
  const Addr hi = lo + ((Addr{1} << order) - 1);
  const Addr elo = k.base();
  const Addr ehi = elo + ((Addr{1} << k.page_shift) - 1);
  return elo <= hi && lo <= ehi;
}

}  // namespace

std::optional<Iotlb::Cache::Item> Iotlb::lookup(u16 did, std::optional<u32> pasid, Addr iova) {
  if (const Cache::Item* hit = find(did, pasid, iova)) return *hit;
  return std::nullopt;
}

Iotlb::Cache::Fill Iotlb::fill(u16 did, std::optional<u32> pasid, Addr iova, const IotlbValue& v,
                               const Provenance& src, Cycle now) {
  if (v.page_shift != 12 && v.page_shift != 21 && v.page_shift != 30)
    throw std::invalid_argument("IOTLB fill with page shift " + std::to_string(v.page_shift));
  return cache_.fill(key_for(did, pasid, v.page_shift, iova), v, src, now);
}

unsigned Iotlb::invalidate_global() {
  return cache_.invalidate_if(
      [](const IotlbKey&, const Cache::Item& it) { return in_iotlb_scope(it.value.pgtt); });
}

unsigned Iotlb::invalidate_domain(u16 did) {
  return cache_.invalidate_if([=](const IotlbKey& k, const Cache::Item& it) {
    return k.did == did && in_iotlb_scope(it.value.pgtt);
  });
}

unsigned Iotlb::invalidate_page(u16 did, Addr addr, unsigned am) {
  return cache_.invalidate_if([=](const IotlbKey& k, const Cache::Item& it) {
    return k.did == did && in_iotlb_scope(it.value.pgtt) && overlaps(k, addr, am);
  });
}

unsigned Iotlb::invalidate_pasid(u16 did, u32 pasid) {
  return cache_.invalidate_if([=](const IotlbKey& k, const Cache::Item& it) {
    return k.did == did && k.has_pasid && k.pasid == pasid && in_piotlb_scope(it.value.pgtt);
  });
}

unsigned Iotlb::invalidate_pasid_page(u16 did, u32 pasid, Addr addr, unsigned am) {
  return cache_.invalidate_if([=](const IotlbKey& k, const Cache::Item& it) {
    return k.did == did && k.has_pasid && k.pasid == pasid && in_piotlb_scope(it.value.pgtt) &&
           overlaps(k, addr, am);
  });
}

}  // namespace vtd
