#include "cpu_model/compiler.hpp"

#include <algorithm>
#include <map>

namespace vtd {

namespace {

struct Unit {
  EmittedOp e;
  u32 pos = 0;  // program position of its last member
};

// Must unit a stay before unit b (a earlier in program order)?
bool ordered(const Operation& a, const Operation& b) {
  return (a.addr >> 3) == (b.addr >> 3) || (a.once && b.once);
}

std::string unit_desc(unsigned i, const Operation& op) {
  return "store " + std::to_string(i) + " (" + op.label + ")";
}

std::vector<unsigned> choose_order(const std::vector<Unit>& units, unsigned region,
                                   const CompilerOrder& order) {
  const std::size_t n = units.size();
  std::vector<unsigned> out;
  if (order.kind == CompilerOrder::Kind::Program) {
    for (unsigned i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  if (order.kind == CompilerOrder::Kind::Reversed) {
    // Latest legal store first: repeatedly take the highest-index unit whose
    // earlier constrained units have all been emitted.
    std::vector<bool> done(n, false);
    while (out.size() < n) {
      for (unsigned i = n; i-- > 0;) {
        if (done[i]) continue;
        bool ready = true;
        for (unsigned j = 0; j < i && ready; ++j)
          if (!done[j] && ordered(units[j].e.op, units[i].e.op)) ready = false;
        if (ready) {
          done[i] = true;
          out.push_back(i);
          break;
        }
      }
    }
    return out;
  }
  auto it = order.permutations.find(region);
  if (it == order.permutations.end()) {
    for (unsigned i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  const std::vector<unsigned>& perm = it->second;
  const std::string where = "compiler order, region " + std::to_string(region) + ": ";
  if (perm.size() != n)
    throw ScenarioError(order.loc, where + "has " + std::to_string(n) + " stores but the permutation lists " +
                                       std::to_string(perm.size()));
  std::vector<bool> seen(n, false);
  for (unsigned k = 0; k < n; ++k) {
    unsigned i = perm[k];
    if (i >= n || seen[i])
      throw ScenarioError(order.loc, where + "not a permutation of 0.." + std::to_string(n - 1));
    for (unsigned j = 0; j < i; ++j)
      if (!seen[j] && ordered(units[j].e.op, units[i].e.op))
        throw ScenarioError(
            order.loc,
            where + unit_desc(i, units[i].e.op) + " cannot be emitted before " + unit_desc(j, units[j].e.op) +
                ((units[j].e.op.addr >> 3) == (units[i].e.op.addr >> 3) ? ": both write the same word"
                                                                        : ": both are WRITE_ONCE"));
    seen[i] = true;
  }
  return perm;
}

}  // namespace

std::vector<std::vector<unsigned>> legal_orders(const Region& r, std::size_t limit) {
  const std::size_t n = r.units.size();
  std::vector<std::vector<unsigned>> out;
  std::vector<unsigned> cur;
  std::vector<bool> done(n, false);
  // Depth-first in index order: lexicographic, and stops at the limit.
  auto rec = [&](auto&& self) -> void {
    if (out.size() >= limit) return;
    if (cur.size() == n) {
      out.push_back(cur);
      return;
    }
    for (unsigned i = 0; i < n; ++i) {
      if (done[i]) continue;
      bool ready = true;
      for (unsigned j = 0; j < i && ready; ++j)
        if (!done[j] && (r.words[j] == r.words[i] || (r.once[j] && r.once[i]))) ready = false;
      if (!ready) continue;
      done[i] = true;
      cur.push_back(i);
      self(self);
      cur.pop_back();
      done[i] = false;
    }
  };
  rec(rec);
  return out;
}

EmittedProgram emit_program(const std::vector<DriverOp>& items, bool merge_rmw, const CompilerOrder& order) {
  EmittedProgram prog;
  unsigned region_count = 0;

  for (u32 item = 0; item < items.size(); ++item) {
    const DriverOp& d = items[item];
    std::vector<Unit> units;
    std::map<Addr, std::size_t> open;  // word -> unit still accepting plain RMWs

    auto flush = [&] {
      if (units.empty()) return;
      std::stable_sort(units.begin(), units.end(),
                       [](const Unit& a, const Unit& b) { return a.pos < b.pos; });
      const unsigned region = region_count++;
      Region r;
      r.item = item;
      for (const Unit& u : units) {
        r.units.push_back(u.e.op.label);
        r.words.push_back(u.e.op.addr >> 3);
        r.once.push_back(u.e.op.once);
      }
      prog.regions.push_back(std::move(r));
      for (unsigned i : choose_order(units, region, order)) {
        EmittedOp e = units[i].e;
        e.region = static_cast<int>(region);
        prog.ops.push_back(std::move(e));
      }
      units.clear();
      open.clear();
    };

    for (u32 i = 0; i < d.ops.size(); ++i) {
      const Operation& op = d.ops[i];
      if (!op.is_region_member()) {
        flush();
        EmittedOp e;
        e.op = op;
        e.item = item;
        e.sources = {i};
        prog.ops.push_back(std::move(e));
        continue;
      }
      const Addr word = op.addr >> 3;
      if (merge_rmw && !op.once) {
        auto it = open.find(word);
        if (it != open.end()) {
          Unit& u = units[it->second];
          compose_rmw(u.e.op.clear, u.e.op.set, op.clear, op.set);
          u.e.op.label += " + " + op.label;
          u.e.sources.push_back(i);
          u.pos = i;
          continue;
        }
      }
      Unit u;
      u.e.op = op;
      u.e.item = item;
      u.e.sources = {i};
      u.pos = i;
      units.push_back(std::move(u));
      if (merge_rmw && !op.once)
        open[word] = units.size() - 1;
      else
        open.erase(word);
    }
    flush();
  }

  for (const auto& [region, perm] : order.permutations) {
    (void)perm;
    if (order.kind == CompilerOrder::Kind::Explicit && region >= region_count)
      throw ScenarioError(order.loc, "compiler order names region " + std::to_string(region) +
                                         " but the program has " + std::to_string(region_count) +
                                         " store region(s)");
  }
  return prog;
}

}  // namespace vtd
