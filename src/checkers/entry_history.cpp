#include "checkers/entry_history.hpp"

#include <algorithm>

namespace vtd {

void EntryHistory::watch(const EntryId& id, const EntryBits& initial) {
  const u32 index = static_cast<u32>(entries_.size());
  entries_.push_back(Entry{id, initial, {}, {}, {}});
  // A later watch of the same address replaces the earlier one.
  auto it = std::lower_bound(by_addr_.begin(), by_addr_.end(), std::pair<Addr, u32>{id.addr, 0},
                             [](const auto& a, const auto& b) { return a.first < b.first; });
  if (it != by_addr_.end() && it->first == id.addr) {
    it->second = index;
    std::size_t i = slot_of(id.addr);
    while (slots_[i].addr != id.addr) i = (i + 1) & (slots_.size() - 1);
    slots_[i].index = index;
  } else {
    by_addr_.insert(it, {id.addr, index});
    if (2 * by_addr_.size() > slots_.size())
      rehash();
    else
      place(id.addr, index);
  }
  const Addr end = id.addr + format_of(id.kind).bits / 8;
  lowest_ = std::min(lowest_, id.addr);
  highest_ = std::max(highest_, end);
}

void EntryHistory::restart(bool keep_events) {
  keep_events_ = keep_events;
  stored_ = false;
  for (Entry& en : entries_) {
    en.stores.clear();
    en.fetches.clear();
    en.events.clear();
  }
}

void EntryHistory::rehash() {
  std::size_t size = 64;
  unsigned bits = 6;
  while (size < 2 * by_addr_.size()) {
    size *= 2;
    ++bits;
  }
  shift_ = 64 - bits;
  slots_.assign(size, Slot{});
  for (const auto& [addr, index] : by_addr_) place(addr, index);
}

void EntryHistory::place(Addr addr, u32 index) {
  std::size_t i = slot_of(addr);
  while (slots_[i].index != kNoEntry) i = (i + 1) & (slots_.size() - 1);
  slots_[i] = Slot{addr, index};
}

void EntryHistory::on_store(const StoreEvent& e) {
  const Addr end = e.addr + 8 * e.words;
  if (end <= lowest_ || e.addr >= highest_) return;
  // Entries do not overlap; find the one starting at or below the store.
  auto it = std::upper_bound(by_addr_.begin(), by_addr_.end(), end - 1,
                             [](Addr a, const std::pair<Addr, u32>& b) { return a < b.first; });
  while (it != by_addr_.begin()) {
    --it;
    Entry& en = entries_[it->second];
    const Addr en_end = en.id.addr + format_of(en.id.kind).bits / 8;
    if (en_end <= e.addr) break;
    if (en.id.addr < end) {
      en.stores.push_back(e);
      stored_ = true;
    }
  }
}

const EntryHistory::Entry* EntryHistory::find(EntryKind kind, Addr addr) const {
  const u32 i = index_of(addr);
  return i != kNoEntry && entries_[i].id.kind == kind ? &entries_[i] : nullptr;
}

void EntryHistory::on_fetch(const FetchEvent& e) {
  // Until software first stores to a watched entry, no fetch is recorded (below).
  if (!stored_ || e.entry.addr < lowest_ || e.entry.addr >= highest_) return;
  const u32 i = index_of(e.entry.addr);
  if (i == kNoEntry) return;
  // A fetch published before the entry's first store saw none of the
  // entry's stores (a store a burst saw was published before the fetch): it
  // lies before every update span, and no rule reads it. Most fetches of a
  // run are such: not recording them is most of what recording costs.
  Entry& en = entries_[i];
  if (en.id.kind != e.entry.kind || en.stores.empty()) return;
  record(en, e);
}

// Out of line: the common case (an unwatched entry, or one not yet stored to)
// then needs no registers saved.
[[gnu::noinline]] void EntryHistory::record(Entry& en, const FetchEvent& e) {
  u64 lo = ~u64{0}, hi = 0;
  for (unsigned b = 0; b < e.nbursts; ++b) {
    lo = std::min(lo, e.bursts[b].version);
    hi = std::max(hi, e.bursts[b].version);
  }
  if (keep_events_) {
    // A fetch that extends the last run of events is alike the last record.
    if (en.events.push_back(e)) {
      ++en.fetches.back().count;
      return;
    }
  } else if (!en.fetches.empty()) {
    // Once software stops storing, every fetch of an entry looks the same.
    Fetch& last = en.fetches.back();
    if (last.lo == lo && last.hi == hi && last.value == e.value) {
      ++last.count;
      return;
    }
  }
  en.fetches.push_back(Fetch{lo, hi, e.value, 1});
}

namespace {

// `v` (entry `e`'s value) after store `s`.
void apply(const EntryHistory::Entry& e, unsigned words, const StoreEvent& s, EntryBits& v) {
  for (unsigned k = 0; k < s.words; ++k) {
    const Addr a = s.addr + 8 * k;
    if (a < e.id.addr) continue;
    const unsigned w = static_cast<unsigned>((a - e.id.addr) / 8);
    if (w < words) v.w[w] = s.new_val[k];
  }
}

}  // namespace

EntryBits EntryHistory::value_at(const Entry& e, u64 version) {
  EntryBits v = e.initial;
  const unsigned words = format_of(e.id.kind).bits / 64;
  for (const StoreEvent& s : e.stores) {
    if (s.seq >= version) break;
    apply(e, words, s, v);
  }
  return v;
}

std::vector<EntryBits> EntryHistory::states(const Entry& e) {
  const unsigned words = format_of(e.id.kind).bits / 64;
  std::vector<EntryBits> out;
  out.reserve(e.stores.size());
  EntryBits v = e.initial;
  for (const StoreEvent& s : e.stores) {
    apply(e, words, s, v);
    out.push_back(v);
  }
  return out;
}

}  // namespace vtd
