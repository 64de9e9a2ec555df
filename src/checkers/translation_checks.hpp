// Checks of DMA outcomes against what software's tables said.
//
// stale_translation: a request translated through a copy (cached or fetched)
//   of an entry whose update by a driver operation had completed before the
//   request arrived, with an outcome that differs from the tables as software
//   saw them at arrival (the coherent view: CPU caches included).
// corrupting_dma: a request that reached a physical address no stable state
//   of the run maps for it: neither before nor after any update (the initial
//   tables, the state after each update span, the final tables).
#pragma once

#include <map>
#include <tuple>

#include "checkers/entry_history.hpp"
#include "checkers/reference.hpp"

namespace vtd {

class TranslationChecker : public Observer {
 public:
  TranslationChecker(const EntryHistory& h, ReferenceTranslator& ref) : h_(h), ref_(ref) {}
  Interests interests() const override { return overridden<TranslationChecker>(); }
  void on_item(const ItemEvent& e) override;
  void on_dma(const DmaEvent& e) override;
  // stale findings (made online) and the corrupting check over the whole run.
  void finish(Findings& out);
  // The same, with every watched entry's spans (EntryHistory::spans, in
  // entries() order) already made.
  void finish(Findings& out, const std::vector<std::vector<Span>>& spans);

 private:
  void check_stale(const DmaEvent& e);
  void switch_outcome(const DmaEvent& e, long long pasid);

  const EntryHistory& h_;
  ReferenceTranslator& ref_;
  std::map<std::pair<u16, u32>, Cycle> item_end_;  // (cpu, item) -> when it finished
  Findings stale_;
  // Distinct translated outcomes: (rid, pasid or -1, iova, write, pa) -> first request and count.
  using Key = std::tuple<u16, long long, Addr, bool, Addr>;
  struct Seen {
    DmaEvent first;
    u64 count = 0;
  };
  std::map<Key, Seen> outcomes_;
  Key last_key_{};
  Seen* last_seen_ = nullptr;  // outcomes_[last_key_] (map nodes stay put)
};

}  // namespace vtd
