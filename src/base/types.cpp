#include "base/types.hpp"

#include <cstdio>

namespace vtd {

std::string to_string(Rid rid) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02x:%02x.%x", rid.bus(), rid.devfn() >> 3, rid.devfn() & 7);
  return buf;
}

bool parse_rid(const std::string& text, Rid& out) {
  unsigned bus = 0, dev = 0, fn = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%x:%x.%x%c", &bus, &dev, &fn, &tail) != 3) return false;
  if (bus > 0xff || dev > 0x1f || fn > 7) return false;
  out = Rid::from(static_cast<u8>(bus), static_cast<u8>(dev), static_cast<u8>(fn));
  return true;
}

std::string SourceLoc::str() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string hex(u64 v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace vtd
