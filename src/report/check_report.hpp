// What `vtdsim check` reports about a set of scenarios: the text line per
// scenario, the JUnit XML CI systems read and the JSON summary. The runs
// themselves happen elsewhere (src/cli/check_command.cpp); this is only how
// their results are told, so it is testable without SystemC.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "platform/run_result.hpp"

namespace vtd {

enum class CheckStatus { Ok, Mismatch, BadInput, Error };

struct CheckEntry {
  std::string path;   // the scenario file as found: `vtdsim run PATH` replays it
  std::string name;   // as the text line prints it
  std::string suite;  // the directory holding the file (a JUnit testsuite)
  CheckStatus status = CheckStatus::Error;
  nlohmann::json result;  // Ok/Mismatch: check_run_json of the run
  std::string error;      // BadInput/Error: what went wrong
  double seconds = 0;     // wall time of the run (JUnit only: the JSON stays deterministic)
};

// What a check child reports of its run: scenario, counts, expectations
// (as json_report), expectations_met and returns (empty when none).
nlohmann::json check_run_json(const RunResult& r);

// One expectation the run did not meet: `kind` is a verdict kind or
// "return"; `text` says what was expected and observed, e.g.
// "torn_fetch: expected >= 1, observed 0".
struct CheckMiss {
  std::string kind;
  std::string text;
};
std::vector<CheckMiss> check_misses(const nlohmann::json& result);

// "ok       name  torn_fetch=0 ...", and for a mismatch what missed (no newline).
std::string check_line(const CheckEntry& e);
// The JUnit XML of all entries: one testsuite per suite (in order of first
// appearance), one testcase per entry, a failure per missed expectation, an
// error for bad input or a failed run.
std::string check_junit(const std::vector<CheckEntry>& entries);
// Every entry's path, name, status, counts, expectations, returns and
// verdict, and the totals.
nlohmann::json check_json(const std::vector<CheckEntry>& entries, int exit_code);

// Text made safe for XML: markup and quotes escaped, other control
// characters and invalid UTF-8 as U+FFFD; in an `attribute` value newlines
// and tabs as character references (so they survive), in character data as is.
std::string xml_escape(std::string_view s, bool attribute = true);
// A word the shell reads back as `s` (single-quoted when needed).
std::string shell_quote(const std::string& s);

}  // namespace vtd
