// Loading a scenario from YAML (format: docs/scenario-format.md). The loader
// checks shape and types only: every key, type, range and cross-reference it
// can judge without building tables or running the driver. Errors carry
// file:line:column of the offending key or value.
#pragma once

#include <string>

#include "scenario/scenario.hpp"

namespace vtd {

// Reads and loads a scenario file; throws ScenarioError (an unreadable file
// gives loc.file = path, line 0, message "cannot read file").
Scenario load_scenario(const std::string& path);

// Loads scenario text as if read from file_name (used for locations and the
// default name); throws ScenarioError.
Scenario load_scenario_text(const std::string& text, const std::string& file_name);

// Parses an expectation as `expect:` writes it ("2", "== 2", ">= 1", "<= 3";
// Expectation::str() gives this form). False on anything else.
bool parse_expectation(const std::string& text, Expectation& out);

}  // namespace vtd
