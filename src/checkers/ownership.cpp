#include "checkers/ownership.hpp"

#include "formats/qi_descriptors.hpp"

namespace vtd {

void QiLog::on_descriptor(const DescriptorEvent& e) {
  if (e.what == DescriptorEvent::What::Fetched) fetched_[e.index] = e.cycle;
  if (e.what == DescriptorEvent::What::Completed) done_.push_back(Done{fetched_[e.index], e.cycle, e.qw});
}

void QiLog::on_cache(const CacheEvent& e) {
  if (e.what != CacheEvent::What::Fill || e.cache == CacheKind::Iotlb) return;
  fills_[e.addr].push_back(Fill{e.cycle, e.value, e.source});
}

std::optional<Cycle> QiLog::in_dram(Addr addr, u64 seq, Cycle store_cycle) const {
  if (coherent_) return store_cycle;
  for (const WritebackEvent& w : writebacks_)
    if (w.line == (addr & ~Addr{63}) && w.through_seq > seq) return w.cycle;
  return std::nullopt;
}

std::optional<DmaEvent::CopyUsed> QiLog::last_fill(Addr addr, EntryKind kind, Cycle cycle) const {
  auto it = fills_.find(addr);
  if (it == fills_.end()) return std::nullopt;
  std::optional<DmaEvent::CopyUsed> out;
  for (const Fill& f : it->second)
    if (f.cycle <= cycle) out = DmaEvent::CopyUsed{kind, addr, true, f.value, f.source};
  return out;
}

namespace {

using namespace qi_fmt;

u64 field(const QiLog::Done& d, const Field& f) {
  return (d.qw[f.word()] & f.mask_in_word()) >> (f.lsb % 64);
}
u64 type_of(const QiLog::Done& d) { return field(d, TYPE); }

bool sid_matches(u64 sid, u64 fm, Rid rid) {
  // FM masks function-number bits 2, 2:1, 2:0 (spec; as the caches do).
  const u64 mask = fm == 0 ? 0 : (fm == 1 ? 0x4 : fm == 2 ? 0x6 : 0x7);
  return (sid & ~mask) == (rid.value & ~mask);
}

// One requirement of the handshake: a name and the descriptors that meet it.
struct Need {
  std::string name;
  std::function<bool(const QiLog::Done&)> covers;
};

// `named`: build the needs' names (a sweep's tally does not read them).
std::vector<Need> needs_for(const EntryId& id, const EntryBits& old, const EntryHistory& h, bool named) {
  std::vector<Need> needs;
  const auto name = [named](auto make) { return named ? std::string(make()) : std::string(); };
  const Rid rid = id.rid;
  switch (id.kind) {
    case EntryKind::Context: {
      const u64 did = ctx_fmt::DID.get(old);
      needs.push_back({name([&] {
                         return "context-cache (CC global/domain/device for DID " + std::to_string(did) + ")";
                       }),
                       [=](const QiLog::Done& d) {
                         if (type_of(d) != TYPE_CC) return false;
                         const u64 g = field(d, cc::G);
                         return g == cc::G_GLOBAL || (g == cc::G_DOMAIN && field(d, cc::DID) == did) ||
                                (g == cc::G_DEVICE && field(d, cc::DID) == did &&
                                 sid_matches(field(d, cc::SID), field(d, cc::FM), rid));
                       }});
      needs.push_back({name([&] { return "IOTLB (global or DSI for DID " + std::to_string(did) + ")"; }),
                       [=](const QiLog::Done& d) {
                         if (type_of(d) != TYPE_IOTLB) return false;
                         const u64 g = field(d, iotlb::G);
                         return g == iotlb::G_GLOBAL || (g == iotlb::G_DOMAIN && field(d, iotlb::DID) == did);
                       }});
      if (ctx_fmt::TT.get(old) == ctx_fmt::TT_DEV_IOTLB)
        needs.push_back({name([&] { return "device-TLB (type 3 for " + to_string(rid) + ")"; }),
                         [=](const QiLog::Done& d) {
                           return type_of(d) == TYPE_DEVTLB && field(d, devtlb::SID) == rid.value;
                         }});
      break;
    }
    case EntryKind::SmContext: {
      needs.push_back(
          {name([&] { return "context-cache (CC for " + to_string(rid) + ")"; }), [=](const QiLog::Done& d) {
             if (type_of(d) != TYPE_CC) return false;
             const u64 g = field(d, cc::G);
             return g != cc::G_DEVICE || sid_matches(field(d, cc::SID), field(d, cc::FM), rid);
           }});
      if (smctx_fmt::DTE.get(old))
        needs.push_back({name([&] { return "device-TLB (type 3 or 8 for " + to_string(rid) + ")"; }),
                         [=](const QiLog::Done& d) {
                           return (type_of(d) == TYPE_DEVTLB && field(d, devtlb::SID) == rid.value) ||
                                  (type_of(d) == TYPE_PDEVTLB && field(d, pdevtlb::SID) == rid.value);
                         }});
      break;
    }
    case EntryKind::Pasid: {
      using namespace pasid_fmt;
      const u64 did = DID.get(old), pgtt = PGTT.get(old);
      const u64 pasid = id.pasid;
      needs.push_back({name([&] {
                         return "PASID-cache (PC for DID " + std::to_string(did) + " PASID " +
                                std::to_string(pasid) + ")";
                       }),
                       [=](const QiLog::Done& d) {
                         if (type_of(d) != TYPE_PC) return false;
                         const u64 g = field(d, pc::G);
                         return g == pc::G_GLOBAL || (g == pc::G_DOMAIN && field(d, pc::DID) == did) ||
                                (g == pc::G_PASID && field(d, pc::DID) == did &&
                                 field(d, pc::PASID) == pasid);
                       }});
      const bool fl = pgtt == PGTT_FL || pgtt == PGTT_PT || pgtt == PGTT_NESTED;
      const bool sl = pgtt == PGTT_SL || pgtt == PGTT_NESTED;
      needs.push_back({name([&] {
                         return std::string("IOTLB (") + (fl ? "P_IOTLB for the PASID" : "") +
                                (fl && sl ? " or " : "") + (sl ? "IOTLB DSI/global" : "") + " for DID " +
                                std::to_string(did) + ")";
                       }),
                       [=](const QiLog::Done& d) {
                         if (fl && type_of(d) == TYPE_PIOTLB && field(d, piotlb::DID) == did &&
                             field(d, piotlb::PASID) == pasid && field(d, piotlb::G) == piotlb::G_PASID)
                           return true;
                         if (sl && type_of(d) == TYPE_IOTLB) {
                           const u64 g = field(d, iotlb::G);
                           return g == iotlb::G_GLOBAL ||
                                  (g == iotlb::G_DOMAIN && field(d, iotlb::DID) == did);
                         }
                         return false;
                       }});
      // Device-TLB when the device's context entry enables it (DTE).
      bool ats = false;
      for (const auto& e : h.entries())
        if (e.id.kind == EntryKind::SmContext && e.id.rid == rid) ats = smctx_fmt::DTE.get(e.initial) != 0;
      if (ats)
        needs.push_back(
            {name([&] {
               return "device-TLB (type 8 for " + to_string(rid) + " PASID " + std::to_string(pasid) + ")";
             }),
             [=](const QiLog::Done& d) {
               return (type_of(d) == TYPE_PDEVTLB && field(d, pdevtlb::SID) == rid.value &&
                       field(d, pdevtlb::PASID) == pasid) ||
                      (pasid == 0 && type_of(d) == TYPE_DEVTLB && field(d, devtlb::SID) == rid.value);
             }});
      break;
    }
    default: break;
  }
  return needs;
}

}  // namespace

void check_ownership(const EntryHistory& h, const QiLog& qi, Findings& out) {
  for (const auto& e : h.entries()) {
    const Format& f = format_of(e.id.kind);
    if (!f.present || e.id.kind == EntryKind::Root || e.id.kind == EntryKind::SmRoot) continue;
    // An open window: P was cleared by store `clear` and these needs are unmet.
    struct Window {
      u64 clear;
      Cycle cycle;
      EntryBits at_clear;  // the entry right after P was cleared
      EntryBits old;       // the present entry hardware may hold
      std::vector<Need> needs;
    };
    std::optional<Window> w;
    EntryBits state = e.initial;
    for (const StoreEvent& s : e.stores) {
      const EntryBits before = state;
      state = EntryHistory::value_at(e, s.seq + 1);
      if (w) {
        // Needs met by descriptors fetched after the clear and completed by now.
        // With non-coherent walks hardware sees the cleared P only once its
        // line is written back; an invalidation before that proves nothing.
        const std::optional<Cycle> seen = qi.in_dram(e.id.addr, w->clear, w->cycle);
        std::erase_if(w->needs, [&](const Need& n) {
          if (!seen) return false;
          for (const QiLog::Done& d : qi.completed())
            if (d.fetched >= *seen && d.completed <= s.cycle && n.covers(d)) return true;
          return false;
        });
        if (w->needs.empty()) w.reset();
      }
      if (w && state != before) {
        EntryBits p_mask;
        f.present->add_to(p_mask);
        const bool others_changed =
            ((state ^ w->at_clear) & ~p_mask).any() || ((state ^ before) & ~p_mask).any();
        const bool reused = f.is_present(state);
        if ((others_changed || reused) && !out.detail) {
          static const std::size_t kind = verdict_kind_index(kPresentBeforeInvalidate);
          out.tally_kind(kind, s.seq - w->clear);  // stores_between: the clearing store to this one
        } else if (others_changed || reused) {
          Finding fd;
          fd.kind = kPresentBeforeInvalidate;
          fd.cycle = s.cycle;
          fd.entry = e.id;
          fd.observed = state;
          fd.used = f.used_bits(w->old);
          fd.span.entry = e.id;
          fd.span.cpu = s.writer.cpu;
          fd.span.item = s.writer.item;
          fd.span.stores = {w->clear, s.seq};
          fd.span.old_val = w->old;
          fd.span.new_val = state;
          fd.store = s.seq;
          fd.clear_store = w->clear;
          fd.clear_cycle = w->cycle;
          for (const Need& n : w->needs) fd.missing.push_back(n.name);
          fd.cached = qi.last_fill(e.id.addr, e.id.kind, s.cycle);
          fd.detail = std::string(reused ? "entry made present again" : "entry changed") + " at cycle " +
                      std::to_string(s.cycle) + " after P was cleared at cycle " + std::to_string(w->cycle) +
                      ", before these invalidations completed";
          out.add(std::move(fd));
        }
      }
      // P cleared by this store: hardware may still hold `before`.
      if (f.is_present(before) && !f.is_present(state)) {
        Window nw{s.seq, s.cycle, state, before, needs_for(e.id, before, h, out.detail)};
        if (!nw.needs.empty()) w = std::move(nw);
      } else if (f.is_present(state)) {
        if (w) w.reset();  // reported above; a present entry starts over
      }
    }
  }
}

}  // namespace vtd
