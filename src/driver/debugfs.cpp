// A debugfs reader of the translation tables: what
// `cat /sys/kernel/debug/iommu/intel/dmar_translation_struct` makes a CPU do,
// as drivers/iommu/intel/debugfs.c has it in v7.0 (the [L7] snapshot of
// vtd-facts §0). The seed 000 review names it as the concurrent path that
// iommu->lock serialises against intel_pasid_tear_down_entry() (Baolu,
// 2026-01-16), so a second CPU runs it while CPU 0 updates an entry.
//
// dmar_translation_struct_show() reads GSTS, then root_tbl_walk() takes
// spin_lock(&iommu->lock) and walks every bus, devfn, PASID-directory entry
// and present PASID entry, printing each present PASID entry's val[2],
// val[1] and val[0]. Only the path that reaches one (device, PASID) entry is
// emitted; the rest of the walk reads other entries and only lengthens the
// time the lock is held. Its branches (root entry, context entry, directory
// entry and PASID entry present?) are taken at run time on what the loads
// see, because a concurrent writer decides them. seq_printf()'s formatting
// time is not modelled: the loads of one print_tbl_walk() are back to back,
// the narrowest window a torn read can have.
//
// Version: the loads are those of v7.0 (kangharison/linux-study, the [L7]
// base). Since 6.0 root_tbl_walk() takes spin_lock(&iommu->lock); from the
// walk's introduction to 5.19 it was spin_lock_irqsave() on the same lock
// (torvalds/linux's stored 5.x copy), with dmar_readq/dmar_readl for
// readq/readl: the same accesses in the same order.
#include "driver/emit.hpp"
#include "formats/qi_descriptors.hpp"
#include "tables/table_builder.hpp"

namespace vtd {

DriverOp dmar_translation_struct_show(const DriverEnv& env, const DeviceLayout& dev, u32 pasid, bool locked) {
  DriverOp d;
  std::vector<Operation>& ops = d.ops;
  const std::string fn = "dmar_translation_struct_show: ";
  // Linux reads TES and prints "DMA Remapping is not enabled" instead of
  // walking when it is clear; the scenario's IOMMU translates, so the walk
  // is emitted unconditionally after the (timed) read.
  ops.push_back(Operation::mmio_read(reg::GSTS, 4, fn + "sts = readl(iommu->reg + DMAR_GSTS_REG)"));
  if (locked)
    ops.push_back(Operation::lock(env.layout.driver.iommu_lock, "root_tbl_walk: spin_lock(&iommu->lock)"));

  // iommu_context_addr(iommu, bus, devfn, 0): scalable mode picks root->lo
  // (lower context table, devfn < 0x80) or root->hi, tests bit 0, then
  // follows the pointer; NULL ends ctx_tbl_walk for the bus.
  const u8 devfn = dev.rid.devfn();
  const Addr root_word = dev.root_entry + (devfn >= 0x80 ? 8 : 0);
  // Each skip below ends the emitted walk with the dump's return value, 0:
  // dmar_translation_struct_show() returns 0 whatever it printed.
  ops.push_back(Operation::return_if_clear(root_word, 1, "iommu_context_addr: if (*entry & 1) else NULL", 0));
  ops.push_back(Operation::load64(root_word, "iommu_context_addr: phys_to_virt(*entry & VTD_PAGE_MASK)"));
  const Addr ctx = dev.context_entry;
  ops.push_back(Operation::return_if_clear(ctx, smctx_fmt::P.mask_in_word(),
                                           "ctx_tbl_walk: if (!context_present(context)) continue", 0));
  ops.push_back(
      Operation::mmio_read(reg::RTADDR, 8, "ctx_tbl_walk: readq(iommu->reg + DMAR_RTADDR_REG) & SMT"));
  ops.push_back(Operation::load64(ctx, "ctx_tbl_walk: pasid_dir_ptr = context->lo & VTD_PAGE_MASK"));
  ops.push_back(Operation::load64(ctx, "ctx_tbl_walk: get_pasid_dir_size(context)"));

  // pasid_dir_walk(): get_pasid_table_from_pde() reads the directory entry
  // twice (READ_ONCE for P, READ_ONCE for the table pointer).
  const Addr pde = dev.pasid_dir + 8 * Addr(pasid >> 6);
  ops.push_back(Operation::return_if_clear(
      pde, pdir_fmt::P.mask_in_word(), "get_pasid_table_from_pde: if (!pasid_pde_is_present(pde)) NULL", 0));
  ops.push_back(Operation::load64(pde, "get_pasid_table_from_pde: READ_ONCE(pde->val) & PDE_PFN_MASK"));

  // pasid_tbl_walk(): only a present entry is printed.
  const Addr pte = dev.pasid(pasid)->entry;
  ops.push_back(Operation::return_if_clear(pte, pasid_fmt::P.mask_in_word(),
                                           "pasid_tbl_walk: if (pasid_pte_is_present(tbl_entry))", 0));
  // print_tbl_walk(): two seq_printf() calls, arguments loaded in the order
  // they are written (C leaves it unspecified; x86 loads stay in order).
  ops.push_back(Operation::load64(dev.root_entry + 8, "print_tbl_walk: rt_entry->hi"));
  ops.push_back(Operation::load64(dev.root_entry, "print_tbl_walk: rt_entry->lo"));
  ops.push_back(Operation::load64(ctx + 8, "print_tbl_walk: ctx_entry->hi"));
  ops.push_back(Operation::load64(ctx, "print_tbl_walk: ctx_entry->lo"));
  for (unsigned i : {2u, 1u, 0u})
    ops.push_back(
        Operation::load64(pte + 8 * i, "print_tbl_walk: pasid_tbl_entry->val[" + std::to_string(i) + "]"));

  if (locked)
    ops.push_back(
        Operation::unlock(env.layout.driver.iommu_lock, "root_tbl_walk: spin_unlock(&iommu->lock)"));
  return d;
}

}  // namespace vtd
