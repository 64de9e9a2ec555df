// A CPU executing an emitted program with x86 store visibility (TSO): stores
// enter a FIFO store buffer and become visible in program order, at most one
// per cycle, no earlier than `store_buffer_delay` cycles after they execute.
// The CPU reads its own buffered stores (store forwarding). Locked
// instructions (cmpxchg16b) and mfence wait for the buffer to drain.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <systemc>

#include "cpu_model/compiler.hpp"
#include "events/events.hpp"
#include "memory/memory_module.hpp"
#include "scenario/scenario.hpp"

namespace spdlog {
class logger;
}

namespace vtd {

class Cpu : public sc_core::sc_module {
 public:
  // Uncached register accesses (writel/readl) to the IOMMU.
  tlm_utils::simple_initiator_socket<Cpu> mmio;

  Cpu(sc_core::sc_module_name name, u16 id, const CpuConfig& cfg, EmittedProgram program,
      std::vector<std::string> item_names, MemoryModule& memory, const EventBus& bus);

  // Start a new episode (the constructor starts the first): a fresh CPU
  // running `program` from cycle cfg.start of the episode.
  void begin_episode(const CpuConfig& cfg, EmittedProgram program, std::vector<std::string> item_names);
  // The same, running the last episode's program again (a sweep's episodes
  // mostly differ in timing only): nothing is copied or rebuilt.
  void begin_episode(const CpuConfig& cfg);

  bool finished() const { return pc_ >= prog_.ops.size(); }
  Cycle finish_cycle() const { return finish_; }
  const EmittedProgram& program() const { return prog_; }

 private:
  void step();
  // Executes op at `now`. Returns the cycle the next operation may start,
  // or, with `retry` set, the cycle at which to execute this one again (it
  // is waiting: for the store buffer, a lock, a polled value).
  Cycle execute(u32 index, Cycle now, bool& retry);
  u64 mmio_access(const EmittedOp& e, u32 index, Cycle now, bool write, Addr reg, u64 value, u8 bytes);
  void finish_item(u32 item, Cycle end, u32 last_op);
  u64 view64(Addr addr, Cycle now, bool* forwarded = nullptr);
  // A 64-bit read software makes (load64, a driver branch): view64 plus a
  // LoadEvent saying what it saw.
  u64 load64(const EmittedOp& e, u32 index, Addr addr, Cycle now, LoadKind kind = LoadKind::Plain);
  Cycle drained_at(Cycle now) const { return last_visible_ && *last_visible_ > now ? *last_visible_ : now; }
  void post(Cycle visible_at, const EmittedOp& e, u32 index, u8 words, u64 v0, u64 v1, u64 mask0 = ~0ull);

  u16 id_;
  CpuConfig cfg_;
  EmittedProgram prog_;
  std::vector<std::string> item_names_;
  std::vector<std::string> op_names_;
  MemoryModule& memory_;
  const EventBus& bus_;
  std::shared_ptr<spdlog::logger> log_;

  struct Buffered {
    Cycle visible_at;
    Addr addr;
    u64 value;
  };
  std::deque<Buffered> store_buffer_;  // for forwarding only; memory applies stores
  std::optional<Cycle> last_visible_;
  std::size_t pc_ = 0;
  std::optional<u32> skip_item_;
  // Locks this CPU holds: an early return runs only the unlocks of these.
  std::vector<Addr> held_;
  std::optional<u32> current_item_;
  int item_ret_ = 0;                 // the current item's return value (an early return's)
  u32 item_ret_op_ = Writer::kNone;  // the operation that returned it
  Cycle item_start_ = 0;
  u32 item_first_op_ = 0;
  Cycle op_start_ = 0;     // when the current operation first started
  bool retrying_ = false;  // the current operation is waiting
  Cycle finish_ = 0;
  bool started_ = false;
  sc_core::sc_event start_;
};

}  // namespace vtd
