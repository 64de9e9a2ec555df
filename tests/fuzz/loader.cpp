// Fuzz target: the scenario loader. Any bytes, as the text of a scenario
// file: loading either succeeds or throws ScenarioError (file:line:column and
// a message); any other exception, a crash or a sanitizer report is a finding.
#include "scenario/loader.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const vtd::Scenario s = vtd::load_scenario_text(text, "fuzz.yaml");
    // Touch what the loader made: a scenario that loads is a usable value.
    (void)(s == s);
  } catch (const vtd::ScenarioError& e) {
    // Every message names a place in the file.
    if (e.loc().file != "fuzz.yaml") __builtin_trap();
  }
  return 0;
}
