#include "tables/table_builder.hpp"

#include <algorithm>

#include "formats/formats.hpp"
#include "tables/entries.hpp"

namespace vtd {

u64 translation_type_of(const std::string& name) {
  if (name == "dev_iotlb") return ctx_fmt::TT_DEV_IOTLB;
  if (name == "pass_through") return ctx_fmt::TT_PASS_THROUGH;
  return ctx_fmt::TT_MULTI_LEVEL;
}

EntryBits legacy_context_value(const DomainLayout& d, u64 translation) {
  using namespace ctx_fmt;
  EntryBits e;
  P.set(e, 1);
  TT.set(e, translation);
  SLPTPTR.set(e, d.pgd >> 12);
  AW.set(e, d.aw);
  DID.set(e, d.did);
  return e;
}

std::vector<EntryId> TableLayout::watched_entries() const {
  const EntryKind root_kind = scalable ? EntryKind::SmRoot : EntryKind::Root;
  const EntryKind context_kind = scalable ? EntryKind::SmContext : EntryKind::Context;
  std::vector<EntryId> out;
  std::map<u8, bool> buses;
  for (const auto& [rid, dev] : devices) {
    if (!buses[rid.bus()]) {
      buses[rid.bus()] = true;
      out.push_back(EntryId{root_kind, dev.root_entry, Rid::from(rid.bus(), 0, 0), 0, 0});
    }
    out.push_back(EntryId{context_kind, dev.context_entry, rid, 0, 0});
    if (scalable)
      for (const auto& [pasid, p] : dev.pasids)
        out.push_back(EntryId{EntryKind::Pasid, p.entry, rid, 0, pasid});
  }
  return out;
}

std::map<Addr, DomainLayout::Page>::const_iterator DomainLayout::page_of(Addr iova) const {
  auto it = pages.upper_bound(iova);
  if (it == pages.begin()) return pages.end();
  --it;
  if ((iova - it->first) >> it->second.shift) return pages.end();
  return it;
}

std::optional<Addr> DomainLayout::translate(Addr iova) const {
  const auto it = page_of(iova);
  if (it == pages.end()) return std::nullopt;
  return it->second.pa + (iova - it->first);
}

namespace {

class PageAllocator {
 public:
  explicit PageAllocator(Addr base) : next_(base) {}
  Addr alloc() {
    Addr a = next_;
    next_ += 0x1000;
    ++count_;
    return a;
  }
  Addr next() const { return next_; }
  u64 count() const { return count_; }

 private:
  Addr next_;
  u64 count_ = 0;
};

void poke(PhysicalMemory& mem, Addr addr, const EntryBits& e, unsigned bits) {
  for (unsigned i = 0; i < bits / 64; ++i) mem.poke64(addr + 8 * i, e.w[i]);
}

EntryBits peek(const PhysicalMemory& mem, Addr addr, unsigned bits) {
  EntryBits e;
  for (unsigned i = 0; i < bits / 64; ++i) e.w[i] = mem.peek64(addr + 8 * i);
  return e;
}

// The level of a leaf entry mapping a page of 2^shift bytes.
unsigned leaf_level(unsigned shift) { return 1 + (shift - 12) / 9; }

void map_sl_page(PhysicalMemory& mem, PageAllocator& pages, const DomainLayout& d, Addr iova, Addr pa, bool r,
                 bool w, unsigned shift = 12) {
  using namespace slpte_fmt;
  const unsigned leaf = leaf_level(shift);
  Addr table = d.pgd;
  for (unsigned level = agaw_levels(d.aw); level > leaf; --level) {
    const Addr slot = table + 8 * ((iova >> (12 + 9 * (level - 1))) & 511);
    EntryBits pte;
    pte.w[0] = mem.peek64(slot);
    if (R.get(pte) == 0 && W.get(pte) == 0) {
      const Addr next = pages.alloc();
      pte = EntryBits{};
      R.set(pte, 1);
      W.set(pte, 1);
      ADDR.set(pte, next >> 12);
      mem.poke64(slot, pte.w[0]);
    }
    table = ADDR.get(pte) << 12;
  }
  EntryBits e;
  R.set(e, r);
  W.set(e, w);
  if (leaf > 1) PS.set(e, 1);
  ADDR.set(e, pa >> 12);
  mem.poke64(table + 8 * ((iova >> shift) & 511), e.w[0]);
}

// x86-format entries. U/S on every level: DMA is a user-mode access (SRE is
// not set), which every level must allow. Non-leaf entries allow writes so the
// leaf alone decides.
void map_fl_page(PhysicalMemory& mem, PageAllocator& pages, const DomainLayout& d, Addr iova, Addr pa, bool w,
                 std::vector<Addr>& table_pages, unsigned shift) {
  using namespace flpte_fmt;
  const unsigned leaf = leaf_level(shift);
  Addr table = d.pgd;
  for (unsigned level = d.fl_levels; level > leaf; --level) {
    const Addr slot = table + 8 * ((iova >> (12 + 9 * (level - 1))) & 511);
    EntryBits pte;
    pte.w[0] = mem.peek64(slot);
    if (P.get(pte) == 0) {
      const Addr next = pages.alloc();
      table_pages.push_back(next);
      pte = EntryBits{};
      P.set(pte, 1);
      RW.set(pte, 1);
      US.set(pte, 1);
      ADDR.set(pte, next >> 12);
      mem.poke64(slot, pte.w[0]);
    }
    table = ADDR.get(pte) << 12;
  }
  EntryBits e;
  P.set(e, 1);
  RW.set(e, w);
  US.set(e, 1);
  if (leaf > 1) PS.set(e, 1);
  ADDR.set(e, pa >> 12);
  mem.poke64(table + 8 * ((iova >> shift) & 511), e.w[0]);
}

// Input-address bits a domain translates. First-level input addresses must
// be canonical, so (as Linux does) only the lower half, 47 or 56 bits, is used.
unsigned domain_width(const DomainLayout& d) {
  if (d.type == "first_level") return d.fl_levels == 5 ? 56 : 47;
  return agaw_width(d.aw);
}

u64 pgtt_code(const std::string& pgtt) {
  if (pgtt == "first_level") return pasid_fmt::PGTT_FL;
  if (pgtt == "nested") return pasid_fmt::PGTT_NESTED;
  if (pgtt == "pass_through") return pasid_fmt::PGTT_PT;
  return pasid_fmt::PGTT_SL;
}

class Builder {
 public:
  Builder(const Tables& t, const IommuConfig& io, PhysicalMemory& mem, Addr base)
      : t_(t), mem_(mem), pages_(base) {
    L_.scalable = io.mode == TranslationMode::Scalable;
    // iommu->agaw: Linux takes the highest supported SAGAW code, and so do
    // the driver sequences; initial entries must match what they write.
    iommu_agaw_ = 0;
    for (unsigned a : io.sagaw) iommu_agaw_ = std::max(iommu_agaw_, a);
    if (iommu_agaw_ == 0) iommu_agaw_ = 2;
  }

  TableLayout build() {
    L_.rtaddr = pages_.alloc();
    for (const Domain& d : t_.domains) domain(d);
    nest();
    if (L_.scalable) {
      for (const Device& dev : t_.devices) scalable_device(dev);
    } else {
      for (const Device& dev : t_.devices) legacy_device(dev);
    }
    driver_memory();
    L_.next_free = pages_.next();
    return std::move(L_);
  }

 private:
  void domain(const Domain& d) {
    const bool fl = d.type == "first_level";
    if (fl && !L_.scalable)
      throw ScenarioError(d.loc, "domain '" + d.name +
                                     "': first_level domains need scalable mode, but the tables are being "
                                     "built in legacy mode");
    DomainLayout dl;
    dl.name = d.name;
    dl.did = d.did;
    dl.type = d.type;
    dl.aw = d.aw;
    dl.fl_levels = d.fl_levels;
    dl.parent = d.parent;
    dl.pgd = pages_.alloc();
    std::vector<Addr>& tables = fl_tables_[d.name];
    if (fl) tables.push_back(dl.pgd);
    const unsigned width = domain_width(dl);
    for (const Mapping& m : d.mappings) {
      if (fl && !m.read)
        throw ScenarioError(m.loc, "first-level paging entries cannot deny reads (read: false)");
      const u64 page = u64{1} << m.page_shift;
      // Refused before building: a mapping's pages cost time and memory
      // (a leaf entry and its record each, table pages every 512).
      const u64 count = m.size >> m.page_shift;
      if (count > kMaxLeafEntries - leaves_)
        throw ScenarioError(m.loc, "the mappings need more than " + std::to_string(kMaxLeafEntries) +
                                       " leaf entries (this one " + std::to_string(count) + " of " +
                                       hex(page) + " bytes, after " + std::to_string(leaves_) +
                                       "); use larger pages (page_size: 2M or 1G)");
      leaves_ += count;
      const Addr last = m.iova + (m.size - 1);
      if (last >> width)
        throw ScenarioError(m.loc, "iova " + hex(std::max(m.iova, Addr{1} << width)) +
                                       " is beyond the domain's " + std::to_string(width) +
                                       "-bit address width");
      for (u64 off = 0; off < m.size; off += page) {
        const Addr iova = m.iova + off;
        if (dl.page_of(iova) != dl.pages.end() || overlaps_next(dl, iova, page))
          throw ScenarioError(m.loc, "iova " + hex(iova) + " is mapped twice");
        dl.pages[iova] = {m.pa + off, m.read, m.write, m.page_shift};
        if (fl)
          map_fl_page(mem_, pages_, dl, iova, m.pa + off, m.write, tables, m.page_shift);
        else
          map_sl_page(mem_, pages_, dl, iova, m.pa + off, m.read, m.write, m.page_shift);
        if (pages_.count() > kMaxTablePages)
          throw ScenarioError(m.loc, "the tables need more than " + std::to_string(kMaxTablePages) +
                                         " page-table pages; map fewer, denser or larger pages");
      }
    }
    L_.domains[d.name] = std::move(dl);
  }

  // Whether a page at iova of `size` bytes would cover an already mapped one.
  static bool overlaps_next(const DomainLayout& d, Addr iova, u64 size) {
    const auto it = d.pages.upper_bound(iova);
    return it != d.pages.end() && it->first - iova < size;
  }

  // Nested first-level domains live in the parent's guest-physical space: the
  // parent must map their output addresses, and maps their table pages 1:1
  // (read-only: the walker only reads them) so the nested walk can reach them.
  void nest() {
    std::vector<const Domain*> nested;
    for (const Domain& d : t_.domains) {
      if (d.parent.empty()) continue;
      const DomainLayout* p = L_.domain(d.parent);
      if (!p || p->type != "second_level")
        throw ScenarioError(d.loc, "domain '" + d.name + "': parent '" + d.parent +
                                       "' is not a declared second_level domain");
      nested.push_back(&d);
    }
    // Output addresses first, against the parent's own mappings only.
    for (const Domain* d : nested) {
      const DomainLayout& p = L_.domains.at(d->parent);
      for (const Mapping& m : d->mappings)
        // Page by page of the parent's (which may be larger or smaller).
        for (Addr a = m.pa; a - m.pa < m.size;) {
          const auto it = p.page_of(a);
          if (it == p.pages.end())
            throw ScenarioError(m.loc, "pa " + hex(a) + " of nested domain '" + d->name +
                                           "' is a guest-physical address, but parent domain '" + p.name +
                                           "' does not map it");
          a = it->first + (u64{1} << it->second.shift);
          if (a == 0) break;  // the parent's page ends the address space
        }
    }
    for (const Domain* d : nested) {
      DomainLayout& p = L_.domains.at(d->parent);
      for (const Addr page : fl_tables_.at(d->name)) {
        if (const auto pa = p.translate(page)) {
          if (*pa == page) continue;
          throw ScenarioError(d->loc, "first-level table page " + hex(page) + " of nested domain '" +
                                          d->name + "' must be mapped 1:1 by parent domain '" + p.name +
                                          "', which maps that address to " + hex(*pa) +
                                          "; move that mapping");
        }
        if (page >> domain_width(p))
          throw ScenarioError(d->loc, "first-level table page " + hex(page) + " of nested domain '" +
                                          d->name + "' is beyond the address width of parent domain '" +
                                          p.name + "'");
        p.pages[page] = {page, true, false};
        map_sl_page(mem_, pages_, p, page, page, true, false);
      }
    }
  }

  void legacy_device(const Device& dev) {
    if (!dev.pasids.empty() || dev.ats)
      throw ScenarioError(
          dev.loc, "device " + to_string(dev.rid) +
                       ": PASIDs and ATS need scalable mode, but the tables are being built in legacy mode");
    const u8 bus = dev.rid.bus();
    if (!context_tables_.count(bus)) {
      const Addr ct = pages_.alloc();
      context_tables_[bus] = ct;
      EntryBits root;
      root_fmt::P.set(root, 1);
      root_fmt::CTP.set(root, ct >> 12);
      poke(mem_, L_.rtaddr + 16 * bus, root, root_fmt::bits);
    }
    DeviceLayout dl;
    dl.rid = dev.rid;
    dl.root_entry = L_.rtaddr + 16 * bus;
    dl.context_entry = context_tables_[bus] + 16 * dev.rid.devfn();
    dl.domain = dev.domain;
    dl.translation = translation_type_of(dev.translation);
    dl.paside = false;
    if (!dev.domain.empty())
      poke(mem_, dl.context_entry, legacy_context_value(L_.domains.at(dev.domain), dl.translation),
           ctx_fmt::bits);
    L_.devices[dev.rid] = dl;
  }

  // The lower or upper context table of the device's bus, allocated (and the
  // root half-entry made present) on first use, as iommu_context_addr() does.
  Addr sm_context_table(Rid rid) {
    const bool upper = rid.devfn() >= 0x80;
    const u8 bus = rid.bus();
    Addr& ct = context_tables_[upper ? 0x100 + bus : bus];
    if (ct) return ct;
    ct = pages_.alloc();
    const Addr re = L_.rtaddr + 16 * bus;
    EntryBits root = peek(mem_, re, smroot_fmt::bits);
    if (upper) {
      smroot_fmt::UP.set(root, 1);
      smroot_fmt::UCTP.set(root, ct >> 12);
    } else {
      smroot_fmt::LP.set(root, 1);
      smroot_fmt::LCTP.set(root, ct >> 12);
    }
    poke(mem_, re, root, smroot_fmt::bits);
    return ct;
  }

  void scalable_device(const Device& dev) {
    if (!dev.domain.empty())
      throw ScenarioError(dev.loc, "device " + to_string(dev.rid) +
                                       ": in scalable mode domains are attached per PASID, not per device");
    DeviceLayout dl;
    dl.rid = dev.rid;
    dl.root_entry = L_.rtaddr + 16 * dev.rid.bus();
    dl.context_entry = sm_context_table(dev.rid) + sm_context_offset(dev.rid.devfn());
    dl.ats = dev.ats;
    // Probe allocates the directory before it sets up the context entry, so
    // a device whose context entry starts absent still has one.
    dl.pasid_dir = pages_.alloc();
    dl.pdts = kPasidDirPdts;
    if (dev.context)
      poke(mem_, dl.context_entry, sm_context_entry(dl.pasid_dir, dl.pdts, dl.ats, dl.paside, false),
           smctx_fmt::bits);
    for (const PasidAttach& a : dev.pasids) {
      if (a.pasid > kMaxTablePasid)
        throw ScenarioError(a.loc, "PASID " + hex(a.pasid) +
                                       " is beyond the one-page PASID directory (PASIDs 0.." +
                                       hex(kMaxTablePasid) + ")");
      PasidLayout pl;
      pl.pasid = a.pasid;
      pl.entry = pasid_table(dl.pasid_dir, a.pasid) + 64 * (a.pasid & 63);
      pl.domain = a.domain;
      const EntryBits e = pasid_value(a);
      pl.pgtt = pasid_fmt::P.get(e) ? pasid_fmt::PGTT.get(e) : 0;
      poke(mem_, pl.entry, e, pasid_fmt::bits);
      dl.pasids[a.pasid] = pl;
    }
    L_.devices[dev.rid] = dl;
  }

  // The PASID-table page for `pasid`, allocated and made present in the
  // directory on first use (intel_pasid_get_entry()).
  Addr pasid_table(Addr dir, u32 pasid) {
    const Addr slot = dir + 8 * (pasid >> 6);
    EntryBits de;
    de.w[0] = mem_.peek64(slot);
    if (!pdir_fmt::P.get(de)) {
      de = EntryBits{};
      pdir_fmt::P.set(de, 1);
      pdir_fmt::SMPTBLPTR.set(de, pages_.alloc() >> 12);
      mem_.poke64(slot, de.w[0]);
    }
    return pdir_fmt::SMPTBLPTR.get(de) << 12;
  }

  EntryBits pasid_value(const PasidAttach& a) const {
    EntryBits e;
    if (a.domain.empty()) {
      // Without a domain only pass-through is present; otherwise the entry
      // starts cleared (P = 0), with FPD if asked, as a fault-ignoring teardown leaves it.
      if (a.pgtt == "pass_through") e = pasid_entry_pass_through(PassThroughCfg{iommu_agaw_, true});
    } else {
      const DomainLayout* d = L_.domain(a.domain);
      if (!d) throw ScenarioError(a.loc, "domain '" + a.domain + "' is not declared under tables.domains");
      const u64 pgtt = pgtt_code(a.pgtt);
      const bool fl = d->type == "first_level";
      const bool ok = pgtt == pasid_fmt::PGTT_SL       ? !fl
                      : pgtt == pasid_fmt::PGTT_FL     ? fl && d->parent.empty()
                      : pgtt == pasid_fmt::PGTT_NESTED ? fl && !d->parent.empty()
                                                       : false;
      if (!ok)
        throw ScenarioError(a.loc, "pgtt " + a.pgtt + " does not fit domain '" + a.domain + "' (" + d->type +
                                       (d->parent.empty() ? "" : ", nested") + ")");
      if (pgtt == pasid_fmt::PGTT_SL) {
        e = pasid_entry_second_level(SecondLevelCfg{d->did, d->pgd, d->aw, true, false});
      } else if (pgtt == pasid_fmt::PGTT_FL) {
        FirstLevelCfg c;
        c.fsptptr = d->pgd;
        c.five_level = d->fl_levels == 5;
        c.did = d->did;
        c.iommu_agaw = iommu_agaw_;
        c.pwsnp = true;
        e = pasid_entry_first_level(c);
      } else {
        const DomainLayout& p = L_.domains.at(d->parent);
        NestedCfg c;
        c.s1_pgtbl = d->pgd;
        c.s1_five_level = d->fl_levels == 5;
        c.s2_ptptr = p.pgd;
        c.s2_aw = p.aw;
        c.did = d->did;
        e = pasid_entry_nested(c);
      }
    }
    if (a.fpd) pasid_fmt::FPD.set(e, 1);
    return e;
  }

  // qi_shift is 4 + ecap.SMTS: 256-bit descriptors with scalable-mode tables.
  void driver_memory() {
    DriverMemory& m = L_.driver;
    m.qi_shift = L_.scalable ? 5 : 4;
    m.qi_queue = pages_.alloc();
    if (L_.scalable) pages_.alloc();  // 256 x 32 B = 8 KiB (IQA.QS = 1), contiguous
    m.qi_status = pages_.alloc();
    // Each lock in its own cache line.
    const Addr locks = pages_.alloc();
    m.iommu_lock = locks;
    m.qi_lock = locks + 64;
  }

  const Tables& t_;
  PhysicalMemory& mem_;
  PageAllocator pages_;
  TableLayout L_;
  std::map<std::string, std::vector<Addr>> fl_tables_;  // first-level domain -> its table pages
  std::map<unsigned, Addr> context_tables_;             // bus (+0x100: scalable upper table) -> table
  u64 leaves_ = 0;                                      // leaf entries of the mappings so far
  unsigned iommu_agaw_ = 2;
};

}  // namespace

TableLayout build_tables(const Tables& tables, const IommuConfig& iommu, PhysicalMemory& mem, Addr base) {
  return Builder(tables, iommu, mem, base).build();
}

TableLayout build_tables(const Scenario& s, PhysicalMemory& mem, Addr base) {
  return build_tables(s.tables, s.platform.iommu, mem, base);
}

TableLayout build_tables(const Tables& tables, PhysicalMemory& mem, Addr base) {
  return build_tables(tables, IommuConfig{}, mem, base);
}

}  // namespace vtd
