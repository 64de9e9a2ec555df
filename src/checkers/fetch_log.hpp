// The fetches of one watched entry, in order, stored as runs: a fetch alike
// the previous one but for its request and burst cycles (a DMA stream
// reading a settled entry) extends the run by one step instead of taking a
// record, and a run whose steps repeat a period keeps that period only.
// Lossless: every fetch reads back exactly as it was published, so what the
// rules and stories say is unchanged, and a long run's steady stream costs a
// period of steps per entry instead of one record per fetch. SystemC-free.
#pragma once

#include <cstddef>
#include <iterator>
#include <vector>

#include "events/events.hpp"

namespace vtd {

class FetchLog {
 public:
  // A run: `first`, then n - 1 fetches alike it but for their request and
  // burst cycles, each step from the previous one adding steps[i % period]
  // (a DMA stream admitted by walkers that free up in a repeating pattern
  // repeats a period of steps; a stream every cycle, one step). Sums modulo
  // 2^64, exact either way.
  struct Step {
    u64 request = 0, cycle = 0;
    bool operator==(const Step&) const = default;
  };
  struct Run {
    FetchEvent first;
    std::size_t n = 1;
    std::vector<Step> steps;  // while learning: every step so far; once locked: one period
    std::vector<Step> sums;   // sums[i] = steps[0] + ... + steps[i - 1], i <= steps.size()
    std::vector<u32> border;  // while learning: KMP prefix function of `steps`
    Step total;               // from `first` to the last fetch
    bool locked = false;
    FetchEvent at(std::size_t k) const;
  };

  // Appends `e`; true when it extended the last run.
  bool push_back(const FetchEvent& e);
  void clear() {
    runs_.clear();
    size_ = 0;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::vector<Run>& runs() const { return runs_; }

  // Every fetch in order, by value.
  class const_iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = FetchEvent;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = FetchEvent;
    const_iterator(const Run* run, std::size_t k) : run_(run), k_(k) {}
    FetchEvent operator*() const { return run_->at(k_); }
    const_iterator& operator++() {
      if (++k_ == run_->n) {
        ++run_;
        k_ = 0;
      }
      return *this;
    }
    bool operator==(const const_iterator&) const = default;

   private:
    const Run* run_;
    std::size_t k_;
  };
  const_iterator begin() const { return {runs_.data(), 0}; }
  const_iterator end() const { return {runs_.data() + runs_.size(), 0}; }

  // A run learns its steps up to this many; it locks on their smallest period
  // once that period has been seen twice (and at least kLockAfter steps), or
  // ends at kMaxLearn steps if none has.
  static constexpr std::size_t kLockAfter = 256;
  static constexpr std::size_t kMaxLearn = 8192;

 private:
  std::vector<Run> runs_;
  std::size_t size_ = 0;
};

}  // namespace vtd
