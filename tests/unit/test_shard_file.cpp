// Reading and merging sweep shard reports: every bad file is an error with a
// message, never a crash or a wrong report (sweep/merge.hpp).
#include <catch2/catch.hpp>

#include "sweep/merge.hpp"

using namespace vtd;
using Catch::Matchers::Contains;

namespace {

SweepSpace small_space() {
  SweepSpace sp;
  sp.offset_from = 0;
  sp.offset_to = 4;
  sp.offsets_origin = "--offsets";
  sp.burst_orders = {{}};
  sp.inter_bursts = {0};
  sp.compilers = {SweepSpace::Compiler{}};
  sp.store_buffer_delays = {0, 2};
  return sp;  // 10 interleavings
}

nlohmann::json shard_json(const Shard& shard) {
  const SweepSpace sp = small_space();
  std::vector<InterleavingResult> out;
  const std::size_t n = known_verdict_kinds().size();
  for (u64 i = shard.index; i < sp.size(); i += shard.count) {
    InterleavingResult r;
    r.index = i;
    r.cycles = 100 + i;
    r.counts.assign(n, 0);
    r.distance.assign(n, InterleavingResult::kNone);
    out.push_back(r);
  }
  return sweep_json(make_report("s", "s.yaml", sp, shard, {}, out, 1.0, 1, out.size()));
}

std::string error_of(const nlohmann::json& j) {
  const ShardParse p = parse_shard(j.dump(), "x.json");
  return p.shard ? "" : p.error;
}

std::string merge_error(const std::vector<nlohmann::json>& shards) {
  std::vector<ShardFile> files;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    std::string name = "s";  // appended: GCC 12 warns falsely (-Wrestrict) on a chain of +
    name += std::to_string(i);
    name += ".json";
    names.push_back(name);
    ShardParse p = parse_shard(shards[i].dump(), names.back());
    if (!p.shard) return p.error;
    files.push_back(std::move(*p.shard));
  }
  try {
    merge_shards(std::move(files), names);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a shard report is read back as written", "[merge]") {
  const ShardParse p = parse_shard(shard_json(Shard{1, 3}).dump(), "a.json");
  REQUIRE(p.shard);
  CHECK(p.shard->shard.index == 1);
  CHECK(p.shard->shard.count == 3);
  REQUIRE(p.shard->results.size() == 3);
  CHECK(p.shard->results[2].index == 7);
  CHECK(p.shard->space.size() == 10);
  CHECK(merge_error({shard_json(Shard{0, 3}), shard_json(Shard{1, 3}), shard_json(Shard{2, 3})}).empty());
}

TEST_CASE("a shard report with a missing or other schema is refused", "[merge]") {
  nlohmann::json j = shard_json(Shard{0, 1});
  CHECK(j.at("schema") == kSweepSchema);
  j["schema"] = kSweepSchema + 1;
  CHECK_THAT(error_of(j), Contains("x.json: schema 2, but this vtdsim reads schema 1"));
  j.erase("schema");
  CHECK_THAT(error_of(j), Contains("no schema version"));
}

TEST_CASE("result indices out of range, negative, duplicated or of another shard are refused", "[merge]") {
  nlohmann::json j = shard_json(Shard{0, 2});
  j["results"][1][0] = 1000000000000ULL;
  CHECK_THAT(error_of(j), Contains("interleaving 1000000000000 is out of range: the sweep has 10"));
  j = shard_json(Shard{0, 2});
  j["results"][1][0] = -1;
  CHECK_THAT(error_of(j), Contains("expected an unsigned integer, got -1"));
  j = shard_json(Shard{0, 2});
  j["results"][1][0] = 0;
  CHECK_THAT(error_of(j), Contains("interleaving 0 is listed twice"));
  j = shard_json(Shard{0, 2});
  j["results"][1][0] = 3;
  CHECK_THAT(error_of(j), Contains("interleaving 3 is not one of shard 0/2"));
  j = shard_json(Shard{0, 2});
  j["results"][1][0] = 2.5;
  CHECK_THAT(error_of(j), Contains("expected an unsigned integer"));
}

TEST_CASE("a shard report with an impossible space or shard is refused", "[merge]") {
  nlohmann::json j = shard_json(Shard{0, 1});
  j["space"]["offsets"]["from"] = std::numeric_limits<long long>::min();
  j["space"]["offsets"]["to"] = std::numeric_limits<long long>::max();
  CHECK_THAT(error_of(j), Contains("is not a range vtdsim sweeps"));
  j = shard_json(Shard{0, 1});
  j["space"]["store_buffer_delay"] = nlohmann::json::array();
  CHECK_THAT(error_of(j), Contains("space.store_buffer_delay: an empty list"));
  j = shard_json(Shard{0, 1});
  j["space"]["total"] = 11;
  CHECK_THAT(error_of(j), Contains("space.total: 11, but the dimensions make 10"));
  j = shard_json(Shard{0, 1});
  j["shard"]["count"] = 0;
  CHECK_THAT(error_of(j), Contains("expected I/N with 0 <= I < N"));
  j = shard_json(Shard{0, 1});
  j["results"][0] = nlohmann::json::array({0});
  CHECK_THAT(error_of(j), Contains("a row is not"));
  CHECK_THAT(parse_shard("{\"schema\": 1", "t.json").error, Contains("t.json: not a sweep report"));
  CHECK_THAT(parse_shard("[]", "t.json").error, Contains("expected a JSON object"));
}

TEST_CASE("shards that do not cover the sweep exactly are refused, naming what is missing", "[merge]") {
  CHECK_THAT(merge_error({shard_json(Shard{0, 3}), shard_json(Shard{2, 3})}),
             Contains("1 shard is missing: 1/3"));
  CHECK_THAT(merge_error({shard_json(Shard{0, 2}), shard_json(Shard{0, 2})}),
             Contains("shard 0/2 given twice (s0.json and s1.json)"));
  nlohmann::json short_one = shard_json(Shard{1, 2});
  short_one["results"].erase(1);  // interleaving 3
  CHECK_THAT(merge_error({shard_json(Shard{0, 2}), short_one}),
             Contains("s1.json (shard 1/2) lacks 1 of its 5 interleavings: 3"));
  CHECK_THAT(merge_error({shard_json(Shard{0, 2}), shard_json(Shard{1, 3})}), Contains("one of 3 shards"));
}
