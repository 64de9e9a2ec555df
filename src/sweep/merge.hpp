// Reading the shard reports of a sweep (vtdsim sweep --shard I/N --json) and
// merging them into the report of the whole sweep. parse_shard checks one
// file on its own and never throws on bad input (a fuzz target drives it);
// merge_shards checks that the shards are those of one sweep and cover it
// exactly.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/sweep.hpp"

namespace vtd {

// The version of sweep_json's format; merge reads this version only.
inline constexpr int kSweepSchema = 1;

struct ShardFile {
  std::string scenario, file, mutant;
  nlohmann::json space_json;  // shards of one sweep have equal ones
  SweepSpace space;
  Shard shard;
  // In index order; each index in range, listed once, and this shard's
  // (index % count == shard index).
  std::vector<InterleavingResult> results;
  double seconds = 0;
  unsigned jobs = 0;
  u64 simulated = 0;
  std::map<std::string, SweepExpectation> expect;
};

struct ShardParse {
  std::optional<ShardFile> shard;
  std::string error;  // when !shard: "NAME: why"
};

// One shard report, its text as read from the file named `name` (in errors).
ShardParse parse_shard(std::string_view text, const std::string& name);
ShardParse parse_shard_json(const nlohmann::json& j, const std::string& name);

// The report of the whole sweep. Throws std::invalid_argument ("merge: ...")
// when the shards are of different sweeps, a shard is given twice or is
// missing, or the interleavings are not covered exactly.
SweepReport merge_shards(std::vector<ShardFile> shards, const std::vector<std::string>& names);

}  // namespace vtd
