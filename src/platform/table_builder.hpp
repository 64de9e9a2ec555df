// Builds the initial translation tables of a scenario in memory, as the OS
// would have left them: a legacy root table, one context table per bus, one
// second-level page table per domain. Records where everything went so driver
// sequences and checkers can find the entries.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "events/events.hpp"
#include "memory/physical_memory.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

struct DomainLayout {
  std::string name;
  u16 did = 0;
  unsigned aw = 2;
  Addr pgd = 0;  // second-level page-table root
  // 4 KiB pages mapped: iova page -> pa page with permissions.
  struct Page {
    Addr pa;
    bool read;
    bool write;
  };
  std::map<Addr, Page> pages;
};

struct DeviceLayout {
  Rid rid;
  Addr root_entry = 0;
  Addr context_entry = 0;
  std::string domain;   // initially attached domain, or empty
  u64 translation = 0;  // TT
};

struct TableLayout {
  Addr rtaddr = 0;
  std::map<std::string, DomainLayout> domains;
  std::map<Rid, DeviceLayout> devices;
  Addr next_free = 0;  // first page not used by the tables

  const DeviceLayout* device(Rid rid) const {
    auto it = devices.find(rid);
    return it == devices.end() ? nullptr : &it->second;
  }
  const DomainLayout* domain(const std::string& name) const {
    auto it = domains.find(name);
    return it == domains.end() ? nullptr : &it->second;
  }
  // Every root and context entry the tables hold for the scenario's devices.
  std::vector<EntryId> watched_entries() const;
};

// The context entry Linux's legacy mapping writes for a device in `domain`.
EntryBits legacy_context_value(const DomainLayout& domain, u64 translation);

// Throws ScenarioError on layouts that cannot be built (overlapping mappings).
TableLayout build_tables(const Tables& tables, PhysicalMemory& mem, Addr base = 0x100000);

u64 translation_type_of(const std::string& name);

}  // namespace vtd
