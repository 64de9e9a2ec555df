// Fuzz target: `vtdsim merge`'s reading of shard reports. The input is one
// or more shard JSON texts separated by NUL bytes; they are read and merged
// as `vtdsim merge a.json b.json ...` does (the names only label messages),
// and a merged report is rendered as JSON, text and CSV. Allowed outcomes: a
// report, or the errors `vtdsim merge` turns into exit 2. Anything else (an
// exception of another type, a crash, a sanitizer report) is a finding.
//
// Two versions of the merge code: with src/sweep/merge.hpp, parse_shard
// (which returns its errors, never throws on bad input) and merge_shards
// (std::invalid_argument when the shards are not those of one sweep);
// before it, merge_reports on the parsed JSON (std::invalid_argument, or
// nlohmann::json::exception for a file of the wrong shape).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sweep/sweep.hpp"
#if __has_include("sweep/merge.hpp")
#include "sweep/merge.hpp"
#define VTDSIM_FUZZ_PARSE_SHARD 1
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> texts, names;
  for (std::size_t from = 0;;) {
    const std::size_t nul = all.find('\0', from);
    texts.push_back(all.substr(from, nul == std::string::npos ? std::string::npos : nul - from));
    names.push_back("shard" + std::to_string(names.size()) + ".json");
    if (nul == std::string::npos || texts.size() == 8) break;
    from = nul + 1;
  }
  try {
#ifdef VTDSIM_FUZZ_PARSE_SHARD
    std::vector<vtd::ShardFile> shards;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      vtd::ShardParse p = vtd::parse_shard(texts[i], names[i]);
      if (!p.shard) {
        if (p.error.empty()) __builtin_trap();  // an error says what is wrong
        return 0;
      }
      shards.push_back(std::move(*p.shard));
    }
    const vtd::SweepReport r = vtd::merge_shards(std::move(shards), names);
#else
    std::vector<nlohmann::json> shards;
    for (const std::string& t : texts) shards.push_back(nlohmann::json::parse(t));
    const vtd::SweepReport r = vtd::merge_reports(shards, names);
#endif
    (void)vtd::sweep_json(r).dump();
    (void)vtd::sweep_text(r);
    (void)vtd::sweep_csv(r);
  } catch (const std::invalid_argument&) {
#ifndef VTDSIM_FUZZ_PARSE_SHARD
  } catch (const nlohmann::json::exception&) {
#endif
  }
  return 0;
}
