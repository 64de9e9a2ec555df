// What a DMA request carries besides address and command: the requester ID,
// and on the way back the translation outcome.
#pragma once

#include <tlm>

#include "base/types.hpp"

namespace vtd {

struct DmaExtension : tlm::tlm_extension<DmaExtension> {
  u64 request = 0;
  Rid rid;
  bool has_pasid = false;  // scalable mode: the request carries a PASID TLP prefix
  u32 pasid = 0;
  // Filled by the IOMMU on completion.
  bool fault = false;
  u8 reason = 0;
  Addr pa = 0;

  tlm_extension_base* clone() const override { return new DmaExtension(*this); }
  void copy_from(const tlm_extension_base& e) override { *this = static_cast<const DmaExtension&>(e); }
};

}  // namespace vtd
