// The VT-d remapping unit. Devices send DMA requests on `pcie_in` (TLM-2.0,
// non-blocking: BEGIN_REQ in, BEGIN_RESP back with the outcome). A Translator
// decides, per request, whether a cache answers or which entry to fetch; this
// module fetches entries from memory on `mem_port` (BurstMemoryIf) as 128-bit
// bursts, each sampled at one instant, and runs queued invalidation: software programs the
// registers on `regs`, the queue's descriptors are read from memory and take
// effect on the caches when they complete. Everything that happens is
// published on the event bus.
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <systemc>
#include <tlm>
#include <vector>

#include "events/events.hpp"
#include "iommu_model/dma_extension.hpp"
#include "iommu_model/invalidation_queue.hpp"
#include "iommu_model/iommu_stats.hpp"
#include "iommu_model/registers.hpp"
#include "iommu_model/translator.hpp"
#include "iommu_model/walk_schedule.hpp"
#include "memory/burst_memory_if.hpp"
#include "scenario/scenario.hpp"

namespace spdlog {
class logger;
}

namespace vtd {

// Register state Linux leaves after boot (vtd-facts §7.1): root table set,
// queued invalidation enabled on its ring, translation enabled.
struct BootState {
  Addr rtaddr = 0;
  Addr qi_queue = 0;
};

class Iommu : public sc_core::sc_module, private QiMemory, private QiSink {
 public:
  tlm_utils::multi_passthrough_target_socket<Iommu> pcie_in;
  sc_core::sc_port<BurstMemoryIf> mem_port;
  tlm_utils::multi_passthrough_target_socket<Iommu> regs;  // MMIO register window, one binding per CPU

  Iommu(sc_core::sc_module_name name, const IommuConfig& cfg, const BootState& boot, const EventBus& bus);

  // Start a new episode (the constructor starts the first): power-on state,
  // then the registers as Linux leaves them after boot.
  void begin_episode(const IommuConfig& cfg, const BootState& boot);

  // The episode ends at this cycle (platform.sim.max_cycles): the unit never
  // runs ahead past it.
  void set_cycle_limit(Cycle limit) { limit_ = limit; }

  const IommuStats& stats() const { return stats_; }
  const Translator& translator() const { return *translator_; }
  const InvalidationQueue& queue() const { return *qi_; }
  bool idle() const {
    return nactive_ == 0 && waiting_.empty() && arrivals_.empty() && (!qi_ || !qi_->next_event());
  }

 private:
  static void check_latencies(const IommuConfig& cfg);
  struct Walk {
    Translator::Job job;
    int port = 0;
    tlm::tlm_generic_payload* gp = nullptr;
    DmaExtension* ext = nullptr;  // gp's, looked up once on arrival
    // Resume: ask the translator what comes next. Complete: the outcome is
    // decided (a cache answered), only its publication is due.
    enum class Phase { Resume, Fetch, Complete } phase = Phase::Resume;
    FetchEvent fetch;  // the entry being fetched; fetch.nbursts: its bursts read so far
    // What each burst of the fetch needs, set once per fetch (not per burst).
    const Format* fmt = nullptr;  // its format
    const u8* order = nullptr;    // its chunks in issue order (burst_order_)
    Addr base = 0;                // chunk 0's burst (narrow: the aligned burst holding the entry)
    Cycle gap = 0;                // from one burst to the next
    unsigned nbursts = 1;
    bool narrow = false;   // narrower than a burst: one burst, the entry is one of its words
    Cycle next = 0;        // cycle of the next burst sample or resumption
    u64 seq = 0;           // admission order: walks due in one cycle step in this order
    Walk* link = nullptr;  // next in its timing-wheel slot (due_)
    bool done = false;
  };
  void end_of_elaboration() override;
  tlm::tlm_sync_enum nb_transport_fw(int port, tlm::tlm_generic_payload& gp, tlm::tlm_phase& phase,
                                     sc_core::sc_time& t);
  void regs_b_transport(int cpu, tlm::tlm_generic_payload& gp, sc_core::sc_time& t);
  struct Arrival;
  void accept(int port, tlm::tlm_generic_payload& gp, DmaExtension& ext, Cycle now);
  Walk* admit(const Arrival& a, Cycle now);
  void settle(Walk* w, Cycle now);
  void advance(Walk& w, Cycle now);
  bool burst(Walk& w, Cycle now);
  void complete(Walk& w, Cycle now);
  void log_outcome(const DmaEvent& ev) const;
  void log_arrivals(std::size_t n) const;
  void run();
  void process(Cycle at);
  Cycle next_due() const;
  void wake_at(Cycle at, Cycle now);
  Cycle latency_of(const EntryId& e) const;
  unsigned burst_index(unsigned nth, unsigned nbursts) const;
  // burst_order_[n][k]: the chunk read k-th of an entry of n bursts, from
  // cfg_.burst_order (computed once per episode, not per burst).
  static constexpr unsigned kMaxBursts = std::tuple_size_v<decltype(FetchEvent::bursts)>;
  std::array<std::array<u8, kMaxBursts>, kMaxBursts + 1> burst_order_{};
  // Per entry kind, what a fetch of it needs (computed once per episode, not per fetch).
  struct KindInfo {
    const Format* fmt = nullptr;
    Cycle latency = 0;  // before each burst
    Cycle gap = 0;      // from one burst to the next
    unsigned nbursts = 1;
    bool narrow = false;  // narrower than a burst
  };
  std::array<KindInfo, static_cast<unsigned>(EntryKind::FlPte) + 1> kinds_{};
  void fetched(Walk& w, Cycle now);
  void log_burst(const Walk& w, const Burst& b, unsigned idx) const;
  void log_fetch(const Walk& w) const;

  // Queued invalidation.
  void qi_run();
  void qi_schedule(Cycle now);
  std::array<u64, 4> read_descriptor(Addr addr, bool dw256, Cycle now) override;
  void write_status(Addr addr, u32 data, Cycle now) override;
  void on_fetched(const Descriptor& d, unsigned index, Cycle now) override;
  void on_complete(const Descriptor& d, unsigned index, Cycle now) override;
  void on_error(const QiFault& f, Cycle now) override;
  // Publishes IQH/IQT when either moved since last published (or always: episode start).
  void publish_queue(Cycle now, bool always = false);

  IommuConfig cfg_;
  BurstMemoryIf* mem_ = nullptr;
  PhysicalMemory* direct_ = nullptr;  // mem_'s memory: walk bursts read it without a virtual call
  bool trace_ = false;                // trace logging on (checked once per activation, not per burst)
  bool debug_ = false;                // debug logging on (likewise, not per request)
  const EventBus& bus_;
  std::shared_ptr<spdlog::logger> log_;
  std::optional<Registers> regs_;  // rebuilt each episode
  std::optional<InvalidationQueue> qi_;
  std::optional<Translator> translator_;
  std::vector<std::unique_ptr<Walk>> walks_;  // every walk ever made; reused (no allocation per request)
  std::vector<Walk*> spare_;                  // finished walks
  WalkSchedule<Walk> due_;                    // admitted walks by (next, seq)
  std::size_t nactive_ = 0;                   // admitted walks not finished
  u64 next_seq_ = 0;
  // An accepted request. Its walk is set up when it is admitted, not when it
  // is accepted: devices issue hundreds of cycles ahead, and walks made that
  // early were out of the L1 cache by the time they ran.
  struct Arrival {
    Cycle at;
    tlm::tlm_generic_payload* gp;
    DmaExtension* ext;  // gp's, looked up once
    int port;
  };
  std::deque<Arrival> waiting_;  // arrived, waiting for a walker (max_outstanding)
  // Accepted requests by arrival cycle (then acceptance), admitted at that
  // cycle: a vector consumed from `head` (cheaper than a deque per request).
  class Arrivals {
   public:
    bool empty() const { return head_ == v_.size(); }
    const Arrival& front() const { return v_[head_]; }
    const Arrival& operator[](std::size_t i) const { return v_[head_ + i]; }
    std::size_t size() const { return v_.size() - head_; }
    void pop_front(std::size_t n = 1) {
      head_ += n;
      if (head_ == v_.size()) {
        v_.clear();
        head_ = 0;
      }
    }
    [[gnu::always_inline]] void push(Cycle at, tlm::tlm_generic_payload* gp, DmaExtension* ext, int port) {
      if (head_ >= 1024 && 2 * head_ >= v_.size()) {  // drop what was consumed
        v_.erase(v_.begin(), v_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
      if (empty() || v_.back().at <= at) {
        // The usual case, in order. Written in place, field by field: copying
        // an Arrival built first read it back with wide loads right after its
        // narrower stores (a store-forwarding stall in profiles).
        Arrival& a = v_.emplace_back();
        a.at = at;
        a.gp = gp;
        a.ext = ext;
        a.port = port;
        return;
      }
      auto pos = std::upper_bound(v_.begin() + static_cast<std::ptrdiff_t>(head_), v_.end(), at,
                                  [](Cycle c, const Arrival& x) { return c < x.at; });
      v_.insert(pos, Arrival{at, gp, ext, port});
    }

   private:
    std::vector<Arrival> v_;
    std::size_t head_ = 0;
  };
  Arrivals arrivals_;
  Cycle limit_ = ~Cycle{0};
  bool wake_pending_ = false;  // wake_ notified for wake_time_ (absolute episode cycle)
  Cycle wake_time_ = 0;        // SystemC's cycle during run(): processed cycles may be ahead of it
  sc_core::sc_event wake_, qi_wake_;
  IommuStats stats_;
  unsigned published_head_ = 0, published_tail_ = 0;  // last QueueEvent
};

}  // namespace vtd
