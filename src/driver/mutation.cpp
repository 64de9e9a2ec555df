#include "driver/mutation.hpp"

#include <algorithm>

#include "formats/formats.hpp"

namespace vtd {

std::string_view mutant_kind_name(MutantKind k) {
  switch (k) {
    case MutantKind::DropBarrier: return "drop-barrier";
    case MutantKind::DropMfence: return "drop-mfence";
    case MutantKind::SplitLowFirst: return "split-cmpxchg16b-low-first";
    case MutantKind::SplitHighFirst: return "split-cmpxchg16b-high-first";
    case MutantKind::DropClflush: return "drop-clflush";
    case MutantKind::DropDescriptor: return "drop-desc";
    case MutantKind::DropWait: return "drop-wait";
    case MutantKind::DropPoll: return "drop-poll";
    case MutantKind::WaitFirst: return "wait-first";
    case MutantKind::ZeroBeforeFlush: return "zero-before-flush";
    case MutantKind::SkipClearPresent: return "skip-clear-present";
    case MutantKind::SetPresentFirst: return "set-present-first";
    case MutantKind::SwapStores: return "swap-stores";
  }
  return "?";
}

bool is_qi_mutant(MutantKind k) {
  return k == MutantKind::DropDescriptor || k == MutantKind::DropWait || k == MutantKind::DropPoll ||
         k == MutantKind::WaitFirst;
}

// ------------------------------------------------------------ context

unsigned MutationContext::begin_submission(const std::vector<QiDesc>& descs, QiWait wait, u32 first_op) {
  QiSite s;
  s.cpu = cpu;
  s.item = item;
  s.qi = next_qi++;
  s.descs = descs;
  s.wait = wait;
  s.first_op = first_op;
  sites.push_back(std::move(s));
  return static_cast<unsigned>(sites.size() - 1);
}

void MutationContext::end_submission(unsigned site, u32 end_op) {
  if (site < sites.size()) sites[site].end_op = end_op;
}

QiChange MutationContext::change(unsigned site) const {
  QiChange c;
  if (!apply || !is_qi_mutant(apply->kind) || site >= sites.size()) return c;
  const QiSite& s = sites[site];
  if (s.cpu != apply->cpu || s.item != apply->item || s.qi != apply->qi) return c;
  switch (apply->kind) {
    case MutantKind::DropDescriptor: c.drop_desc = apply->desc; break;
    case MutantKind::DropWait: c.drop_wait = true; break;
    case MutantKind::DropPoll: c.wait = QiWait::NoPoll; break;
    case MutantKind::WaitFirst: c.wait = QiWait::WaitFirst; break;
    default: break;
  }
  return c;
}

// ------------------------------------------------------------ stores to entries

namespace {

// A store's effect on one 64-bit word: bits cleared, then set.
struct WordEffect {
  unsigned word = 0;  // within the entry
  u64 clear = 0, set = 0;
};

bool is_store(const Operation& op) { return op.kind == OpKind::Store64 || op.kind == OpKind::Store128; }

Addr store_size(const Operation& op) { return op.kind == OpKind::Store128 ? 16 : op.bytes; }

std::vector<WordEffect> effects(const Operation& op, const EntryId& e) {
  const unsigned w = static_cast<unsigned>((op.addr - e.addr) / 8);
  if (op.kind == OpKind::Store128) return {{w, ~0ull, op.lo}, {w + 1, ~0ull, op.hi}};
  if (op.bytes == 4) {
    const unsigned shift = (op.addr & 4) ? 32 : 0;
    return {{w, (op.clear & 0xffffffffull) << shift, (op.set & 0xffffffffull) << shift}};
  }
  return {{w, op.clear, op.set}};
}

}  // namespace

const EntryId* store_entry(const Operation& op, const std::vector<EntryId>& watched) {
  if (!is_store(op)) return nullptr;
  for (const EntryId& e : watched) {
    const Addr size = format_of(e.kind).bits / 8;
    if (op.addr >= e.addr && op.addr + store_size(op) <= e.addr + size) return &e;
  }
  return nullptr;
}

EntryBits apply_store(const Operation& op, const EntryId& e, EntryBits v) {
  for (const WordEffect& f : effects(op, e))
    if (f.word < v.w.size()) v.w[f.word] = (v.w[f.word] & ~f.clear) | f.set;
  return v;
}

// ------------------------------------------------------------ enumeration

namespace {

const EntryId* entry_of(const Operation& op, const std::vector<EntryId>& watched) {
  return store_entry(op, watched);
}

// P's word and mask in entry e's format; false when the format has no P bit.
bool present_bit(const EntryId& e, unsigned& word, u64& mask) {
  const Field* p = format_of(e.kind).present;
  if (!p) return false;
  word = p->word();
  mask = p->mask_in_word();
  return true;
}

// The store leaves P = 0 (it writes P's word and clears P without setting it).
bool clears_present(const Operation& op, const EntryId& e) {
  unsigned pw;
  u64 pm;
  if (!present_bit(e, pw, pm)) return false;
  for (const WordEffect& f : effects(op, e))
    if (f.word == pw && (f.clear & pm) && !(f.set & pm)) return true;
  return false;
}

// The store clears P and changes nothing else (pasid_clear_present, context_clear_present).
bool clears_only_present(const Operation& op, const EntryId& e) {
  unsigned pw;
  u64 pm;
  if (!present_bit(e, pw, pm) || op.kind != OpKind::Store64) return false;
  const std::vector<WordEffect> f = effects(op, e);
  return f.size() == 1 && f[0].word == pw && f[0].clear == pm && f[0].set == 0;
}

// The store sets P and changes nothing else (pasid_set_present, context_set_present).
bool sets_only_present(const Operation& op, const EntryId& e) {
  unsigned pw;
  u64 pm;
  if (!present_bit(e, pw, pm) || op.kind != OpKind::Store64) return false;
  const std::vector<WordEffect> f = effects(op, e);
  return f.size() == 1 && f[0].word == pw && f[0].set == pm && (f[0].clear & ~pm) == 0;
}

std::string op_ref(const DriverOp& d, u32 i) {
  return "op " + std::to_string(i) + " (" + d.ops[i].label + ")";
}

struct ItemEnumerator {
  const DriverOp& d;
  u16 cpu;
  u32 item;
  const MutationTargets& t;
  std::vector<Mutant>& out;

  std::string where() const { return "cpu" + std::to_string(cpu) + ":item" + std::to_string(item); }
  std::string of() const { return " of " + d.name; }

  Mutant& add(MutantKind k, const std::string& site, std::vector<u32> ops, std::string description) {
    Mutant m;
    m.kind = k;
    m.id = std::string(mutant_kind_name(k)) + ":" + where() + ":" + site;
    m.description = std::move(description);
    m.cpu = cpu;
    m.item = item;
    m.ops = std::move(ops);
    out.push_back(std::move(m));
    return out.back();
  }
  static std::string op_site(u32 i) { return "op" + std::to_string(i); }

  void barriers() {
    for (u32 i = 0; i < d.ops.size(); ++i) {
      const Operation& op = d.ops[i];
      if (op.kind == OpKind::CompilerBarrier) {
        const bool wmb = op.label.find("dma_wmb") != std::string::npos;
        add(MutantKind::DropBarrier, op_site(i), {i},
            std::string("drop ") + (wmb ? "dma_wmb()" : "compiler barrier") + " at " + op_ref(d, i) + of());
      } else if (op.kind == OpKind::Mfence) {
        add(MutantKind::DropMfence, op_site(i), {i}, "drop mfence at " + op_ref(d, i) + of());
      }
    }
  }

  void splits() {
    for (u32 i = 0; i < d.ops.size(); ++i) {
      if (d.ops[i].kind != OpKind::Store128) continue;
      const EntryId* e = entry_of(d.ops[i], t.watched);
      for (MutantKind k : {MutantKind::SplitLowFirst, MutantKind::SplitHighFirst}) {
        const char* order = k == MutantKind::SplitLowFirst ? "low word first" : "high word first";
        Mutant& m = add(
            k, op_site(i), {i},
            "split cmpxchg16b at " + op_ref(d, i) + " into two WRITE_ONCE 64-bit stores, " + order + of());
        if (e) m.entry = *e;
      }
    }
  }

  void clflushes() {
    for (u32 i = 0; i < d.ops.size(); ++i)
      if (d.ops[i].kind == OpKind::Clflush)
        add(MutantKind::DropClflush, op_site(i), {i},
            "drop clflush of " + hex(d.ops[i].addr) + " at " + op_ref(d, i) + of());
  }

  void submissions(const std::vector<QiSite>& sites) {
    for (const QiSite& s : sites) {
      if (s.cpu != cpu || s.item != item) continue;
      std::string names;
      for (const QiDesc& q : s.descs) names += (names.empty() ? "" : ", ") + q.name;
      const std::string sub = "qi_submit_sync #" + std::to_string(s.qi) + " (ops " +
                              std::to_string(s.first_op) + ".." +
                              std::to_string(s.end_op == 0 ? 0 : s.end_op - 1) + ": " +
                              (names.empty() ? "no descriptors" : names) + ")" + of();
      const std::string qi = "qi" + std::to_string(s.qi);
      for (unsigned k = 0; k < s.descs.size(); ++k) {
        Mutant& m = add(MutantKind::DropDescriptor, qi + ":desc" + std::to_string(k), {},
                        "drop " + s.descs[k].name + " from " + sub);
        m.qi = s.qi;
        m.desc = k;
      }
      add(MutantKind::DropWait, qi, {}, "drop the wait descriptor and its poll from " + sub).qi = s.qi;
      if (s.wait == QiWait::Sync) {
        add(MutantKind::DropPoll, qi, {}, "do not poll the wait of " + sub).qi = s.qi;
        add(MutantKind::WaitFirst, qi, {}, "queue the wait before the descriptors in " + sub).qi = s.qi;
      }
    }
  }

  bool submission_lock(u32 i) const { return d.ops[i].kind == OpKind::Lock && d.ops[i].addr == t.qi_lock; }
  bool submission_unlock(u32 i) const {
    return d.ops[i].kind == OpKind::Unlock && d.ops[i].addr == t.qi_lock;
  }
  bool stores_to(u32 i, const EntryId& e) const {
    const EntryId* x = entry_of(d.ops[i], t.watched);
    return x && *x == e;
  }

  // A clear of P, then submissions, then stores to the entry: those stores
  // moved to just after the clear.
  void zero_before_flush() {
    const u32 n = static_cast<u32>(d.ops.size());
    for (u32 c = 0; c < n; ++c) {
      const EntryId* e = entry_of(d.ops[c], t.watched);
      if (!e || !clears_present(d.ops[c], *e)) continue;
      // The first submission after the clear, before any other store to the entry.
      u32 i = c + 1;
      while (i < n && !submission_lock(i) && !stores_to(i, *e)) ++i;
      if (i == n || !submission_lock(i)) continue;
      // The submissions that follow one another from there.
      while (i < n && submission_lock(i)) {
        while (i < n && !submission_unlock(i)) ++i;
        ++i;
      }
      while (i < n && d.ops[i].kind == OpKind::Load64) ++i;  // intel_pasid_clear_entry's read of P
      std::vector<u32> moved;
      for (; i < n && stores_to(i, *e); ++i) moved.push_back(i);
      if (moved.empty()) continue;
      std::vector<u32> ops{c};
      ops.insert(ops.end(), moved.begin(), moved.end());
      const std::string what = moved.size() == 1
                                   ? op_ref(d, moved[0])
                                   : "ops " + std::to_string(moved.front()) + ".." +
                                         std::to_string(moved.back()) + " (" + d.ops[moved.front()].label +
                                         " ... " + d.ops[moved.back()].label + ")";
      add(MutantKind::ZeroBeforeFlush, op_site(c), std::move(ops),
          "move " + what + " before the invalidations, to just after the clear of P at " + op_ref(d, c) +
              of())
          .entry = *e;
    }
  }

  void skip_clear_present() {
    for (u32 i = 0; i < d.ops.size(); ++i) {
      const EntryId* e = entry_of(d.ops[i], t.watched);
      if (!e || !clears_only_present(d.ops[i], *e)) continue;
      std::vector<u32> ops{i};
      std::string what = op_ref(d, i);
      if (i + 1 < d.ops.size() && d.ops[i + 1].kind == OpKind::CompilerBarrier) {
        ops.push_back(i + 1);
        what += " and " + op_ref(d, i + 1) + " after it";
      }
      add(MutantKind::SkipClearPresent, op_site(i), std::move(ops),
          "skip the clear of P: drop " + what + of())
          .entry = *e;
    }
  }

  void set_present_first() {
    for (u32 s = 0; s < d.ops.size(); ++s) {
      const EntryId* e = entry_of(d.ops[s], t.watched);
      if (!e || !sets_only_present(d.ops[s], *e)) continue;
      // The entry's last P = 0 state before the set: the last store leaving P clear.
      std::optional<u32> zero;
      for (u32 i = 0; i < s; ++i)
        if (stores_to(i, *e) && clears_present(d.ops[i], *e)) zero = i;
      std::optional<u32> target;
      for (u32 i = zero ? *zero + 1 : 0; i < s && !target; ++i)
        if (stores_to(i, *e)) target = i;
      if (!target) continue;
      add(MutantKind::SetPresentFirst, op_site(s), {s, *target},
          "set P first: move " + op_ref(d, s) + " to just before " + op_ref(d, *target) + of())
          .entry = *e;
    }
  }

  void swaps() {
    // Per watched entry, in the order of its first store in the item.
    std::vector<EntryId> order;
    for (u32 i = 0; i < d.ops.size(); ++i)
      if (const EntryId* e = entry_of(d.ops[i], t.watched))
        if (std::find(order.begin(), order.end(), *e) == order.end()) order.push_back(*e);
    std::vector<Mutant> found;
    for (const EntryId& e : order) {
      std::optional<u32> prev;
      for (u32 i = 0; i < d.ops.size(); ++i) {
        if (!stores_to(i, e)) continue;
        if (prev) {
          Mutant m;
          m.kind = MutantKind::SwapStores;
          m.id = std::string(mutant_kind_name(m.kind)) + ":" + where() + ":" + op_site(*prev);
          m.description = "swap " + op_ref(d, *prev) + " and " + op_ref(d, i) + of();
          m.cpu = cpu;
          m.item = item;
          m.ops = {*prev, i};
          m.entry = e;
          found.push_back(std::move(m));
        }
        prev = i;
      }
    }
    // In the order of their first operation, like the other operators.
    std::stable_sort(found.begin(), found.end(),
                     [](const Mutant& a, const Mutant& b) { return a.ops[0] < b.ops[0]; });
    for (Mutant& m : found) out.push_back(std::move(m));
  }
};

}  // namespace

std::vector<Mutant> enumerate_mutants(const std::vector<std::vector<DriverOp>>& cpus,
                                      const std::vector<QiSite>& sites, const MutationTargets& targets) {
  std::vector<Mutant> out;
  for (u16 cpu = 0; cpu < cpus.size(); ++cpu)
    for (u32 item = 0; item < cpus[cpu].size(); ++item) {
      ItemEnumerator en{cpus[cpu][item], cpu, item, targets, out};
      en.barriers();
      en.splits();
      en.clflushes();
      en.submissions(sites);
      en.zero_before_flush();
      en.skip_clear_present();
      en.set_present_first();
      en.swaps();
    }
  return out;
}

void apply_mutant(const Mutant& m, DriverOp& d) {
  std::vector<Operation>& ops = d.ops;
  const auto erase = [&](std::vector<u32> idx) {
    std::sort(idx.rbegin(), idx.rend());
    for (u32 i : idx) ops.erase(ops.begin() + i);
  };
  switch (m.kind) {
    case MutantKind::DropBarrier:
    case MutantKind::DropMfence:
    case MutantKind::DropClflush:
    case MutantKind::SkipClearPresent: erase(m.ops); break;
    case MutantKind::SplitLowFirst:
    case MutantKind::SplitHighFirst: {
      const Operation op = ops[m.ops[0]];
      Operation lo = Operation::assign64(op.addr, op.lo, op.label + " [split: low word, WRITE_ONCE]", true);
      Operation hi =
          Operation::assign64(op.addr + 8, op.hi, op.label + " [split: high word, WRITE_ONCE]", true);
      if (m.kind == MutantKind::SplitHighFirst) std::swap(lo, hi);
      ops[m.ops[0]] = lo;
      ops.insert(ops.begin() + m.ops[0] + 1, hi);
      break;
    }
    case MutantKind::ZeroBeforeFlush: {
      // The moved stores all come after the clear: take them out, then insert after it.
      std::vector<Operation> moved;
      for (std::size_t k = 1; k < m.ops.size(); ++k) moved.push_back(ops[m.ops[k]]);
      erase(std::vector<u32>(m.ops.begin() + 1, m.ops.end()));
      ops.insert(ops.begin() + m.ops[0] + 1, moved.begin(), moved.end());
      break;
    }
    case MutantKind::SetPresentFirst: {
      const Operation set = ops[m.ops[0]];
      ops.erase(ops.begin() + m.ops[0]);
      ops.insert(ops.begin() + m.ops[1], set);  // m.ops[1] < m.ops[0]: unshifted
      break;
    }
    case MutantKind::SwapStores: std::swap(ops[m.ops[0]], ops[m.ops[1]]); break;
    case MutantKind::DropDescriptor:
    case MutantKind::DropWait:
    case MutantKind::DropPoll:
    case MutantKind::WaitFirst: break;  // applied by qi_submit_sync while emitting
  }
}

}  // namespace vtd
