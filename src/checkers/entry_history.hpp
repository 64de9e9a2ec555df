// The store history of the watched table entries, reconstructed from the
// event stream alone: the value each entry held at any memory version, and
// the update spans. SystemC-free.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "checkers/findings.hpp"

namespace vtd {

class EntryHistory : public Observer {
 public:
  // `initial`: each watched entry's value at memory version 0.
  void watch(const EntryId& id, const EntryBits& initial);

  Interests interests() const override { return overridden<EntryHistory>(); }
  void on_store(const StoreEvent& e) override;
  void on_fetch(const FetchEvent& e) override;

  struct Entry {
    EntryId id;
    EntryBits initial;
    std::vector<StoreEvent> stores;   // touching this entry, in seq order
    std::vector<FetchEvent> fetches;  // after its first store (earlier ones overlap no span)
  };
  const std::vector<Entry>& entries() const { return entries_; }
  // The watched entry of this kind at `addr`, if any.
  const Entry* find(EntryKind kind, Addr addr) const;

  // Value of entry `e` as a read that saw exactly the stores with seq < version.
  static EntryBits value_at(const Entry& e, u64 version);
  static std::vector<Span> spans(const Entry& e);

 private:
  std::optional<std::size_t> index_of(EntryKind kind, Addr addr) const;

  std::vector<Entry> entries_;
  std::map<Addr, std::size_t> by_addr_;  // entry base -> index
  Addr lowest_ = ~Addr{0}, highest_ = 0;
};

}  // namespace vtd
