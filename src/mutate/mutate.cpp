#include "mutate/mutate.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "cpu_model/compiler.hpp"
#include "memory/physical_memory.hpp"
#include "platform/run_listener.hpp"
#include "platform/simulation.hpp"
#include "platform/wall_clock.hpp"
#include "sweep/interleaving.hpp"
#include "sweep/sweep.hpp"
#include "tables/table_builder.hpp"

namespace vtd {

namespace {

// What the nominal run of the scenario as written did, for the survivors'
// suspicions: the operations that ran, and the watched entries' values
// around each item's stores.
class FactsRecorder : public RunListener {
 public:
  Interests interests() const override { return interest(Topic::Store) | interest(Topic::CpuOp); }
  void on_start(const EpisodeStart& st) override {
    watched_ = st.layout.watched_entries();
    values_.clear();
    for (const EntryId& e : watched_) {
      EntryBits v;
      for (unsigned w = 0; w < format_of(e.kind).bits / 64; ++w) v.w[w] = st.memory.peek64(e.addr + 8 * w);
      values_.push_back(v);
    }
  }
  void on_cpu_op(const CpuOpEvent& e) override { executed_.insert({e.cpu, e.op}); }
  void on_store(const StoreEvent& e) override {
    const bool by_item = e.writer.cpu != Writer::kIommu && e.writer.item != Writer::kNone;
    for (std::size_t k = 0; k < watched_.size(); ++k) {
      const EntryId& id = watched_[k];
      const Format& f = format_of(id.kind);
      if (e.addr + 8 * e.words <= id.addr || e.addr >= id.addr + f.bits / 8) continue;
      EntryBits& v = values_[k];
      const EntryBits before = v;
      for (unsigned w = 0; w < e.words; ++w) {
        const Addr a = e.addr + 8 * w;
        if (a >= id.addr && a < id.addr + f.bits / 8) v.w[(a - id.addr) / 8] = e.new_val[w];
      }
      if (!by_item) continue;
      facts.before_item.try_emplace({e.writer.cpu, e.writer.item, id.addr}, before);
      if (f.is_present(before) && !(before == v)) facts.changed_present.insert({e.writer.cpu, e.writer.item});
    }
  }
  // The executed emitted operations as the items' operations (as built).
  void resolve(const std::vector<EmittedProgram>& emitted) {
    for (const auto& [cpu, op] : executed_) {
      if (cpu >= emitted.size() || op >= emitted[cpu].ops.size()) continue;
      const EmittedOp& e = emitted[cpu].ops[op];
      for (u32 src : e.sources) facts.executed.insert({cpu, e.item, src});
    }
  }
  NominalFacts facts;

 private:
  std::vector<EntryId> watched_;
  std::vector<EntryBits> values_;
  std::set<std::pair<u16, u32>> executed_;
};

std::string program_key(const std::vector<std::vector<DriverOp>>& cpus, const SweepSpace::Compiler& c,
                        bool skip_barriers) {
  std::ostringstream o;
  for (const std::vector<DriverOp>& items : cpus) {
    for (const EmittedOp& e : emit_program(items, c.merge_rmw, c.order).ops) {
      const Operation& op = e.op;
      if (skip_barriers && op.kind == OpKind::CompilerBarrier) continue;
      o << e.item << ' ' << int(op.kind) << ' ' << op.addr << ' ' << op.clear << ' ' << op.set << ' ' << op.lo
        << ' ' << op.hi << ' ' << op.mask << ' ' << op.value << ' ' << int(op.bytes) << ' ' << op.once << ' '
        << op.cycles << ' ' << op.ret << ';';
    }
    o << '|';
  }
  return o.str();
}

bool violating(const InterleavingResult& r, std::vector<std::string>* kinds = nullptr) {
  if (!r.error.empty()) return true;
  const auto& all = known_verdict_kinds();
  bool any = r.returns_differ;
  for (std::size_t k = 0; k < all.size() && k < r.counts.size(); ++k)
    if (r.counts[k] > 0 && is_violation_kind(all[k])) {
      any = true;
      if (kinds) kinds->push_back(all[k]);
    }
  return any;
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::string unfinished_why(const std::string& error) {
  if (error.rfind("simulation still running", 0) == 0)
    return "did not finish: the driver never returns (" + error + ")";
  return "did not finish: " + error;
}

// Why interleaving `r` catches the mutant.
std::string caught_why(const InterleavingResult& r) {
  if (!r.error.empty()) return unfinished_why(r.error);
  std::vector<std::string> kinds;
  violating(r, &kinds);
  if (r.returns_differ) kinds.push_back("driver returns differ from expect: returns:");
  return join(kinds);
}

void require_clean_expectations(const Scenario& s) {
  for (const auto& [kind, e] : s.expect)
    if (is_violation_kind(kind) && !(e.cmp == Expectation::Cmp::Eq && e.n == 0))
      throw NotClean("the scenario's verdict is not clean: expect: names " + kind + " " + e.str() +
                     "; vtdsim mutate needs a scenario that expects no violation (its mutants are caught by "
                     "the violations they add)");
}

}  // namespace

std::string_view status_name(MutantOutcome::Status s) {
  switch (s) {
    case MutantOutcome::Status::Caught: return "caught";
    case MutantOutcome::Status::Survived: return "survived";
    case MutantOutcome::Status::Equivalent: return "equivalent";
    case MutantOutcome::Status::Skipped: return "skipped";
  }
  return "?";
}

bool same_programs(const std::vector<std::vector<DriverOp>>& a, const std::vector<SweepSpace::Compiler>& ca,
                   const std::vector<std::vector<DriverOp>>& b, const std::vector<SweepSpace::Compiler>& cb,
                   bool barriers_cost_nothing) {
  try {
    std::set<std::string> ka, kb;
    for (const SweepSpace::Compiler& c : ca) ka.insert(program_key(a, c, barriers_cost_nothing));
    for (const SweepSpace::Compiler& c : cb) kb.insert(program_key(b, c, barriers_cost_nothing));
    return ka == kb;
  } catch (const ScenarioError&) {
    return false;  // a compiler order that fits one program and not the other
  }
}

std::vector<Mutant> list_mutants(const Scenario& s) {
  PhysicalMemory mem;
  const TableLayout layout = build_tables(s, mem);
  return catalog_mutants(s, layout).mutants;
}

MutateReport run_mutate(const Scenario& s, const MutateOptions& o) {
  if (s.mutant)
    throw std::invalid_argument("the scenario names a mutant (" + s.mutant->id +
                                "); vtdsim mutate mutates the program as written");
  require_clean_expectations(s);
  Simulator sim;
  FactsRecorder recorder;
  RunOptions ro;
  ro.listeners.push_back(&recorder);
  const RunResult nominal = sim.run(s, ro);
  std::vector<std::string> seen;
  for (const auto& [kind, n] : nominal.counts)
    if (is_violation_kind(kind) && n > 0) seen.push_back(kind + " " + std::to_string(n));
  if (!seen.empty() || !nominal.expectations_met)
    throw NotClean("the scenario's verdict is not clean: vtdsim run " + s.file +
                   (seen.empty() ? std::string(" does not meet its expect:") : " shows " + join(seen)));

  PhysicalMemory mem;
  const TableLayout layout = build_tables(s, mem);
  const MutantCatalog catalog = catalog_mutants(s, layout);
  std::vector<EmittedProgram> emitted;
  for (const std::vector<DriverOp>& items : catalog.programs)
    emitted.push_back(emit_program(items, s.platform.cpu.merge_rmw, s.platform.cpu.order));
  recorder.resolve(emitted);
  const NominalFacts& facts = recorder.facts;

  MutateReport rep;
  rep.scenario = s.name;
  rep.file = s.file;
  rep.sample = o.dims.sample;
  rep.batch = o.batch;
  const SweepSpace sp0 = plan_sweep(s, o.dims, ProgramTiming{nominal.program_start, nominal.program_end});
  rep.space = sp0.describe();
  rep.space_size = sp0.size();

  // The scenario as written must be clean over the very space its mutants are swept over.
  {
    SweepRunner base(sim, s, sp0, Shard{}, o.jobs, o.reduce);
    for (u64 b = 0; b < sp0.size(); b += o.batch)
      for (const InterleavingResult& r : base.run(b, b + o.batch))
        if (violating(r))
          throw NotClean("the scenario's verdict is not clean over its sweep: " + caught_why(r) + " in " +
                         reproducer_command(s.file, sp0.at(r.index)));
  }

  const bool barriers_free = s.platform.cpu.costs.compiler_barrier == 0;
  for (std::size_t i = 0; i < catalog.mutants.size(); ++i) {
    const Mutant& m = catalog.mutants[i];
    if (o.progress) o.progress(i, catalog.mutants.size());
    MutantOutcome out;
    out.mutant = m;
    Scenario sm = s;
    sm.mutant = MutantRef{m.id, SourceLoc{"vtdsim mutate", 0, 0}};
    // The mutant's own nominal run sizes its offset window, as vtdsim sweep --mutant does.
    RunResult mr;
    try {
      mr = sim.run(sm, RunOptions{});
    } catch (const ScenarioError& e) {
      out.status = MutantOutcome::Status::Skipped;
      out.note = e.what();
      rep.mutants.push_back(std::move(out));
      continue;
    } catch (const WallClockTimeout&) {
      throw;  // not a hang of the mutant: the command's deadline
    } catch (const std::runtime_error& e) {
      out.status = MutantOutcome::Status::Caught;
      out.why = unfinished_why(e.what()) + ", in the nominal run";
      out.command = reproducer_command(s.file, nominal_interleaving(s), m.id);
      out.unfinished = 1;
      rep.mutants.push_back(std::move(out));
      continue;
    }
    const SweepSpace sp = plan_sweep(sm, o.dims, ProgramTiming{mr.program_start, mr.program_end});
    out.space = sp.describe();
    out.space_size = sp.size();
    if (same_programs(catalog.programs, sp0.compilers, build_cpu_programs(sm, layout), sp.compilers,
                      barriers_free)) {
      out.status = MutantOutcome::Status::Equivalent;
      rep.mutants.push_back(std::move(out));
      continue;
    }
    // Fixed-size batches in index order, stopping after the first that catches it.
    SweepRunner runner(sim, sm, sp, Shard{}, o.jobs, o.reduce);
    const auto& kinds = known_verdict_kinds();
    for (u64 b = 0; b < sp.size() && !out.index; b += o.batch) {
      const std::vector<InterleavingResult> rs = runner.run(b, b + o.batch);
      ++out.batches;
      out.interleavings += rs.size();
      for (const InterleavingResult& r : rs) {
        if (!r.error.empty()) ++out.unfinished;
        for (std::size_t k = 0; k < kinds.size() && k < r.counts.size(); ++k)
          if (r.counts[k] > 0 && is_violation_kind(kinds[k])) ++out.counts[kinds[k]];
        if (r.returns_differ) ++out.returns_differ;
        if (violating(r) && !out.index) {
          out.index = r.index;
          out.why = caught_why(r);
          out.command = reproducer_command(s.file, sp.at(r.index), m.id);
        }
      }
    }
    if (out.index) {
      out.status = MutantOutcome::Status::Caught;
    } else {
      out.status = MutantOutcome::Status::Survived;
      const SuspicionInputs in{m, catalog.programs[m.cpu][m.item], catalog.sites, facts, s, layout};
      out.suspicions = suspect(in);
    }
    rep.mutants.push_back(std::move(out));
  }
  for (const MutantOutcome& x : rep.mutants) {
    switch (x.status) {
      case MutantOutcome::Status::Caught: ++rep.caught; break;
      case MutantOutcome::Status::Survived: ++rep.survived; break;
      case MutantOutcome::Status::Equivalent: ++rep.equivalent; break;
      case MutantOutcome::Status::Skipped: ++rep.skipped; break;
    }
  }
  if (o.progress) o.progress(catalog.mutants.size(), catalog.mutants.size());
  return rep;
}

// ------------------------------------------------------------ reports

namespace {

std::string counts_text(const MutantOutcome& x) {
  std::vector<std::string> parts;
  for (const auto& [kind, n] : x.counts) parts.push_back(kind + " in " + std::to_string(n));
  if (x.returns_differ) parts.push_back("driver returns differ in " + std::to_string(x.returns_differ));
  if (x.unfinished) parts.push_back("unfinished in " + std::to_string(x.unfinished));
  return join(parts);
}

std::string percent(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * v);
  return buf;
}

}  // namespace

std::string mutate_text(const MutateReport& r) {
  std::ostringstream o;
  o << "mutate: " << r.scenario << " (" << r.file << ")\n";
  o << "space: " << r.space << " ("
    << (r.sample ? "--sample " + std::to_string(*r.sample) : std::string("the whole space")) << ")\n";
  o << "batches of " << r.batch
    << " interleavings in index order; a mutant is caught in the first batch showing a violation,\n"
       "differing driver returns or a run that does not finish\n";
  o << "the scenario as written: no violation in its " << r.space_size << " interleavings\n\n";
  for (const MutantOutcome& x : r.mutants) {
    const std::string status(status_name(x.status));
    o << status << std::string(11 - std::min<std::size_t>(10, status.size()), ' ') << x.mutant.id;
    switch (x.status) {
      case MutantOutcome::Status::Caught:
        if (x.index)
          o << ": " << counts_text(x) << " (of " << x.interleavings << " interleavings run)\n";
        else
          o << ": " << x.why << "\n";
        o << "           replay: " << x.command << "\n";
        break;
      case MutantOutcome::Status::Survived: {
        o << ": no violation in " << x.interleavings << " interleavings; suspect: ";
        if (x.suspicions.empty()) {
          o << "unexplained: look at it\n";
        } else {
          std::vector<std::string> s;
          for (const Suspicion& y : x.suspicions) s.push_back(y.name + ": " + y.text);
          o << join(s, "; ") << "\n";
        }
        o << "           " << x.mutant.description << "\n";
        break;
      }
      case MutantOutcome::Status::Equivalent: o << ": the same program is emitted\n"; break;
      case MutantOutcome::Status::Skipped: o << ": " << x.note << "\n"; break;
    }
  }
  o << "\nsummary: " << r.mutants.size() << " mutants: " << r.equivalent << " equivalent, " << r.caught
    << " caught, " << r.survived << " survived";
  if (r.skipped) o << ", " << r.skipped << " skipped";
  o << "; caught / (caught + survived) = " << r.caught << "/" << r.caught + r.survived << " = "
    << (r.caught + r.survived ? percent(r.score()) : "n/a") << "\n";
  return o.str();
}

nlohmann::json mutate_json(const MutateReport& r) {
  using nlohmann::json;
  json j;
  j["scenario"] = r.scenario;
  j["file"] = r.file;
  j["space"] = {{"description", r.space}, {"interleavings", r.space_size}};
  j["sample"] = r.sample ? json(*r.sample) : json(nullptr);
  j["batch"] = r.batch;
  json ms = json::array();
  for (const MutantOutcome& x : r.mutants) {
    json m;
    m["id"] = x.mutant.id;
    m["operator"] = std::string(mutant_kind_name(x.mutant.kind));
    m["description"] = x.mutant.description;
    m["cpu"] = x.mutant.cpu;
    m["item"] = x.mutant.item;
    m["status"] = std::string(status_name(x.status));
    if (x.status == MutantOutcome::Status::Skipped) {
      m["note"] = x.note;
      ms.push_back(m);
      continue;
    }
    if (!x.space.empty()) m["space"] = {{"description", x.space}, {"interleavings", x.space_size}};
    if (x.status == MutantOutcome::Status::Equivalent) {
      m["note"] = "the same program is emitted";
      ms.push_back(m);
      continue;
    }
    m["interleavings_run"] = x.interleavings;
    m["batches"] = x.batches;
    m["counts"] = x.counts;
    m["returns_differ"] = x.returns_differ;
    m["unfinished"] = x.unfinished;
    if (x.status == MutantOutcome::Status::Caught)
      m["reproducer"] = {
          {"index", x.index ? json(*x.index) : json(nullptr)}, {"why", x.why}, {"command", x.command}};
    if (x.status == MutantOutcome::Status::Survived) {
      json s = json::array();
      for (const Suspicion& y : x.suspicions) s.push_back({{"name", y.name}, {"text", y.text}});
      if (x.suspicions.empty()) s.push_back({{"name", "unexplained"}, {"text", "look at it"}});
      m["suspicions"] = s;
    }
    ms.push_back(m);
  }
  j["mutants"] = ms;
  // score: caught / (caught + survived); null when no mutant was judged.
  j["summary"] = {
      {"mutants", r.mutants.size()}, {"equivalent", r.equivalent},
      {"caught", r.caught},          {"survived", r.survived},
      {"skipped", r.skipped},        {"score", r.caught + r.survived ? json(r.score()) : json(nullptr)}};
  return j;
}

}  // namespace vtd
