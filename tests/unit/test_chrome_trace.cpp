// The Chrome trace writer on a hand-made event stream: tracks named by
// metadata, slices nested (items > operations; walks > fetches > bursts),
// overlapping requests in separate lanes, violations as instants at their
// cycle, deterministic sorted output.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "formats/qi_descriptors.hpp"
#include "trace/chrome_trace.hpp"

using namespace vtd;
using nlohmann::json;

namespace {

const Rid kDev = Rid::from(0, 2, 0);
const EntryId kEntry{EntryKind::Context, 0x1000, kDev, 0, 0};

ChromeTrace make_trace() {
  ChromeTrace t;
  t.begin("unit", "unit.yaml", {{"domain_context_mapping_one 00:02.0"}}, {kEntry});
  static const std::string op0 = "store64 0x1000 = 0x5001  [lo]", op1 = "store64 0x1008 = 0x202  [hi]";
  t.on_cpu_op(CpuOpEvent{0, 0, 0, 10, 11, op0});
  t.on_cpu_op(CpuOpEvent{0, 0, 1, 11, 12, op1});
  t.on_item(ItemEvent{0, 0, 10, 12, "domain_context_mapping_one 00:02.0"});
  StoreEvent s;
  s.seq = 0;
  s.cycle = 12;
  s.writer = Writer{0, 0, 0};
  s.addr = 0x1000;
  s.new_val[0] = 0x5001;
  t.on_store(s);
  // Two requests from one device overlapping in time; the first walks.
  FetchEvent f;
  f.request = 1;
  f.entry = kEntry;
  f.nbursts = 1;
  f.bursts[0] = Burst{14, 0x1000, {0x5001, 0}, 1};
  f.value.w[0] = 0x5001;
  t.on_fetch(f);
  DmaEvent d;
  d.request = 1;
  d.rid = kDev;
  d.iova = 0x1000;
  d.arrived = 5;
  d.done = 20;
  d.fault = true;
  d.fault_reason = 0x3;
  t.on_dma(d);
  d.request = 2;
  d.arrived = 6;
  d.done = 21;
  d.fault = false;
  d.pa = 0x81000000;
  d.iotlb_hit = true;
  t.on_dma(d);
  EntryBits cc;
  qi_fmt::TYPE.set(cc, qi_fmt::TYPE_CC);
  qi_fmt::cc::G.set(cc, qi_fmt::cc::G_GLOBAL);
  const std::array<u64, 4> qw{cc.w[0], cc.w[1], 0, 0};
  t.on_descriptor(DescriptorEvent{DescriptorEvent::What::Fetched, 30, 0, qw, {}});
  t.on_descriptor(DescriptorEvent{DescriptorEvent::What::Completed, 40, 0, qw, {}});
  Findings fs;
  Finding v;
  v.kind = "torn_fetch";
  v.cycle = 14;
  v.entry = kEntry;
  v.request = 1;
  fs.items.push_back(v);
  Finding b = v;
  b.kind = "benign_mixed_fetch";
  b.cycle = 15;
  fs.items.push_back(b);
  t.finish(fs, 50);
  return t;
}

}  // namespace

TEST_CASE("the trace names its tracks and places every transaction on one", "[trace]") {
  const ChromeTrace t = make_trace();
  const json j = json::parse(t.text());
  REQUIRE(j.contains("traceEvents"));
  CHECK(j["otherData"]["scenario"] == "unit");
  CHECK(j["otherData"]["time_unit"].get<std::string>().find("1 cycle = 1 us") != std::string::npos);
  std::map<int, std::string> procs;
  std::map<std::pair<int, int>, std::string> threads;
  for (const json& e : j["traceEvents"]) {
    if (e["ph"] != "M") continue;
    if (e["name"] == "process_name") procs[e["pid"]] = e["args"]["name"];
    if (e["name"] == "thread_name") threads[{e["pid"], e["tid"]}] = e["args"]["name"];
  }
  std::vector<std::string> pnames, tnames;
  for (const auto& [k, v] : procs) pnames.push_back(v);
  for (const auto& [k, v] : threads) tnames.push_back(v);
  using Catch::Matchers::VectorContains;
  CHECK_THAT(pnames, VectorContains(std::string("CPUs")));
  CHECK_THAT(pnames, VectorContains(std::string("IOMMU walker")));
  CHECK_THAT(pnames, VectorContains(std::string("invalidation queue")));
  CHECK_THAT(pnames, VectorContains(std::string("device 00:02.0")));
  CHECK_THAT(pnames, VectorContains(std::string("checkers")));
  CHECK_THAT(tnames, VectorContains(std::string("cpu0")));
  CHECK_THAT(tnames, VectorContains(std::string("cpu0 stores visible")));
  CHECK_THAT(tnames, VectorContains(std::string("walker lane 0")));
  CHECK_THAT(tnames, VectorContains(std::string("descriptors lane 0")));
  CHECK_THAT(tnames, VectorContains(std::string("violations")));
  // The two requests overlap (5..20, 6..21): two lanes of the device.
  CHECK_THAT(tnames, VectorContains(std::string("00:02.0 lane 0")));
  CHECK_THAT(tnames, VectorContains(std::string("00:02.0 lane 1")));

  auto find = [&](const std::string& name) -> json {
    for (const json& e : j["traceEvents"])
      if (e["ph"] != "M" && e["name"] == name) return e;
    FAIL("no event " << name);
    return {};
  };
  // Violations: an instant at the violation's cycle on the violations track.
  const json v = find("torn_fetch");
  CHECK(v["ph"] == "i");
  CHECK(v["ts"] == 14);
  CHECK(threads[{v["pid"], v["tid"]}] == "violations");
  CHECK(v["args"]["entry"] == to_string(kEntry));
  CHECK(v["args"]["violation"] == 1);
  const json b = find("benign_mixed_fetch");
  CHECK(threads[{b["pid"], b["tid"]}] == "benign findings");
  // The driver operation holds its emitted operations.
  const json item = find("domain_context_mapping_one 00:02.0");
  const json op = find("store64 0x1008 = 0x202  [hi]");
  CHECK(item["ph"] == "X");
  CHECK(item["tid"] == op["tid"]);
  CHECK(item["ts"] <= op["ts"]);
  CHECK(item["ts"].get<Cycle>() + item["dur"].get<Cycle>() >= op["ts"].get<Cycle>() + op["dur"].get<Cycle>());
  // A store: when it became visible, the entry and word it wrote.
  const json st = find("store #0 context[00:02.0]@0x1000 word 0");
  CHECK(st["ts"] == 12);
  CHECK(st["args"]["new"][0] == "0x5001");
  // The walk holds the fetch, the fetch its burst (one cycle from its sample).
  const json walk = find("walk #1"), fetch = find("fetch context @0x1000"), burst = find("burst chunk 0");
  CHECK(walk["tid"] == fetch["tid"]);
  CHECK(fetch["tid"] == burst["tid"]);
  CHECK(burst["ts"] == 14);
  CHECK(burst["dur"] == 1);
  CHECK(burst["args"]["version"] == 1);
  // DMA requests from arrival to completion, with their outcome.
  const json fault = find("#1 0x1000 -> fault 0x3");
  CHECK(fault["ts"] == 5);
  CHECK(fault["dur"] == 15);
  CHECK(fault["args"]["fault_reason"] == "0x3");
  const json ok = find("#2 0x1000 -> 0x81000000");
  CHECK(ok["args"]["pa"] == "0x81000000");
  CHECK(ok["args"]["iotlb_hit"] == true);
  CHECK(ok["tid"] != fault["tid"]);
  // Descriptors from fetch to completion.
  const json desc = find("CC-global");
  CHECK(desc["ts"] == 30);
  CHECK(desc["dur"] == 10);
}

TEST_CASE("the trace is sorted and the same text every time", "[trace]") {
  const ChromeTrace a = make_trace(), b = make_trace();
  CHECK(a.text() == b.text());
  CHECK(a.text() == a.text());
  const json j = json::parse(a.text());
  // Metadata first, then events by (pid, tid, ts).
  bool meta = true;
  std::tuple<int, int, Cycle> last{0, 0, 0};
  for (const json& e : j["traceEvents"]) {
    if (e["ph"] == "M") {
      CHECK(meta);
      continue;
    }
    meta = false;
    const std::tuple<int, int, Cycle> k{e["pid"], e["tid"], e["ts"]};
    CHECK(last <= k);
    last = k;
  }
}
