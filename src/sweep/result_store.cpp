#include "sweep/result_store.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "platform/simulation.hpp"
#include "sweep/sweep.hpp"

namespace vtd {

ResultStore::ResultStore() : file_(std::tmpfile()) {
  if (!file_)
    throw std::runtime_error(std::string("sweep: cannot create a temporary file for the results: ") +
                             std::strerror(errno));
}

ResultStore::~ResultStore() { std::fclose(file_); }

void ResultStore::add(const InterleavingResult& ir) {
  const std::string line = encode(ir);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size())
    throw std::runtime_error(std::string("sweep: cannot keep the results in a temporary file: ") +
                             std::strerror(errno));
  ++size_;
}

void ResultStore::each(const std::function<void(const InterleavingResult&)>& fn) const {
  if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0)
    throw std::runtime_error(std::string("sweep: cannot read the results back: ") + std::strerror(errno));
  std::string line;
  char buf[4096];
  u64 n = 0;
  while (n < size_ && std::fgets(buf, sizeof buf, file_)) {
    line += buf;
    if (line.back() != '\n') continue;  // a long error message: the rest follows
    line.pop_back();
    int news = 0;
    fn(decode(line, news));
    line.clear();
    ++n;
  }
  if (n != size_) throw std::runtime_error("sweep: the results' temporary file was cut short");
  if (std::fseek(file_, 0, SEEK_END) != 0)
    throw std::runtime_error(std::string("sweep: cannot keep the results: ") + std::strerror(errno));
}

std::string ResultStore::encode(const InterleavingResult& r, int news) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on chains of +.
  std::string line = std::to_string(r.index);
  const auto field = [&line](u64 v) {
    line += ' ';
    line += std::to_string(v);
  };
  if (!r.error.empty()) {
    line += " ! ";
    line += r.error;
    std::replace(line.end() - static_cast<std::ptrdiff_t>(r.error.size()), line.end(), '\n', ' ');
    line += '\n';
    return line;
  }
  field(r.cycles);
  for (u64 c : r.counts) field(c);
  for (u64 d : r.distance) field(d);
  field(r.returns_differ ? 1 : 0);
  field(static_cast<u64>(news));
  field(r.walker_waits);
  line += '\n';
  return line;
}

InterleavingResult ResultStore::decode(const std::string& line, int& news) {
  InterleavingResult r;
  const char* p = line.data();
  const char* const end = p + line.size();
  const auto bad = [&line] { return std::runtime_error("sweep: a malformed result line: " + line); };
  const auto number = [&](auto& v) {
    while (p < end && *p == ' ') ++p;
    const auto [q, ec] = std::from_chars(p, end, v);
    if (ec != std::errc() || q == p) throw bad();
    p = q;
  };
  number(r.index);
  news = 0;
  if (line.compare(static_cast<std::size_t>(p - line.data()), 3, " ! ") == 0) {
    r.error.assign(p + 3, end);
    return r;
  }
  number(r.cycles);
  const std::size_t n = known_verdict_kinds().size();
  r.counts.resize(n);
  r.distance.resize(n);
  for (u64& c : r.counts) number(c);
  for (u64& d : r.distance) number(d);
  int differ = 0;
  number(differ);
  number(news);
  number(r.walker_waits);
  if (p != end) throw bad();
  r.returns_differ = differ != 0;
  return r;
}

}  // namespace vtd
