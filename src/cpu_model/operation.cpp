#include "cpu_model/operation.hpp"

#include <sstream>

namespace vtd {

std::string_view to_string(OpKind k) {
  switch (k) {
    case OpKind::Store64: return "store64";
    case OpKind::Store128: return "store128";
    case OpKind::Load64: return "load64";
    case OpKind::CompilerBarrier: return "compiler_barrier";
    case OpKind::Mfence: return "mfence";
    case OpKind::Clflush: return "clflush";
    case OpKind::Delay: return "delay";
    case OpKind::Invalidate: return "invalidate";
    case OpKind::ReturnIfSet: return "return_if_set";
    case OpKind::MmioWrite: return "mmio_write";
    case OpKind::MmioRead: return "mmio_read";
    case OpKind::PollUntil: return "poll";
    case OpKind::Lock: return "lock";
    case OpKind::Unlock: return "unlock";
    case OpKind::ReturnIfClear: return "return_if_clear";
  }
  return "?";
}

std::string describe_op(const Operation& op) {
  std::ostringstream o;
  o << to_string(op.kind);
  switch (op.kind) {
    case OpKind::Store64:
      if (op.bytes == 4) o << " (32-bit)";
      o << ' ' << hex(op.addr);
      if (op.clear == ~0ull)
        o << " = " << hex(op.set);
      else
        o << " &= ~" << hex(op.clear) << ", |= " << hex(op.set);
      if (op.once) o << " (WRITE_ONCE)";
      break;
    case OpKind::Store128:
      o << ' ' << hex(op.addr) << " = {" << hex(op.lo) << ", " << hex(op.hi) << '}';
      break;
    case OpKind::Load64:
    case OpKind::Clflush: o << ' ' << hex(op.addr); break;
    case OpKind::ReturnIfSet:
    case OpKind::ReturnIfClear: o << ' ' << hex(op.addr) << " & " << hex(op.mask); break;
    case OpKind::MmioWrite:
      o << " reg " << hex(op.addr) << " = " << hex(op.value) << " (" << int(op.bytes) << " B)";
      break;
    case OpKind::MmioRead: o << " reg " << hex(op.addr) << " (" << int(op.bytes) << " B)"; break;
    case OpKind::PollUntil:
      o << ' ' << hex(op.addr) << " & " << hex(op.mask) << " == " << hex(op.value);
      break;
    case OpKind::Lock:
    case OpKind::Unlock: o << ' ' << hex(op.addr); break;
    case OpKind::Delay: o << ' ' << op.cycles; break;
    default: break;
  }
  if (!op.label.empty()) o << "  [" << op.label << ']';
  return o.str();
}

}  // namespace vtd
