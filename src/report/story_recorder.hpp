// A run listener that keeps what violation stories need (stores and fetches
// of watched entries, operation names, descriptors, IOTLB fills,
// write-backs) and tells the stories once the run's findings are known.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "platform/run_listener.hpp"
#include "rules/story.hpp"

namespace vtd {

class StoryRecorder : public RunListener {
 public:
  // What on_start does, for use without a platform (tests): watch an entry
  // with its value at memory version 0; name CPU `cpu`'s program items.
  void watch(const EntryId& id, const EntryBits& initial) { ctx_.history.watch(id, initial); }
  void set_item_names(std::vector<std::vector<std::string>> names) { ctx_.item_names = std::move(names); }
  // One Story per violation of `f`, in order; with `want`, only for the
  // violation numbers (1-based) it accepts.
  std::vector<Story> build(const Findings& f, const std::function<bool(unsigned)>& want = {}) const {
    return tell_stories(ctx_, f, want);
  }

  // After the episode (stories are built on demand: a run prints few).
  std::size_t violations() const;
  std::vector<Story> stories() const { return build(findings_); }
  Story story(unsigned number) const {
    return build(findings_, [&](unsigned k) { return k == number; }).at(0);
  }
  std::vector<Story> first_of_each_kind() const;

  void on_start(const EpisodeStart& s) override;
  void on_finish(const RunResult& r) override;
  // Keeps cache changes only (IOTLB fills): lookups are not delivered.
  Interests interests() const override { return overridden<StoryRecorder>() & ~interest(Topic::CacheLookup); }
  void on_store(const StoreEvent& e) override { ctx_.history.on_store(e); }
  void on_fetch(const FetchEvent& e) override { ctx_.history.on_fetch(e); }
  void on_cpu_op(const CpuOpEvent& e) override;
  void on_cache(const CacheEvent& e) override;
  void on_descriptor(const DescriptorEvent& e) override;
  void on_writeback(const WritebackEvent& e) override { ctx_.writebacks.push_back(e); }

 private:
  StoryContext ctx_;
  std::vector<std::vector<std::string_view>> op_names_;  // [cpu][op]; valid until on_finish
  Findings findings_;                                    // the episode's, from on_finish
};

}  // namespace vtd
