// Sparse physical memory with the history of every store. SystemC-free: the
// MemoryModule wraps it for time.
//
// Two views: the coherent view (what CPUs and snooping DMA see: CPU caches
// included) and DRAM (what a non-snooping page walk reads). They differ only
// with non-coherent walks (ECAP.C = 0), where a line the CPU wrote stays
// dirty in the CPU cache, and DRAM keeps its old data until clflush or an
// eviction writes it back. Stores are posted with the cycle at which
// they become visible (the CPU's store buffer decides it) and applied in
// (cycle, posting order); any access at cycle t first applies every store
// visible at or before t, so "a store visible at t is seen by a read at t"
// holds whatever order SystemC runs processes in.
#pragma once

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "base/types.hpp"
#include "events/events.hpp"

namespace vtd {

class PhysicalMemory {
 public:
  explicit PhysicalMemory(const EventBus* bus = nullptr) : bus_(bus) {}
  ~PhysicalMemory();
  PhysicalMemory(const PhysicalMemory&) = delete;
  PhysicalMemory& operator=(const PhysicalMemory&) = delete;

  // Non-coherent walks: keep dirty lines in a CPU cache. `evict_after`: write
  // a dirty line back this many cycles after it was first dirtied (0: never).
  void set_cpu_cache(bool enabled, Cycle evict_after) {
    cpu_cache_ = enabled;
    evict_after_ = evict_after;
    update_due();
  }

  // Initial contents (tables built before the simulation): no history.
  void poke64(Addr addr, u64 value);

  struct PendingStore {
    Cycle visible_at = 0;
    Writer writer;
    Addr addr = 0;
    u8 words = 1;                // 1: 64-bit store, 2: 128-bit atomic store
    std::array<u64, 2> clear{};  // bits replaced...
    std::array<u64, 2> set{};    // ...by these (a plain store clears all bits)
  };
  // Queue a store; it is applied when time reaches visible_at.
  void post(const PendingStore& s);
  // Apply every posted store visible at or before `now`. Inline: every burst
  // asks, and nearly always nothing is due.
  void advance_to(Cycle now) {
    if (now >= due_) apply_due(now);
  }
  bool has_pending() const { return !pending_.empty(); }
  // Cycle of the next posted store or eviction, ~0 when none.
  Cycle next_event() const {
    return std::min(pending_.empty() ? ~Cycle{0} : pending_.front().visible_at, next_eviction());
  }

  // Reads at cycle `now` (after applying what is due).
  u64 read64(Addr addr, Cycle now) {
    advance_to(now);
    return peek64(addr);
  }
  // `snoop`: read the coherent view (QI descriptor fetches, coherent walks);
  // otherwise DRAM (non-coherent walks). A DRAM burst of a dirty line reports
  // the version DRAM holds for that line: it saw every store to the line with
  // seq below it, and none after. Inline: the IOMMU reads every burst here.
  Burst read_burst(Addr addr16, Cycle now, bool snoop = true) {
    // The common case inline, everything else (a store or eviction due, a
    // dirty line, a page not in the hints, a bad address) out of line.
    const u64 pn = addr16 >> 12;
    const PageHint& h = hints_[pn % kHints];
    if (now >= due_ || h.pn != pn || (addr16 & 15) || (!snoop && !dram_lines_.empty()))
      return read_burst_slow(addr16, now, snoop);
    Burst b;
    b.cycle = now;
    b.addr = addr16;
    // A burst never crosses a page: one lookup for both words.
    const unsigned i = (addr16 & 0xfff) >> 3;
    b.data = {(*h.page)[i], (*h.page)[i + 1]};
    b.version = version();
    return b;
  }
  // clflush by `by`: write a dirty line back at `now` (no-op when clean).
  void flush_line(Addr addr, Cycle now, Writer by = {});
  bool line_dirty(Addr addr) const { return dram_lines_.count(addr & ~Addr{63}) != 0; }
  // A store made now by the IOMMU (wait-descriptor status, 32 bits). DMA
  // writes snoop: both views get it.
  void device_write32(Writer w, Addr addr, u32 value, Cycle now);
  // A locked compare-and-exchange of a 64-bit word, at `now`.
  bool compare_and_store(Writer w, Addr addr, u64 expected, u64 desired, Cycle now);

  // Current contents, without applying anything.
  u64 peek64(Addr addr) const;

  // History.
  const std::vector<StoreEvent>& history() const { return history_; }
  u64 version() const { return version_; }
  // Value of the 64-bit word at `addr` as seen by a read that saw exactly the
  // stores with seq < version.
  u64 value_at(Addr addr, u64 version) const;

  void reset();

  // A copy of every page, to start episodes from: the initial tables, built
  // once and restored by reset(image) instead of being built again.
  using PageImage = std::array<u64, 512>;
  using Image = std::vector<std::pair<u64, PageImage>>;  // (page number, contents)
  Image image() const;
  // reset(), then the contents of `image` (no history).
  void reset(const Image& image);

 private:
  using Page = std::array<u64, 512>;
  u64* word_ptr(Addr addr);
  // The page numbered `pn`, allocated (zeroed) if it is not yet.
  Page* page_for(u64 pn);
  const u64* find_word(Addr addr) const;
  // Walks and bursts stay on a few pages (the tables, the queue), and a walk
  // goes from one to the next: the last page found in each of 8 slots (by
  // page number) is remembered.
  const Page* find_page(u64 pn) const {
    const PageHint& h = hints_[pn % kHints];
    return h.pn == pn ? h.page : find_other_page(pn);
  }
  const Page* find_other_page(u64 pn) const;
  std::vector<std::pair<u64, std::unique_ptr<Page>>>::const_iterator page_slot(u64 pn) const;
  [[noreturn]] static void unaligned_burst(Addr addr);
  Burst read_dram_burst(Addr addr16, Cycle now);
  Burst read_burst_slow(Addr addr16, Cycle now, bool snoop);
  void apply_due(Cycle now);
  // Everything reset() clears but the pages and the hints to them.
  void clear_state();
  // Recomputes due_ after pending_ or dram_lines_ changed.
  void update_due() {
    due_ = evict_after_ != 0 && !dram_lines_.empty() ? 0
           : pending_.empty()                        ? ~Cycle{0}
                                                     : pending_.front().visible_at;
  }
  void apply(const PendingStore& s);
  void record(StoreEvent& ev);
  void mark_dirty(Addr addr, u64 seq, Cycle cycle);
  void writeback(Addr line, Cycle now, bool eviction, Writer by = {});
  Cycle next_eviction() const;

  struct DramLine {
    std::array<u64, 8> data;  // what DRAM holds
    u64 version;              // seq of the first store not in DRAM
    Cycle dirtied;
  };

  const EventBus* bus_;
  bool cpu_cache_ = false;
  Cycle evict_after_ = 0;
  std::map<Addr, DramLine> dram_lines_;  // dirty lines, by line address
  // By page number, sorted. Pages never move; reset() keeps them in spare_
  // for the next episode instead of freeing them.
  std::vector<std::pair<u64, std::unique_ptr<Page>>> pages_;
  std::vector<std::unique_ptr<Page>> spare_;
  struct PageHint {
    u64 pn = ~u64{0};  // no page has this number: an empty hint never matches
    Page* page = nullptr;
  };
  static constexpr unsigned kHints = 8;
  mutable std::array<PageHint, kHints> hints_{};  // find_page's last hits
  std::deque<PendingStore> pending_;              // sorted by visible_at, stable
  // advance_to has nothing to do before this cycle: the first pending
  // store's, or 0 while an eviction may be due (every access checks).
  Cycle due_ = ~Cycle{0};
  std::vector<StoreEvent> history_;
  u64 version_ = 0;  // history_.size(), kept as a count: every burst reports it
};

}  // namespace vtd
