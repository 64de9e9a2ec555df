// Human-readable and JSON renderings of a run.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "platform/simulation.hpp"
#include "rules/story.hpp"

namespace vtd {

// One line per violation (numbered from 1, the numbers --explain takes), a
// count of the benign findings, then `stories` (vtdsim run passes the first
// violation's of each kind).
std::string text_report(const RunResult& r, const std::vector<Story>* stories = nullptr);
// Every finding in full; each violation with its `number` and, when given,
// its `story`.
nlohmann::json json_report(const RunResult& r, const std::vector<Story>* stories = nullptr);
// What expect: asked and the run observed: per violation kind checked
// {expected, listed (false: absent from expect:, so == 0), observed, ok}, and
// under "returns" one entry per driver return checked. json_report's
// "expectations".
nlohmann::json expectations_json(const RunResult& r);
// The driver functions that returned an error (json_report's "returns").
nlohmann::json returns_json(const RunResult& r);
// "torn_fetch=3 unsafe_live_update=1 benign_mixed_fetch=0"
std::string counts_line(const std::map<std::string, u64>& counts);

}  // namespace vtd
