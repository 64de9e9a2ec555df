#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "formats/qi_descriptors.hpp"
#include "iommu_model/invalidation_queue.hpp"
#include "iommu_model/registers.hpp"

using namespace vtd;

namespace {

using Qw = std::array<u64, 4>;

// Descriptors built the way Linux builds them (vtd-facts §5.2, §8), with raw
// shifts rather than the field tables so the tables are checked too.
namespace linux_desc {
Qw cc_device(u16 did, u16 sid, u64 fm) {
  return {1 | (3ull << 4) | (u64{did} << 16) | (u64{sid} << 32) | (fm << 48), 0};
}
Qw cc_global() { return {1 | (1ull << 4), 0}; }
Qw iotlb_global() { return {2 | (1ull << 4), 0}; }
Qw iotlb_dsi(u16 did) { return {2 | (2ull << 4) | (u64{did} << 16), 0}; }
Qw iotlb_psi(u16 did, u64 addr, unsigned am, bool ih, bool drain) {
  const u64 dwdr = drain ? (1ull << 6) | (1ull << 7) : 0;
  return {2 | (3ull << 4) | dwdr | (u64{did} << 16), addr | (u64{ih} << 6) | am};
}
Qw wait(u64 status_phys, u32 data = qi_fmt::QI_DONE) {
  return {5 | (1ull << 5) | (u64{data} << 32), status_phys};
}
// qi_flush_dev_iotlb with mask 52: the "global" device-TLB flush.
Qw dev_iotlb_all(u16 sid, u16 pfsid, u64 qdep) {
  return {3 | (u64{sid} << 32) | (qdep << 16) | (u64(pfsid & 0xf) << 12) | (u64(pfsid >> 4) << 52),
          0x7ffffffffffff001ull};
}
Qw piotlb_all(u16 did, u32 pasid) { return {6 | (2ull << 4) | (u64{did} << 16) | (u64{pasid} << 32), 0}; }
Qw piotlb_psi(u16 did, u32 pasid, u64 addr, unsigned am) {
  return {6 | (3ull << 4) | (u64{did} << 16) | (u64{pasid} << 32), addr | am};
}
Qw pc_pasid(u16 did, u32 pasid) { return {7 | (1ull << 4) | (u64{did} << 16) | (u64{pasid} << 32), 0}; }
Qw pc_global() { return {7 | (3ull << 4), 0}; }
// qi_flush_dev_iotlb_pasid with size_order 52.
Qw pdev_iotlb_all(u16 sid, u32 pasid, u16 pfsid, u64 qdep) {
  return {8 | (u64{pasid} << 32) | (u64{sid} << 16) | (qdep << 4) | (u64(pfsid & 0xf) << 12) |
              (u64(pfsid >> 4) << 52),
          0x7ffffffffffff800ull};
}
Qw iec_global() { return {4, 0}; }
}  // namespace linux_desc

// ------------------------------------------------------------- test rig
struct Mem : QiMemory {
  std::map<Addr, u64> words;
  std::vector<std::pair<Addr, Cycle>> reads;
  struct Status {
    Addr addr;
    u32 data;
    Cycle at;
  };
  std::vector<Status> status;

  Qw read_descriptor(Addr addr, bool dw256, Cycle now) override {
    reads.emplace_back(addr, now);
    Qw q{};
    for (unsigned i = 0; i < (dw256 ? 4u : 2u); ++i) q[i] = words[addr + 8 * i];
    return q;
  }
  void write_status(Addr addr, u32 data, Cycle now) override { status.push_back({addr, data, now}); }
};

struct Sink : QiSink {
  struct Ev {
    u64 type;
    unsigned index;
    Cycle at;
    bool operator==(const Ev&) const = default;
  };
  std::vector<Ev> fetched, completed;
  std::vector<std::pair<QiFault, Cycle>> errors;
  const Registers* regs = nullptr;
  std::vector<u64> ics_at_complete;

  void on_fetched(const Descriptor& d, unsigned index, Cycle now) override {
    fetched.push_back({d.type, index, now});
  }
  void on_complete(const Descriptor& d, unsigned index, Cycle now) override {
    completed.push_back({d.type, index, now});
    if (regs) ics_at_complete.push_back(regs->read(reg::ICS, 4).value);
  }
  void on_error(const QiFault& f, Cycle now) override { errors.emplace_back(f, now); }
};

constexpr Addr kQueue = 0x100000;
constexpr Addr kStatus = 0x200000;
constexpr u32 kQie = 1u << 26;

struct Rig {
  Registers regs{Registers::Config{}};
  QiLatencies lat;  // defaults: fetch 10, cc 20, iotlb 30, devtlb 200, wait 5, piotlb 30, pc 20, pdevtlb 200
  InvalidationQueue q{regs, lat};
  Mem mem;
  Sink sink;
  bool dw256 = false;

  // __dmar_enable_qi: IQT = 0, IQA, GCMD.QIE.
  explicit Rig(bool wide = false) : dw256(wide) {
    sink.regs = &regs;
    q.mmio_write(reg::IQT, 4, 0, 0);
    q.mmio_write(reg::IQA, 8, kQueue | (wide ? (1ull << 11) | 1 : 0), 0);
    q.mmio_write(reg::GCMD, 4, kQie, 0);
    run(0);
  }
  unsigned shift() const { return dw256 ? 5 : 4; }
  Addr slot_addr(unsigned i) const { return kQueue + Addr(i) * (dw256 ? 32 : 16); }
  void put(unsigned slot, const Qw& d) {
    for (unsigned i = 0; i < (dw256 ? 4u : 2u); ++i) mem.words[slot_addr(slot) + 8 * i] = d[i];
  }
  void set_tail(unsigned slot, Cycle now) { q.mmio_write(reg::IQT, 4, u64(slot) << shift(), now); }
  void run(Cycle until) {
    while (auto t = q.next_event()) {
      if (*t > until) break;
      q.advance(*t, mem, sink);
    }
  }
  void run_all() { run(~0ull); }
};

}  // namespace

namespace Catch {
template <>
struct StringMaker<Sink::Ev> {
  static std::string convert(const Sink::Ev& e) {
    return "{type " + std::to_string(e.type) + " slot " + std::to_string(e.index) + " @" +
           std::to_string(e.at) + "}";
  }
};
}  // namespace Catch

// ================================================================= decoder
TEST_CASE("decoder accepts Linux's descriptor encodings", "[qi]") {
  using namespace qi_fmt;
  SECTION("128-bit legacy-mode descriptors") {
    for (const Qw& q : {linux_desc::cc_device(7, 0x0010, 0), linux_desc::cc_global(),
                        linux_desc::iotlb_global(), linux_desc::iotlb_dsi(3),
                        linux_desc::iotlb_psi(3, 0x7f000, 2, true, true), linux_desc::wait(kStatus + 4),
                        linux_desc::dev_iotlb_all(0x0100, 0x0123, 31), linux_desc::iec_global()}) {
      const DecodeResult r = decode_descriptor(q, false);
      INFO(describe(r.desc) << " " << r.reason);
      CHECK(r.ok());
    }
  }
  SECTION("256-bit scalable-mode descriptors") {
    for (const Qw& q :
         {linux_desc::cc_device(7, 0x0010, 0), linux_desc::iotlb_psi(3, 0x7f000, 0, false, false),
          linux_desc::wait(kStatus), linux_desc::piotlb_all(9, 5), linux_desc::piotlb_psi(9, 5, 0x1000, 3),
          linux_desc::pc_pasid(9, 5), linux_desc::pc_global(),
          linux_desc::pdev_iotlb_all(0x0200, 5, 0xabcd, 0), linux_desc::dev_iotlb_all(0x0200, 0, 0)}) {
      const DecodeResult r = decode_descriptor(q, true);
      INFO(describe(r.desc) << " " << r.reason);
      CHECK(r.ok());
    }
  }
  SECTION("fields read back through the tables") {
    const Descriptor d = decode_descriptor(linux_desc::cc_device(7, 0x0010, 1), false).desc;
    CHECK(d.type == TYPE_CC);
    CHECK(d.get(cc::G) == cc::G_DEVICE);
    CHECK(d.get(cc::DID) == 7);
    CHECK(d.get(cc::SID) == 0x10);
    CHECK(d.get(cc::FM) == 1);
    const Descriptor w = decode_descriptor(linux_desc::wait(kStatus + 0x24, 0x1234), false).desc;
    CHECK(w.get(wait::SW) == 1);
    CHECK(w.get(wait::STATUS_DATA) == 0x1234);
    CHECK((w.get(wait::STATUS_ADDR) << 2) == kStatus + 0x24);
    const Descriptor p = decode_descriptor(linux_desc::iotlb_psi(3, 0x7f000, 2, true, false), false).desc;
    CHECK((p.get(iotlb::ADDR) << 12) == 0x7f000);
    CHECK(p.get(iotlb::AM) == 2);
    CHECK(p.get(iotlb::IH) == 1);
    const Descriptor t = decode_descriptor(linux_desc::dev_iotlb_all(0x0100, 0x0123, 31), false).desc;
    CHECK(t.get(devtlb::SID) == 0x100);
    CHECK(t.get(devtlb::QDEP) == 31);
    CHECK((t.get(devtlb::PFSID_LO) | (t.get(devtlb::PFSID_HI) << 4)) == 0x123);
    CHECK(t.get(devtlb::S) == 1);
  }
  SECTION("descriptions") {
    CHECK(describe(decode_descriptor(linux_desc::cc_device(7, 0x0010, 0), false).desc) ==
          "CC-device(did=7 sid=00:02.0 fm=0)");
    CHECK(describe(decode_descriptor(linux_desc::iotlb_psi(3, 0x7f000, 2, false, false), false).desc) ==
          "IOTLB-page(did=3 addr=0x7f000 am=2 ih=0)");
    CHECK(describe(decode_descriptor(linux_desc::wait(0x2000), false).desc) ==
          "WAIT(sw=1 if=0 fn=0 data=0x2 addr=0x2000)");
    CHECK(describe(decode_descriptor(linux_desc::pc_pasid(9, 5), true).desc) == "PC-pasid(did=9 pasid=5)");
  }
}

TEST_CASE("decoder rejects reserved bits", "[qi]") {
  struct Bad {
    Qw qw;
    bool dw256;
  };
  const std::vector<Bad> bad = {
      {{linux_desc::cc_global()[0], 1}, false},                                    // CC qw1 reserved
      {{linux_desc::cc_global()[0] | (1ull << 6), 0}, false},                      // CC bit 6
      {{linux_desc::cc_global()[0] | (1ull << 50), 0}, false},                     // CC bit 50
      {{linux_desc::iotlb_global()[0] | (1ull << 8), 0}, false},                   // IOTLB qw0 bit 8
      {{linux_desc::iotlb_global()[0] | (1ull << 32), 0}, false},                  // IOTLB qw0 bit 32
      {{linux_desc::iotlb_dsi(1)[0], 1ull << 7}, false},                           // IOTLB qw1 bit 7
      {{linux_desc::wait(kStatus)[0] | (1ull << 8), kStatus}, false},              // wait qw0 bit 8
      {{linux_desc::wait(kStatus)[0] | (1ull << 7), kStatus}, false},              // PD without ECAP.PDS
      {{linux_desc::wait(kStatus)[0], kStatus | 2}, false},                        // status address bits 1:0
      {{linux_desc::dev_iotlb_all(1, 0, 0)[0] | (1ull << 4), 0}, false},           // devTLB qw0 bit 4
      {{linux_desc::dev_iotlb_all(1, 0, 0)[0] | (1ull << 48), 0}, false},          // devTLB bit 48
      {{linux_desc::dev_iotlb_all(1, 0, 0)[0], 0x2}, false},                       // devTLB qw1 bit 1
      {{linux_desc::iec_global()[0] | (1ull << 5), 0}, false},                     // IEC bit 5
      {{linux_desc::piotlb_all(1, 2)[0] | (1ull << 52), 0}, true},                 // PIOTLB bit 52
      {{linux_desc::piotlb_all(1, 2)[0], 1ull << 8}, true},                        // PIOTLB qw1 bit 8
      {{linux_desc::pc_global()[0], 1}, true},                                     // PC qw1
      {{linux_desc::pdev_iotlb_all(1, 2, 0, 0)[0], 0x7ffffffffffff802ull}, true},  // P-devTLB qw1 bit 1
      {{linux_desc::cc_global()[0], 0, 1, 0}, true},                   // qw2 of a 256-bit descriptor
      {{linux_desc::wait(kStatus)[0], kStatus, 0, 1ull << 63}, true},  // qw3
  };
  for (const Bad& b : bad) {
    const DecodeResult r = decode_descriptor(b.qw, b.dw256);
    INFO(describe(r.desc));
    CHECK(r.malformed());
    CHECK(r.iqei == reg_fmt::IQEI_RESERVED);
    CHECK(r.reason.find("reserved") != std::string::npos);
  }
  SECTION("PD is accepted with ECAP.PDS") {
    DecodeOptions o;
    o.pds = true;
    CHECK(decode_descriptor({linux_desc::wait(kStatus)[0] | (1ull << 7), kStatus}, false, o).ok());
  }
  SECTION("a 128-bit queue ignores what follows the descriptor") {
    CHECK(decode_descriptor({linux_desc::cc_global()[0], 0, ~0ull, ~0ull}, false).ok());
  }
}

TEST_CASE("decoder rejects unknown types and bad granularities", "[qi]") {
  for (u64 t : {0x0ull, 0xaull, 0xfull}) {
    const DecodeResult r = decode_descriptor({t, 0}, true);
    CHECK(r.iqei == reg_fmt::IQEI_INVALID_TYPE);
    CHECK(r.reason.find("unknown") != std::string::npos);
  }
  // TYPE_HI (bits 11:9) makes it a type above 0xf.
  CHECK(decode_descriptor({linux_desc::cc_global()[0] | (1ull << 9), 0}, false).iqei ==
        reg_fmt::IQEI_INVALID_TYPE);
  // PASID-based types need 256-bit descriptors.
  CHECK(decode_descriptor(linux_desc::piotlb_all(1, 2), false).iqei == reg_fmt::IQEI_INVALID_TYPE);
  CHECK(decode_descriptor(linux_desc::pc_global(), false).iqei == reg_fmt::IQEI_INVALID_TYPE);

  const std::vector<std::pair<Qw, bool>> bad_g = {
      {{1 | (0ull << 4), 0}, false},  // CC G = 0
      {{2 | (0ull << 4), 0}, false},  // IOTLB G = 0
      {{6 | (1ull << 4), 0}, true},   // PIOTLB G = 1
      {{6 | (0ull << 4), 0}, true},   // PIOTLB G = 0
      {{7 | (2ull << 4), 0}, true},   // PC G = 2
  };
  for (const auto& [q, wide] : bad_g) {
    const DecodeResult r = decode_descriptor(q, wide);
    CHECK(r.iqei == reg_fmt::IQEI_RESERVED);
    CHECK(r.reason.find("granularity") != std::string::npos);
  }
  SECTION("AM above CAP.MAMV") {
    DecodeOptions o;
    o.mamv = 9;
    CHECK(decode_descriptor(linux_desc::iotlb_psi(1, 0, 9, false, false), false, o).ok());
    CHECK(decode_descriptor(linux_desc::iotlb_psi(1, 0, 10, false, false), false, o).iqei ==
          reg_fmt::IQEI_RESERVED);
    CHECK(decode_descriptor(linux_desc::piotlb_psi(1, 1, 0, 10), true, o).malformed());
  }
}

// ================================================================= queue
TEST_CASE("enabling QI latches IQA and resets IQH", "[qi]") {
  Rig rig;
  CHECK(rig.q.enabled());
  CHECK(rig.regs.qi_enabled());
  CHECK(rig.q.size() == 256);
  CHECK(rig.q.head() == 0);
  CHECK(rig.q.idle());
  CHECK_FALSE(rig.q.next_event());

  Rig wide(true);
  CHECK(wide.q.dw256());
  CHECK(wide.q.size() == 256);  // 2 pages of 32-byte descriptors
}

TEST_CASE("descriptors are fetched in order and complete after their type's latency", "[qi]") {
  Rig rig;
  rig.put(0, linux_desc::cc_device(1, 0x10, 0));
  rig.put(1, linux_desc::iotlb_dsi(1));
  rig.put(2, linux_desc::dev_iotlb_all(0x10, 0, 0));
  rig.put(3, linux_desc::wait(kStatus + 8));
  rig.set_tail(4, 100);
  CHECK(rig.q.next_event() == 100u);

  rig.run(125);
  // Fetches end every 10 cycles; the slot is sampled when its fetch ends.
  CHECK(rig.sink.fetched == std::vector<Sink::Ev>{{1, 0, 110}, {2, 1, 120}});
  CHECK(rig.mem.reads == std::vector<std::pair<Addr, Cycle>>{{kQueue, 110}, {kQueue + 16, 120}});
  CHECK(rig.regs.read(reg::IQH, 4).value == 2u << 4);
  CHECK(rig.sink.completed.empty());  // nothing takes effect at submission or fetch

  rig.run_all();
  CHECK(rig.sink.fetched == std::vector<Sink::Ev>{{1, 0, 110}, {2, 1, 120}, {3, 2, 130}, {5, 3, 140}});
  // CC 110+20, IOTLB 120+30, devTLB 130+200, wait after the devTLB + 5.
  CHECK(rig.sink.completed == std::vector<Sink::Ev>{{1, 0, 130}, {2, 1, 150}, {3, 2, 330}, {5, 3, 335}});
  CHECK(rig.regs.read(reg::IQH, 4).value == 4u << 4);
  CHECK(rig.q.head() == 4);
  CHECK(rig.q.idle());

  const QiStats& s = rig.q.stats();
  CHECK(s.fetched[1] == 1);
  CHECK(s.fetched[2] == 1);
  CHECK(s.fetched[3] == 1);
  CHECK(s.completed[5] == 1);
  CHECK(s.total_completed() == 4);
  CHECK(s.errors == 0);
  CHECK(s.max_in_flight == 3);
}

TEST_CASE("completion times follow each type's latency", "[qi]") {
  Rig rig(true);
  rig.lat.piotlb = 31;
  InvalidationQueue q(rig.regs, rig.lat);  // a second engine with distinct latencies, same registers
  rig.q.mmio_write(reg::GCMD, 4, 0, 0);
  q.mmio_write(reg::GCMD, 4, kQie, 0);
  const std::vector<std::pair<Qw, Cycle>> cases = {{linux_desc::cc_global(), 20},
                                                   {linux_desc::iotlb_global(), 30},
                                                   {linux_desc::dev_iotlb_all(1, 0, 0), 200},
                                                   {linux_desc::iec_global(), 0},
                                                   {linux_desc::piotlb_all(1, 1), 31},
                                                   {linux_desc::pc_global(), 20},
                                                   {linux_desc::pdev_iotlb_all(1, 1, 0, 0), 200}};
  for (unsigned i = 0; i < cases.size(); ++i) rig.put(i, cases[i].first);
  q.mmio_write(reg::IQT, 4, u64(cases.size()) << 5, 0);
  while (auto t = q.next_event()) q.advance(*t, rig.mem, rig.sink);
  REQUIRE(rig.sink.completed.size() == cases.size());
  for (const Sink::Ev& c : rig.sink.completed) {
    const Cycle fetched_at = 10 * (c.index + 1);
    CHECK(c.at == fetched_at + cases[c.index].second);
    CHECK(c.at - fetched_at == q.latency(c.type));
  }
}

TEST_CASE("a wait descriptor completes after every earlier descriptor", "[qi]") {
  Rig rig;
  SECTION("waits for a slower earlier invalidation") {
    rig.put(0, linux_desc::iotlb_global());  // fetched 10, done 40
    rig.put(1, linux_desc::wait(kStatus));   // fetched 20, done 40 + 5
    rig.set_tail(2, 0);
    rig.run_all();
    CHECK(rig.sink.completed == std::vector<Sink::Ev>{{2, 0, 40}, {5, 1, 45}});
    REQUIRE(rig.mem.status.size() == 1);
    CHECK(rig.mem.status[0].at == 45);
  }
  SECTION("nothing in flight: wait latency after its fetch") {
    rig.put(0, linux_desc::wait(kStatus));
    rig.set_tail(1, 0);
    rig.run_all();
    CHECK(rig.sink.completed == std::vector<Sink::Ev>{{5, 0, 15}});
  }
  SECTION("later descriptors may complete before a wait without FN") {
    rig.put(0, linux_desc::dev_iotlb_all(1, 0, 0));  // done 210
    rig.put(1, linux_desc::wait(kStatus));           // done 215
    rig.put(2, linux_desc::cc_global());             // fetched 30, done 50
    rig.set_tail(3, 0);
    rig.run_all();
    CHECK(rig.sink.completed == std::vector<Sink::Ev>{{1, 2, 50}, {3, 0, 210}, {5, 1, 215}});
  }
  SECTION("FN holds back later fetches until the wait completes") {
    Qw fenced = linux_desc::wait(kStatus);
    fenced[0] |= 1ull << 6;
    rig.put(0, linux_desc::iotlb_global());  // fetched 10, done 40
    rig.put(1, fenced);                      // fetched 20, done 45
    rig.put(2, linux_desc::cc_global());     // fetch 45..55, done 75
    rig.set_tail(3, 0);
    rig.run_all();
    CHECK(rig.sink.fetched == std::vector<Sink::Ev>{{2, 0, 10}, {5, 1, 20}, {1, 2, 55}});
    CHECK(rig.sink.completed.back() == Sink::Ev{1, 2, 75});
  }
  SECTION("equal completion cycles keep fetch order") {
    rig.lat.wait = 0;
    InvalidationQueue q(rig.regs, rig.lat);
    rig.q.mmio_write(reg::GCMD, 4, 0, 0);
    q.mmio_write(reg::GCMD, 4, kQie, 0);
    rig.put(0, linux_desc::cc_global());  // done 30
    rig.put(1, linux_desc::wait(kStatus));
    q.mmio_write(reg::IQT, 4, 2u << 4, 0);
    while (auto t = q.next_event()) q.advance(*t, rig.mem, rig.sink);
    CHECK(rig.sink.completed == std::vector<Sink::Ev>{{1, 0, 30}, {5, 1, 30}});
  }
}

TEST_CASE("wait status write uses the descriptor's data and address", "[qi]") {
  Rig rig;
  SECTION("SW") {
    rig.put(0, linux_desc::wait(kStatus + 0x44, 0xdeadbeef));
    rig.set_tail(1, 0);
    rig.run_all();
    REQUIRE(rig.mem.status.size() == 1);
    CHECK(rig.mem.status[0].addr == kStatus + 0x44);
    CHECK(rig.mem.status[0].data == 0xdeadbeef);
    CHECK(rig.regs.read(reg::ICS, 4).value == 0);
    CHECK(rig.q.stats().status_writes == 1);
  }
  SECTION("IF sets ICS.IWC after the status write") {
    Qw w = linux_desc::wait(kStatus, qi_fmt::QI_DONE);
    w[0] |= 1ull << 4;
    rig.put(0, w);
    rig.set_tail(1, 0);
    rig.run_all();
    REQUIRE(rig.mem.status.size() == 1);
    CHECK(rig.mem.status[0].data == qi_fmt::QI_DONE);
    CHECK(rig.sink.ics_at_complete == std::vector<u64>{1});
    CHECK(rig.q.stats().completion_events == 1);
  }
  SECTION("IF without SW: no status write") {
    rig.put(0, {5 | (1ull << 4), 0});
    rig.set_tail(1, 0);
    rig.run_all();
    CHECK(rig.mem.status.empty());
    CHECK(rig.regs.read(reg::ICS, 4).value == 1);
  }
}

TEST_CASE("the ring wraps around", "[qi]") {
  Rig rig;
  for (unsigned i = 0; i < 256; ++i) rig.put(i, linux_desc::cc_global());
  rig.set_tail(250, 0);
  rig.run_all();
  CHECK(rig.q.head() == 250);
  rig.sink.fetched.clear();

  rig.set_tail(4, 10000);
  rig.run_all();
  std::vector<unsigned> order;
  for (const Sink::Ev& e : rig.sink.fetched) order.push_back(e.index);
  CHECK(order == std::vector<unsigned>{250, 251, 252, 253, 254, 255, 0, 1, 2, 3});
  CHECK(rig.q.head() == 4);
  CHECK(rig.regs.read(reg::IQH, 4).value == 4u << 4);
  CHECK(rig.mem.reads.back().first == kQueue + 3 * 16);
  CHECK(rig.q.stats().fetched[1] == 260);
}

TEST_CASE("IQE stops fetching at the bad descriptor until software clears it", "[qi]") {
  Rig rig;
  Qw bad = linux_desc::iotlb_dsi(1);
  bad[1] = 1ull << 7;  // reserved
  rig.put(0, linux_desc::cc_global());
  rig.put(1, bad);
  rig.put(2, linux_desc::iotlb_global());
  rig.set_tail(3, 100);
  rig.run(400);

  CHECK(rig.sink.fetched == std::vector<Sink::Ev>{{1, 0, 110}});
  REQUIRE(rig.sink.errors.size() == 1);
  CHECK(rig.sink.errors[0].second == 120);
  CHECK(rig.sink.errors[0].first.index == 1);
  CHECK(rig.sink.errors[0].first.iqei == reg_fmt::IQEI_RESERVED);
  CHECK(rig.sink.errors[0].first.qw[1] == bad[1]);
  CHECK(rig.regs.iqe());
  CHECK(reg_get(reg_fmt::IQER_IQEI, rig.regs.get(reg::IQER)) == reg_fmt::IQEI_RESERVED);
  CHECK(rig.regs.read(reg::IQH, 4).value == 1u << 4);               // at the bad slot
  CHECK(rig.sink.completed == std::vector<Sink::Ev>{{1, 0, 130}});  // already fetched: still completes
  CHECK(rig.q.stats().errors == 1);

  // More submissions while IQE is pending do not fetch.
  rig.set_tail(3, 200);
  rig.run(400);
  CHECK(rig.sink.fetched.size() == 1);
  // Writing 0 to FSTS clears nothing.
  rig.q.mmio_write(reg::FSTS, 4, 0, 300);
  rig.run(400);
  CHECK(rig.sink.fetched.size() == 1);

  // qi_check_fault: copy the wait descriptor over the bad slot, then clear IQE.
  rig.put(1, linux_desc::wait(kStatus + 4));
  rig.q.mmio_write(reg::FSTS, 4, 1u << 4, 500);
  CHECK_FALSE(rig.regs.iqe());
  rig.run_all();
  CHECK(rig.sink.fetched == std::vector<Sink::Ev>{{1, 0, 110}, {5, 1, 510}, {2, 2, 520}});
  REQUIRE(rig.mem.status.size() == 1);
  CHECK(rig.mem.status[0].at == 515);
  CHECK(rig.sink.completed.back() == Sink::Ev{2, 2, 550});
  CHECK(rig.q.head() == 3);
}

TEST_CASE("an unknown descriptor type raises IQE with its cause", "[qi]") {
  Rig rig;
  rig.put(0, {0xb, 0});
  rig.set_tail(1, 0);
  rig.run_all();
  REQUIRE(rig.sink.errors.size() == 1);
  CHECK(rig.sink.errors[0].first.iqei == reg_fmt::IQEI_INVALID_TYPE);
  CHECK(reg_get(reg_fmt::IQER_IQEI, rig.regs.get(reg::IQER)) == reg_fmt::IQEI_INVALID_TYPE);
  CHECK(rig.q.head() == 0);
}

TEST_CASE("an invalid tail raises IQE without fetching", "[qi]") {
  SECTION("beyond the queue") {
    Rig rig;
    rig.q.mmio_write(reg::IQT, 4, 300u << 4, 0);
    rig.run_all();
    REQUIRE(rig.sink.errors.size() == 1);
    CHECK(rig.sink.errors[0].first.iqei == reg_fmt::IQEI_INVALID_TAIL);
    CHECK(rig.sink.fetched.empty());
    // Fixing IQT and clearing IQE resumes.
    rig.put(0, linux_desc::cc_global());
    rig.set_tail(1, 50);
    rig.run(50);
    CHECK(rig.sink.fetched.empty());
    rig.q.mmio_write(reg::FSTS, 4, 1u << 4, 60);
    rig.run_all();
    CHECK(rig.sink.fetched == std::vector<Sink::Ev>{{1, 0, 70}});
  }
  SECTION("bit 4 with 256-bit descriptors") {
    Rig rig(true);
    rig.q.mmio_write(reg::IQT, 4, 0x10, 0);
    rig.run_all();
    REQUIRE(rig.sink.errors.size() == 1);
    CHECK(rig.sink.errors[0].first.iqei == reg_fmt::IQEI_INVALID_TAIL);
  }
}

TEST_CASE("256-bit descriptors are fetched 32 bytes apart", "[qi]") {
  Rig rig(true);
  rig.put(0, linux_desc::piotlb_all(3, 7));
  rig.put(1, linux_desc::pc_pasid(3, 7));
  rig.put(2, linux_desc::pdev_iotlb_all(0x10, 7, 0, 0));
  rig.put(3, linux_desc::wait(kStatus));
  rig.set_tail(4, 0);
  CHECK(rig.regs.read(reg::IQT, 4).value == 0x80);
  rig.run_all();
  CHECK(rig.mem.reads == std::vector<std::pair<Addr, Cycle>>{
                             {kQueue, 10}, {kQueue + 32, 20}, {kQueue + 64, 30}, {kQueue + 96, 40}});
  CHECK(rig.sink.completed == std::vector<Sink::Ev>{{6, 0, 40}, {7, 1, 40}, {8, 2, 230}, {5, 3, 235}});
  CHECK(rig.regs.read(reg::IQH, 4).value == 4u << 5);
  CHECK(rig.mem.status.size() == 1);

  SECTION("nonzero upper words are reserved") {
    Qw q = linux_desc::pc_global();
    q[2] = 1;
    rig.put(4, q);
    rig.set_tail(5, 1000);
    rig.run_all();
    REQUIRE(rig.sink.errors.size() == 1);
    CHECK(rig.sink.errors[0].first.index == 4);
    CHECK(rig.regs.read(reg::IQH, 4).value == 4u << 5);
  }
}

TEST_CASE("disabling QI resets IQH and re-enabling restarts at slot 0", "[qi]") {
  Rig rig;
  rig.put(0, linux_desc::cc_global());
  rig.put(1, linux_desc::wait(kStatus));
  rig.set_tail(2, 0);
  rig.run_all();
  CHECK(rig.q.head() == 2);
  rig.q.mmio_write(reg::GCMD, 4, 0, 100);
  CHECK_FALSE(rig.q.enabled());
  CHECK(rig.regs.read(reg::IQH, 8).value == 0);
  // __dmar_enable_qi again: IQT = 0 first.
  rig.q.mmio_write(reg::IQT, 4, 0, 200);
  rig.q.mmio_write(reg::GCMD, 4, kQie, 200);
  rig.run(200);
  rig.set_tail(1, 300);
  rig.run_all();
  CHECK(rig.sink.fetched.back() == Sink::Ev{1, 0, 310});
}

TEST_CASE("queue runs are deterministic", "[qi]") {
  auto run = [] {
    Rig rig;
    for (unsigned i = 0; i < 40; ++i)
      rig.put(i, i % 4 == 3 ? linux_desc::wait(kStatus + 4 * i) : linux_desc::iotlb_dsi(static_cast<u16>(i)));
    rig.set_tail(20, 5);
    rig.run(100);
    rig.set_tail(40, 100);
    rig.run_all();
    return std::make_pair(rig.sink.completed, rig.mem.status.size());
  };
  CHECK(run() == run());
}
