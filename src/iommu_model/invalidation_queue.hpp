// Queued invalidation (vtd-facts §5, §8.5-8.6) as a SystemC-free state
// machine. The owner feeds it register writes and calls advance() at
// next_event(); the queue reads descriptors and writes wait status through a
// QiMemory port and reports fetches, completions and errors to a QiSink.
//
// Timing (QiLatencies): while QIE is on, no IQE/ITE is pending and IQH !=
// IQT, descriptors are fetched one after another from IQH, each taking
// `fetch` cycles; the ring slot is sampled when its fetch ends and IQH then
// advances past it. A descriptor of type T completes latency(T) cycles after
// its fetch, so several can be in flight and complete out of order. A wait
// descriptor completes `wait` cycles after the later of its fetch and the
// completion of every descriptor fetched before it, then performs its status
// write (SW) and sets ICS.IWC (IF). With FN = 1 nothing more is fetched until
// it completes. A malformed descriptor sets FSTS.IQE and IQER.IQEI and stops
// fetching with IQH at it; fetching resumes from IQH (re-reading that slot)
// once software clears IQE. Events due in the same cycle run completions
// first (in fetch order), then the fetch, then a pending doorbell.
//
// Contract: deliver register writes in time order, after advance() has run
// everything due before them; a doorbell is looked at when advance() reaches
// its cycle, against the registers as they are then.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/types.hpp"
#include "formats/qi_descriptors.hpp"
#include "iommu_model/registers.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

// The queue's view of memory.
struct QiMemory {
  virtual ~QiMemory() = default;
  // The 16- or 32-byte descriptor at `addr` as visible at `now` (qw2/qw3
  // are ignored for 128-bit descriptors).
  virtual std::array<u64, 4> read_descriptor(Addr addr, bool dw256, Cycle now) = 0;
  // A wait descriptor's 4-byte little-endian status write.
  virtual void write_status(Addr addr, u32 data, Cycle now) = 0;
};

// An invalidation queue error, as latched in FSTS.IQE / IQER.IQEI.
struct QiFault {
  u8 iqei = reg_fmt::IQEI_NONE;
  unsigned index = 0;       // IQH: the slot fetching stopped at
  std::array<u64, 4> qw{};  // the refused descriptor (zero for an invalid tail)
  std::string reason;
};

struct QiSink {
  virtual ~QiSink() = default;
  virtual void on_fetched(const Descriptor&, unsigned /*index*/, Cycle) {}
  // The invalidation takes effect here (not at submission or fetch). For a
  // wait descriptor this follows its status write.
  virtual void on_complete(const Descriptor& d, unsigned index, Cycle now) = 0;
  virtual void on_error(const QiFault&, Cycle) {}
};

struct QiStats {
  std::array<u64, 16> fetched{};    // by descriptor type
  std::array<u64, 16> completed{};  // by descriptor type
  u64 errors = 0;                   // IQE raised
  u64 status_writes = 0;
  u64 completion_events = 0;  // ICS.IWC set by wait descriptors with IF
  u64 doorbells = 0;          // IQT writes
  std::size_t max_in_flight = 0;
  u64 total_completed() const;
};

class InvalidationQueue {
 public:
  InvalidationQueue(Registers& regs, const QiLatencies& lat);

  // Software wrote the register containing `offset`; call after Registers::write.
  void on_register_write(Addr offset, Cycle now);
  // Registers::write followed by on_register_write when the write took effect.
  RegWrite mmio_write(Addr offset, unsigned size, u64 value, Cycle now);
  // IQT was written: look for new descriptors.
  void doorbell(Cycle now);

  // The cycle of the next thing to do, if any.
  std::optional<Cycle> next_event() const;
  // Processes, in order and each at its own cycle, everything due at or before `now`.
  void advance(Cycle now, QiMemory& mem, QiSink& sink);

  bool enabled() const { return enabled_; }
  bool dw256() const { return dw256_; }
  unsigned size() const { return size_; }  // ring slots
  unsigned head() const { return head_; }  // IQH, in slots
  unsigned tail() const;                   // IQT, in slots
  std::size_t in_flight() const { return in_flight_.size(); }
  bool idle() const { return !fetch_ && !kick_ && in_flight_.empty(); }
  Cycle latency(u64 type) const;
  const QiStats& stats() const { return stats_; }

 private:
  struct InFlight {
    Descriptor desc;
    unsigned index = 0;
    u64 seq = 0;  // fetch order
    Cycle done = 0;
  };
  struct Fetch {
    unsigned index = 0;
    Cycle done = 0;
  };

  unsigned shift() const { return dw256_ ? 5 : 4; }
  void enable(Cycle now);
  void disable();
  void request_kick(Cycle now);
  void try_start_fetch(Cycle now, QiSink& sink);
  void finish_fetch(QiMemory& mem, QiSink& sink);
  void complete(std::size_t i, QiMemory& mem, QiSink& sink);
  void fault(Cycle now, u8 iqei, const std::array<u64, 4>& qw, std::string reason, QiSink& sink);
  std::optional<std::size_t> next_completion() const;

  Registers& regs_;
  QiLatencies lat_;
  DecodeOptions opt_;

  // Latched from IQA when QIE is enabled.
  bool enabled_ = false;
  Addr base_ = 0;
  bool dw256_ = false;
  unsigned size_ = 0;

  unsigned head_ = 0;
  std::optional<Fetch> fetch_;
  std::optional<Cycle> kick_;  // a doorbell or resume not yet looked at
  std::vector<InFlight> in_flight_;
  std::optional<u64> fence_;  // seq of an FN wait blocking fetches
  u64 next_seq_ = 0;
  QiStats stats_;
};

}  // namespace vtd
