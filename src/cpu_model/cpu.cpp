#include "cpu_model/cpu.hpp"

#include "base/cycles.hpp"
#include "base/log.hpp"

namespace vtd {

Cpu::Cpu(sc_core::sc_module_name name, u16 id, const CpuConfig& cfg, EmittedProgram program,
         std::vector<std::string> item_names, MemoryModule& memory, const EventBus& bus)
    : sc_module(name),
      id_(id),
      cfg_(cfg),
      prog_(std::move(program)),
      item_names_(std::move(item_names)),
      memory_(memory),
      bus_(bus),
      log_(module_logger(this->name())) {
  op_names_.reserve(prog_.ops.size());
  for (const EmittedOp& e : prog_.ops) op_names_.push_back(describe_op(e.op));
  SC_HAS_PROCESS(Cpu);
  SC_METHOD(step);
}

u64 Cpu::view64(Addr addr, Cycle now) {
  while (!store_buffer_.empty() && store_buffer_.front().visible_at <= now) store_buffer_.pop_front();
  for (auto it = store_buffer_.rbegin(); it != store_buffer_.rend(); ++it)
    if (it->addr == addr) return it->value;
  return memory_.mem().read64(addr, now);
}

void Cpu::post(Cycle visible_at, const EmittedOp& e, u32 index, u8 words, u64 v0, u64 v1) {
  PhysicalMemory::PendingStore s;
  s.visible_at = visible_at;
  s.writer = Writer{id_, e.item, index};
  s.addr = e.op.addr;
  s.words = words;
  s.clear = {~0ull, words == 2 ? ~0ull : 0};
  s.set = {v0, v1};
  memory_.mem().post(s);
  memory_.store_posted();
  last_visible_ = visible_at;
  store_buffer_.push_back({visible_at, e.op.addr, v0});
  if (words == 2) store_buffer_.push_back({visible_at, e.op.addr + 8, v1});
}

Cycle Cpu::execute(u32 index, Cycle now) {
  const EmittedOp& e = prog_.ops[index];
  const Operation& op = e.op;
  const CpuCosts& c = cfg_.costs;
  switch (op.kind) {
    case OpKind::Store64: {
      const u64 v = (view64(op.addr, now) & ~op.clear) | op.set;
      Cycle vis = now + cfg_.store_buffer_delay;
      if (last_visible_ && *last_visible_ + 1 > vis) vis = *last_visible_ + 1;
      post(vis, e, index, 1, v, 0);
      log_->debug("store64 {:#x} = {:#x} visible at {} [{}]", op.addr, v, vis, op.label);
      return now + c.store64;
    }
    case OpKind::Store128: {
      // Locked: every earlier store is visible first, then this one at once.
      Cycle t = now;
      if (last_visible_ && *last_visible_ >= now) t = *last_visible_ + 1;
      post(t, e, index, 2, op.lo, op.hi);
      log_->debug("cmpxchg16b {:#x} = {{{:#x}, {:#x}}} visible at {} [{}]", op.addr, op.lo, op.hi, t,
                  op.label);
      return t + c.store128;
    }
    case OpKind::Load64: {
      const u64 v = view64(op.addr, now);
      log_->debug("load64 {:#x} -> {:#x} [{}]", op.addr, v, op.label);
      return now + c.load64;
    }
    case OpKind::CompilerBarrier: return now + c.compiler_barrier;
    case OpKind::Mfence: return drained_at(now) + c.mfence;
    case OpKind::Clflush: return now + c.clflush;
    case OpKind::Delay: return now + op.cycles;
    case OpKind::Invalidate: {
      // The doorbell write is ordered after earlier stores: wait for them.
      const Cycle start = drained_at(now);
      const Cycle end = start + c.invalidation;
      if (bus_.has_subscribers())
        bus_.publish(InvalidationEvent{id_, Writer{id_, e.item, index}, start, end, op.label});
      log_->debug("invalidation {} (timed no-op) {}..{}", op.label, start, end);
      return end;
    }
    case OpKind::ReturnIfSet: {
      const u64 v = view64(op.addr, now);
      if (v & op.mask) {
        skip_item_ = e.item;
        log_->debug("{}: {:#x} has {:#x} set, returning", op.label, op.addr, op.mask);
      }
      return now + c.branch;
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
    if (skip_item_ && *skip_item_ == e.item) {
      ++pc_;
      continue;
    }
    const Cycle next = execute(index, now);
    if (bus_.has_subscribers()) bus_.publish(CpuOpEvent{id_, e.item, index, now, next, op_names_[index]});
    ++pc_;
    if (next > now) {
      finish_ = next;
      if (pc_ < prog_.ops.size()) {
        next_trigger(cycles(next - now));
        return;
      }
    }
  }
  if (finish_ < now) finish_ = now;
}

}  // namespace vtd
