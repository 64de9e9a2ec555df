// A sequence of events stored as runs: each run a first event and a rule
// that gives its k-th event (Run::at(k)) for k < Run::n. The logs built on
// it (DmaLog, FetchLog) differ only in what a run is and when push_back
// extends one; both read back every event, in order, by value. SystemC-free.
#pragma once

#include <cstddef>
#include <iterator>
#include <vector>

namespace vtd {

template <typename Run, typename Event>
class RunLog {
 public:
  void clear() {
    runs_.clear();
    size_ = 0;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::vector<Run>& runs() const { return runs_; }

  class const_iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Event;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Event;
    const_iterator(const Run* run, std::size_t k) : run_(run), k_(k) {}
    Event operator*() const { return run_->at(k_); }
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

 protected:
  std::vector<Run> runs_;
  std::size_t size_ = 0;
};

}  // namespace vtd
