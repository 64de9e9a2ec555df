// Builds the initial translation tables of a scenario in memory, as the OS
// would have left them: a root table, context tables, one page table per
// domain (second-level, or x86-format first-level), in scalable mode the PASID
// directories and tables, and the driver's own memory (QI ring, wait-status
// slots, locks). Records where everything went so driver sequences and
// checkers can find the entries.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "events/events.hpp"
#include "memory/physical_memory.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

struct DomainLayout {
  std::string name;
  u16 did = 0;
  std::string type = "second_level";  // second_level | first_level
  unsigned aw = 2;                    // second_level: AGAW code
  unsigned fl_levels = 4;             // first_level: 4 or 5
  std::string parent;                 // first_level used nested: its second-level domain
  Addr pgd = 0;                       // page-table root (second- or first-level, by type)
  // Leaf entries: iova of the page -> pa of the page with permissions; a
  // page is 4 KiB, or 2 MiB / 1 GiB (a PS leaf) for mappings with page_size.
  struct Page {
    Addr pa;
    bool read;
    bool write;
    unsigned shift = 12;  // log2 of the page size
  };
  std::map<Addr, Page> pages;
  // The page holding `iova` (begin..end of `pages` if none), and the address
  // `iova` maps to.
  std::map<Addr, Page>::const_iterator page_of(Addr iova) const;
  std::optional<Addr> translate(Addr iova) const;
};

struct PasidLayout {
  u32 pasid = 0;
  Addr entry = 0;      // the 64-byte PASID table entry
  std::string domain;  // initially attached domain, or empty (entry zero)
  u64 pgtt = 0;        // initial PGTT (0 when not present)
};

struct DeviceLayout {
  Rid rid;
  Addr root_entry = 0;
  Addr context_entry = 0;  // legacy: 128-bit; scalable: 256-bit
  std::string domain;      // legacy: initially attached domain, or empty
  u64 translation = 0;     // legacy: TT
  // scalable mode
  bool ats = false;    // DTE
  bool paside = true;  // PASIDE: every scalable-mode device is modeled as PASID-capable
  Addr pasid_dir = 0;  // allocated for every device, even one with context: false
  unsigned pdts = 0;
  std::map<u32, PasidLayout> pasids;  // every PASID with a table page allocated
  const PasidLayout* pasid(u32 p) const {
    auto it = pasids.find(p);
    return it == pasids.end() ? nullptr : &it->second;
  }
};

// Driver-side state the scenario's kernel owns in memory.
struct DriverMemory {
  Addr qi_queue = 0;      // 256 descriptors (16 B legacy, 32 B scalable)
  unsigned qi_shift = 4;  // log2(descriptor size)
  Addr qi_status = 0;     // desc_status[256], 4 bytes each
  Addr iommu_lock = 0;    // iommu->lock
  Addr qi_lock = 0;       // qi->q_lock
};

struct TableLayout {
  bool scalable = false;
  Addr rtaddr = 0;
  DriverMemory driver;
  std::map<std::string, DomainLayout> domains;
  std::map<Rid, DeviceLayout> devices;
  Addr next_free = 0;  // first page not used by the tables or the driver memory

  const DeviceLayout* device(Rid rid) const {
    auto it = devices.find(rid);
    return it == devices.end() ? nullptr : &it->second;
  }
  const DomainLayout* domain(const std::string& name) const {
    auto it = domains.find(name);
    return it == domains.end() ? nullptr : &it->second;
  }
  // Every root and context entry the tables hold for the scenario's devices;
  // in scalable mode also every PASID table entry of DeviceLayout::pasids.
  std::vector<EntryId> watched_entries() const;
};

// The context entry Linux's legacy mapping writes for a device in `domain`.
EntryBits legacy_context_value(const DomainLayout& domain, u64 translation);

// Builds the tables in the mode `iommu.mode` names. Pages are allocated from
// `base` upwards: the root table, then the domains' page tables (in
// declaration order), then the context tables (scalable: with each device's
// PASID directory and PASID-table pages), then the driver memory.
// Throws ScenarioError on layouts that cannot be built (overlapping mappings,
// addresses beyond a table's reach, nested output addresses the parent does
// not map).
TableLayout build_tables(const Tables& tables, const IommuConfig& iommu, PhysicalMemory& mem,
                         Addr base = 0x100000);
// The scenario's tables in the scenario's mode.
TableLayout build_tables(const Scenario& s, PhysicalMemory& mem, Addr base = 0x100000);
// Legacy mode (throws ScenarioError on scalable-only tables).
TableLayout build_tables(const Tables& tables, PhysicalMemory& mem, Addr base = 0x100000);

// Scalable-mode geometry Linux uses (vtd-facts §1.2, §2.2, §3).
inline constexpr unsigned kPasidDirPdts = 2;                      // one 4-KiB directory page: 512 entries
inline constexpr u32 kPasidDirEntries = 512;                      // 2^(PDTS + 7)
inline constexpr u32 kMaxTablePasid = kPasidDirEntries * 64 - 1;  // highest PASID the directory reaches
// Where a scalable-mode context entry lives: the lower (devfn < 0x80) or upper
// table's entry, 256 bits each, indexed devfn * 2 in 128-bit units.
inline constexpr Addr sm_context_offset(u8 devfn) { return 32 * Addr(devfn & 0x7f); }

u64 translation_type_of(const std::string& name);

// Bounds on what a scenario's tables may ask the builder to build, checked
// before the mapping that would exceed them is built (ScenarioError at that
// mapping): its leaf entries (one per page of every mapping, all domains),
// and the page-table pages they need. A 4 GiB mapping in 4 KiB pages (about
// 100 MB and a second to build) is within them; larger mappings need
// page_size: 2M or 1G.
inline constexpr u64 kMaxLeafEntries = u64{1} << 20;
inline constexpr u64 kMaxTablePages = u64{1} << 16;

}  // namespace vtd
