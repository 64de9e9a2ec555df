#include "sweep/merge.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>
#include <stdexcept>

#include "scenario/loader.hpp"

namespace vtd {

namespace {

using nlohmann::json;

// Bad input inside parse_shard_json: caught there and turned into its error.
struct Bad : std::runtime_error {
  using std::runtime_error::runtime_error;
};

u64 get_u64(const json& v, const std::string& what) {
  if (!v.is_number_unsigned()) throw Bad(what + ": expected an unsigned integer, got " + v.dump());
  return v.get<u64>();
}

long long get_i64(const json& v, const std::string& what) {
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<u64>() > static_cast<u64>(LLONG_MAX)))
    throw Bad(what + ": expected a 64-bit integer, got " + v.dump());
  return v.get<long long>();
}

std::vector<Cycle> get_cycles(const json& v, const std::string& what, bool may_be_empty = false) {
  if (!v.is_array()) throw Bad(what + ": expected a list of cycle counts");
  std::vector<Cycle> out;
  for (const json& c : v) out.push_back(get_u64(c, what));
  if (out.empty() && !may_be_empty) throw Bad(what + ": an empty list");
  return out;
}

const std::string& get_str(const json& v, const std::string& what) {
  if (!v.is_string()) throw Bad(what + ": expected a string");
  return v.get_ref<const std::string&>();
}

SweepSpace space_from_json(const json& j) {
  if (!j.is_object()) throw Bad("space: expected an object");
  SweepSpace sp;
  const json& off = j.at("offsets");
  sp.offset_from = get_i64(off.at("from"), "space.offsets.from");
  sp.offset_to = get_i64(off.at("to"), "space.offsets.to");
  sp.offsets_origin = get_str(off.at("origin"), "space.offsets.origin");
  sp.offset_step = off.contains("step") ? get_i64(off.at("step"), "space.offsets.step") : 1;
  if (sp.offset_step < 1) throw Bad("space.offsets.step: " + std::to_string(sp.offset_step) + " is below 1");
  // The span must fit the signed offset arithmetic of SweepSpace.
  const __int128 span = static_cast<__int128>(sp.offset_to) - sp.offset_from;
  if (span < 0 || span > LLONG_MAX)
    throw Bad("space.offsets: " + std::to_string(sp.offset_from) + ".." + std::to_string(sp.offset_to) +
              " is not a range vtdsim sweeps");
  std::string err;
  for (const json& b : j.at("burst_orders")) {
    std::vector<unsigned> order;
    if (!parse_burst_order(get_str(b, "space.burst_orders"), order, err)) throw Bad(err);
    sp.burst_orders.push_back(order);
  }
  sp.inter_bursts = get_cycles(j.at("inter_burst"), "space.inter_burst");
  for (const json& c : j.at("compiler_orders")) {
    SweepSpace::Compiler comp;
    if (!c.is_object() || !c.at("merge_rmw").is_boolean())
      throw Bad("space.compiler_orders: expected objects");
    comp.merge_rmw = c.at("merge_rmw").get<bool>();
    if (!parse_compiler_order(get_str(c.at("order"), "space.compiler_orders"), comp.order, err))
      throw Bad(err);
    sp.compilers.push_back(comp);
  }
  sp.compiler_limit = get_u64(j.at("compiler_orders_limit"), "space.compiler_orders_limit");
  if (!j.at("compiler_orders_truncated").is_boolean())
    throw Bad("space.compiler_orders_truncated: expected a boolean");
  sp.compilers_truncated = j.at("compiler_orders_truncated").get<bool>();
  sp.store_buffer_delays = get_cycles(j.at("store_buffer_delay"), "space.store_buffer_delay");
  if (j.contains("qi_latency"))
    for (const json& t : j.at("qi_latency")) {
      const std::string type = get_str(t.at("type"), "space.qi_latency.type");
      if (!find_qi_latency_field(type))
        throw Bad("unknown queue-invalidation descriptor type '" + type + "'");
      for (const auto& [other, values] : sp.qi_latency)
        if (other == type) throw Bad("queue-invalidation descriptor type '" + type + "' is listed twice");
      sp.qi_latency.emplace_back(type, get_cycles(t.at("cycles"), "space.qi_latency.cycles"));
    }
  if (j.contains("mmio_cost")) sp.mmio_costs = get_cycles(j.at("mmio_cost"), "space.mmio_cost", true);
  if (j.contains("timeline")) {
    const json& t = j.at("timeline");
    sp.timeline = {true, get_i64(t.at("program").at(0), "timeline"),
                   get_i64(t.at("program").at(1), "timeline"), get_i64(t.at("traffic").at(0), "timeline"),
                   get_i64(t.at("traffic").at(1), "timeline")};
  }
  if (sp.burst_orders.empty() || sp.compilers.empty()) throw Bad("space: an empty dimension");
  // Every index must fit in a u64, and the total must be the one written.
  u64 total = sp.offsets();
  std::vector<u64> sizes{sp.burst_orders.size(), sp.inter_bursts.size(), sp.compilers.size(),
                         sp.store_buffer_delays.size(), sp.mmio_cost_choices()};
  for (const auto& t : sp.qi_latency) sizes.push_back(t.second.size());
  for (u64 n : sizes)
    if (__builtin_mul_overflow(total, n, &total)) throw Bad("space: more interleavings than a 64-bit index");
  if (get_u64(j.at("total"), "space.total") != total)
    throw Bad("space.total: " + j.at("total").dump() + ", but the dimensions make " + std::to_string(total));
  return sp;
}

// Sorted, or the index of the first out-of-order position.
void check_results(const ShardFile& f) {
  const u64 size = f.space.size();
  for (std::size_t k = 0; k < f.results.size(); ++k) {
    const u64 i = f.results[k].index;
    if (i >= size)
      throw Bad("interleaving " + std::to_string(i) + " is out of range: the sweep has " +
                std::to_string(size) + " (0.." + std::to_string(size - 1) + ")");
    if (!f.shard.owns(i))
      throw Bad("interleaving " + std::to_string(i) + " is not one of shard " +
                std::to_string(f.shard.index) + "/" + std::to_string(f.shard.count) + " (" +
                std::to_string(i) + " % " + std::to_string(f.shard.count) + " = " +
                std::to_string(i % f.shard.count) + ")");
    if (k > 0 && f.results[k - 1].index == i)
      throw Bad("interleaving " + std::to_string(i) + " is listed twice");
  }
}

InterleavingResult* find_result(ShardFile& f, u64 index) {
  auto it = std::lower_bound(f.results.begin(), f.results.end(), index,
                             [](const InterleavingResult& a, u64 x) { return a.index < x; });
  return it != f.results.end() && it->index == index ? &*it : nullptr;
}

}  // namespace

ShardParse parse_shard_json(const json& j, const std::string& name) {
  ShardParse out;
  try {
    if (!j.is_object()) throw Bad("expected a JSON object");
    if (!j.contains("schema"))
      throw Bad("no schema version: not a report of vtdsim sweep --json, or one older than schema " +
                std::to_string(kSweepSchema) + " (run the shard again)");
    if (!j.at("schema").is_number_integer() || j.at("schema").get<long long>() != kSweepSchema)
      throw Bad("schema " + j.at("schema").dump() + ", but this vtdsim reads schema " +
                std::to_string(kSweepSchema) + " (merge with the vtdsim that wrote the shards)");
    if (!j.at("kinds").is_array() || j.at("kinds") != json(known_verdict_kinds()))
      throw Bad("written by a vtdsim with other verdict kinds");
    ShardFile f;
    f.scenario = get_str(j.at("scenario"), "scenario");
    f.file = get_str(j.at("file"), "file");
    if (j.contains("mutant")) f.mutant = get_str(j.at("mutant"), "mutant");
    f.space_json = j.at("space");
    f.space = space_from_json(f.space_json);
    f.shard.count = get_u64(j.at("shard").at("count"), "shard.count");
    f.shard.index = get_u64(j.at("shard").at("index"), "shard.index");
    if (f.shard.count == 0 || f.shard.index >= f.shard.count)
      throw Bad("shard " + std::to_string(f.shard.index) + "/" + std::to_string(f.shard.count) +
                ": expected I/N with 0 <= I < N");
    if (!j.at("seconds").is_number() || !std::isfinite(j.at("seconds").get<double>()) ||
        j.at("seconds").get<double>() < 0)
      throw Bad("seconds: expected a duration");
    f.seconds = j.at("seconds").get<double>();
    const u64 jobs = get_u64(j.at("jobs"), "jobs");
    if (jobs > UINT_MAX) throw Bad("jobs: " + std::to_string(jobs) + " is too large");
    f.jobs = static_cast<unsigned>(jobs);
    const std::size_t nk = known_verdict_kinds().size();
    const json& rows = j.at("results");
    if (!rows.is_array()) throw Bad("results: expected a list");
    for (const json& row : rows) {
      if (!row.is_array() || (row.size() != 2 && row.size() != 2 + 2 * nk))
        throw Bad("results: a row is not [index, error] or [index, cycles, counts..., distances...]: " +
                  row.dump().substr(0, 80));
      InterleavingResult ir;
      ir.index = get_u64(row.at(0), "results: an index");
      if (row.size() == 2) {
        ir.error = get_str(row.at(1), "results: an error");
      } else {
        ir.cycles = get_u64(row.at(1), "results: cycles");
        for (std::size_t k = 0; k < nk; ++k) ir.counts.push_back(get_u64(row.at(2 + k), "results: a count"));
        for (std::size_t k = 0; k < nk; ++k) {
          const json& d = row.at(2 + nk + k);
          ir.distance.push_back(d.is_null() ? InterleavingResult::kNone : get_u64(d, "results: a distance"));
        }
      }
      f.results.push_back(std::move(ir));
    }
    std::stable_sort(
        f.results.begin(), f.results.end(),
        [](const InterleavingResult& a, const InterleavingResult& b) { return a.index < b.index; });
    check_results(f);
    f.simulated = j.contains("episodes_simulated") ? get_u64(j.at("episodes_simulated"), "episodes_simulated")
                                                   : f.results.size();
    if (j.contains("returns_differ"))
      for (const json& i : j.at("returns_differ")) {
        InterleavingResult* r = find_result(f, get_u64(i, "returns_differ"));
        if (!r) throw Bad("returns_differ: " + i.dump() + " is not among the results");
        r->returns_differ = true;
      }
    if (j.contains("walker_waits"))
      for (const json& w : j.at("walker_waits")) {
        if (!w.is_array() || w.size() != 2) throw Bad("walker_waits: expected [index, requests] pairs");
        InterleavingResult* r = find_result(f, get_u64(w.at(0), "walker_waits"));
        if (!r) throw Bad("walker_waits: " + w.at(0).dump() + " is not among the results");
        r->walker_waits = get_u64(w.at(1), "walker_waits");
      }
    for (const json& v : j.at("verdicts")) {
      if (!v.is_object()) throw Bad("verdicts: expected objects");
      if (!v.contains("expected")) continue;
      Expectation e;
      const std::string& text = get_str(v.at("expected"), "verdicts.expected");
      if (!parse_expectation(text, e)) throw Bad("bad expectation '" + text + "'");
      f.expect[get_str(v.at("kind"), "verdicts.kind")] = {e, get_str(v.at("rule"), "verdicts.rule")};
    }
    out.shard = std::move(f);
  } catch (const Bad& e) {
    out.error = name + ": " + e.what();
  } catch (const json::exception& e) {
    out.error = name + ": not a sweep report: " + e.what();
  } catch (const std::invalid_argument& e) {  // the orders' parsers
    out.error = name + ": " + e.what();
  } catch (const std::out_of_range& e) {
    out.error = name + ": " + e.what();
  }
  return out;
}

ShardParse parse_shard(std::string_view text, const std::string& name) {
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return {std::nullopt, name + ": not a sweep report: " + e.what()};
  }
  return parse_shard_json(j, name);
}

SweepReport merge_shards(std::vector<ShardFile> shards, const std::vector<std::string>& names) {
  if (shards.empty()) throw std::invalid_argument("merge: no shard files");
  const ShardFile& f0 = shards[0];
  const u64 count = f0.shard.count;
  std::map<u64, std::size_t> given;  // shard index -> which file
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const ShardFile& f = shards[i];
    if (f.file != f0.file || f.scenario != f0.scenario || f.space_json != f0.space_json ||
        f.mutant != f0.mutant)
      throw std::invalid_argument("merge: " + names[i] + " is a shard of another sweep than " + names[0]);
    if (f.shard.count != count)
      throw std::invalid_argument("merge: " + names[i] + " is one of " + std::to_string(f.shard.count) +
                                  " shards, " + names[0] + " one of " + std::to_string(count));
    if (const auto [it, fresh] = given.emplace(f.shard.index, i); !fresh)
      throw std::invalid_argument("merge: shard " + std::to_string(f.shard.index) + "/" +
                                  std::to_string(count) + " given twice (" + names[it->second] + " and " +
                                  names[i] + ")");
  }
  if (given.size() != count) {
    std::string list;
    u64 listed = 0;
    for (u64 k = 0; k < count && listed < 10; ++k)
      if (!given.count(k)) list += (listed++ ? ", " : "") + std::to_string(k) + "/" + std::to_string(count);
    const u64 missing = count - given.size();
    throw std::invalid_argument("merge: " + std::to_string(missing) + " shard" +
                                (missing == 1 ? " is" : "s are") + " missing: " + list +
                                (missing > listed ? ", ..." : ""));
  }
  // Each shard's results are its own, in range and unique (parse_shard):
  // the sweep is covered exactly when each holds all of its indices.
  const u64 size = f0.space.size();
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const ShardFile& f = shards[i];
    const u64 want = size > f.shard.index ? (size - 1 - f.shard.index) / count + 1 : 0;
    if (f.results.size() == want) continue;
    std::string list;
    u64 listed = 0;
    std::size_t k = 0;
    for (u64 x = f.shard.index; x < size && listed < 10; x += count) {
      if (k < f.results.size() && f.results[k].index == x) {
        ++k;
        continue;
      }
      list += (listed++ ? ", " : "") + std::to_string(x);
    }
    const u64 missing = want - f.results.size();
    throw std::invalid_argument("merge: " + names[i] + " (shard " + std::to_string(f.shard.index) + "/" +
                                std::to_string(count) + ") lacks " + std::to_string(missing) + " of its " +
                                std::to_string(want) + " interleavings: " + list +
                                (missing > listed ? ", ..." : ""));
  }
  std::vector<InterleavingResult> results;
  results.reserve(size);
  double seconds = 0;
  unsigned jobs = 0;
  u64 simulated = 0;
  for (ShardFile& f : shards) {
    seconds = std::max(seconds, f.seconds);
    jobs += f.jobs;
    simulated += f.simulated;
    for (InterleavingResult& r : f.results) results.push_back(std::move(r));
  }
  std::sort(results.begin(), results.end(),
            [](const InterleavingResult& a, const InterleavingResult& b) { return a.index < b.index; });
  return make_report(f0.scenario, f0.file, f0.space, Shard{0, 1}, f0.expect, results, seconds, jobs,
                     simulated, f0.mutant);
}

SweepReport merge_reports(const std::vector<nlohmann::json>& shards, const std::vector<std::string>& names) {
  std::vector<ShardFile> files;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    ShardParse p = parse_shard_json(shards[i], names[i]);
    if (!p.shard) throw std::invalid_argument("merge: " + p.error);
    files.push_back(std::move(*p.shard));
  }
  return merge_shards(std::move(files), names);
}

}  // namespace vtd
