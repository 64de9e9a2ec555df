// The Linux errno values the driver functions vtdsim models return
// (include/uapi/asm-generic/errno-base.h and errno.h), spelled as the kernel
// does, independent of the host's <cerrno>.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vtd::linux_errno {

inline constexpr int kEIO = 5;
inline constexpr int kEAGAIN = 11;
inline constexpr int kENOMEM = 12;
inline constexpr int kEBUSY = 16;
inline constexpr int kENODEV = 19;
inline constexpr int kEINVAL = 22;
inline constexpr int kEOPNOTSUPP = 95;
inline constexpr int kETIMEDOUT = 110;

// "EBUSY" for 16 or -16; empty for a value without a name here.
std::string_view name(int value);
// A driver function's return value as written: "0", "-EBUSY", or "-42" when unnamed.
std::string text(int ret);
// "-EBUSY" or "EBUSY" (both -16: functions return negative errnos) or a
// decimal integer ("-16", "0"). Nothing for an unknown name or other text.
std::optional<int> parse(std::string_view text);
// The names known, for messages: "EIO, EAGAIN, ...".
std::string known_names();

}  // namespace vtd::linux_errno
