#include "memory/memory_module.hpp"

#include <cstring>

#include "base/cycles.hpp"
#include "base/log.hpp"

namespace vtd {

MemoryModule::MemoryModule(sc_core::sc_module_name name, PhysicalMemory& mem)
    : sc_module(name), iommu_port("iommu_port"), mem_(mem), log_(module_logger(this->name())) {
  iommu_port.register_b_transport(this, &MemoryModule::b_transport);
  SC_HAS_PROCESS(MemoryModule);
  SC_METHOD(drain);
  sensitive << wake_;
  dont_initialize();
}

void MemoryModule::store_posted() {
  const Cycle next = mem_.next_event();
  if (next == ~Cycle{0}) return;
  const Cycle now = now_cycle();
  // sc_event keeps only the earliest pending notification.
  wake_.notify(next > now ? cycles(next - now) : sc_core::SC_ZERO_TIME);
}

void MemoryModule::drain() {
  mem_.advance_to(now_cycle());
  store_posted();
}

void MemoryModule::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  // The sample instant is now + the annotated delay.
  const Cycle at = now_cycle() + to_cycles(delay);
  if (gp.get_command() == tlm::TLM_WRITE_COMMAND && gp.get_data_length() == 4 && !(gp.get_address() & 3)) {
    // The IOMMU's own stores (wait-descriptor status): 32 bits, snooped.
    u32 v = 0;
    std::memcpy(&v, gp.get_data_ptr(), 4);
    mem_.device_write32(Writer{Writer::kIommu, Writer::kNone, Writer::kNone}, gp.get_address(), v, at);
    VTD_LOG(log_, debug, "status write {:#x} = {:#x} by the IOMMU (store #{})", gp.get_address(), v,
            mem_.history().size() - 1);
    store_posted();
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (gp.get_command() != tlm::TLM_READ_COMMAND || gp.get_data_length() != 16 || (gp.get_address() & 15)) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  auto* ext = gp.get_extension<BurstVersion>();
  Burst b = mem_.read_burst(gp.get_address(), at, ext ? ext->snoop : true);
  std::memcpy(gp.get_data_ptr(), b.data.data(), 16);
  if (ext) ext->version = b.version;
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace vtd
