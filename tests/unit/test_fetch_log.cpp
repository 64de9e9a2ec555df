#include <catch2/catch.hpp>
#include <vector>

#include "checkers/fetch_log.hpp"

using namespace vtd;

namespace {

FetchEvent fetch(u64 request, Cycle cycle, u64 version = 7) {
  FetchEvent e;
  e.request = request;
  e.entry = EntryId{EntryKind::Context, 0x2000, Rid::from(0, 2, 0), 0, 0};
  e.nbursts = 2;
  e.bursts[0] = Burst{cycle, 0x2000, {0x3, 0x0}, version};
  e.bursts[1] = Burst{cycle + 10, 0x2010, {0x0, 0x0}, version};
  e.value.w[0] = 0x3;
  return e;
}

bool same(const FetchEvent& a, const FetchEvent& b) {
  if (a.request != b.request || !(a.entry == b.entry) || a.nbursts != b.nbursts || !(a.value == b.value))
    return false;
  for (unsigned i = 0; i < a.nbursts; ++i)
    if (a.bursts[i].cycle != b.bursts[i].cycle || a.bursts[i].addr != b.bursts[i].addr ||
        a.bursts[i].data != b.bursts[i].data || a.bursts[i].version != b.bursts[i].version)
      return false;
  return true;
}

void check_reads_back(const FetchLog& log, const std::vector<FetchEvent>& in) {
  REQUIRE(log.size() == in.size());
  std::size_t i = 0;
  for (const FetchEvent& e : log) {
    INFO("fetch " << i);
    REQUIRE(same(e, in[i]));
    ++i;
  }
  REQUIRE(i == in.size());
  // Runs cover the fetches in order.
  i = 0;
  for (const FetchLog::Run& r : log.runs())
    for (std::size_t k = 0; k < r.n; ++k) REQUIRE(same(r.at(k), in[i++]));
}

}  // namespace

TEST_CASE("A stream of alike fetches one cycle apart is kept as one run of one step", "[fetch_log]") {
  FetchLog log;
  std::vector<FetchEvent> in;
  for (u64 k = 0; k < 100000; ++k) {
    in.push_back(fetch(5 + k, 100 + k));
    log.push_back(in.back());
  }
  check_reads_back(log, in);
  REQUIRE(log.runs().size() == 1);
  CHECK(log.runs()[0].steps.size() == 1);
}

TEST_CASE("Fetches whose spacing repeats a period keep one period of steps", "[fetch_log]") {
  // Walkers freeing up in a pattern: 26 fetches a cycle apart, then a gap of
  // 31 cycles and 2 skipped requests, over and over.
  FetchLog log;
  std::vector<FetchEvent> in;
  u64 req = 0;
  Cycle c = 60;
  for (int k = 0; k < 50000; ++k) {
    in.push_back(fetch(req, c));
    log.push_back(in.back());
    const bool gap = k % 27 == 26;
    req += gap ? 3 : 1;
    c += gap ? 31 : 1;
  }
  check_reads_back(log, in);
  REQUIRE(log.runs().size() == 1);
  CHECK(log.runs()[0].locked);
  CHECK(log.runs()[0].steps.size() == 27);
}

TEST_CASE("A fetch that saw another version or value starts a new run, and irregular steps read back",
          "[fetch_log]") {
  FetchLog log;
  std::vector<FetchEvent> in;
  u64 req = 0;
  Cycle c = 0;
  u64 x = 12345;
  for (int k = 0; k < 20000; ++k) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    req += 1 + (x >> 60);
    c += 1 + ((x >> 40) & 7);
    in.push_back(fetch(req, c, k < 10000 ? 7 : 9));
    if (k == 15000) in.back().value.w[0] = 0x5;  // a torn value in the middle
    log.push_back(in.back());
  }
  check_reads_back(log, in);
  CHECK(log.runs().size() >= 4);
}
