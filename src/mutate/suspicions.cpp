#include "mutate/suspicions.hpp"

#include <algorithm>

#include "formats/formats.hpp"
#include "formats/qi_descriptors.hpp"

namespace vtd {

namespace {

bool store_level(MutantKind k) {
  return k == MutantKind::SwapStores || k == MutantKind::SplitLowFirst || k == MutantKind::SplitHighFirst ||
         k == MutantKind::SetPresentFirst;
}

const QiSite* site_of(const SuspicionInputs& in) {
  for (const QiSite& s : in.qi)
    if (s.cpu == in.mutant.cpu && s.item == in.mutant.item && s.qi == in.mutant.qi) return &s;
  return nullptr;
}

// The item's states of entry e, from `v`, over its stores to e (in order).
std::vector<EntryBits> states(const DriverOp& d, const EntryId& e, const std::vector<EntryId>& watched,
                              EntryBits v) {
  std::vector<EntryBits> out;
  for (const Operation& op : d.ops) {
    const EntryId* x = store_entry(op, watched);
    if (!x || !(*x == e)) continue;
    v = apply_store(op, e, v);
    out.push_back(v);
  }
  return out;
}

std::string ops_text(const std::vector<u32>& ops) {
  std::string s = ops.size() == 1 ? "op " : "ops ";
  for (std::size_t i = 0; i < ops.size(); ++i) s += (i ? ", " : "") + std::to_string(ops[i]);
  return s;
}

// The watched entries the mutant concerns: its entry, else every entry its item stores to.
std::vector<EntryId> touched(const SuspicionInputs& in, const std::vector<EntryId>& watched) {
  if (in.mutant.entry) return {*in.mutant.entry};
  std::vector<EntryId> out;
  for (const Operation& op : in.item.ops)
    if (const EntryId* e = store_entry(op, watched))
      if (std::find(out.begin(), out.end(), *e) == out.end()) out.push_back(*e);
  return out;
}

bool fetched_by_traffic(const EntryId& e, const Scenario& s) {
  return std::any_of(s.traffic.begin(), s.traffic.end(), [&](const TrafficStream& t) {
    switch (e.kind) {
      case EntryKind::Root:
      case EntryKind::SmRoot: return t.rid.bus() == e.rid.bus();
      case EntryKind::Pasid: return t.rid == e.rid && t.pasid.value_or(0) == e.pasid;
      default: return t.rid == e.rid;
    }
  });
}

}  // namespace

std::optional<Suspicion> never_executed(const SuspicionInputs& in) {
  const Mutant& m = in.mutant;
  std::vector<u32> ops = m.ops;
  if (is_qi_mutant(m.kind))
    if (const QiSite* s = site_of(in))
      for (u32 i = s->first_op; i < s->end_op; ++i) ops.push_back(i);
  if (ops.empty()) return std::nullopt;
  for (u32 i : ops)
    if (in.facts.executed.count({m.cpu, m.item, i})) return std::nullopt;
  return Suspicion{"never-executed", "the mutated operations (" + ops_text(ops) +
                                         ") never ran in the nominal run: the driver returned before them"};
}

std::optional<Suspicion> entry_not_present(const SuspicionInputs& in) {
  const Mutant& m = in.mutant;
  const std::vector<EntryId> watched = in.layout.watched_entries();
  if (store_level(m.kind)) {
    if (!m.entry) return std::nullopt;
    const auto v0 = in.facts.before_item.find({m.cpu, m.item, m.entry->addr});
    if (v0 == in.facts.before_item.end()) return std::nullopt;
    DriverOp mutated = in.item;
    apply_mutant(m, mutated);
    const std::vector<EntryBits> was = states(in.item, *m.entry, watched, v0->second);
    const Format& f = format_of(m.entry->kind);
    unsigned fresh = 0;
    for (const EntryBits& s : states(mutated, *m.entry, watched, v0->second)) {
      if (std::find(was.begin(), was.end(), s) != was.end()) continue;
      if (f.is_present(s)) return std::nullopt;
      ++fresh;
    }
    if (fresh == 0)
      return Suspicion{"entry-not-present",
                       "the mutant's stores take " + to_string(*m.entry) +
                           " only through states the original's do (some earlier or later): "
                           "no store leaves a state the original never had"};
    return Suspicion{"entry-not-present", std::to_string(fresh) + " state" + (fresh == 1 ? "" : "s") +
                                              " of " + to_string(*m.entry) +
                                              " that the original never has, each with P = 0 in the nominal "
                                              "run: hardware ignores the entry while P = 0"};
  }
  if (m.kind != MutantKind::DropClflush || m.ops.empty()) return std::nullopt;
  // A dropped clflush: DRAM keeps the line as of its previous clflush in the
  // item; harmless if every entry in it stayed non-present from there on.
  const u32 at = m.ops[0];
  const Addr line = in.item.ops[at].addr & ~Addr{63};
  u32 from = 0;
  for (u32 i = 0; i < at; ++i)
    if (in.item.ops[i].kind == OpKind::Clflush && (in.item.ops[i].addr & ~Addr{63}) == line) from = i;
  std::vector<std::string> names;
  for (const EntryId& e : watched) {
    const Addr size = format_of(e.kind).bits / 8;
    if (e.addr + size <= line || e.addr >= line + 64) continue;
    const auto v0 = in.facts.before_item.find({m.cpu, m.item, e.addr});
    if (v0 == in.facts.before_item.end()) return std::nullopt;
    EntryBits v = v0->second;
    const Format& f = format_of(e.kind);
    // Without an earlier clflush in the item, from the item's start.
    bool judged = from == 0;
    if (judged && f.is_present(v)) return std::nullopt;
    for (u32 i = 0; i < at; ++i) {
      if (from > 0 && i == from) {
        judged = true;
        if (f.is_present(v)) return std::nullopt;
      }
      const EntryId* x = store_entry(in.item.ops[i], watched);
      if (x && *x == e) v = apply_store(in.item.ops[i], e, v);
      if (judged && f.is_present(v)) return std::nullopt;
    }
    names.push_back(to_string(e));
  }
  if (names.empty()) return std::nullopt;
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  return Suspicion{"entry-not-present", list +
                                            " stayed non-present in the nominal run from the line's previous "
                                            "write-back to this clflush: whatever DRAM keeps has P = 0"};
}

std::optional<Suspicion> later_wait(const SuspicionInputs& in) {
  const Mutant& m = in.mutant;
  if (m.kind != MutantKind::DropWait && m.kind != MutantKind::DropPoll && m.kind != MutantKind::WaitFirst)
    return std::nullopt;
  const QiSite* s = site_of(in);
  if (!s) return std::nullopt;
  // The operation's next store to a watched entry after the submission (none: its end).
  const std::vector<EntryId> watched = in.layout.watched_entries();
  u32 next = static_cast<u32>(in.item.ops.size());
  for (u32 i = s->end_op; i < in.item.ops.size() && next == in.item.ops.size(); ++i)
    if (store_entry(in.item.ops[i], watched)) next = i;
  for (const QiSite& later : in.qi)
    if (later.cpu == m.cpu && later.item == m.item && later.qi > m.qi && later.wait == QiWait::Sync &&
        later.end_op <= next)
      return Suspicion{
          "later-wait",
          "qi_submit_sync #" + std::to_string(later.qi) + " (ops " + std::to_string(later.first_op) + ".." +
              std::to_string(later.end_op - 1) + ") is waited for before the operation's " +
              (next == in.item.ops.size() ? std::string("end") : "next store to a watched entry") +
              ", and its wait completes only after every descriptor queued before it, this "
              "submission's included"};
  return std::nullopt;
}

std::optional<Suspicion> no_traffic(const SuspicionInputs& in) {
  const std::vector<EntryId> entries = touched(in, in.layout.watched_entries());
  if (entries.empty()) return std::nullopt;
  std::vector<std::string> devices;
  for (const EntryId& e : entries) {
    if (fetched_by_traffic(e, in.scenario)) return std::nullopt;
    const std::string d = e.kind == EntryKind::Pasid ? to_string(e.rid) + " pasid " + std::to_string(e.pasid)
                                                     : to_string(e.rid);
    if (std::find(devices.begin(), devices.end(), d) == devices.end()) devices.push_back(d);
  }
  std::string list;
  for (const std::string& d : devices) list += (list.empty() ? "" : ", ") + d;
  return Suspicion{"no-traffic", "no DMA traffic from " + list +
                                     ", whose entries the mutated operation changes: nothing fetches them"};
}

std::optional<Suspicion> no_need(const SuspicionInputs& in) {
  const Mutant& m = in.mutant;
  if (!is_qi_mutant(m.kind)) return std::nullopt;
  if (m.kind == MutantKind::DropDescriptor)
    if (const QiSite* s = site_of(in); s && m.desc < s->descs.size()) {
      const EntryBits& b = s->descs[m.desc].bits;
      const u64 type = qi_fmt::TYPE.get(b);
      if (type == qi_fmt::TYPE_DEVTLB || type == qi_fmt::TYPE_PDEVTLB) {
        const Rid sid{static_cast<u16>(type == qi_fmt::TYPE_DEVTLB ? qi_fmt::devtlb::SID.get(b)
                                                                   : qi_fmt::pdevtlb::SID.get(b))};
        const DeviceLayout* d = in.layout.device(sid);
        const bool ats = d && (d->ats || (!in.layout.scalable && d->translation == ctx_fmt::TT_DEV_IOTLB));
        if (!ats)
          return Suspicion{"no-need", "a device-TLB invalidation for " + to_string(sid) +
                                          ", which has no ATS: no rule names a need for it"};
      }
    }
  if (in.facts.changed_present.count({m.cpu, m.item})) return std::nullopt;
  return Suspicion{"no-need",
                   "the operation changed no present entry in the nominal run: no rule names a need for "
                   "its invalidations (after a non-present -> present change only caching-mode hardware, "
                   "which caches not-present results, needs them, and no rule judges that)"};
}

std::optional<Suspicion> caches_off(const SuspicionInputs& in) {
  const MutantKind k = in.mutant.kind;
  if (!is_qi_mutant(k) && k != MutantKind::ZeroBeforeFlush && k != MutantKind::SkipClearPresent)
    return std::nullopt;
  const IommuConfig& io = in.scenario.platform.iommu;
  const bool scalable = io.mode == TranslationMode::Scalable;
  if (io.context_cache.enabled || io.iotlb.enabled || (scalable && io.pasid_cache.enabled))
    return std::nullopt;
  return Suspicion{"caches-off",
                   std::string("the IOMMU caches are all off (context-cache, ") +
                       (scalable ? "PASID-cache, " : "") +
                       "IOTLB): the mutant changes when cached copies are dropped, and none are kept"};
}

std::optional<Suspicion> queue_only(const SuspicionInputs& in) {
  const Mutant& m = in.mutant;
  if (m.kind != MutantKind::DropBarrier || m.ops.empty()) return std::nullopt;
  const std::vector<Operation>& ops = in.item.ops;
  const u32 at = m.ops[0];
  // The stores the barrier separates: the plain-store runs on each side (a region each).
  std::vector<const Operation*> stores;
  for (u32 i = at; i-- > 0 && ops[i].is_region_member();) stores.push_back(&ops[i]);
  for (u32 i = at + 1; i < ops.size() && ops[i].is_region_member(); ++i) stores.push_back(&ops[i]);
  const std::vector<EntryId> watched = in.layout.watched_entries();
  for (const Operation* op : stores)
    if (store_entry(*op, watched)) return std::nullopt;
  if (stores.empty())
    return Suspicion{"queue-only",
                     "the barrier separates no stores: the compiler has nothing to move across it"};
  const DriverMemory& dm = in.layout.driver;
  const Addr ring_end = dm.qi_queue + (Addr{256} << dm.qi_shift), status_end = dm.qi_status + 4 * 256;
  const bool queue = std::all_of(stores.begin(), stores.end(), [&](const Operation* op) {
    return (op->addr >= dm.qi_queue && op->addr < ring_end) ||
           (op->addr >= dm.qi_status && op->addr < status_end);
  });
  if (queue)
    return Suspicion{"queue-only",
                     "the barrier orders only stores to the invalidation queue and desc_status among "
                     "themselves, which the IOMMU reads only after the IQT doorbell (ordered after every "
                     "earlier store)"};
  return Suspicion{"queue-only", "the barrier orders no store to a watched entry"};
}

std::optional<Suspicion> no_op_reorder(const SuspicionInputs& in) {
  const Mutant& m = in.mutant;
  if (m.kind != MutantKind::DropBarrier || m.ops.empty()) return std::nullopt;
  const std::vector<Operation>& ops = in.item.ops;
  const u32 at = m.ops[0];
  const std::vector<EntryId> watched = in.layout.watched_entries();
  // Which of the item's stores change nothing, from the entries' values before the item.
  std::map<Addr, EntryBits> value;
  std::vector<bool> no_op(ops.size(), false);
  for (u32 i = 0; i < ops.size(); ++i) {
    const EntryId* e = store_entry(ops[i], watched);
    if (!e) continue;
    if (!value.count(e->addr)) {
      const auto v0 = in.facts.before_item.find({m.cpu, m.item, e->addr});
      if (v0 == in.facts.before_item.end()) return std::nullopt;
      value[e->addr] = v0->second;
    }
    const EntryBits next = apply_store(ops[i], *e, value[e->addr]);
    no_op[i] = next == value[e->addr];
    value[e->addr] = next;
  }
  std::vector<u32> before, after;
  for (u32 i = at; i-- > 0 && ops[i].is_region_member();) before.push_back(i);
  for (u32 i = at + 1; i < ops.size() && ops[i].is_region_member(); ++i) after.push_back(i);
  unsigned pairs = 0;
  for (u32 a : before)
    for (u32 b : after) {
      const Operation &x = ops[a], &y = ops[b];
      if ((x.addr >> 3) == (y.addr >> 3) || (x.once && y.once)) continue;  // kept in order anyway
      if (!store_entry(x, watched) && !store_entry(y, watched)) continue;
      if (!no_op[a] && !no_op[b]) return std::nullopt;
      ++pairs;
    }
  if (pairs == 0) return std::nullopt;
  return Suspicion{"no-op-reorder",
                   "of the stores the compiler may now reorder across the dropped barrier, each "
                   "pair that writes a watched entry has a store that changes nothing in the "
                   "nominal run (it writes what the word already holds)"};
}

std::optional<Suspicion> clflush_drains(const SuspicionInputs& in) {
  const Mutant& m = in.mutant;
  if (m.kind != MutantKind::DropMfence || m.ops.empty()) return std::nullopt;
  const std::vector<Operation>& ops = in.item.ops;
  const u32 at = m.ops[0];
  const bool next_to = (at > 0 && ops[at - 1].kind == OpKind::Clflush) ||
                       (at + 1 < ops.size() && ops[at + 1].kind == OpKind::Clflush);
  if (!next_to) return std::nullopt;
  return Suspicion{"clflush-drains",
                   "the mb() is next to a clflush, which in the model waits for the store buffer to drain "
                   "by itself: nothing is left for the mb() to order"};
}

std::vector<Suspicion> suspect(const SuspicionInputs& in) {
  std::vector<Suspicion> out;
  for (auto h : {never_executed, entry_not_present, later_wait, no_traffic, no_need, caches_off, queue_only,
                 no_op_reorder, clflush_drains})
    if (std::optional<Suspicion> s = h(in)) out.push_back(std::move(*s));
  return out;
}

}  // namespace vtd
