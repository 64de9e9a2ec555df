#include "memory/memory_module.hpp"

#include <algorithm>

#include "base/cycles.hpp"
#include "base/log.hpp"

namespace vtd {

MemoryModule::MemoryModule(sc_core::sc_module_name name, PhysicalMemory& mem)
    : sc_module(name), iommu_port("iommu_port"), mem_(mem), log_(module_logger(this->name())) {
  iommu_port.bind(static_cast<BurstMemoryIf&>(*this));
  SC_HAS_PROCESS(MemoryModule);
  SC_METHOD(drain);
  sensitive << wake_;
  dont_initialize();
}

void MemoryModule::store_posted() {
  const Cycle next = mem_.next_event();
  if (next == ~Cycle{0}) return;
  const Cycle now = now_cycle();
  const Cycle at = std::max(next, now);
  if (at >= wake_at_) return;
  wake_at_ = at;
  // sc_event keeps only the earliest pending notification.
  wake_.notify(next > now ? cycles(next - now) : sc_core::SC_ZERO_TIME);
}

void MemoryModule::drain() {
  wake_at_ = ~Cycle{0};  // the notification fired
  mem_.advance_to(now_cycle());
  store_posted();
}

Burst MemoryModule::read_burst(Addr addr16, Cycle at, bool snoop) {
  return mem_.read_burst(addr16, at, snoop);
}

void MemoryModule::write32(Addr addr, u32 value, Cycle at) {
  mem_.device_write32(Writer{Writer::kIommu, Writer::kNone, Writer::kNone}, addr, value, at);
  VTD_LOG(log_, debug, "status write {:#x} = {:#x} by the IOMMU (store #{})", addr, value,
          mem_.history().size() - 1);
  store_posted();
}

}  // namespace vtd
