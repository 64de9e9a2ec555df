// Subcommands of the vtdsim command line that live outside main.cpp.
#pragma once

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"
#include "sweep/space.hpp"

namespace vtd::cli {

enum Exit { kOk = 0, kMismatch = 1, kBadInput = 2, kInternal = 3 };

// Parses a subcommand's arguments (throws boost::program_options::error,
// which main reports as bad input).
inline boost::program_options::variables_map parse(
    const std::vector<std::string>& args, const boost::program_options::options_description& opts,
    const boost::program_options::positional_options_description& pos) {
  namespace po = boost::program_options;
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  return vm;
}

// JSON text of a report: a file name whose bytes are not UTF-8 (the only
// strings not checked at load) shows U+FFFD instead of failing the report.
inline std::string dump_json(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The sweep dimensions `vtdsim sweep` and `vtdsim mutate` share; `sample_help`
// describes --sample, whose default differs.
boost::program_options::options_description sweep_dimension_options(const char* sample_help);
// Reads them into `so`; false with `why` set on bad input.
bool read_sweep_dimensions(const boost::program_options::variables_map& vm, SweepOptions& so,
                           std::string& why);
// --mutant ID: errors about it name the option.
inline MutantRef command_line_mutant(const std::string& id) {
  return MutantRef{id, SourceLoc{"--mutant", 0, 0}};
}

int cmd_check(const std::vector<std::string>& args);
int cmd_sweep(const std::vector<std::string>& args);
int cmd_mutate(const std::vector<std::string>& args);
int cmd_merge(const std::vector<std::string>& args);

}  // namespace vtd::cli
