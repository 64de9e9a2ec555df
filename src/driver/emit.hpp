// Helpers the driver sequences share (not part of the driver's interface).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "driver/driver.hpp"

namespace vtd::drv {

inline u64 field_mask(const Field& f) { return f.mask_in_word(); }
inline u64 field_bits(const Field& f, u64 v) { return (v << (f.lsb % 64)) & f.mask_in_word(); }

// clflush_cache_range(addr, size) when !ECAP.C (__iommu_flush_cache and the
// explicit `if (!ecap_coherent) clflush_cache_range` sites): mb(), one
// CLFLUSHOPT per 64-byte line, mb(). Nothing when page walks are coherent.
void flush_cache(std::vector<Operation>& ops, const DriverEnv& env, Addr addr, unsigned size,
                 const std::string& what);

// Whether Linux's devTLB helpers issue anything for dev (info->ats_enabled).
// Legacy mode enables ATS exactly for TT = DEV_IOTLB devices.
bool ats_enabled(const DriverEnv& env, const DeviceLayout& dev);

// devtlb_invalidation_with_pasid(): RID_PASID -> type 3, else type 8.
void devtlb_invalidation_with_pasid(std::vector<Operation>& ops, const DriverEnv& env,
                                    const DeviceLayout& dev, u32 pasid, QiWait wait = QiWait::Sync);
// Its descriptor, or nothing when ATS is not enabled.
std::optional<QiDesc> devtlb_desc_with_pasid(const DriverEnv& env, const DeviceLayout& dev, u32 pasid);

// context_set_fault_enable() then context_set_present() on the live entry's
// low word (the same bit positions in legacy and scalable context entries):
// before v2 2/3 a plain `lo |= 1`; after it dma_wmb() then WRITE_ONCE.
void context_enable_and_set_present(std::vector<Operation>& ops, Addr lo, bool pre_fix);

inline Operation lock_iommu(const DriverEnv& env) {
  return Operation::lock(env.layout.driver.iommu_lock, "spin_lock(&iommu->lock)");
}
inline Operation unlock_iommu(const DriverEnv& env) {
  return Operation::unlock(env.layout.driver.iommu_lock, "spin_unlock(&iommu->lock)");
}

}  // namespace vtd::drv
