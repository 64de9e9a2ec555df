// benign_mixed_fetch: a fetch related to an update span that mixed memory
// versions, but equals some OLD or NEW of the spans on the bits hardware
// uses in what it assembled (a half-written entry while P = 0, say).
// Counted and shown, never a violation.
#include "rules/rule.hpp"

namespace vtd {

void mixed_fetch_findings(const Evidence& ev, bool torn, const char* kind, Findings& out);

namespace {

class BenignMixedFetch final : public Rule {
 public:
  std::string_view kind() const override { return "benign_mixed_fetch"; }
  bool violation() const override { return false; }
  void judge(const Evidence& ev, Findings& out) const override {
    mixed_fetch_findings(ev, false, "benign_mixed_fetch", out);
  }
  void tell(const Finding&, const StoryContext&, Story&) const override {}  // not a violation: no story
};

const BenignMixedFetch kRule{};

}  // namespace

const Rule& benign_mixed_fetch_rule = kRule;

}  // namespace vtd
