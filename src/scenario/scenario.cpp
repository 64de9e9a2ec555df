#include "scenario/scenario.hpp"

namespace vtd {

std::string Expectation::str() const {
  const char* op = cmp == Cmp::Eq ? "==" : cmp == Cmp::Ge ? ">=" : "<=";
  return std::string(op) + " " + std::to_string(n);
}

}  // namespace vtd
