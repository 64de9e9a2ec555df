#include "iommu_model/translator.hpp"

#include <type_traits>

namespace vtd {

Translator::Translator(const IommuConfig& cfg, Addr rtaddr, const EventBus& bus)
    : cfg_(cfg),
      scalable_(cfg.mode == TranslationMode::Scalable),
      rtaddr_(rtaddr),
      bus_(bus),
      ctx_(cfg.context_cache, scalable_, cfg.caching_mode),
      pc_(cfg.pasid_cache, cfg.caching_mode),
      iotlb_(cfg.iotlb) {
  legacy_cfg_.sagaw_mask = 0;
  for (unsigned aw : cfg.sagaw) legacy_cfg_.sagaw_mask |= static_cast<u8>(1u << aw);
  legacy_cfg_.pass_through = cfg.pass_through;
  scalable_cfg_.sagaw_mask = legacy_cfg_.sagaw_mask;
  scalable_cfg_.pass_through = cfg.pass_through;
  scalable_cfg_.fl5lp = cfg.fl5lp;
}

Translator::Job Translator::start(const DmaRequest& req, std::optional<u32> pasid) const {
  Job j;
  start(j, req, pasid);
  return j;
}

void Translator::start(Job& j, u64 id, Rid rid, Addr iova, bool write, Cycle arrived,
                       std::optional<u32> pasid) const {
  DmaRequest& req = j.req;
  req.id = id;
  req.rid = rid;
  req.iova = iova;
  req.write = write;
  req.arrived = arrived;
  j.pasid = pasid;
  j.ctx_checked = j.pasid_checked = j.iotlb_checked = false;
  j.iotlb_hit = false;
  j.out.copies.clear();
  j.table_copy = Job::kNoCopy;
  if (scalable_) {
    if (auto* w = std::get_if<ScalableWalker>(&j.walker))
      w->restart(scalable_cfg_, req, pasid, rtaddr_);
    else
      j.walker.emplace<ScalableWalker>(scalable_cfg_).start(req, pasid, rtaddr_);
  } else if (auto* w = std::get_if<LegacyWalker>(&j.walker)) {
    w->restart(legacy_cfg_, req, rtaddr_);  // as a new walker, without rebuilding the variant
  } else {
    j.walker.emplace<LegacyWalker>(legacy_cfg_).start(req, rtaddr_);
  }
}

void Translator::emit(CacheEvent::What what, CacheKind cache, Cycle now, Rid rid, u16 did, u32 pasid,
                      Addr addr, u64 count, const EntryBits& value, const Provenance& src) const {
  CacheEvent e;
  e.what = what;
  e.cache = cache;
  e.cycle = now;
  e.rid = rid;
  e.did = did;
  e.pasid = pasid;
  e.addr = addr;
  e.count = count;
  e.value = value;
  e.source = src;
  bus_.publish(e);
}

template <typename W>
Translator::Step Translator::next_in(Job& j, W& w, Cycle now) {
  constexpr bool sm = std::is_same_v<W, ScalableWalker>;
  if (w.done()) return {};
  const EntryKind kind = w.next_entry().kind;
  const Rid rid = j.req.rid;

  // Context-cache: replaces the root and context fetches.
  if (kind == (sm ? EntryKind::SmRoot : EntryKind::Root) && !j.ctx_checked) {
    j.ctx_checked = true;
    if (ctx_.config().enabled) {
      if (const auto* hit = ctx_.find(rid)) {
        publish(CacheEvent::What::Hit, CacheKind::Context, now, rid, hit->value.did, 0,
                hit->source.entry_addr, 1, hit->value.entry, hit->source);
        add_copy(j, sm ? EntryKind::SmContext : EntryKind::Context, hit->source.entry_addr, true,
                 hit->value.entry, hit->source);
        if constexpr (sm) {
          w.resume_at_context(hit->value.entry, hit->source.entry_addr);
        } else {
          j.table_copy = static_cast<u8>(j.out.copies.size() - 1);
          const ContextCacheValue& v = hit->value;
          if (!v.legacy) v.legacy = LegacyWalker::decode_context(legacy_cfg_, v.entry);
          w.resume_at_context(*v.legacy);
        }
        return {Step::Kind::Wait, ctx_.config().hit_latency, w.done()};
      }
      publish(CacheEvent::What::Miss, CacheKind::Context, now, rid, 0, 0, 0);
      return {Step::Kind::Fetch, ctx_.config().miss_latency};
    }
  }
  if constexpr (sm) {
    // PASID-cache: replaces the directory and PASID-entry fetches.
    if (kind == EntryKind::PasidDir && !j.pasid_checked) {
      j.pasid_checked = true;
      if (pc_.config().enabled) {
        if (const auto* hit = pc_.find(rid, w.effective_pasid())) {
          publish(CacheEvent::What::Hit, CacheKind::Pasid, now, rid, hit->value.did, w.effective_pasid(),
                  hit->source.entry_addr, 1, hit->value.entry, hit->source);
          add_copy(j, EntryKind::Pasid, hit->source.entry_addr, true, hit->value.entry, hit->source);
          j.table_copy = static_cast<u8>(j.out.copies.size() - 1);
          w.resume_at_pasid_entry(hit->value.entry, hit->source.entry_addr);
          return {Step::Kind::Wait, pc_.config().hit_latency, w.done()};
        }
        publish(CacheEvent::What::Miss, CacheKind::Pasid, now, rid, 0, w.effective_pasid(), 0);
        return {Step::Kind::Fetch, pc_.config().miss_latency};
      }
    }
  }
  // IOTLB: replaces the page walk.
  bool walk_start;
  if constexpr (sm)
    walk_start = w.stage() == WalkStage::PageWalk;
  else
    walk_start = w.at_page_walk_start();
  if (walk_start && !j.iotlb_checked) {
    j.iotlb_checked = true;
    if (iotlb_.config().enabled) {
      const u16 did = w.did();
      std::optional<u32> tag_pasid;
      if constexpr (sm) tag_pasid = w.effective_pasid();
      const auto* hit = iotlb_.find(did, tag_pasid, j.req.iova);
      // A hit without the needed permission is not used: walk again.
      if (hit && (j.req.write ? hit->value.write : hit->value.read)) {
        publish(CacheEvent::What::Hit, CacheKind::Iotlb, now, rid, did, tag_pasid.value_or(0),
                hit->value.page_addr);
        j.iotlb_hit = true;
        const IotlbValue& v = hit->value;
        w.complete_from_iotlb(v.translate(j.req.iova), v.read, v.write, v.page_shift);
        return {Step::Kind::Wait, iotlb_.config().hit_latency, w.done()};
      }
      publish(CacheEvent::What::Miss, CacheKind::Iotlb, now, rid, did, tag_pasid.value_or(0), j.req.iova);
      return {Step::Kind::Fetch, iotlb_.config().miss_latency};
    }
  }
  return {Step::Kind::Fetch, 0};
}

template Translator::Step Translator::next_in(Job&, LegacyWalker&, Cycle);
template Translator::Step Translator::next_in(Job&, ScalableWalker&, Cycle);

void Translator::on_fetched(Job& j, const FetchEvent& f, Cycle now) {
  // Most fetches are of kinds no copy is kept of (directories, paging
  // entries): their path stays short, the copies and the IOTLB fill out of line.
  const EntryKind kind = f.entry.kind;
  if (kind == EntryKind::Context || kind == EntryKind::SmContext || kind == EntryKind::Pasid)
    keep_copy(j, f, now);
  bool finished;
  if (scalable_) {
    auto& w = *std::get_if<ScalableWalker>(&j.walker);
    w.on_entry(f.value);
    finished = w.done();
  } else {
    auto& w = *std::get_if<LegacyWalker>(&j.walker);
    w.on_entry(f.value);
    finished = w.done();
  }
  // A completed walk fills the IOTLB with its translation.
  if (finished && iotlb_.config().enabled && !j.iotlb_hit) fill_iotlb(j, now);
}

void Translator::keep_copy(Job& j, const FetchEvent& f, Cycle now) {
  // Only the cached kinds keep where their copy came from; the provenance is
  // made in place in the outcome's copy, and the rest read it there.
  if (j.out.copies.size() == 2) throw std::logic_error("translator: more entry copies than a walk can use");
  const unsigned n = f.nbursts;
  const auto version = [&](unsigned i) { return i < n ? f.bursts[i].version : u64{0}; };
  DmaEvent::CopyUsed& c = j.out.copies.emplace_back(
      f.entry.kind, f.entry.addr, false, f.value,
      Provenance{
          f.request, f.cycle(), f.entry.addr, f.nbursts, {version(0), version(1), version(2), version(3)}});
  const Provenance& src = c.source;
  const Rid rid = j.req.rid;
  const auto copy = static_cast<u8>(j.out.copies.size() - 1);
  if (c.kind == EntryKind::Pasid) {
    j.table_copy = copy;
    if (!pc_.config().enabled) return;
    auto filled = pc_.fill(rid, f.entry.pasid, f.value, src, now);
    if (filled.filled)
      publish(CacheEvent::What::Fill, CacheKind::Pasid, now, rid, 0, f.entry.pasid, f.entry.addr, 1, f.value,
              src);
    if (filled.evicted)
      publish(CacheEvent::What::Evict, CacheKind::Pasid, now, filled.evicted->key.rid, 0,
              filled.evicted->key.pasid, 0);
    return;
  }
  if (!scalable_) j.table_copy = copy;
  if (!ctx_.config().enabled) return;  // a disabled cache's fill would only build an empty result
  auto filled = ctx_.fill(rid, f.value, src, now);
  if (filled.filled)
    publish(CacheEvent::What::Fill, CacheKind::Context, now, rid, 0, 0, f.entry.addr, 1, f.value, src);
  if (filled.evicted) publish(CacheEvent::What::Evict, CacheKind::Context, now, filled.evicted->key, 0, 0, 0);
}

void Translator::fill_iotlb(Job& j, Cycle now) {
  IotlbValue v;
  u16 did = 0;
  std::optional<u32> tag_pasid;
  if (scalable_) {
    const ScalableResult& r = std::get<ScalableWalker>(j.walker).result();
    if (r.fault || r.pgtt == pasid_fmt::PGTT_PT) return;  // pass-through is not cached here
    v.page_shift = static_cast<u8>(r.page_shift);
    v.page_addr = r.pa & ~((Addr{1} << r.page_shift) - 1);
    v.read = r.read;
    v.write = r.write;
    v.pgtt = static_cast<Pgtt>(r.pgtt);
    did = r.did;
    tag_pasid = r.pasid;
  } else {
    const TranslationResult& r = std::get<LegacyWalker>(j.walker).result();
    if (r.fault || !j.iotlb_checked) return;  // pass-through entries never reached the page walk
    v.page_shift = static_cast<u8>(r.page_shift);
    v.page_addr = r.pa & ~((Addr{1} << r.page_shift) - 1);
    v.read = r.read;
    v.write = r.write;
    v.pgtt = Pgtt::SecondLevel;
    did = r.did;
  }
  static const Provenance kNone;
  const Provenance& table_source =
      j.table_copy < j.out.copies.size() ? j.out.copies[j.table_copy].source : kNone;
  v.table_source = table_source;
  auto filled = iotlb_.fill(did, tag_pasid, j.req.iova, v, table_source, now);
  if (filled.filled) {
    EntryBits val;
    val.w[0] = v.page_addr;
    val.w[1] = (v.read ? 1 : 0) | (v.write ? 2 : 0);
    publish(CacheEvent::What::Fill, CacheKind::Iotlb, now, j.req.rid, did, tag_pasid.value_or(0),
            j.req.iova & ~((Addr{1} << v.page_shift) - 1), 1, val, table_source);
  }
  if (filled.evicted)
    publish(CacheEvent::What::Evict, CacheKind::Iotlb, now, j.req.rid, filled.evicted->key.did,
            filled.evicted->key.pasid, 0);
}

void Translator::record_invalidation(CacheKind cache, Cycle now, u64 dropped, u16 did, u32 pasid,
                                     Addr addr) const {
  publish(CacheEvent::What::Invalidate, cache, now, Rid{}, did, pasid, addr, dropped);
}

void Translator::apply(const Descriptor& d, Cycle now) {
  using namespace qi_fmt;
  switch (d.type) {
    case TYPE_CC: {
      const u64 g = d.get(cc::G);
      const u16 did = static_cast<u16>(d.get(cc::DID));
      unsigned n = 0;
      if (g == cc::G_GLOBAL)
        n = ctx_.invalidate_global();
      else if (g == cc::G_DOMAIN)
        n = ctx_.invalidate_domain(did);
      else
        n = ctx_.invalidate_device(did, Rid{static_cast<u16>(d.get(cc::SID))},
                                   static_cast<unsigned>(d.get(cc::FM)));
      record_invalidation(CacheKind::Context, now, n, did, 0, 0);
      break;
    }
    case TYPE_IOTLB: {
      const u64 g = d.get(iotlb::G);
      const u16 did = static_cast<u16>(d.get(iotlb::DID));
      const Addr addr = d.get(iotlb::ADDR) << 12;
      unsigned n = 0;
      if (g == iotlb::G_GLOBAL)
        n = iotlb_.invalidate_global();
      else if (g == iotlb::G_DOMAIN)
        n = iotlb_.invalidate_domain(did);
      else
        n = iotlb_.invalidate_page(did, addr, static_cast<unsigned>(d.get(iotlb::AM)));
      record_invalidation(CacheKind::Iotlb, now, n, did, 0, addr);
      break;
    }
    case TYPE_PIOTLB: {
      const u16 did = static_cast<u16>(d.get(piotlb::DID));
      const u32 pasid = static_cast<u32>(d.get(piotlb::PASID));
      const Addr addr = d.get(piotlb::ADDR) << 12;
      const unsigned n =
          d.get(piotlb::G) == piotlb::G_PASID
              ? iotlb_.invalidate_pasid(did, pasid)
              : iotlb_.invalidate_pasid_page(did, pasid, addr, static_cast<unsigned>(d.get(piotlb::AM)));
      record_invalidation(CacheKind::Iotlb, now, n, did, pasid, addr);
      break;
    }
    case TYPE_PC: {
      const u64 g = d.get(pc::G);
      const u16 did = static_cast<u16>(d.get(pc::DID));
      const u32 pasid = static_cast<u32>(d.get(pc::PASID));
      unsigned n = 0;
      if (g == pc::G_GLOBAL)
        n = pc_.invalidate_global();
      else if (g == pc::G_DOMAIN)
        n = pc_.invalidate_domain(did);
      else
        n = pc_.invalidate_pasid(did, pasid);
      record_invalidation(CacheKind::Pasid, now, n, did, pasid, 0);
      break;
    }
    default: break;  // device-TLB (no ATS device model yet), wait, IEC: nothing cached here
  }
}

}  // namespace vtd
