#include "cli/numbers.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "platform/wall_clock.hpp"

namespace vtd::cli {

namespace po = boost::program_options;

bool parse_unsigned(std::string_view text, u64& out) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  // from_chars takes no sign for unsigned types, so "-1" and "+1" fail here.
  if (text.empty()) return false;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc{} && p == text.data() + text.size();
}

bool parse_signed(std::string_view text, long long& out) {
  const bool neg = !text.empty() && text[0] == '-';
  if (neg) text.remove_prefix(1);
  u64 mag = 0;
  if (!parse_unsigned(text, mag)) return false;
  const u64 limit = neg ? u64{1} << 63 : static_cast<u64>(std::numeric_limits<long long>::max());
  if (mag > limit) return false;
  // -2^63 has no positive counterpart: negate in unsigned arithmetic.
  out = neg ? static_cast<long long>(0 - mag) : static_cast<long long>(mag);
  return true;
}

std::string range_message(const std::string& name, const std::string& lo, const std::string& hi,
                          const std::string& text) {
  return "--" + name + ": expected an integer in " + lo + ".." + hi + ", got '" + text + "'";
}

u64 unsigned_option(const po::variables_map& vm, const std::string& name, u64 lo, u64 hi) {
  const std::string text = vm[name].as<std::string>();
  u64 v = 0;
  if (!parse_unsigned(text, v) || v < lo || v > hi)
    throw po::error(range_message(name, std::to_string(lo), std::to_string(hi), text));
  return v;
}

long long signed_option(const po::variables_map& vm, const std::string& name, long long lo, long long hi) {
  const std::string text = vm[name].as<std::string>();
  long long v = 0;
  if (!parse_signed(text, v) || v < lo || v > hi)
    throw po::error(range_message(name, std::to_string(lo), std::to_string(hi), text));
  return v;
}

unsigned jobs_option(const po::variables_map& vm) {
  if (vm.count("jobs")) return static_cast<unsigned>(unsigned_option(vm, "jobs", 1, kMaxJobs));
  return static_cast<unsigned>(std::clamp<long>(sysconf(_SC_NPROCESSORS_ONLN), 1, kMaxJobs));
}

const char* const kTimeoutHelp =
    "stop after SECONDS of wall-clock time (1..1000000): the command ends with \"vtdsim: wall-clock "
    "timeout of N s reached ...\", writes no report and exits 3 (sweep and mutate: their workers are "
    "killed)";

void start_timeout(const po::variables_map& vm) {
  if (vm.count("timeout"))
    set_wall_clock_deadline(static_cast<long long>(unsigned_option(vm, "timeout", 1, kMaxTimeoutSeconds)));
}

}  // namespace vtd::cli
