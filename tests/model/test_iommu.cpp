#include <tlm_utils/simple_initiator_socket.h>

#include "base/cycles.hpp"
#include "devices/traffic_generator.hpp"
#include "iommu_model/fault_reasons.hpp"
#include "iommu_model/iommu.hpp"
#include "memory/memory_module.hpp"
#include "sc_test_support.hpp"
#include "tables/table_builder.hpp"

using namespace vtd;

namespace {

struct Recorder : Observer {
  std::vector<FetchEvent> fetches;
  std::vector<DmaEvent> dmas;
  void on_fetch(const FetchEvent& e) override { fetches.push_back(e); }
  void on_dma(const DmaEvent& e) override { dmas.push_back(e); }
};

Tables tables(bool attached) {
  Tables t;
  Domain d;
  d.name = "dom1";
  d.did = 2;
  d.aw = 2;
  d.mappings.push_back(Mapping{0x1000, 0x80001000, 0x1000, true, false, {}});
  t.domains.push_back(d);
  Device dev;
  dev.rid = Rid::from(0, 2, 0);
  if (attached) dev.domain = "dom1";
  t.devices.push_back(dev);
  return t;
}

TrafficStream at(std::vector<Cycle> cycles, Addr iova, bool write = false) {
  TrafficStream s;
  s.rid = Rid::from(0, 2, 0);
  s.iova = iova;
  s.write = write;
  s.at = std::move(cycles);
  return s;
}

// The CPU side of the register window, unused here but bound as hardware is.
struct NoCpu : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<NoCpu> out{"out"};
  explicit NoCpu(sc_core::sc_module_name n) : sc_module(n) {}
};

struct Rig {
  EventBus bus;
  Recorder rec;
  PhysicalMemory mem{&bus};
  TableLayout layout;
  std::unique_ptr<MemoryModule> memory;
  std::unique_ptr<Iommu> iommu;
  std::unique_ptr<TrafficGenerator> traffic;
  NoCpu cpu{"cpu"};
  Rig(bool attached, std::vector<TrafficStream> streams, IommuConfig cfg = {}) {
    bus.subscribe(&rec);
    layout = build_tables(tables(attached), mem);
    memory = std::make_unique<MemoryModule>("memory", mem);
    iommu = std::make_unique<Iommu>("iommu", cfg, BootState{layout.rtaddr, layout.driver.qi_queue}, bus);
    traffic = std::make_unique<TrafficGenerator>("traffic", std::move(streams));
    traffic->pcie_out.bind(iommu->pcie_in);
    iommu->mem_port.bind(memory->iommu_port);
    cpu.out.bind(iommu->regs);
  }
};

}  // namespace

IommuConfig no_caches() {
  IommuConfig cfg;
  cfg.context_cache.enabled = false;
  cfg.iotlb.enabled = false;
  return cfg;
}

TEST_CASE("iommu: a request walks root context and four levels with burst timing", "[model][iommu]") {
  test::StrictSystemC strict;
  IommuConfig cfg = no_caches();
  cfg.burst_latency = 10;
  cfg.pte_latency = 7;
  Rig r(true, {at({5}, 0x1abc)}, cfg);
  test::run_until_idle();
  REQUIRE(r.rec.dmas.size() == 1);
  const DmaEvent& d = r.rec.dmas[0];
  CHECK_FALSE(d.fault);
  CHECK(d.pa == 0x80001abc);
  CHECK(d.arrived == 5);
  CHECK(d.done == 5 + 10 + 10 + 4 * 7);
  REQUIRE(r.rec.fetches.size() == 6);
  CHECK(r.rec.fetches[0].entry.kind == EntryKind::Root);
  CHECK(r.rec.fetches[0].cycle() == 15);
  CHECK(r.rec.fetches[1].entry.kind == EntryKind::Context);
  CHECK(r.rec.fetches[1].cycle() == 25);
  CHECK(r.rec.fetches[1].entry.addr == r.layout.device(Rid::from(0, 2, 0))->context_entry);
  CHECK(r.rec.fetches[5].entry.level == 1);
  CHECK(r.iommu->stats().translated == 1);
  CHECK(r.traffic->finished());
}

TEST_CASE("iommu: faults carry VT-d reason codes", "[model][iommu]") {
  test::StrictSystemC strict;
  Rig r(true, {at({0}, 0x1000, true), at({1}, 0x5000), at({2}, 0x1000)});
  test::run_until_idle();
  REQUIRE(r.rec.dmas.size() == 3);
  CHECK(r.rec.dmas[0].fault_reason == fault::kNoWrite);  // mapped read-only
  CHECK(r.rec.dmas[1].fault_reason == fault::kNoRead);   // not mapped
  CHECK_FALSE(r.rec.dmas[2].fault);
}

TEST_CASE("iommu: an unattached device faults on its context entry", "[model][iommu]") {
  test::StrictSystemC strict;
  Rig r(false, {at({0}, 0x1000)});
  test::run_until_idle();
  REQUIRE(r.rec.dmas.size() == 1);
  CHECK(r.rec.dmas[0].fault_reason == fault::kContextNotPresent);
  CHECK(r.rec.fetches.size() == 2);
}

TEST_CASE("iommu: outstanding requests are bounded and queue in order", "[model][iommu]") {
  test::StrictSystemC strict;
  IommuConfig cfg = no_caches();
  cfg.max_outstanding = 1;
  TrafficStream s;
  s.rid = Rid::from(0, 2, 0);
  s.iova = 0x1000;
  s.start = 0;
  s.every = 1;
  s.count = 3;
  Rig r(true, {s}, cfg);
  test::run_until_idle();
  REQUIRE(r.rec.dmas.size() == 3);
  const Cycle walk = 2 * cfg.burst_latency + 4 * cfg.pte_latency;
  CHECK(r.rec.dmas[0].done == walk);
  CHECK(r.rec.dmas[1].done == 2 * walk);
  CHECK(r.rec.dmas[2].done == 3 * walk);
  CHECK(r.rec.dmas[2].request == 2);
}

TEST_CASE("iommu: the context-cache and IOTLB answer repeated requests", "[model][iommu][caches]") {
  test::StrictSystemC strict;
  IommuConfig cfg;
  cfg.burst_latency = 10;
  cfg.pte_latency = 10;
  cfg.context_cache.hit_latency = 2;
  cfg.context_cache.miss_latency = 1;
  cfg.iotlb.hit_latency = 3;
  cfg.iotlb.miss_latency = 1;
  Rig r(true, {at({0, 100}, 0x1000)}, cfg);
  test::run_until_idle();
  REQUIRE(r.rec.dmas.size() == 2);
  // Miss: context-cache miss (1) + root + context (20) + IOTLB miss (1) + four levels (40).
  CHECK(r.rec.dmas[0].done == 62);
  CHECK_FALSE(r.rec.dmas[0].iotlb_hit);
  // Hit: context-cache hit (2) then IOTLB hit (3), no fetch.
  CHECK(r.rec.dmas[1].done == 105);
  CHECK(r.rec.dmas[1].iotlb_hit);
  CHECK(r.rec.dmas[1].pa == 0x80001000);
  CHECK(r.rec.fetches.size() == 6);
  CHECK(r.iommu->translator().context_cache().stats().hits == 1);
  CHECK(r.iommu->translator().iotlb().stats().hits == 1);
  REQUIRE(r.rec.dmas[1].copies.size() == 1);
  CHECK(r.rec.dmas[1].copies[0].from_cache);
  CHECK(r.rec.dmas[1].copies[0].source.request == 0);  // the copy came from request #0's fetch
}

TEST_CASE("iommu: cache hits of no latency complete in the cycle the request arrives",
          "[model][iommu][caches]") {
  test::StrictSystemC strict;
  IommuConfig cfg;
  cfg.context_cache.hit_latency = 0;
  cfg.iotlb.hit_latency = 0;
  Rig r(true, {at({0, 100, 101}, 0x1000)}, cfg);
  test::run_until_idle();
  REQUIRE(r.rec.dmas.size() == 3);
  CHECK_FALSE(r.rec.dmas[0].iotlb_hit);
  for (unsigned i = 1; i < 3; ++i) {
    CHECK(r.rec.dmas[i].iotlb_hit);
    CHECK(r.rec.dmas[i].done == r.rec.dmas[i].arrived);
    CHECK(r.rec.dmas[i].pa == 0x80001000);
  }
}
