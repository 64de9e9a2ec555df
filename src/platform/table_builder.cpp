#include "platform/table_builder.hpp"

#include "formats/formats.hpp"

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
  std::vector<EntryId> out;
  std::map<u8, bool> buses;
  for (const auto& [rid, dev] : devices) {
    if (!buses[rid.bus()]) {
      buses[rid.bus()] = true;
      out.push_back(EntryId{EntryKind::Root, dev.root_entry, Rid::from(rid.bus(), 0, 0), 0});
    }
    out.push_back(EntryId{EntryKind::Context, dev.context_entry, rid, 0});
  }
  return out;
}

namespace {

class PageAllocator {
 public:
  explicit PageAllocator(Addr base) : next_(base) {}
  Addr alloc() {
    Addr a = next_;
    next_ += 0x1000;
    return a;
  }
  Addr next() const { return next_; }

 private:
  Addr next_;
};

void map_page(PhysicalMemory& mem, PageAllocator& pages, const DomainLayout& d, Addr iova, Addr pa, bool r,
              bool w) {
  using namespace slpte_fmt;
  Addr table = d.pgd;
  for (unsigned level = agaw_levels(d.aw); level > 1; --level) {
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
  EntryBits leaf;
  R.set(leaf, r);
  W.set(leaf, w);
  ADDR.set(leaf, pa >> 12);
  mem.poke64(table + 8 * ((iova >> 12) & 511), leaf.w[0]);
}

}  // namespace

TableLayout build_tables(const Tables& tables, PhysicalMemory& mem, Addr base) {
  PageAllocator pages(base);
  TableLayout L;
  L.rtaddr = pages.alloc();

  for (const Domain& d : tables.domains) {
    DomainLayout dl;
    dl.name = d.name;
    dl.did = d.did;
    dl.aw = d.aw;
    dl.pgd = pages.alloc();
    for (const Mapping& m : d.mappings) {
      for (u64 off = 0; off < m.size; off += 0x1000) {
        const Addr iova = m.iova + off;
        if (iova >> agaw_width(d.aw))
          throw ScenarioError(m.loc, "iova " + hex(iova) + " is beyond the domain's " +
                                         std::to_string(agaw_width(d.aw)) + "-bit address width");
        if (dl.pages.count(iova)) throw ScenarioError(m.loc, "iova " + hex(iova) + " is mapped twice");
        dl.pages[iova] = {m.pa + off, m.read, m.write};
        map_page(mem, pages, dl, iova, m.pa + off, m.read, m.write);
      }
    }
    L.domains[d.name] = std::move(dl);
  }

  std::map<u8, Addr> context_tables;
  for (const Device& dev : tables.devices) {
    const u8 bus = dev.rid.bus();
    if (!context_tables.count(bus)) {
      const Addr ct = pages.alloc();
      context_tables[bus] = ct;
      EntryBits root;
      root_fmt::P.set(root, 1);
      root_fmt::CTP.set(root, ct >> 12);
      mem.poke64(L.rtaddr + 16 * bus, root.w[0]);
      mem.poke64(L.rtaddr + 16 * bus + 8, root.w[1]);
    }
    DeviceLayout dl;
    dl.rid = dev.rid;
    dl.root_entry = L.rtaddr + 16 * bus;
    dl.context_entry = context_tables[bus] + 16 * dev.rid.devfn();
    dl.domain = dev.domain;
    dl.translation = translation_type_of(dev.translation);
    if (!dev.domain.empty()) {
      const EntryBits ce = legacy_context_value(L.domains.at(dev.domain), dl.translation);
      mem.poke64(dl.context_entry, ce.w[0]);
      mem.poke64(dl.context_entry + 8, ce.w[1]);
    }
    L.devices[dev.rid] = dl;
  }
  L.next_free = pages.next();
  return L;
}

}  // namespace vtd
