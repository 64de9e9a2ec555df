// DmaLog: the requests DmaOutcomes keeps for stale_translation, as runs.
#include <catch2/catch.hpp>
#include <vector>

#include "checkers/dma_outcomes.hpp"

using namespace vtd;

namespace {

DmaEvent request(u64 n, Cycle arrived, Cycle done, Addr pa = 0x80001000) {
  DmaEvent e;
  e.request = n;
  e.rid = Rid{0x10};
  e.iova = 0x1000;
  e.arrived = arrived;
  e.done = done;
  e.pa = pa;
  DmaEvent::CopyUsed c;
  c.kind = EntryKind::Pasid;
  c.entry = 0x200000;
  c.from_cache = true;
  c.value.w[0] = 0x1234;
  c.source.request = 3;
  c.source.nbursts = 2;
  c.source.versions = {7, 8, 0, 0};
  e.copies.push_back(c);
  return e;
}

std::vector<DmaEvent> read_back(const DmaLog& log) {
  std::vector<DmaEvent> out;
  for (const DmaEvent& e : log) out.push_back(e);
  return out;
}

bool same(const DmaEvent& a, const DmaEvent& b) {
  return a.request == b.request && a.arrived == b.arrived && a.done == b.done && a.pa == b.pa &&
         a.copies == b.copies && a.rid == b.rid && a.iova == b.iova;
}

}  // namespace

TEST_CASE("Requests through the same copy at a steady pace are kept as one run", "[dma_log]") {
  DmaLog log;
  std::vector<DmaEvent> in;
  for (u64 i = 0; i < 10000; ++i) in.push_back(request(100 + i, 60 + i, 71 + i));
  for (const DmaEvent& e : in) log.push_back(e);
  CHECK(log.size() == in.size());
  CHECK(log.runs().size() == 1);
  const std::vector<DmaEvent> out = read_back(log);
  REQUIRE(out.size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) REQUIRE(same(out[i], in[i]));
}

TEST_CASE("Requests with another outcome, copy or pace start a new run and read back as published",
          "[dma_log]") {
  std::vector<DmaEvent> in;
  for (u64 i = 0; i < 5; ++i) in.push_back(request(i, 10 * i, 10 * i + 5));
  in.push_back(request(5, 52, 60));              // another pace
  in.push_back(request(6, 53, 61, 0x90000000));  // another outcome
  DmaEvent other = request(7, 54, 62);
  other.copies[0].source.versions[1] = 9;  // another copy
  in.push_back(other);
  in.push_back(request(8, 55, 63));
  DmaLog log;
  for (const DmaEvent& e : in) log.push_back(e);
  CHECK(log.runs().size() > 1);
  const std::vector<DmaEvent> out = read_back(log);
  REQUIRE(out.size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) REQUIRE(same(out[i], in[i]));
  log.clear();
  CHECK(log.empty());
  CHECK(read_back(log).empty());
}
