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

const std::vector<QiLatencyField>& qi_latency_fields() {
  static const std::vector<QiLatencyField> fields{
      {"fetch", &QiLatencies::fetch, false},
      {"context_cache", &QiLatencies::context_cache, false},
      {"iotlb", &QiLatencies::iotlb, false},
      {"dev_tlb", &QiLatencies::dev_tlb, false},
      {"wait", &QiLatencies::wait, false},
      {"piotlb", &QiLatencies::piotlb, true},
      {"pasid_cache", &QiLatencies::pasid_cache, true},
      {"pasid_dev_tlb", &QiLatencies::pasid_dev_tlb, true},
  };
  return fields;
}

const QiLatencyField* find_qi_latency_field(std::string_view name) {
  for (const QiLatencyField& f : qi_latency_fields())
    if (f.name == name) return &f;
  return nullptr;
}

std::string qi_latency_names() {
  std::string out;
  for (const QiLatencyField& f : qi_latency_fields()) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

}  // namespace vtd
