// Human-readable and JSON renderings of a run.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "platform/simulation.hpp"

namespace vtd {

std::string text_report(const RunResult& r);
nlohmann::json json_report(const RunResult& r);
// "torn_fetch=3 unsafe_live_update=1 benign_mixed_fetch=0"
std::string counts_line(const std::map<std::string, u64>& counts);

}  // namespace vtd
