// Numeric command-line options, for every command: read as text and checked
// against a range, so "-1" is an error rather than 2^64-1 (Boost's unsigned
// options wrap it) and every out-of-range value names the option and its
// range. docs/reliability.md lists the ranges.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <string_view>

#include "base/types.hpp"

namespace vtd::cli {

// The most worker processes any command starts (--jobs / -j).
inline constexpr long long kMaxJobs = 256;
// --shard I/N: N at most this (one machine runs each shard).
inline constexpr u64 kMaxShards = u64{1} << 20;
// --timeout: whole seconds, up to about 11.5 days.
inline constexpr long long kMaxTimeoutSeconds = 1'000'000;

// Whole-text integers: decimal or 0x-hex, a leading '-' only for the signed
// one; false on anything else or a value that does not fit the type.
bool parse_unsigned(std::string_view text, u64& out);
bool parse_signed(std::string_view text, long long& out);

// The value of option `name` (declared po::value<std::string>()) as an
// integer in lo..hi. Throws boost::program_options::error, which every
// command reports as bad input (exit 2): "--jobs: expected an integer in
// 1..256, got '-1'".
u64 unsigned_option(const boost::program_options::variables_map& vm, const std::string& name, u64 lo, u64 hi);
long long signed_option(const boost::program_options::variables_map& vm, const std::string& name,
                        long long lo, long long hi);

// "--NAME: expected an integer in LO..HI, got 'TEXT'", the message of the above.
std::string range_message(const std::string& name, const std::string& lo, const std::string& hi,
                          const std::string& text);

// --jobs / -j of `vm`, else the number of online CPUs (both at most kMaxJobs).
unsigned jobs_option(const boost::program_options::variables_map& vm);

// --timeout SECONDS (run, sweep, mutate): the option, and the deadline it
// sets (platform/wall_clock.hpp) when given. Call start_timeout once the
// arguments are checked, before the work starts.
extern const char* const kTimeoutHelp;
void start_timeout(const boost::program_options::variables_map& vm);

}  // namespace vtd::cli
