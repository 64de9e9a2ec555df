// A small writer of Value Change Dump files (IEEE 1364 §18, with GTKWave's
// `string` variables), independent of vtdsim's models and of SystemC.
//
// Signals are declared first, each in a scope given as a dotted path
// ("pasid.00_02_0.p1" nests three `$scope module`s); scopes and signals are
// written in the order first declared. Value changes may then be recorded in
// any time order: they are buffered and written sorted by time when write()
// runs (the caller may learn of a change late, e.g. a violation found after
// the run). At one time the last change recorded for a signal wins, except
// that a weak change (the trailing edge of a pulse, an "idle" value) yields
// to any ordinary change at the same time. Changes that leave a signal's
// value as it was are not written. The same declarations and changes give the
// same bytes: identifiers are assigned in declaration order, and nothing
// (date, host, pointer) varies between runs.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vtd {

class VcdWriter {
 public:
  using Signal = std::uint32_t;
  using Time = std::uint64_t;

  // `timescale`: what one time unit is ("1ns"); `comment` lines go into the
  // header's $comment section.
  explicit VcdWriter(std::string version, std::string timescale = "1ns",
                     std::vector<std::string> comment = {});

  // A bit vector of `width` bits (1..128), initially `init` (the low 64 bits;
  // wider initial values through set() at time 0). `integer` declares a VCD
  // `integer` (viewers show it as a number) instead of a `wire`.
  Signal add_wire(std::string_view scope, std::string_view name, unsigned width, std::uint64_t init = 0);
  Signal add_integer(std::string_view scope, std::string_view name, unsigned width = 32);  // initially x
  // A string-valued signal (GTKWave's `$var string`). Values are written as
  // one token: whitespace and non-printable characters become '_', and an
  // empty value is written as "-".
  Signal add_string(std::string_view scope, std::string_view name, std::string_view init = "-");

  // Value changes. `weak`: yields to an ordinary change of the same signal at
  // the same time.
  void set(Signal s, Time t, std::uint64_t lo, std::uint64_t hi = 0, bool weak = false);
  void set_x(Signal s, Time t, bool weak = false);  // unknown (x): e.g. no operation running
  void set(Signal s, Time t, std::string_view value, bool weak = false);
  // A 1-bit signal high for one time unit: 1 at t, a weak 0 at t + 1 (so
  // pulses at consecutive times join).
  void pulse(Signal s, Time t);

  // The dump ends no earlier than `t` (a final timestamp is written), so a
  // viewer shows the whole run even if nothing changes at its end.
  void extend_to(Time t);

  // Writes the whole file; may be called more than once (same output).
  void write(std::ostream& out) const;

  std::size_t signals() const { return sigs_.size(); }
  std::size_t changes() const { return changes_.size(); }
  // The identifier code of the n-th signal ("!", "\"", ..., "~", "!!", ...).
  static std::string identifier(std::size_t n);
  // A string value as written: one token of printable characters.
  static std::string token(std::string_view value);

 private:
  enum class Kind : std::uint8_t { Wire, Integer, String };
  enum class Val : std::uint8_t { Bits, X, Str };
  struct Value {
    Val kind = Val::Bits;
    std::uint32_t str = 0;  // Str: index into strings_
    std::uint64_t lo = 0, hi = 0;
    bool operator==(const Value&) const = default;
  };
  struct Sig {
    Kind kind;
    unsigned width;
    std::uint32_t scope;  // index into scopes_
    std::string name;
    Value init;
  };
  struct Scope {
    std::string name;
    std::int32_t parent;  // -1: top level
    std::vector<std::uint32_t> children;
    std::vector<Signal> sigs;
  };
  struct Change {
    Time t;
    Signal sig;
    bool weak;
    Value v;
  };

  std::uint32_t scope_of(std::string_view path);
  Signal declare(std::string_view scope, std::string_view name, Kind k, unsigned width, Value init);
  std::uint32_t intern(std::string_view s);
  void record(Signal s, Time t, Value v, bool weak);
  void write_scope(std::ostream& out, std::uint32_t scope) const;
  void write_value(std::ostream& out, Signal s, const Value& v) const;

  std::string version_, timescale_;
  std::vector<std::string> comment_;
  std::vector<Sig> sigs_;
  std::vector<Scope> scopes_;
  std::vector<std::uint32_t> top_scopes_;
  std::vector<std::string> strings_;
  std::unordered_map<std::string, std::uint32_t> string_index_;  // lookup only, never iterated
  std::vector<Change> changes_;
  Time end_ = 0;
};

}  // namespace vtd
