// Something that watches an episode besides the checkers: waveform and
// trace writers, story builders. A listener subscribes to the one event
// stream like any checker (after them, so it sees each event after they
// did) and is told when the episode starts and what the judges found.
// No model knows a listener exists.
#pragma once

#include <string>
#include <vector>

#include "events/events.hpp"

namespace vtd {

struct Scenario;
struct TableLayout;
class PhysicalMemory;
struct RunResult;

// What a listener may read before cycle 0: the scenario, where the tables
// went, memory as built (the watched entries' initial values), and the
// name of every program item (driver operation), per CPU. Emitted operations
// are named in the CpuOpEvents themselves.
struct EpisodeStart {
  const Scenario& scenario;
  const TableLayout& layout;
  const PhysicalMemory& memory;
  const std::vector<std::vector<std::string>>& item_names;  // [cpu][item]
};

class RunListener : public Observer {
 public:
  virtual void on_start(const EpisodeStart&) {}
  // After the checkers judged; the result holds the findings.
  virtual void on_finish(const RunResult&) {}
};

}  // namespace vtd
