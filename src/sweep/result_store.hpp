// A sweep's per-interleaving outcomes, kept in an unnamed temporary file
// rather than in memory: the outputs that list every interleaving (JSON
// rows, CSV rows, the plot's cells) read them back, in the order they were
// added, once the sweep is over. A sweep's memory so stays bounded whatever
// its size; the file goes away with the store (or with the process).
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include "base/types.hpp"

namespace vtd {

struct InterleavingResult;

class ResultStore {
 public:
  ResultStore();  // throws std::runtime_error when no temporary file can be made
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  void add(const InterleavingResult& ir);
  u64 size() const { return size_; }
  // Calls `fn` for every result, in the order added.
  void each(const std::function<void(const InterleavingResult&)>& fn) const;

  // The one line per result a worker's pipe and this store carry: "index
  // cycles c... d... R G W" (R: 1 when the driver's returns differ; G: what
  // the burst-order reduction learnt of the group, `news`; W: walker waits)
  // or "index ! message".
  static std::string encode(const InterleavingResult& r, int news = 0);
  static InterleavingResult decode(const std::string& line, int& news);

 private:
  std::FILE* file_ = nullptr;
  u64 size_ = 0;
};

}  // namespace vtd
