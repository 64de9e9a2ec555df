#include "scenario/scenario.hpp"

namespace vtd {

std::string Expectation::str() const {
  const char* op = cmp == Cmp::Eq ? "==" : cmp == Cmp::Ge ? ">=" : "<=";
  return std::string(op) + " " + std::to_string(n);
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
