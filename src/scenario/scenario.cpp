#include "scenario/scenario.hpp"

namespace vtd {

namespace {

struct VerdictKind {
  const char* name;
  bool violation;
};

// The one list of verdict kinds a scenario may name under `expect:`.
constexpr VerdictKind kVerdictKinds[] = {
    {"torn_fetch", true},          {"unsafe_live_update", true},
    {"benign_mixed_fetch", false}, {"present_before_invalidate", true},
    {"stale_translation", true},   {"corrupting_dma", true},
};

}  // namespace

std::string Expectation::str() const {
  const char* op = cmp == Cmp::Eq ? "==" : cmp == Cmp::Ge ? ">=" : "<=";
  return std::string(op) + " " + std::to_string(n);
}

const std::vector<std::string>& known_verdict_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> v;
    for (const VerdictKind& k : kVerdictKinds) v.emplace_back(k.name);
    return v;
  }();
  return kinds;
}

bool is_violation_kind(const std::string& kind) {
  for (const VerdictKind& k : kVerdictKinds)
    if (kind == k.name) return k.violation;
  return false;
}

}  // namespace vtd
