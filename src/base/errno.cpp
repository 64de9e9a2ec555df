#include "base/errno.hpp"

#include <charconv>
#include <cstdlib>

namespace vtd::linux_errno {

namespace {

struct Named {
  std::string_view name;
  int value;
};
constexpr Named kNames[] = {
    {"EIO", kEIO},       {"EAGAIN", kEAGAIN}, {"ENOMEM", kENOMEM},         {"EBUSY", kEBUSY},
    {"ENODEV", kENODEV}, {"EINVAL", kEINVAL}, {"EOPNOTSUPP", kEOPNOTSUPP}, {"ETIMEDOUT", kETIMEDOUT}};

}  // namespace

std::string_view name(int value) {
  for (const Named& n : kNames)
    if (n.value == std::abs(value)) return n.name;
  return {};
}

std::string text(int ret) {
  const std::string_view n = name(ret);
  if (ret >= 0 || n.empty()) return std::to_string(ret);
  std::string t("-");  // appended: GCC 12 warns (-Wrestrict, a false positive) on "-" + std::string
  t += n;
  return t;
}

std::optional<int> parse(std::string_view t) {
  const std::string_view word = !t.empty() && t[0] == '-' ? t.substr(1) : t;
  for (const Named& n : kNames)
    if (word == n.name) return -n.value;
  int v = 0;
  const char* end = t.data() + t.size();
  auto [p, ec] = std::from_chars(t.data(), end, v);
  if (t.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

std::string known_names() {
  std::string s;
  for (const Named& n : kNames) s += (s.empty() ? "" : ", ") + std::string(n.name);
  return s;
}

}  // namespace vtd::linux_errno
