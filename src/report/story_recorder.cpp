#include "report/story_recorder.hpp"

#include <algorithm>
#include <set>

#include "platform/run_result.hpp"
#include "rules/rule.hpp"
#include "tables/table_builder.hpp"

namespace vtd {

void StoryRecorder::on_start(const EpisodeStart& s) {
  for (const EntryId& id : s.layout.watched_entries()) {
    EntryBits init;
    for (unsigned w = 0; w < format_of(id.kind).bits / 64; ++w) init.w[w] = s.memory.peek64(id.addr + 8 * w);
    watch(id, init);
  }
  ctx_.item_names = s.item_names;
}

void StoryRecorder::on_cache(const CacheEvent& e) {
  if (e.what != CacheEvent::What::Fill || e.cache != CacheKind::Iotlb) return;
  ctx_.iotlb_fills.push_back(StoryContext::IotlbFill{e.cycle, e.rid, e.did, e.addr, e.value.w[0], e.source});
}

void StoryRecorder::on_cpu_op(const CpuOpEvent& e) {
  if (op_names_.size() <= e.cpu) op_names_.resize(e.cpu + 1u);
  auto& ops = op_names_[e.cpu];
  if (ops.size() <= e.op) ops.resize(e.op + 1u);
  ops[e.op] = e.name;
}

void StoryRecorder::on_descriptor(const DescriptorEvent& e) {
  // A Completed event pairs with its slot's last Fetched.
  if (e.what == DescriptorEvent::What::Fetched) {
    ctx_.descs.push_back(StoryContext::Desc{e.index, e.cycle, std::nullopt, e.qw});
  } else if (e.what == DescriptorEvent::What::Completed) {
    for (auto it = ctx_.descs.rbegin(); it != ctx_.descs.rend(); ++it)
      if (it->index == e.index && it->fetched && !it->completed) {
        it->completed = e.cycle;
        return;
      }
    ctx_.descs.push_back(StoryContext::Desc{e.index, std::nullopt, e.cycle, e.qw});
  }
}

void StoryRecorder::on_finish(const RunResult& r) {
  findings_ = r.findings;
  // Stories are built after the episode, when the CPUs that own the
  // operations' names may be gone: keep them.
  for (u16 cpu = 0; cpu < op_names_.size(); ++cpu)
    for (u32 op = 0; op < op_names_[cpu].size(); ++op)
      if (!op_names_[cpu][op].empty()) ctx_.ops.emplace(std::pair{cpu, op}, std::string(op_names_[cpu][op]));
  op_names_.clear();
}

std::size_t StoryRecorder::violations() const {
  return static_cast<std::size_t>(std::count_if(findings_.items.begin(), findings_.items.end(),
                                                [](const Finding& f) { return is_violation_kind(f.kind); }));
}

std::vector<Story> StoryRecorder::first_of_each_kind() const {
  std::set<std::string> kinds;
  std::vector<unsigned> numbers;
  unsigned n = 0;
  for (const Finding& f : findings_.items) {
    if (!is_violation_kind(f.kind)) continue;
    ++n;
    if (kinds.insert(f.kind).second) numbers.push_back(n);
  }
  return build(findings_,
               [&](unsigned k) { return std::find(numbers.begin(), numbers.end(), k) != numbers.end(); });
}

}  // namespace vtd
