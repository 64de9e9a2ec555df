#include "cpu_model/cpu.hpp"

#include <algorithm>
#include <cstring>

#include "base/cycles.hpp"
#include "base/log.hpp"

namespace vtd {

Cpu::Cpu(sc_core::sc_module_name name, u16 id, const CpuConfig& cfg, EmittedProgram program,
         std::vector<std::string> item_names, MemoryModule& memory, const EventBus& bus)
    : sc_module(name), mmio("mmio"), id_(id), memory_(memory), bus_(bus), log_(module_logger(this->name())) {
  SC_HAS_PROCESS(Cpu);
  SC_METHOD(step);
  sensitive << start_;
  dont_initialize();
  begin_episode(cfg, std::move(program), std::move(item_names));
}

void Cpu::begin_episode(const CpuConfig& cfg, EmittedProgram program, std::vector<std::string> item_names) {
  // Episodes of a sweep mostly run the same program: keep its readable names.
  const bool same = program.ops.size() == prog_.ops.size() &&
                    std::equal(program.ops.begin(), program.ops.end(), prog_.ops.begin(),
                               [](const EmittedOp& a, const EmittedOp& b) { return a.op == b.op; });
  prog_ = std::move(program);
  item_names_ = std::move(item_names);
  if (!same || op_names_.size() != prog_.ops.size()) {
    op_names_.clear();
    op_names_.reserve(prog_.ops.size());
    for (const EmittedOp& e : prog_.ops) op_names_.push_back(describe_op(e.op));
  }
  begin_episode(cfg);
}

void Cpu::begin_episode(const CpuConfig& cfg) {
  cfg_ = cfg;
  store_buffer_.clear();
  last_visible_.reset();
  pc_ = 0;
  skip_item_.reset();
  held_.clear();
  current_item_.reset();
  item_ret_ = 0;
  item_ret_op_ = Writer::kNone;
  item_start_ = op_start_ = finish_ = 0;
  item_first_op_ = 0;
  retrying_ = false;
  started_ = false;
  // Every episode, the first included, starts the same way: one delta after
  // the episode's first instant.
  start_.notify(sc_core::SC_ZERO_TIME);
}

u64 Cpu::view64(Addr addr, Cycle now, bool* forwarded) {
  while (!store_buffer_.empty() && store_buffer_.front().visible_at <= now) store_buffer_.pop_front();
  if (forwarded) *forwarded = false;
  for (auto it = store_buffer_.rbegin(); it != store_buffer_.rend(); ++it)
    if (it->addr == addr) {
      if (forwarded) *forwarded = true;
      return it->value;
    }
  return memory_.mem().read64(addr, now);
}

u64 Cpu::load64(const EmittedOp& e, u32 index, Addr addr, Cycle now, LoadKind kind) {
  bool forwarded = false;
  const u64 v = view64(addr, now, &forwarded);
  if (bus_.has_subscribers()) {
    // A forwarded load did not touch memory: bring memory to `now` anyway so
    // the version is the one every other CPU would see at this cycle.
    memory_.mem().advance_to(now);
    bus_.publish(LoadEvent{Writer{id_, e.item, index}, now, addr, v, memory_.mem().version(), forwarded,
                           e.op.label, kind});
  }
  return v;
}

void Cpu::post(Cycle visible_at, const EmittedOp& e, u32 index, u8 words, u64 v0, u64 v1, u64 mask0) {
  PhysicalMemory::PendingStore s;
  s.visible_at = visible_at;
  s.writer = Writer{id_, e.item, index};
  s.addr = e.op.addr & ~Addr{7};
  s.words = words;
  // A 32-bit store changes only its half of the word in memory: the other
  // half may be written meanwhile by someone else (the IOMMU's status writes).
  s.clear = {mask0, words == 2 ? ~0ull : 0};
  s.set = {v0 & mask0, v1};
  memory_.mem().post(s);
  memory_.store_posted();
  last_visible_ = visible_at;
  store_buffer_.push_back({visible_at, s.addr, v0});
  if (words == 2) store_buffer_.push_back({visible_at, s.addr + 8, v1});
}

u64 Cpu::mmio_access(const EmittedOp& e, u32 index, Cycle now, bool write, Addr reg, u64 value, u8 bytes) {
  // Published before the IOMMU sees the access: what an IQT write makes the
  // queue do is then attributed to this operation.
  if (bus_.has_subscribers())
    bus_.publish(MmioEvent{Writer{id_, e.item, index}, now, reg, value, bytes, write});
  tlm::tlm_generic_payload gp;
  std::array<unsigned char, 8> buf{};
  std::memcpy(buf.data(), &value, 8);
  gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  gp.set_address(reg);
  gp.set_data_ptr(buf.data());
  gp.set_data_length(bytes);
  gp.set_streaming_width(bytes);
  gp.set_byte_enable_ptr(nullptr);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  mmio->b_transport(gp, delay);
  if (!gp.is_response_ok())
    SC_REPORT_WARNING(
        name(), ("MMIO " + std::string(write ? "write" : "read") + " at " + hex(reg) + " failed").c_str());
  u64 out = 0;
  std::memcpy(&out, buf.data(), bytes);
  return out;
}

void Cpu::finish_item(u32 item, Cycle end, u32 last_op) {
  VTD_LOG(log_, info, "done: {} (cycles {}..{})", item_names_[item], item_start_, end);
  if (bus_.has_subscribers()) {
    ItemEvent ev{id_, item, item_start_, end, item_names_[item], item_first_op_, last_op};
    ev.ret = item_ret_;
    ev.ret_op = item_ret_op_;
    bus_.publish(ev);
  }
  item_ret_ = 0;
  item_ret_op_ = Writer::kNone;
}

Cycle Cpu::execute(u32 index, Cycle now, bool& retry) {
  const EmittedOp& e = prog_.ops[index];
  const Operation& op = e.op;
  const CpuCosts& c = cfg_.costs;
  retry = false;
  // Operations ordered after every earlier store wait for the buffer first.
  auto wait_for_drain = [&]() -> bool {
    const Cycle d = drained_at(now);
    if (d > now) {
      retry = true;
      return true;
    }
    return false;
  };
  switch (op.kind) {
    case OpKind::Store64: {
      const Addr word = op.addr & ~Addr{7};
      const u64 old = view64(word, now);
      u64 v, mask = ~0ull;
      if (op.bytes == 4) {
        const unsigned shift = (op.addr & 4) ? 32 : 0;
        const u64 half = ((old >> shift) & 0xffffffffull & ~op.clear) | (op.set & 0xffffffffull);
        mask = 0xffffffffull << shift;
        v = (old & ~mask) | (half << shift);
      } else {
        v = (old & ~op.clear) | op.set;
      }
      Cycle vis = sat_add(now, cfg_.store_buffer_delay);
      if (last_visible_ && sat_add(*last_visible_, 1) > vis) vis = sat_add(*last_visible_, 1);
      post(vis, e, index, 1, v, 0, mask);
      VTD_LOG(log_, debug, "store{} {:#x} = {:#x} visible at {} [{}]", op.bytes * 8, op.addr, v, vis,
              op.label);
      return sat_add(now, c.store64);
    }
    case OpKind::Store128: {
      // Locked: every earlier store is visible first, then this one at once.
      Cycle t = now;
      if (last_visible_ && *last_visible_ >= now) t = sat_add(*last_visible_, 1);
      post(t, e, index, 2, op.lo, op.hi);
      VTD_LOG(log_, debug, "cmpxchg16b {:#x} = {{{:#x}, {:#x}}} visible at {} [{}]", op.addr, op.lo, op.hi, t,
              op.label);
      return sat_add(t, c.store128);
    }
    case OpKind::Load64: {
      const u64 v = load64(e, index, op.addr & ~Addr{7}, now);
      VTD_LOG(log_, debug, "load64 {:#x} -> {:#x} [{}]", op.addr, v, op.label);
      return sat_add(now, c.load64);
    }
    case OpKind::CompilerBarrier: return sat_add(now, c.compiler_barrier);
    case OpKind::Mfence: return sat_add(drained_at(now), c.mfence);
    case OpKind::Clflush: {
      // Ordered after earlier stores to the line (Linux brackets it with mb()).
      if (wait_for_drain()) return drained_at(now);
      memory_.mem().flush_line(op.addr, now, Writer{id_, e.item, index});
      memory_.store_posted();
      VTD_LOG(log_, debug, "clflush {:#x} [{}]", op.addr, op.label);
      return sat_add(now, c.clflush);
    }
    case OpKind::MmioWrite: {
      if (wait_for_drain()) return drained_at(now);
      mmio_access(e, index, now, true, op.addr, op.value, op.bytes);
      VTD_LOG(log_, debug, "mmio write {:#x} = {:#x} [{}]", op.addr, op.value, op.label);
      return sat_add(now, c.mmio);
    }
    case OpKind::MmioRead: {
      if (wait_for_drain()) return drained_at(now);
      const u64 v = mmio_access(e, index, now, false, op.addr, 0, op.bytes);
      VTD_LOG(log_, debug, "mmio read {:#x} -> {:#x} [{}]", op.addr, v, op.label);
      return sat_add(now, c.mmio);
    }
    case OpKind::PollUntil: {
      const u64 v = view64(op.addr & ~Addr{7}, now);
      if ((v & op.mask) != op.value) {
        retry = true;
        return sat_add(now, c.poll);
      }
      // The read that found the value is what software learned from: publish it.
      load64(e, index, op.addr & ~Addr{7}, now, LoadKind::Poll);
      VTD_LOG(log_, debug, "poll {:#x} done [{}]", op.addr, op.label);
      return sat_add(now, c.poll);
    }
    case OpKind::Lock: {
      if (wait_for_drain()) return drained_at(now);
      if (!memory_.mem().compare_and_store(Writer{id_, e.item, index}, op.addr, 0, 1, now)) {
        retry = true;
        return sat_add(now, c.poll);
      }
      memory_.store_posted();
      held_.push_back(op.addr);
      if (bus_.has_subscribers()) {
        // The locked cmpxchg read the word before its own store (seq = version - 1).
        const u64 seq = memory_.mem().version() - 1;
        bus_.publish(LoadEvent{Writer{id_, e.item, index}, now, op.addr & ~Addr{7}, 0, seq, false, e.op.label,
                               LoadKind::Atomic});
      }
      VTD_LOG(log_, debug, "lock {:#x} taken [{}]", op.addr, op.label);
      return sat_add(now, c.atomic);
    }
    case OpKind::Unlock: {
      if (auto it = std::find(held_.begin(), held_.end(), op.addr); it != held_.end()) held_.erase(it);
      Cycle vis = sat_add(now, cfg_.store_buffer_delay);
      if (last_visible_ && sat_add(*last_visible_, 1) > vis) vis = sat_add(*last_visible_, 1);
      post(vis, e, index, 1, 0, 0);
      return sat_add(now, c.store64);
    }
    case OpKind::Delay: return sat_add(now, op.cycles);
    case OpKind::Invalidate: {
      // The doorbell write is ordered after earlier stores: wait for them.
      const Cycle start = drained_at(now);
      const Cycle end = sat_add(start, c.invalidation);
      if (bus_.has_subscribers())
        bus_.publish(InvalidationEvent{id_, Writer{id_, e.item, index}, start, end, op.label});
      VTD_LOG(log_, debug, "invalidation {} (timed no-op) {}..{}", op.label, start, end);
      return end;
    }
    case OpKind::ReturnIfSet:
    case OpKind::ReturnIfClear: {
      const u64 v = load64(e, index, op.addr & ~Addr{7}, now);
      if (((v & op.mask) != 0) == (op.kind == OpKind::ReturnIfSet)) {
        skip_item_ = e.item;  // the rest of this driver operation is skipped
        item_ret_ = op.ret;
        item_ret_op_ = index;
        VTD_LOG(log_, debug, "{}: {:#x} & {:#x} = {:#x}, returning", op.label, op.addr, op.mask, v & op.mask);
      }
      return sat_add(now, c.branch);
    }
  }
  return now;
}

void Cpu::step() {
  Cycle now = now_cycle();
  if (!started_) {
    started_ = true;
    if (cfg_.start > now) {
      next_trigger(cycles(cfg_.start - now));
      return;
    }
  }
  while (pc_ < prog_.ops.size()) {
    const u32 index = static_cast<u32>(pc_);
    const EmittedOp& e = prog_.ops[index];
    if (current_item_ != e.item) {
      if (current_item_) finish_item(*current_item_, now, index - 1);
      current_item_ = e.item;
      item_start_ = now;
      item_first_op_ = index;
      VTD_LOG(log_, info, "starts: {}", item_names_[e.item]);
    }
    // An early return still releases the locks the function took, as every
    // Linux error path does: skipped code runs only the unlocks of locks
    // held (not those of later lock/unlock pairs it never reached).
    if (skip_item_ && *skip_item_ == e.item &&
        (e.op.kind != OpKind::Unlock || std::find(held_.begin(), held_.end(), e.op.addr) == held_.end())) {
      ++pc_;
      continue;
    }
    if (!retrying_) op_start_ = now;
    bool retry = false;
    const Cycle next = execute(index, now, retry);
    retrying_ = retry;
    if (retry) {
      next_trigger(cycles(next - now));
      return;
    }
    if (bus_.has_subscribers())
      bus_.publish(CpuOpEvent{id_, e.item, index, op_start_, next, op_names_[index]});
    ++pc_;
    if (next > now) {
      finish_ = next;
      next_trigger(cycles(next - now));
      return;
    }
  }
  if (current_item_) {
    finish_item(*current_item_, now, static_cast<u32>(prog_.ops.size() - 1));
    current_item_.reset();
  }
  if (finish_ < now) finish_ = now;
}

}  // namespace vtd
