// Fuzz target, structure-aware: the input bytes choose a *valid* scenario
// (platform legacy or scalable, caches on or off, coherent or not; domains,
// devices and PASID entries; a program of driver sequences, raw operations
// and delays on CPU 0 and CPU 1; DMA traffic from one or two devices), which
// is written as YAML, loaded, and simulated for at most a few thousand cycles
// on one Simulator elaborated once for the whole process (episodes: see
// src/platform/simulation.hpp). Every input yields a scenario; the bytes only
// steer the choices, so almost every execution reaches the simulator.
//
// Allowed outcomes: a run; ScenarioError (an argument the driver registry or
// the table builder refuses); "simulation still running" at max_cycles (the
// platform is then run on until idle, so the next episode starts clean).
// Anything else (another exception, a SystemC report, a crash, a sanitizer
// report) is a finding, and so is an oracle mismatch:
//
// The differential oracle: every DMA request whose outcome (translated
// address or fault reason) was decided on unchanged tables is compared with
// reference_walk (src/checkers/reference_walk.hpp), a table walk written
// independently of the IOMMU model:
//  - requests completed before the first store to a table page became
//    visible: against the initial tables (whatever the caches);
//  - with every IOMMU cache disabled and coherent walks, requests that arrived
//    after the last store to a table page: against the final tables (raw
//    stores may have written anything into them: reserved bits, large pages,
//    bad PGTT).
// A mismatch prints the scenario and the request, then aborts.
//
// FUZZ_SIMULATE_PRINT=1 prints each generated scenario (to turn a crashing
// input into a YAML file for `vtdsim run`).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <systemc>
#include <tuple>
#include <vector>

#include "base/cycles.hpp"
#include "checkers/reference_walk.hpp"
#include "memory/physical_memory.hpp"
#include "platform/run_result.hpp"
#include "platform/simulation.hpp"
#include "report/report.hpp"
#include "scenario/loader.hpp"
#include "tables/table_builder.hpp"

namespace {

using namespace vtd;

// The input as a stream of choices; past its end every choice is 0.
class Choices {
 public:
  Choices(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
  unsigned byte() { return i_ < n_ ? p_[i_++] : 0; }
  // 0..n-1.
  u64 below(u64 n) {
    if (n <= 1) return 0;
    u64 v = byte();
    if (n > 256) v = v << 8 | byte();
    if (n > 65536) v = v << 16 | byte() << 8 | byte();
    return v % n;
  }
  bool flag() { return byte() & 1; }
  // True with probability about 1/n.
  bool rarely(unsigned n) { return below(n) == 0; }
  u64 word() {
    u64 v = 0;
    for (int k = 0; k < 8; ++k) v = v << 8 | byte();
    return v;
  }
  template <typename T>
  const T& one(const std::vector<T>& v) {
    return v[below(v.size())];
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
  std::size_t i_ = 0;
};

std::string hx(u64 v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

struct GenDomain {
  std::string name;
  bool fl = false;
  bool nested = false;
  std::vector<std::pair<u64, u64>> pages;  // (iova, size) mapped
};
struct GenDevice {
  std::string bdf;
  std::vector<u32> pasids;
  bool pass_through = false;  // legacy: translation pass_through
};

constexpr Cycle kMaxCycles = 3000;
constexpr Cycle kTrafficWindow = 1000;

// The scenario the bytes choose, as YAML.
std::string generate(Choices& c) {
  std::ostringstream y;
  const bool sm = c.flag();
  const bool coherent = !c.rarely(4);
  const bool fl5lp = !c.rarely(4);
  std::vector<unsigned> sagaw;
  for (unsigned aw = 1; aw <= 3; ++aw)
    if (c.below(3) != 0) sagaw.push_back(aw);
  if (sagaw.empty()) sagaw.push_back(2);
  const bool cmpxchg16b = !c.rarely(4);

  y << "name: fuzz\nplatform:\n  cpu:\n";
  y << "    cmpxchg16b: " << (cmpxchg16b ? "true" : "false") << "\n";
  y << "    store_buffer_delay: " << c.below(9) << "\n";
  y << "    start: " << c.below(200) << "\n";
  y << "    compiler: {merge_rmw: " << (c.flag() ? "true" : "false")
    << ", order: " << (c.flag() ? "reversed" : "program") << "}\n";
  y << "    costs: {mmio: " << 1 + c.below(50) << ", poll: " << 1 + c.below(20)
    << ", atomic: " << 1 + c.below(20) << ", invalidation: " << c.below(100) << "}\n";
  if (!coherent && c.flag()) y << "    cache: {evict: true, eviction_delay: " << 1 + c.below(500) << "}\n";
  y << "  iommu:\n    mode: " << (sm ? "scalable" : "legacy") << "\n";
  y << "    coherent: " << (coherent ? "true" : "false") << "\n";
  const bool caching_mode = c.rarely(3);
  y << "    caching_mode: " << (caching_mode ? "true" : "false") << "\n";
  y << "    fl5lp: " << (fl5lp ? "true" : "false") << "\n";
  y << "    pass_through: " << (c.rarely(4) ? "false" : "true") << "\n";
  y << "    sagaw: [";
  for (std::size_t i = 0; i < sagaw.size(); ++i) y << (i ? ", " : "") << sagaw[i];
  y << "]\n";
  y << "    burst_latency: " << 1 + c.below(12) << "\n";
  y << "    inter_burst: " << c.below(4) << "\n";
  y << "    burst_order: " << (c.flag() ? "descending" : "ascending") << "\n";
  y << "    pte_latency: " << 1 + c.below(12) << "\n";
  y << "    max_outstanding: " << 1 + c.below(8) << "\n";
  bool all_caches_off = true;
  auto cache = [&](const char* name) {
    const bool on = c.flag();
    all_caches_off = all_caches_off && !on;
    y << "    " << name << ": {enabled: " << (on ? "true" : "false") << ", entries: " << 1 + c.below(8)
      << ", hit_latency: " << c.below(3) << ", miss_latency: " << c.below(3) << "}\n";
  };
  cache("context_cache");
  if (sm) cache("pasid_cache");
  cache("iotlb");
  y << "    qi: {fetch: " << 1 + c.below(20) << ", context_cache: " << 1 + c.below(40)
    << ", iotlb: " << 1 + c.below(40) << ", wait: " << 1 + c.below(10);
  if (sm) y << ", piotlb: " << 1 + c.below(40) << ", pasid_cache: " << 1 + c.below(40);
  y << "}\n";
  y << "  sim:\n    max_cycles: " << kMaxCycles << "\n";

  // Domains: second-level (legacy and scalable), first-level and nested (scalable).
  static const std::vector<u64> kIovas{
      0x0,          0x1000,       0x2000,       0x5000,         0x200000,          0x40000000,
      0x7ffffff000, 0xfffffff000, 0x8000000000, 0x7ffffffff000, 0xfffffffff000ull, 0x1fffffffffff000ull};
  std::vector<GenDomain> doms;
  const unsigned ndom = 1 + static_cast<unsigned>(c.below(3));
  y << "tables:\n  domains:\n";
  for (unsigned i = 0; i < ndom; ++i) {
    GenDomain d;
    d.name = "d" + std::to_string(i);
    d.fl = sm && c.flag();
    std::optional<std::size_t> parent;
    if (d.fl && c.flag())
      for (std::size_t k = 0; k < doms.size(); ++k)
        if (!doms[k].fl && !doms[k].pages.empty()) parent = k;
    d.nested = parent.has_value();
    // Mostly a DID of its own; sometimes one shared with another domain
    // (or DID 1, pass-through's), which the caches then mix, as hardware does.
    y << "    - name: " << d.name << "\n      did: " << (c.rarely(6) ? 1 + c.below(4) : 2 + i) << "\n";
    unsigned fl_levels = 4, aw = 2;
    if (d.fl) {
      fl_levels = fl5lp && c.rarely(3) ? 5 : 4;
      y << "      type: first_level\n      fl_levels: " << fl_levels << "\n";
      if (parent) y << "      parent: " << doms[*parent].name << "\n";
    } else {
      // Mostly an AGAW the unit supports.
      aw = static_cast<unsigned>(c.rarely(6) ? 1 + c.below(3) : sagaw[c.below(sagaw.size())]);
      y << "      aw: " << aw << "\n";
    }
    const unsigned nmap = static_cast<unsigned>(c.below(4));
    std::ostringstream maps;
    for (unsigned m = 0; m < nmap; ++m) {
      u64 iova = c.flag() ? c.one(kIovas) : c.below(64) * 0x1000;
      // Within the domain's reach (the builder refuses the rest): AGAW width
      // for second-level tables, the canonical lower half for first-level ones.
      const unsigned width = d.fl ? (fl_levels == 5 ? 56 : 47) : 30 + 9 * aw;
      if (iova >> width) iova &= (u64{1} << width) - 0x1000;
      const u64 size = c.rarely(4) ? 0x2000 : 0x1000;
      u64 pa = 0x80000000 + c.below(64) * 0x1000;
      if (parent) {  // guest-physical: a page the parent maps
        const auto& [piova, psize] = doms[*parent].pages[c.below(doms[*parent].pages.size())];
        pa = piova;
        if (size > psize) continue;
        (void)psize;
      }
      // Skip what the builder refuses anyway (it costs an input otherwise).
      bool clash = false;
      for (const auto& [i2, s2] : d.pages) clash = clash || (iova < i2 + s2 && i2 < iova + size);
      if (clash) iova += 0x10000000;
      if ((iova + size - 1) >> width) iova = (u64{1} << width) - size;
      maps << "        - {iova: " << hx(iova) << ", pa: " << hx(pa) << ", size: " << hx(size);
      if (c.rarely(4)) maps << ", write: false";
      if (!d.fl && c.rarely(6)) maps << ", read: false";
      maps << "}\n";
      d.pages.emplace_back(iova, size);
    }
    y << "      mappings:" << (d.pages.empty() ? " []\n" : "\n" + maps.str());
    doms.push_back(std::move(d));
  }

  // Devices.
  static const std::vector<std::string> kBdfs{"00:02.0", "00:03.0", "00:1f.7", "01:00.0", "00:10.0"};
  static const std::vector<u32> kPasids{0, 1, 2, 63, 64, 100, 0x7fff};
  std::vector<GenDevice> devs;
  const unsigned ndev = 1 + static_cast<unsigned>(c.below(3));
  std::vector<std::string> bdfs = kBdfs;
  y << "  devices:\n";
  for (unsigned i = 0; i < ndev; ++i) {
    GenDevice g;
    const std::size_t k = c.below(bdfs.size());
    g.bdf = bdfs[k];
    bdfs.erase(bdfs.begin() + static_cast<long>(k));
    y << "    - bdf: \"" << g.bdf << "\"\n";
    if (!sm) {
      std::vector<std::size_t> sl;
      for (std::size_t d = 0; d < doms.size(); ++d) sl.push_back(d);
      if (c.below(4) != 0) y << "      domain: " << doms[c.one(sl)].name << "\n";
      const unsigned tt = static_cast<unsigned>(c.below(6));
      g.pass_through = tt == 5;
      y << "      translation: "
        << (tt == 4   ? "dev_iotlb"
            : tt == 5 ? "pass_through"
                      : "multi_level")
        << "\n";
    } else {
      const bool ctx = !c.rarely(6);
      if (!ctx) y << "      context: false\n";
      if (c.rarely(3)) y << "      ats: true\n";
      if (ctx) {
        const unsigned np = static_cast<unsigned>(c.below(4));
        std::vector<u32> avail = kPasids;
        if (np) y << "      pasids:\n";
        for (unsigned p = 0; p < np; ++p) {
          const std::size_t at = c.below(avail.size());
          const u32 pasid = avail[at];
          avail.erase(avail.begin() + static_cast<long>(at));
          g.pasids.push_back(pasid);
          y << "        - {pasid: " << pasid;
          switch (c.below(5)) {
            case 0:
            case 1: y << ", domain: " << doms[c.below(doms.size())].name; break;
            case 2: y << ", pgtt: pass_through"; break;
            case 3: break;  // allocated, not present
            case 4: y << ", fpd: true"; break;
          }
          y << "}\n";
        }
      }
    }
    devs.push_back(std::move(g));
  }

  // Programs: driver sequences with arguments from the tables, raw
  // operations, delays.
  auto device = [&]() -> const GenDevice& { return devs[c.below(devs.size())]; };
  auto pasid_of = [&](const GenDevice& d) -> u32 {
    return d.pasids.empty() || c.rarely(5) ? static_cast<u32>(c.one(kPasids))
                                           : d.pasids[c.below(d.pasids.size())];
  };
  auto domain = [&]() -> const GenDomain& { return doms[c.below(doms.size())]; };
  auto sequence = [&](const std::string& ind) {
    std::ostringstream s;
    const GenDevice& d = device();
    s << ind << "- sequence: ";
    if (!sm) {
      if (c.flag() && !d.pass_through) {
        static const std::vector<std::string> v{"pre_fix", "cmpxchg16b", "dma_wmb"};
        s << "domain_context_mapping_one\n"
          << ind << "  device: \"" << d.bdf << "\"\n"
          << ind << "  domain: " << domain().name << "\n"
          << ind << "  variant: " << (cmpxchg16b ? c.one(v) : v[2 * c.below(2)]) << "\n";
      } else {
        static const std::vector<std::string> v{"pre_fix", "clear_present", "no_wait"};
        s << "context_teardown\n"
          << ind << "  device: \"" << d.bdf << "\"\n"
          << ind << "  variant: " << c.one(v) << "\n";
      }
      return s.str();
    }
    const std::string dev = ind + "  device: \"" + d.bdf + "\"\n";
    // PASID sequences need a PASID the device lists (the registry refuses others).
    const std::string pas =
        d.pasids.empty() ? "" : ind + "  pasid: " + std::to_string(d.pasids[c.below(d.pasids.size())]) + "\n";
    switch (d.pasids.empty() ? c.below(2) : c.below(9)) {
      case 0: {
        static const std::vector<std::string> v{"pre_fix", "cmpxchg16b", "dma_wmb"};
        s << "device_pasid_table_setup\n"
          << dev << ind << "  variant: " << (cmpxchg16b ? c.one(v) : v[2 * c.below(2)]) << "\n";
        // Not on a present entry in caching mode: the driver state does not
        // know whether a scalable-mode context entry is present, so the early
        // return leaves the CM invalidations' ring slots empty (the IOMMU
        // then stops at an empty slot and the run polls until max_cycles; a
        // known limitation, see tests/fuzz/README.md). copied: true has no
        // early return.
        if (caching_mode || c.rarely(3)) s << ind << "  copied: true\n";
        break;
      }
      case 1: s << "device_pasid_table_teardown\n" << dev; break;
      case 2: {
        const GenDomain& g = domain();
        s << (g.nested ? "intel_pasid_setup_nested\n"
              : g.fl   ? "intel_pasid_setup_first_level\n"
                       : "intel_pasid_setup_second_level\n")
          << dev << pas << ind << "  domain: " << g.name << "\n";
        break;
      }
      case 3: s << "intel_pasid_setup_pass_through\n" << dev << pas; break;
      case 4: s << "intel_pasid_flush_present\n" << dev << pas; break;
      case 5: {
        static const std::vector<std::string> v{"pre_fix",           "clear_present", "no_wait",
                                                "zero_before_flush", "no_poll",       "wait_first",
                                                "no_wait_last"};
        s << "intel_pasid_tear_down_entry\n" << dev << pas << ind << "  variant: " << c.one(v) << "\n";
        if (c.rarely(3)) s << ind << "  fault_ignore: true\n";
        break;
      }
      case 6: {
        static const std::vector<std::string> v{"current", "no_pasid_cache", "no_wait"};
        s << "intel_pasid_setup_page_snoop_control\n"
          << dev << pas << ind << "  variant: " << c.one(v) << "\n";
        break;
      }
      case 7: {
        static const std::vector<std::string> v{"struct_copy", "hitless", "upstream"};
        const GenDomain& g = domain();
        if (c.rarely(4)) {
          s << "intel_pasid_replace_pass_through\n" << dev << pas;
        } else {
          s << (g.nested ? "intel_pasid_replace_nested\n"
                : g.fl   ? "intel_pasid_replace_first_level\n"
                         : "intel_pasid_replace_second_level\n")
            << dev << pas << ind << "  new_domain: " << g.name << "\n";
        }
        s << ind << "  variant: " << (cmpxchg16b ? c.one(v) : v[2 * c.below(2)]) << "\n";
        break;
      }
      case 8: {
        s << "dmar_translation_struct_show\n"
          << dev << pas << ind << "  variant: " << (c.flag() ? "locked" : "no_lock") << "\n";
        break;
      }
    }
    return s.str();
  };
  // Raw operations on table pages: the root table, each domain's top table
  // and the first device page (context table, or PASID directory) come
  // first and are surely tables; the driver memory (queue, status, locks)
  // follows the tables, and a store there could stop the queue for good
  // (an IQE the driver model does not handle: it polls until max_cycles).
  const u64 table_pages = 2 + doms.size();
  auto raw_ops = [&](const std::string& ind) {
    std::ostringstream s;
    s << ind << "- ops:\n";
    const unsigned n = 1 + static_cast<unsigned>(c.below(3));
    for (unsigned i = 0; i < n; ++i) {
      const u64 addr = 0x100000 + c.below(table_pages) * 0x1000 + c.below(512) * 8;
      s << ind << "    - {op: ";
      switch (c.below(8)) {
        case 0:
        case 1: {
          // Values that look like entries: present bits, pointers into the tables, reserved bits.
          u64 v;
          switch (c.below(4)) {
            case 0: v = 0; break;
            case 1: v = 0x100000 + c.below(24) * 0x1000 + c.below(256); break;
            case 2: v = u64{1} << c.below(64) | c.below(4); break;
            default: v = c.word(); break;
          }
          s << "store64, addr: " << hx(addr) << ", value: " << hx(v) << (c.flag() ? ", once: true" : "");
          break;
        }
        case 2:
          if (cmpxchg16b) {
            s << "store128, addr: " << hx(addr & ~u64{15}) << ", lo: " << hx(c.word())
              << ", hi: " << hx(c.word());
            break;
          }
          [[fallthrough]];
        case 3: s << "load64, addr: " << hx(addr); break;
        case 4: s << "clflush, addr: " << hx(addr); break;
        case 5: s << (c.flag() ? "mfence" : "compiler_barrier"); break;
        case 6: s << "delay, cycles: " << c.below(60); break;
        case 7: {
          // Readable registers: (offset, bytes) as the register file has them.
          static const std::vector<std::pair<u64, unsigned>> regs{
              {0x0, 4}, {0x8, 8}, {0xc, 4}, {0x10, 8}, {0x1c, 4}, {0x20, 8}, {0x34, 4}, {0x80, 8}, {0x88, 4}};
          const auto& [r, bytes] = c.one(regs);
          s << "mmio_read, reg: " << hx(r) << ", bytes: " << bytes;
          break;
        }
      }
      s << "}\n";
    }
    return s.str();
  };
  auto program = [&](const std::string& ind, unsigned max_items, bool at_least_one) {
    std::ostringstream s;
    unsigned n = static_cast<unsigned>(c.below(max_items + 1));
    if (at_least_one && n == 0) n = 1;
    for (unsigned i = 0; i < n; ++i) {
      switch (c.below(6)) {
        case 0:
        case 1:
        case 2: s << sequence(ind); break;
        case 3:
        case 4: s << raw_ops(ind); break;
        case 5: s << ind << "- delay: " << c.below(100) << "\n"; break;
      }
    }
    return s.str();
  };
  const std::string p0 = program("  ", 3, false);
  y << "program:" << (p0.empty() ? " []\n" : "\n" + p0);
  // CPU 1 always exists (the Simulator's CPU count is fixed at elaboration).
  y << "cpus:\n  - start: " << c.below(300) << "\n    program:\n";
  // No driver sequence that queues invalidations: the ring slots are
  // assigned when the programs are built, CPU 0's first, so two CPUs
  // submitting concurrently may ring the doorbell past slots the other has
  // not filled yet (a known limitation, see tests/fuzz/README.md). Readers,
  // raw operations and delays.
  switch (c.below(4)) {
    case 0:
      if (const GenDevice& d = device(); sm && !d.pasids.empty()) {
        y << "      - sequence: dmar_translation_struct_show\n        device: \"" << d.bdf
          << "\"\n        pasid: " << d.pasids[c.below(d.pasids.size())]
          << "\n        variant: " << (c.flag() ? "locked" : "no_lock") << "\n";
        break;
      }
      [[fallthrough]];
    case 1: y << raw_ops("      "); break;
    default: y << "      - delay: " << c.below(20) << "\n"; break;
  }

  // Traffic from one or two devices, mostly to mapped addresses.
  const unsigned nstreams = 1 + static_cast<unsigned>(c.below(2));
  y << "traffic:\n";
  for (unsigned i = 0; i < nstreams; ++i) {
    const GenDevice& d = device();
    y << "  - device: \"" << d.bdf << "\"\n";
    if (sm && c.flag()) y << "    pasid: " << (c.rarely(8) ? 0x8000 + c.below(0xf8000) : pasid_of(d)) << "\n";
    u64 iova;
    const GenDomain& g = domain();
    if (!g.pages.empty() && c.below(4) != 0) {
      const auto& [base, size] = g.pages[c.below(g.pages.size())];
      iova = base + c.below(size / 0x1000) * 0x1000 + (c.flag() ? c.below(0x1000) : 0);
    } else {
      iova = c.flag() ? c.one(kIovas) : c.word();
    }
    y << "    iova: " << hx(iova) << "\n    access: " << (c.flag() ? "write" : "read") << "\n";
    if (c.flag()) {
      const unsigned n = 1 + static_cast<unsigned>(c.below(4));
      std::vector<Cycle> at;
      for (unsigned k = 0; k < n; ++k) at.push_back(c.below(kTrafficWindow));
      std::sort(at.begin(), at.end());
      y << "    at: [";
      for (unsigned k = 0; k < n; ++k) y << (k ? ", " : "") << at[k];
      y << "]\n";
    } else {
      y << "    start: " << c.below(kTrafficWindow) << "\n    every: " << 1 + c.below(50)
        << "\n    count: " << 1 + c.below(10) << "\n";
    }
  }
  (void)all_caches_off;
  return y.str();
}

struct Stats {
  u64 inputs = 0, loaded = 0, simulated = 0, finished = 0, timed_out = 0, refused = 0;
  u64 dmas = 0, checked_initial = 0, checked_final = 0;
  ~Stats() {
    if (!inputs) return;
    std::fprintf(
        stderr,
        "simulate: %llu inputs, %llu loaded, %llu reached the simulator (%.1f%%), %llu finished, %llu "
        "still running at max_cycles, %llu refused by the table builder or driver registry; %llu DMA "
        "requests, %llu checked by the oracle against the initial tables, %llu against the final "
        "tables, 0 mismatches\n",
        static_cast<unsigned long long>(inputs), static_cast<unsigned long long>(loaded),
        static_cast<unsigned long long>(simulated),
        100.0 * static_cast<double>(simulated) / static_cast<double>(inputs),
        static_cast<unsigned long long>(finished), static_cast<unsigned long long>(timed_out),
        static_cast<unsigned long long>(refused), static_cast<unsigned long long>(dmas),
        static_cast<unsigned long long>(checked_initial), static_cast<unsigned long long>(checked_final));
  }
};
Stats g_stats;
const std::string* g_yaml = nullptr;  // the scenario being run, for messages

// The differential oracle (see the top of the file).
class Oracle : public RunListener {
 public:
  Interests interests() const override { return overridden<Oracle>(); }

  void on_start(const EpisodeStart& st) override {
    ++g_stats.simulated;
    mem_ = &st.memory;
    cfg_ = ref_walk_config(st.scenario.platform.iommu);
    rtaddr_ = st.layout.rtaddr;
    tables_end_ = st.layout.driver.qi_queue;
    // The caches tag translations with the DID (and PASID), not the table:
    // two tables under one DID (or a domain with DID 1, the pass-through
    // entries' DID) let one serve the other's requests, as hardware would.
    // The walk cannot predict that, so such runs are judged only without caches.
    std::set<u16> dids;
    bool shared_did = false;
    for (const Domain& d : st.scenario.tables.domains)
      shared_did = shared_did || !dids.insert(d.did).second || (cfg_.scalable && d.did == 1);
    const IommuConfig& io = st.scenario.platform.iommu;
    initial_check_ = !shared_did || (!io.iotlb.enabled && !(cfg_.scalable && io.pasid_cache.enabled));
    final_check_ = st.scenario.platform.iommu.coherent && !st.scenario.platform.iommu.context_cache.enabled &&
                   !st.scenario.platform.iommu.iotlb.enabled &&
                   !(cfg_.scalable && st.scenario.platform.iommu.pasid_cache.enabled);
    first_store_ = ~Cycle{0};
    last_store_ = 0;
    any_store_ = false;
    initial_.clear();
    late_.clear();
  }
  void on_store(const StoreEvent& e) override {
    if (e.addr < rtaddr_ || e.addr >= tables_end_) return;  // driver memory, data pages
    first_store_ = std::min(first_store_, e.cycle);
    last_store_ = std::max(last_store_, e.cycle);
    any_store_ = true;
  }
  void on_dma(const DmaEvent& e) override {
    ++g_stats.dmas;
    const std::optional<u32> pasid = e.has_pasid ? std::optional<u32>(e.pasid) : std::nullopt;
    if (e.done < first_store_ && initial_check_) {
      // Decided on the initial tables: memory has not changed yet.
      const auto key = std::make_tuple(e.rid.value, pasid, e.iova, e.write);
      auto it = initial_.find(key);
      if (it == initial_.end()) it = initial_.emplace(key, walk(e.rid, pasid, e.iova, e.write)).first;
      compare(e, it->second, "the initial tables");
      ++g_stats.checked_initial;
    } else if (final_check_) {
      late_.push_back(e);  // judged at the end, against the final tables
    }
  }
  void on_finish(const RunResult&) override {
    for (const DmaEvent& e : late_) {
      if (any_store_ && e.arrived <= last_store_) continue;
      const std::optional<u32> pasid = e.has_pasid ? std::optional<u32>(e.pasid) : std::nullopt;
      compare(e, walk(e.rid, pasid, e.iova, e.write), "the final tables");
      ++g_stats.checked_final;
    }
  }

 private:
  RefOutcome walk(Rid rid, std::optional<u32> pasid, Addr iova, bool write) const {
    const PhysicalMemory* m = mem_;
    return reference_walk(
        cfg_, rtaddr_, [m](Addr a) { return m->peek64(a); }, rid, pasid, iova, write);
  }
  static void compare(const DmaEvent& e, const RefOutcome& want, const char* tables) {
    const RefOutcome got{e.fault, e.fault ? e.fault_reason : u8{0}, e.fault ? 0 : e.pa};
    if (got == want) return;
    std::fprintf(
        stderr,
        "ORACLE MISMATCH: request %llu from %s%s iova %s %s (arrived %llu, done %llu): the IOMMU gave "
        "%s, the reference walk of %s %s\n--- scenario ---\n%s--- end ---\n",
        static_cast<unsigned long long>(e.request), to_string(e.rid).c_str(),
        e.has_pasid ? (" PASID " + std::to_string(e.pasid)).c_str() : "", hx(e.iova).c_str(),
        e.write ? "write" : "read", static_cast<unsigned long long>(e.arrived),
        static_cast<unsigned long long>(e.done), to_string(got).c_str(), tables, to_string(want).c_str(),
        g_yaml ? g_yaml->c_str() : "");
    std::abort();
  }

  const PhysicalMemory* mem_ = nullptr;
  RefWalkConfig cfg_;
  Addr rtaddr_ = 0, tables_end_ = 0;
  bool initial_check_ = false, final_check_ = false, any_store_ = false;
  Cycle first_store_ = 0, last_store_ = 0;
  std::map<std::tuple<u16, std::optional<u32>, Addr, bool>, RefOutcome> initial_;
  std::vector<DmaEvent> late_;
};

// After an episode stopped at max_cycles: run the platform on until nothing
// is left to do, so the next episode starts idle. Every generated program
// and stream ends, so this ends; if it does not, that is a hang.
void drain() {
  sc_core::sc_start(cycles(100'000'000), sc_core::SC_EXIT_ON_STARVATION);
  if (sc_core::sc_pending_activity()) {
    std::fprintf(stderr,
                 "HANG: still busy 100,000,000 cycles after max_cycles\n--- scenario ---\n%s--- end ---\n",
                 g_yaml ? g_yaml->c_str() : "");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static vtd::Simulator sim;
  ++g_stats.inputs;
  Choices c(data, size);
  const std::string yaml = generate(c);
  g_yaml = &yaml;
  static const bool print = std::getenv("FUZZ_SIMULATE_PRINT") != nullptr;
  if (print) std::fprintf(stderr, "--- scenario ---\n%s--- end ---\n", yaml.c_str());
  vtd::Scenario s;
  try {
    s = vtd::load_scenario_text(yaml, "fuzz.yaml");
  } catch (const vtd::ScenarioError& e) {
    // The generator writes only what the format accepts.
    std::fprintf(stderr, "GENERATOR: the loader refused the scenario: %s\n%s", e.what(), yaml.c_str());
    std::abort();
  }
  ++g_stats.loaded;
  Oracle oracle;
  vtd::RunOptions opt;
  opt.log_level = "off";
  opt.listeners.push_back(&oracle);
  try {
    const vtd::RunResult r = sim.run(s, opt);
    ++g_stats.finished;
    // The reports of one run in eight (they cost a tenth of an execution).
    if (size == 0 || data[0] % 8 == 0) {
      (void)vtd::text_report(r);
      (void)vtd::json_report(r).dump();
    }
  } catch (const vtd::ScenarioError& e) {
    ++g_stats.refused;
    static const bool why = std::getenv("FUZZ_SIMULATE_REFUSALS") != nullptr;
    if (why) std::fprintf(stderr, "refused: %s\n", e.what());
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind("simulation still running", 0) != 0) throw;
    ++g_stats.timed_out;
    drain();
  }
  g_yaml = nullptr;
  return 0;
}
