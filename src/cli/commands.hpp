// Subcommands of the vtdsim command line that live outside main.cpp.
#pragma once

#include <string>
#include <vector>

namespace vtd::cli {

enum Exit { kOk = 0, kMismatch = 1, kBadInput = 2, kInternal = 3 };

int cmd_sweep(const std::vector<std::string>& args);
int cmd_merge(const std::vector<std::string>& args);

}  // namespace vtd::cli
