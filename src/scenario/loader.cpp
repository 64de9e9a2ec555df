#include "scenario/loader.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include "base/errno.hpp"
#include "iommu_model/registers.hpp"

namespace vtd {

namespace {

constexpr u64 kU64Max = std::numeric_limits<u64>::max();

[[noreturn]] void fail(const SourceLoc& loc, const std::string& msg) { throw ScenarioError(loc, msg); }

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string join(const std::vector<std::string_view>& v) {
  std::vector<std::string> s;
  for (auto x : v) s.emplace_back(x);
  return join(s);
}

// Where `s` stops being UTF-8 (RFC 3629: no overlong forms, surrogates or
// code points above U+10FFFF), or npos when it is UTF-8 throughout.
std::size_t utf8_error_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    unsigned lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + n > s.size()) return i;
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return i;
    }
    i += n;
  }
  return std::string_view::npos;
}
// Where each YAML document of a text starts, and its first node (the
// parser's events; nothing is built).
struct DocumentStarts : YAML::EventHandler {
  std::vector<YAML::Mark> marks, nodes;
  void node(const YAML::Mark& m) {
    if (nodes.size() < marks.size()) nodes.push_back(m);
  }
  void OnDocumentStart(const YAML::Mark& m) override { marks.push_back(m); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override {
    node(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnMapEnd() override {}
};

// A YAML value with where it is and what it is (for messages).
struct Value {
  YAML::Node node;
  SourceLoc loc;
  std::string path;  // e.g. "tables.domains[0].did"
};

struct Entry {
  std::string key;
  SourceLoc key_loc;
  Value value;
};

std::string child_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string where(const std::string& path) { return path.empty() ? "at the top level" : "in " + path; }

// What a node is, for "expected X, got Y" messages.
std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Scalar:
      // A quoted scalar has tag "!"; say so, since quoting a number is the usual mistake.
      if (n.Tag() == "!") return "the quoted string \"" + n.Scalar() + "\"";
      return "'" + n.Scalar() + "'";
    default: return "an undefined value";
  }
}

[[noreturn]] void expected(const Value& v, const std::string& what) {
  fail(v.loc, v.path + ": expected " + what + ", got " + describe(v.node));
}

// A checked YAML map: scalar keys, no duplicates.
class MapView {
 public:
  MapView(SourceLoc loc, std::string path, std::vector<Entry> entries)
      : loc_(std::move(loc)), path_(std::move(path)), entries_(std::move(entries)) {}

  const SourceLoc& loc() const { return loc_; }
  const std::string& path() const { return path_; }
  const std::vector<Entry>& entries() const { return entries_; }

  // Rejects keys outside `allowed`; `what` qualifies the message (e.g. the op kind).
  void allow(const std::vector<std::string_view>& allowed, const std::string& what = "") const {
    for (const Entry& e : entries_)
      if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end())
        fail(e.key_loc,
             "unknown key '" + e.key + "'" + what + " " + where(path_) + " (allowed: " + join(allowed) + ")");
  }

  const Entry* find(std::string_view key) const {
    for (const Entry& e : entries_)
      if (e.key == key) return &e;
    return nullptr;
  }

  std::optional<Value> get(std::string_view key) const {
    if (const Entry* e = find(key)) return e->value;
    return std::nullopt;
  }

  Value require(std::string_view key) const {
    if (const Entry* e = find(key)) return e->value;
    fail(loc_,
         (path_.empty() ? std::string("the scenario") : path_) + " needs key '" + std::string(key) + "'");
  }

 private:
  SourceLoc loc_;
  std::string path_;
  std::vector<Entry> entries_;
};

enum class IntParse { Ok, NotNumber, OutOfRange };

// Decimal or 0x-hex, nothing else: no sign, no separators, no octal/binary.
IntParse parse_uint(const std::string& s, u64& out) {
  std::string_view digits = s;
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    digits.remove_prefix(2);
    base = 16;
  }
  if (digits.empty()) return IntParse::NotNumber;
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, out, base);
  if (ptr != end) return IntParse::NotNumber;
  if (ec == std::errc::result_out_of_range) return IntParse::OutOfRange;
  if (ec != std::errc()) return IntParse::NotNumber;
  return IntParse::Ok;
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// parse_rid is sscanf-based and lenient (signs, "0x", spaces); require the
// plain BB:DD.F shape first.
bool bdf_shape(const std::string& s) {
  std::size_t i = 0;
  auto hex_run = [&](std::size_t lo, std::size_t hi) {
    std::size_t n = 0;
    while (i < s.size() && is_hex_digit(s[i]) && n < hi) ++i, ++n;
    return n >= lo;
  };
  if (!hex_run(1, 2) || i >= s.size() || s[i++] != ':') return false;
  if (!hex_run(1, 2) || i >= s.size() || s[i++] != '.') return false;
  return hex_run(1, 1) && i == s.size();
}

std::string file_stem(const std::string& file) {
  std::string base = std::filesystem::path(file).filename().string();
  for (std::string_view ext : {".yaml", ".yml"})
    if (base.size() > ext.size() && base.compare(base.size() - ext.size(), ext.size(), ext) == 0)
      return base.substr(0, base.size() - ext.size());
  return base;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

struct RawOpSpec {
  std::string_view op;
  std::vector<std::string_view> keys;      // all keys valid for the op, `op` included
  std::vector<std::string_view> required;  // beyond `op`
};

const std::vector<RawOpSpec>& raw_op_specs() {
  static const std::vector<RawOpSpec> specs{
      {"store64", {"op", "addr", "value", "once"}, {"addr", "value"}},
      {"store32", {"op", "addr", "value", "once"}, {"addr", "value"}},
      {"store128", {"op", "addr", "lo", "hi"}, {"addr", "lo", "hi"}},
      {"load64", {"op", "addr"}, {"addr"}},
      {"compiler_barrier", {"op"}, {}},
      {"mfence", {"op"}, {}},
      {"clflush", {"op", "addr"}, {"addr"}},
      {"delay", {"op", "cycles"}, {"cycles"}},
      {"mmio_write", {"op", "reg", "value", "bytes"}, {"reg", "value", "bytes"}},
      {"mmio_read", {"op", "reg", "bytes"}, {"reg", "bytes"}},
      {"poll", {"op", "addr", "mask", "value"}, {"addr", "mask", "value"}},
      {"lock", {"op", "addr"}, {"addr"}},
      {"unlock", {"op", "addr"}, {"addr"}},
  };
  return specs;
}

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  SourceLoc loc(const YAML::Mark& m) const {
    if (m.is_null()) return {file_, 0, 0};
    return {file_, m.line + 1, m.column + 1};
  }
  SourceLoc loc(const YAML::Node& n) const { return loc(n.Mark()); }

  // Every string of the document (keys and values, whatever field they
  // belong to) must be UTF-8: reports are JSON and the terminal shows them.
  // Aliases share nodes: each is visited once (by position and type).
  void check_utf8(const YAML::Node& n, const std::string& path, std::set<std::pair<std::size_t, int>>& seen) {
    const YAML::Mark m = n.Mark();
    if (!m.is_null() && !seen.emplace(static_cast<std::size_t>(m.pos), static_cast<int>(n.Type())).second)
      return;
    if (n.IsScalar()) {
      if (const std::size_t at = utf8_error_at(n.Scalar()); at != std::string_view::npos) {
        char byte[8];
        std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(n.Scalar()[at]));
        fail(loc(n), (path.empty() ? std::string("a value") : path) + ": not UTF-8 text (byte " + byte +
                         " after " + std::to_string(at) + " bytes); scenario files are UTF-8");
      }
    } else if (n.IsSequence()) {
      std::size_t i = 0;
      for (const YAML::Node& item : n) check_utf8(item, path + "[" + std::to_string(i++) + "]", seen);
    } else if (n.IsMap()) {
      for (const auto& kv : n) {
        check_utf8(kv.first, path.empty() ? "a key at the top level" : "a key in " + path, seen);
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
        check_utf8(kv.second, child_path(path, key), seen);
      }
    }
  }

  Scenario load(const std::string& text) {
    YAML::Node doc;
    try {
      // Not YAML::LoadAll: on some inputs (a lone ",") yaml-cpp 0.7's parser
      // returns an empty document at the same place forever, and LoadAll
      // collects them until memory runs out. Two documents at most are read.
      std::istringstream in(text);
      YAML::Parser parser(in);
      DocumentStarts starts;
      while (starts.marks.size() < 2 && parser.HandleNextDocument(starts)) {
      }
      if (starts.marks.size() == 2) {
        const YAML::Mark& m = starts.marks[1];
        if (m.pos == starts.marks[0].pos)
          fail(loc(m), std::string("unexpected '") +
                           (m.pos >= 0 && static_cast<std::size_t>(m.pos) < text.size()
                                ? text.substr(static_cast<std::size_t>(m.pos), 1)
                                : std::string()) +
                           "': not the start of a YAML value");
        fail(loc(starts.nodes.size() == 2 ? starts.nodes[1] : m), "only one YAML document per scenario file");
      }
      doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      fail(loc(e.mark), e.msg);
    }
    Scenario s;
    s.file = file_;
    if (!doc || doc.IsNull())
      fail({file_, 1, 1}, "empty scenario: expected a map with keys " + join(kTopKeys));
    std::set<std::pair<std::size_t, int>> seen;
    check_utf8(doc, "", seen);
    scenario(Value{doc, loc(doc), ""}, s);
    return s;
  }

 private:
  inline static const std::vector<std::string_view> kTopKeys{"name",   "description", "source", "platform",
                                                             "tables", "program",     "cpus",   "traffic",
                                                             "expect", "sweep",       "mutant"};

  // ------------------------------------------------------------ primitives
  MapView map(const Value& v) const {
    if (!v.node.IsMap()) {
      if (v.path.empty()) fail(v.loc, "the top level must be a map with keys " + join(kTopKeys));
      expected(v, "a map");
    }
    std::vector<Entry> entries;
    for (auto it = v.node.begin(); it != v.node.end(); ++it) {
      // Copy the pair out of the iterator: yaml-cpp's it-> returns a pointer
      // into a temporary proxy, which GCC 12 -O2 really does let dangle.
      const auto kv = *it;
      const YAML::Node k = kv.first;
      const YAML::Node val = kv.second;
      const SourceLoc kloc = loc(k);
      if (!k.IsScalar()) fail(kloc, "keys " + where(v.path) + " must be plain names, got " + describe(k));
      const std::string key = k.Scalar();
      for (const Entry& e : entries)
        if (e.key == key)
          fail(kloc, "duplicate key '" + key + "' " + where(v.path) + " (first at " +
                         std::to_string(e.key_loc.line) + ":" + std::to_string(e.key_loc.column) + ")");
      // An empty value's mark points past it (often the next line); the key is where the user looks.
      const SourceLoc vloc = val.IsNull() ? kloc : loc(val);
      entries.push_back(Entry{key, kloc, Value{val, vloc, child_path(v.path, key)}});
    }
    return MapView(v.loc, v.path, std::move(entries));
  }

  std::vector<Value> list(const Value& v) const {
    if (!v.node.IsSequence()) expected(v, "a list");
    std::vector<Value> out;
    std::size_t i = 0;
    for (const YAML::Node& n : v.node) {
      out.push_back(Value{n, loc(n), v.path + "[" + std::to_string(i) + "]"});
      ++i;
    }
    return out;
  }

  static std::string str(const Value& v) {
    if (!v.node.IsScalar()) expected(v, "a string");
    return v.node.Scalar();
  }

  // [lo, hi]; hi is the field's type limit unless the field has a tighter one.
  static u64 uint(const Value& v, u64 lo = 0, u64 hi = kU64Max) {
    const bool type_limit = hi == kU64Max || hi == UINT_MAX;
    std::string what = !type_limit ? "an integer in " + std::to_string(lo) + ".." + std::to_string(hi)
                       : lo == 0   ? "an unsigned integer (decimal or 0x-hex)"
                                   : "an integer >= " + std::to_string(lo);
    // Quoted numbers are strings in YAML; accepting them would hide typos like "0x1000 ".
    if (!v.node.IsScalar() || v.node.Tag() == "!") expected(v, what);
    u64 n = 0;
    switch (parse_uint(v.node.Scalar(), n)) {
      case IntParse::NotNumber: expected(v, what);
      case IntParse::OutOfRange: fail(v.loc, v.path + ": " + v.node.Scalar() + " does not fit in 64 bits");
      case IntParse::Ok: break;
    }
    if (n < lo) expected(v, what);
    if (n > hi) expected(v, type_limit ? "an integer <= " + std::to_string(hi) : what);
    return n;
  }

  // A cycle count (a latency, cost, delay, start, period, listed cycle or
  // max_cycles): at most kMaxInputCycles, so the models' sums of them and
  // their SystemC times stay far from 2^64 (docs/reliability.md).
  static Cycle cycle_count(const Value& v, u64 lo = 0) {
    const u64 n = uint(v, lo);
    if (n > kMaxInputCycles)
      fail(v.loc, v.path + ": " + v.node.Scalar() + " cycles is more than the limit of " +
                      std::to_string(kMaxInputCycles) + " (2^40) cycles");
    return n;
  }

  static unsigned uint32(const Value& v, u64 lo = 0) { return static_cast<unsigned>(uint(v, lo, UINT_MAX)); }

  static bool boolean(const Value& v) {
    // YAML 1.2 core schema booleans only: yes/no/on/off are strings there.
    if (v.node.IsScalar() && v.node.Tag() != "!") {
      const std::string& t = v.node.Scalar();
      if (t == "true" || t == "True" || t == "TRUE") return true;
      if (t == "false" || t == "False" || t == "FALSE") return false;
    }
    expected(v, "true or false");
  }

  // One of a fixed set of words.
  static std::string word(const Value& v, const std::vector<std::string_view>& words) {
    const std::string what = "one of " + join(words);
    if (!v.node.IsScalar()) expected(v, what);
    const std::string t = v.node.Scalar();
    if (std::find(words.begin(), words.end(), t) == words.end()) expected(v, what);
    return t;
  }

  // A list of distinct indices, each below the list's length.
  std::vector<unsigned> permutation(const Value& v) const {
    const std::vector<Value> items = list(v);
    const std::size_t n = items.size();
    if (n == 0) fail(v.loc, v.path + ": expected a permutation of 0..n-1, got an empty list");
    std::vector<unsigned> out;
    std::vector<bool> seen(n, false);
    for (const Value& item : items) {
      const unsigned i = uint32(item);
      const std::string perm = "not a permutation of 0.." + std::to_string(n - 1);
      if (i >= n) fail(item.loc, item.path + ": index " + std::to_string(i) + " is out of range; " + perm);
      if (seen[i]) fail(item.loc, item.path + ": index " + std::to_string(i) + " is listed twice; " + perm);
      seen[i] = true;
      out.push_back(i);
    }
    return out;
  }

  // ------------------------------------------------------------ scenario
  void scenario(const Value& v, Scenario& s) {
    const MapView m = map(v);
    m.allow(kTopKeys);
    s.name = file_stem(file_);
    if (auto x = m.get("name")) {
      s.name = str(*x);
      if (s.name.empty()) fail(x->loc, "name: must not be empty");
    }
    if (auto x = m.get("description")) s.description = str(*x);
    if (auto x = m.get("source")) s.source = str(*x);
    // Platform first: the mode decides which table and traffic keys are valid.
    if (auto x = m.get("platform")) platform(*x, s.platform);
    if (auto x = m.get("tables")) tables(*x, s.tables, s.platform.iommu);
    if (auto x = m.get("program"))
      for (const Value& item : list(*x)) s.program.push_back(program_item(item));
    if (auto x = m.get("cpus"))
      for (const Value& item : list(*x)) s.more_cpus.push_back(extra_cpu(item));
    if (auto x = m.get("traffic"))
      for (const Value& item : list(*x)) s.traffic.push_back(traffic(item, s.tables, s.platform.iommu));
    if (auto x = m.get("expect")) expect(*x, s.expect, &s);
    if (auto x = m.get("sweep")) sweep(*x, s.sweep, s.platform.iommu.mode == TranslationMode::Scalable);
    // Checked against the program's mutants when the programs are built.
    if (auto x = m.get("mutant")) {
      s.mutant = MutantRef{str(*x), x->loc};
      if (s.mutant->id.empty()) fail(x->loc, "mutant: must not be empty");
    }
  }

  // ------------------------------------------------------------ sweep
  void sweep(const Value& v, SweepConfig& c, bool scalable) {
    const MapView m = map(v);
    m.allow({"offsets", "burst_orders", "inter_burst", "compiler_orders", "max_compiler_orders",
             "store_buffer_delay", "qi_latency", "mmio_cost", "expect"});
    if (auto x = m.get("offsets")) {
      c.offsets_loc = x->loc;
      const MapView o = map(*x);
      o.allow({"from", "to"});
      const long long from = sint(o.require("from"));
      const long long to = sint(o.require("to"));
      if (from > to)
        fail(x->loc,
             x->path + ": from (" + std::to_string(from) + ") is after to (" + std::to_string(to) + ")");
      c.offsets = {from, to};
    }
    if (auto x = m.get("burst_orders")) {
      if (x->node.IsScalar()) {
        const std::string t = word(*x, {"all", "ascending"});
        c.all_burst_orders = t == "all";
        if (t == "ascending") c.burst_orders.push_back({});
      } else {
        for (const Value& item : list(*x)) {
          if (item.node.IsScalar() && item.node.Scalar() == "ascending") {
            c.burst_orders.push_back({});
            continue;
          }
          if (item.node.size() > 4)
            fail(item.loc,
                 item.path + ": an entry has at most 4 bursts, got " + std::to_string(item.node.size()));
          c.burst_orders.push_back(permutation(item));
        }
        if (c.burst_orders.empty()) fail(x->loc, x->path + ": give at least one burst order, or all");
      }
    }
    auto cycles_list = [&](const Value& x, std::vector<Cycle>& out) {
      for (const Value& item : list(x)) out.push_back(cycle_count(item));
      if (out.empty()) fail(x.loc, x.path + ": give at least one value");
    };
    if (auto x = m.get("inter_burst")) cycles_list(*x, c.inter_burst);
    if (auto x = m.get("store_buffer_delay")) cycles_list(*x, c.store_buffer_delay);
    if (auto x = m.get("qi_latency")) {
      const MapView q = map(*x);
      for (const Entry& e : q.entries())
        if (!find_qi_latency_field(e.key))
          fail(e.key_loc, "unknown descriptor type '" + e.key + "' " + where(q.path()) +
                              " (known: " + qi_latency_names() + ")");
      if (q.entries().empty())
        fail(x->loc, x->path + ": give at least one descriptor type (" + qi_latency_names() + ")");
      // In qi_latency_fields() order, whatever the file's: the order decides the sweep's index.
      for (const QiLatencyField& f : qi_latency_fields()) {
        const Entry* e = q.find(f.name);
        if (!e) continue;
        if (f.scalable_only && !scalable)
          fail(e->key_loc, "'" + e->key + "' " + where(q.path()) +
                               " applies to scalable mode only (legacy mode never issues PASID-granular "
                               "descriptors); set platform.iommu.mode: scalable");
        c.qi_latency.emplace_back(e->key, std::vector<Cycle>{});
        cycles_list(e->value, c.qi_latency.back().second);
      }
    }
    if (auto x = m.get("mmio_cost")) cycles_list(*x, c.mmio_cost);
    if (auto x = m.get("compiler_orders")) c.all_compiler_orders = word(*x, {"all", "program"}) == "all";
    if (auto x = m.get("max_compiler_orders")) c.max_compiler_orders = uint(*x, 1, kMaxCompilerOrders);
    if (auto x = m.get("expect")) expect(*x, c.expect);
  }

  static long long sint(const Value& v) {
    // Offsets: at most kMaxOffset either way, as on the command line.
    const std::string what =
        "an integer in -2^40..2^40 (" + std::to_string(-kMaxOffset) + ".." + std::to_string(kMaxOffset) + ")";
    if (!v.node.IsScalar()) expected(v, what);
    std::string t = trim(v.node.Scalar());
    bool neg = !t.empty() && t[0] == '-';
    if (neg) t = t.substr(1);
    u64 n = 0;
    if (parse_uint(t, n) != IntParse::Ok || n > static_cast<u64>(kMaxOffset)) expected(v, what);
    return neg ? -static_cast<long long>(n) : static_cast<long long>(n);
  }

  // ------------------------------------------------------------ platform
  void platform(const Value& v, Platform& p) {
    const MapView m = map(v);
    m.allow({"cpu", "iommu", "sim"});
    if (auto x = m.get("cpu")) cpu(*x, p.cpu);
    if (auto x = m.get("iommu")) iommu(*x, p.iommu);
    // The CPU cache only matters when walks do not snoop it; judged once both are read.
    if (auto x = m.get("cpu")) {
      const MapView cm = map(*x);
      if (const Entry* cache = cm.find("cache"); cache && p.iommu.coherent)
        fail(cache->key_loc,
             "platform.cpu.cache has no effect while page walks are coherent "
             "(platform.iommu.coherent: true); set coherent: false to model the CPU cache");
    }
    if (auto x = m.get("sim")) {
      const MapView sim = map(*x);
      sim.allow({"max_cycles"});
      if (auto y = sim.get("max_cycles")) p.sim.max_cycles = cycle_count(*y, 1);
    }
  }

  void cpu(const Value& v, CpuConfig& c) {
    const MapView m = map(v);
    m.allow({"cmpxchg16b", "store_buffer_delay", "start", "compiler", "costs", "cache"});
    if (auto x = m.get("cmpxchg16b")) c.cmpxchg16b = boolean(*x);
    if (auto x = m.get("store_buffer_delay")) c.store_buffer_delay = cycle_count(*x);
    if (auto x = m.get("start")) c.start = cycle_count(*x);
    if (auto x = m.get("compiler")) {
      const MapView comp = map(*x);
      comp.allow({"merge_rmw", "order"});
      if (auto y = comp.get("merge_rmw")) c.merge_rmw = boolean(*y);
      if (auto y = comp.get("order")) compiler_order(*y, c.order);
    }
    if (auto x = m.get("costs")) costs(*x, c.costs);
    if (auto x = m.get("cache")) {
      const MapView cache = map(*x);
      cache.allow({"evict", "eviction_delay"});
      if (auto y = cache.get("evict")) c.cache.evict = boolean(*y);
      if (const Entry* e = cache.find("eviction_delay")) {
        if (!c.cache.evict)
          fail(e->key_loc,
               "'eviction_delay' " + where(cache.path()) +
                   " applies only with evict: true (without eviction lines stay dirty until clflush)");
        c.cache.eviction_delay = cycle_count(e->value, 1);
      }
    }
  }

  void compiler_order(const Value& v, CompilerOrder& o) {
    o.loc = v.loc;
    const std::string what = "program, reversed, or a map {REGION: [store indices...]}";
    if (v.node.IsScalar()) {
      const std::string t = v.node.Scalar();
      if (t == "program")
        o.kind = CompilerOrder::Kind::Program;
      else if (t == "reversed")
        o.kind = CompilerOrder::Kind::Reversed;
      else
        expected(v, what);
      return;
    }
    if (!v.node.IsMap()) expected(v, what);
    o.kind = CompilerOrder::Kind::Explicit;
    const MapView m = map(v);
    if (m.entries().empty()) fail(v.loc, v.path + ": an explicit order needs at least one region");
    for (const Entry& e : m.entries()) {
      u64 region = 0;
      if (parse_uint(e.key, region) != IntParse::Ok || region > UINT_MAX)
        fail(e.key_loc, v.path + ": region keys are region indices (unsigned integers), got '" + e.key + "'");
      const unsigned r = static_cast<unsigned>(region);
      if (o.permutations.count(r))
        fail(e.key_loc, v.path + ": region " + std::to_string(r) + " is listed twice");
      o.permutations[r] = permutation(e.value);
    }
  }

  void costs(const Value& v, CpuCosts& c) {
    static const std::vector<std::pair<std::string_view, Cycle CpuCosts::*>> fields{
        {"store64", &CpuCosts::store64},
        {"store128", &CpuCosts::store128},
        {"load64", &CpuCosts::load64},
        {"compiler_barrier", &CpuCosts::compiler_barrier},
        {"mfence", &CpuCosts::mfence},
        {"clflush", &CpuCosts::clflush},
        {"invalidation", &CpuCosts::invalidation},
        {"branch", &CpuCosts::branch},
        {"mmio", &CpuCosts::mmio},
        {"poll", &CpuCosts::poll},
        {"atomic", &CpuCosts::atomic},
    };
    const MapView m = map(v);
    std::vector<std::string_view> keys;
    for (const auto& f : fields) keys.push_back(f.first);
    m.allow(keys);
    for (const auto& [key, field] : fields)
      // A zero-cycle poll would spin without time passing.
      if (auto x = m.get(key)) c.*field = cycle_count(*x, key == "poll" ? 1 : 0);
  }

  void iommu(const Value& v, IommuConfig& c) {
    const MapView m = map(v);
    m.allow({"mode", "coherent", "caching_mode", "fl5lp", "context_cache", "pasid_cache", "iotlb", "qi",
             "burst_latency", "inter_burst", "burst_order", "pte_latency", "max_outstanding", "sagaw",
             "pass_through"});
    if (auto x = m.get("mode"))
      c.mode = word(*x, {"legacy", "scalable"}) == "scalable" ? TranslationMode::Scalable
                                                              : TranslationMode::Legacy;
    const bool scalable = c.mode == TranslationMode::Scalable;
    if (auto x = m.get("coherent")) c.coherent = boolean(*x);
    if (auto x = m.get("caching_mode")) c.caching_mode = boolean(*x);
    if (auto x = m.get("fl5lp")) c.fl5lp = boolean(*x);
    if (auto x = m.get("context_cache")) cache_config(*x, c.context_cache);
    if (const Entry* e = m.find("pasid_cache")) {
      if (!scalable)
        fail(e->key_loc,
             "'pasid_cache' " + where(m.path()) +
                 " applies to scalable mode only (legacy mode has no PASID cache); set mode: scalable");
      cache_config(e->value, c.pasid_cache);
    }
    if (auto x = m.get("iotlb")) cache_config(*x, c.iotlb);
    if (auto x = m.get("qi")) qi_latencies(*x, c.qi, scalable);
    if (auto x = m.get("burst_latency")) c.burst_latency = cycle_count(*x, 1);
    if (auto x = m.get("inter_burst")) c.inter_burst = cycle_count(*x);
    if (auto x = m.get("burst_order")) burst_order(*x, c);
    if (auto x = m.get("pte_latency")) c.pte_latency = cycle_count(*x, 1);
    if (auto x = m.get("max_outstanding")) c.max_outstanding = uint32(*x, 1);
    if (auto x = m.get("sagaw")) {
      c.sagaw.clear();
      const std::vector<Value> items = list(*x);
      if (items.empty()) fail(x->loc, x->path + ": needs at least one AGAW code (1..3)");
      for (const Value& item : items) {
        const unsigned code = static_cast<unsigned>(uint(item, 1, 3));
        if (std::find(c.sagaw.begin(), c.sagaw.end(), code) != c.sagaw.end())
          fail(item.loc, item.path + ": AGAW code " + std::to_string(code) + " is listed twice");
        c.sagaw.push_back(code);
      }
    }
    if (auto x = m.get("pass_through")) c.pass_through = boolean(*x);
  }

  void cache_config(const Value& v, CacheConfig& c) {
    const MapView m = map(v);
    m.allow({"enabled", "entries", "hit_latency", "miss_latency"});
    if (auto x = m.get("enabled")) c.enabled = boolean(*x);
    if (auto x = m.get("entries")) c.entries = uint32(*x, 1);
    if (auto x = m.get("hit_latency")) c.hit_latency = cycle_count(*x);
    if (auto x = m.get("miss_latency")) c.miss_latency = cycle_count(*x);
  }

  void qi_latencies(const Value& v, QiLatencies& q, bool scalable) {
    const MapView m = map(v);
    std::vector<std::string_view> keys;
    for (const QiLatencyField& f : qi_latency_fields()) keys.push_back(f.name);
    m.allow(keys);
    for (const QiLatencyField& f : qi_latency_fields()) {
      const Entry* e = m.find(f.name);
      if (!e) continue;
      // PASID-granular descriptors (types 6-8) exist only with scalable-mode tables.
      if (f.scalable_only && !scalable)
        fail(e->key_loc, "'" + e->key + "' " + where(m.path()) +
                             " applies to scalable mode only (legacy mode never issues PASID-granular "
                             "descriptors); set platform.iommu.mode: scalable");
      q.*f.field = cycle_count(e->value);
    }
  }

  void burst_order(const Value& v, IommuConfig& c) {
    c.burst_order_loc = v.loc;
    if (v.node.IsScalar()) {
      const std::string t = word(v, {"ascending", "descending"});
      c.burst_order = t == "ascending" ? std::vector<unsigned>{} : std::vector<unsigned>{3, 2, 1, 0};
      return;
    }
    if (!v.node.IsSequence()) expected(v, "ascending, descending, or a list of burst indices");
    if (v.node.size() > 4)
      fail(v.loc, v.path + ": an entry has at most 4 bursts, got " + std::to_string(v.node.size()));
    c.burst_order = permutation(v);
  }

  // ------------------------------------------------------------ tables
  void tables(const Value& v, Tables& t, const IommuConfig& io) {
    const MapView m = map(v);
    m.allow({"domains", "devices"});
    if (auto x = m.get("domains")) {
      std::vector<Value> parents;  // each domain's `parent` value, checked once all are declared
      for (const Value& item : list(*x)) t.domains.push_back(domain(item, t.domains, io, parents));
      for (std::size_t i = 0; i < t.domains.size(); ++i)
        if (!t.domains[i].parent.empty()) check_parent(parents[i], t.domains);
    }
    if (auto x = m.get("devices"))
      for (const Value& item : list(*x)) t.devices.push_back(device(item, t, io));
  }

  // A reference to a declared domain, or an error at the name listing what is declared.
  static const Domain& find_domain(const Value& name, const std::string& n,
                                   const std::vector<Domain>& domains) {
    for (const Domain& d : domains)
      if (d.name == n) return d;
    std::vector<std::string> names;
    for (const Domain& d : domains) names.push_back(d.name);
    fail(name.loc, "domain '" + n + "' is not declared under tables.domains" +
                       (names.empty() ? std::string(" (none are)") : " (declared: " + join(names) + ")"));
  }

  static void check_parent(const Value& v, const std::vector<Domain>& domains) {
    const Domain& p = find_domain(v, v.node.Scalar(), domains);
    if (p.type != "second_level")
      fail(v.loc, v.path + ": the parent of a nested domain must be a second_level domain; '" + p.name +
                      "' is " + p.type);
  }

  Domain domain(const Value& v, const std::vector<Domain>& earlier, const IommuConfig& io,
                std::vector<Value>& parents) {
    const MapView m = map(v);
    m.allow({"name", "did", "type", "aw", "fl_levels", "parent", "mappings"});
    Domain d;
    d.loc = m.loc();
    const Value name = m.require("name");
    d.name = str(name);
    if (d.name.empty()) fail(name.loc, name.path + ": must not be empty");
    for (const Domain& e : earlier)
      if (e.name == d.name)
        fail(name.loc, "domain '" + d.name + "' is declared twice (first at " + std::to_string(e.loc.line) +
                           ":" + std::to_string(e.loc.column) + ")");
    // DID 0 is what Linux reserves in caching mode; keep scenarios portable.
    d.did = static_cast<u16>(uint(m.require("did"), 1, 65535));
    if (auto x = m.get("type")) {
      d.type = word(*x, {"second_level", "first_level"});
      if (d.type == "first_level" && io.mode != TranslationMode::Scalable)
        fail(x->loc, x->path + ": first_level domains need scalable mode (platform.iommu.mode: scalable)");
    }
    const bool fl = d.type == "first_level";
    // Each size/nesting key belongs to one type; on the other it would be silently meaningless.
    auto only_for = [&](std::string_view key, bool ok, const std::string& why) {
      if (const Entry* e = m.find(key); e && !ok)
        fail(e->key_loc, "'" + e->key + "' " + where(m.path()) + why);
    };
    only_for("aw", !fl, " applies to second_level domains only (a first_level domain's depth is fl_levels)");
    only_for("fl_levels", fl, " applies to first_level domains only (a second_level domain's depth is aw)");
    only_for("parent", fl, " applies to first_level domains only (the second_level domain nesting them)");
    if (auto x = m.get("aw")) d.aw = static_cast<unsigned>(uint(*x, 1, 3));
    if (auto x = m.get("fl_levels")) {
      d.fl_levels = static_cast<unsigned>(uint(*x, 4, 5));
      if (d.fl_levels == 5 && !io.fl5lp)
        fail(x->loc, x->path + ": 5-level first-level paging needs platform.iommu.fl5lp: true");
    }
    Value parent = v;
    if (auto x = m.get("parent")) {
      d.parent = str(*x);
      if (d.parent.empty()) fail(x->loc, x->path + ": must not be empty");
      parent = *x;
    }
    parents.push_back(parent);
    if (auto x = m.get("mappings"))
      for (const Value& item : list(*x)) d.mappings.push_back(mapping(item, fl));
    return d;
  }

  Mapping mapping(const Value& v, bool first_level) {
    const MapView m = map(v);
    m.allow({"iova", "pa", "size", "page_size", "read", "write"});
    Mapping mp;
    mp.loc = m.loc();
    if (auto x = m.get("page_size")) {
      const std::string ps = str(*x);
      if (ps == "4K")
        mp.page_shift = 12;
      else if (ps == "2M")
        mp.page_shift = 21;
      else if (ps == "1G")
        mp.page_shift = 30;
      else
        fail(x->loc, x->path + ": expected 4K, 2M or 1G, got '" + ps + "'");
    }
    const u64 page = u64{1} << mp.page_shift;
    auto page_aligned = [](const Value& x) {
      const u64 a = uint(x);
      if (a & 0xfff) fail(x.loc, x.path + ": " + hex(a) + " is not 4 KiB aligned");
      return a;
    };
    mp.iova = page_aligned(m.require("iova"));
    mp.pa = page_aligned(m.require("pa"));
    // Large pages: the leaf entry maps a whole naturally aligned page.
    for (const char* key : {"iova", "pa"})
      if (auto x = m.get(key); x && (uint(*x) & (page - 1)))
        fail(x->loc, x->path + ": " + hex(uint(*x)) + " is not aligned to the page size " + hex(page));
    mp.size = page;
    if (auto x = m.get("size")) {
      mp.size = uint(*x);
      if (mp.size == 0 || (mp.size & (page - 1)))
        fail(x->loc, x->path + ": expected a non-zero multiple of " + hex(page) + " (the page size), got " +
                         hex(mp.size));
      if (mp.iova > kU64Max - (mp.size - 1) || mp.pa > kU64Max - (mp.size - 1))
        fail(x->loc, x->path + ": " + hex(mp.size) + " bytes run past the end of the address space");
    }
    if (auto x = m.get("read")) {
      mp.read = boolean(*x);
      // x86 paging entries have no read permission bit: present means readable.
      if (first_level && !mp.read)
        fail(x->loc, x->path +
                         ": first-level paging entries cannot deny reads; read: false is not "
                         "expressible in a first_level domain");
    }
    if (auto x = m.get("write")) mp.write = boolean(*x);
    return mp;
  }

  Rid bdf(const Value& v) const {
    Rid rid;
    if (!v.node.IsScalar() || !bdf_shape(v.node.Scalar()) || !parse_rid(v.node.Scalar(), rid))
      expected(v, "a bus:device.function like \"00:02.0\" (hex; device <= 1f, function <= 7)");
    return rid;
  }

  Device device(const Value& v, const Tables& t, const IommuConfig& io) {
    const MapView m = map(v);
    m.allow({"bdf", "domain", "translation", "context", "ats", "pasids"});
    const bool scalable = io.mode == TranslationMode::Scalable;
    for (const Entry& e : m.entries()) {
      if (scalable && (e.key == "domain" || e.key == "translation"))
        fail(e.key_loc, "'" + e.key + "' " + where(m.path()) +
                            " applies to legacy mode only; in scalable mode attach domains per PASID under "
                            "'pasids' (PASID 0 serves requests without a PASID)");
      if (!scalable && (e.key == "context" || e.key == "ats" || e.key == "pasids"))
        fail(e.key_loc, "'" + e.key + "' " + where(m.path()) +
                            " applies to scalable mode only (platform.iommu.mode: scalable)");
    }
    Device d;
    d.loc = m.loc();
    const Value b = m.require("bdf");
    d.rid = bdf(b);
    for (const Device& e : t.devices)
      if (e.rid == d.rid)
        fail(b.loc, "device " + to_string(d.rid) + " is declared twice (first at " +
                        std::to_string(e.loc.line) + ":" + std::to_string(e.loc.column) + ")");
    if (auto x = m.get("domain")) {
      d.domain = str(*x);
      find_domain(*x, d.domain, t.domains);
    }
    if (auto x = m.get("translation")) d.translation = word(*x, {"multi_level", "dev_iotlb", "pass_through"});
    if (auto x = m.get("context")) d.context = boolean(*x);
    if (auto x = m.get("ats")) d.ats = boolean(*x);
    if (const Entry* e = m.find("pasids")) {
      if (!d.context)
        fail(e->key_loc, "'pasids' " + where(m.path()) +
                             " needs a present context entry, but the device has context: false");
      for (const Value& item : list(e->value)) d.pasids.push_back(pasid_attach(item, t.domains, d));
    }
    return d;
  }

  PasidAttach pasid_attach(const Value& v, const std::vector<Domain>& domains, const Device& dev) {
    const MapView m = map(v);
    m.allow({"pasid", "domain", "pgtt", "fpd"});
    PasidAttach p;
    p.loc = m.loc();
    const Value pasid = m.require("pasid");
    p.pasid = static_cast<u32>(uint(pasid, 0, 0xFFFFF));
    for (const PasidAttach& q : dev.pasids)
      if (q.pasid == p.pasid)
        fail(pasid.loc, "PASID " + hex(p.pasid) + " is listed twice for device " + to_string(dev.rid) +
                            " (first at " + std::to_string(q.loc.line) + ":" + std::to_string(q.loc.column) +
                            ")");
    if (auto x = m.get("fpd")) p.fpd = boolean(*x);
    const std::optional<Value> pgtt = m.get("pgtt");
    if (pgtt) p.pgtt = word(*pgtt, {"first_level", "second_level", "nested", "pass_through"});
    const std::optional<Value> dom = m.get("domain");
    if (!dom) {
      // No domain: the entry starts not present, unless it is pass-through.
      if (pgtt && p.pgtt != "pass_through")
        fail(pgtt->loc, pgtt->path + ": pgtt " + p.pgtt + " needs a domain");
      return p;
    }
    p.domain = str(*dom);
    const Domain& d = find_domain(*dom, p.domain, domains);
    // Without pgtt, the domain decides: a nested first_level domain is attached nested.
    const std::string natural = d.type == "second_level" ? "second_level"
                                : d.parent.empty()       ? "first_level"
                                                         : "nested";
    if (!pgtt) {
      p.pgtt = natural;
      return p;
    }
    if (p.pgtt == "pass_through") fail(dom->loc, dom->path + ": pgtt pass_through takes no domain");
    if (p.pgtt != natural) {
      const std::string what = d.type == "second_level" ? "a second_level domain"
                               : d.parent.empty()       ? "a first_level domain without a parent"
                                                        : "a first_level domain nested in '" + d.parent + "'";
      const std::string needs = p.pgtt == "second_level"  ? "a second_level domain"
                                : p.pgtt == "first_level" ? "a first_level domain without a parent"
                                                          : "a first_level domain with a parent";
      fail(pgtt->loc,
           pgtt->path + ": pgtt " + p.pgtt + " needs " + needs + "; '" + p.domain + "' is " + what);
    }
    return p;
  }

  // ------------------------------------------------------------ program
  ProgramItem program_item(const Value& v) {
    if (!v.node.IsMap()) expected(v, "a map with one of sequence, ops, delay");
    const MapView m = map(v);
    ProgramItem item;
    item.loc = m.loc();
    const Entry* kind = nullptr;
    for (const Entry& e : m.entries()) {
      if (e.key != "sequence" && e.key != "ops" && e.key != "delay") continue;
      if (kind)
        fail(e.key_loc, v.path + " has both '" + kind->key + "' and '" + e.key +
                            "'; a program item is exactly one of sequence, ops, delay");
      kind = &e;
    }
    if (!kind) fail(m.loc(), v.path + " needs one of 'sequence', 'ops', 'delay'");

    if (kind->key == "sequence") {
      item.kind = ProgramItem::Kind::Sequence;
      item.sequence = str(kind->value);
      // Arguments are checked by the driver registry, which knows each sequence.
      for (const Entry& e : m.entries()) {
        if (&e == kind) continue;
        if (!e.value.node.IsScalar()) expected(e.value, "a scalar sequence argument");
        item.args[e.key] = Arg{e.value.node.Scalar(), e.value.loc};
      }
    } else if (kind->key == "ops") {
      m.allow({"ops"});
      item.kind = ProgramItem::Kind::Ops;
      for (const Value& op : list(kind->value)) item.ops.push_back(raw_op(op));
    } else {
      m.allow({"delay"});
      item.kind = ProgramItem::Kind::Delay;
      item.delay = cycle_count(kind->value);
    }
    return item;
  }

  ExtraCpu extra_cpu(const Value& v) {
    const MapView m = map(v);
    m.allow({"start", "program"});
    ExtraCpu c;
    c.loc = m.loc();
    if (auto x = m.get("start")) c.start = cycle_count(*x);
    const Value prog = m.require("program");
    for (const Value& item : list(prog)) c.program.push_back(program_item(item));
    if (c.program.empty()) fail(prog.loc, prog.path + ": an extra CPU needs at least one program item");
    return c;
  }

  RawOp raw_op(const Value& v) {
    const MapView m = map(v);
    RawOp r;
    r.loc = m.loc();
    const Value opv = m.require("op");
    r.op = str(opv);
    const auto& specs = raw_op_specs();
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const RawOpSpec& s) { return s.op == r.op; });
    if (spec == specs.end()) {
      std::vector<std::string> names;
      for (const RawOpSpec& s : specs) names.emplace_back(s.op);
      fail(opv.loc, opv.path + ": unknown op '" + r.op + "' (known: " + join(names) + ")");
    }
    m.allow(spec->keys, " for op " + r.op);
    for (std::string_view key : spec->required) m.require(key);

    auto aligned = [](const Value& x, u64 align) {
      const u64 a = uint(x);
      if (a % align)
        fail(x.loc, x.path + ": " + hex(a) + " is not " + std::to_string(align) + "-byte aligned");
      return a;
    };
    if (r.op == "store64") {
      r.addr = aligned(m.require("addr"), 8);
      r.value = uint(m.require("value"));
      if (auto x = m.get("once")) r.once = boolean(*x);
    } else if (r.op == "store32") {
      r.bytes = 4;
      r.addr = aligned(m.require("addr"), 4);
      r.value = uint(m.require("value"), 0, 0xFFFFFFFF);
      if (auto x = m.get("once")) r.once = boolean(*x);
    } else if (r.op == "mmio_write" || r.op == "mmio_read") {
      const Value bytes = m.require("bytes");
      r.bytes = static_cast<unsigned>(uint(bytes));
      if (r.bytes != 4 && r.bytes != 8) expected(bytes, "4 or 8");
      const Value reg = m.require("reg");
      // The VT-d register set is one 4 KiB page.
      r.addr = uint(reg, 0, 0xFFF);
      if (r.addr % r.bytes)
        fail(reg.loc, reg.path + ": register offset " + hex(r.addr) + " is not " + std::to_string(r.bytes) +
                          "-byte aligned");
      // An access the register file would refuse ends a run as a model
      // error (exit 3) when the CPU makes it: refuse it here, where it is written.
      if (const RegAccess a = Registers::software_access(r.addr, r.bytes, r.op == "mmio_write");
          a != RegAccess::Ok)
        fail(reg.loc, reg.path + (r.bytes == 8 ? ": an " : ": a ") + std::to_string(r.bytes) + "-byte " +
                          (r.op == "mmio_write" ? "write" : "read") + " at " + hex(r.addr) + ": " +
                          std::string(to_string(a)) + " (registers: " + Registers::register_list() +
                          "; an 8-byte register may be accessed as two 4-byte halves)");
      if (r.op == "mmio_write") r.value = uint(m.require("value"), 0, r.bytes == 4 ? 0xFFFFFFFF : kU64Max);
    } else if (r.op == "poll") {
      r.addr = aligned(m.require("addr"), 8);
      r.mask = uint(m.require("mask"));
      const Value value = m.require("value");
      r.value = uint(value);
      if (r.value & ~r.mask)
        fail(value.loc, value.path + ": " + hex(r.value) + " has bits outside mask " + hex(r.mask) +
                            "; (word & mask) could never equal it");
    } else if (r.op == "lock" || r.op == "unlock") {
      r.addr = aligned(m.require("addr"), 8);
    } else if (r.op == "store128") {
      r.addr = aligned(m.require("addr"), 16);
      r.lo = uint(m.require("lo"));
      r.hi = uint(m.require("hi"));
    } else if (r.op == "load64") {
      r.addr = aligned(m.require("addr"), 8);
    } else if (r.op == "clflush") {
      r.addr = uint(m.require("addr"));
    } else if (r.op == "delay") {
      r.cycles = cycle_count(m.require("cycles"));
    }
    return r;
  }

  // ------------------------------------------------------------ traffic
  TrafficStream traffic(const Value& v, const Tables& t, const IommuConfig& io) {
    const MapView m = map(v);
    m.allow({"device", "pasid", "iova", "access", "at", "every", "start", "count"});
    TrafficStream s;
    s.loc = m.loc();
    const Value dev = m.require("device");
    s.rid = bdf(dev);
    if (std::none_of(t.devices.begin(), t.devices.end(), [&](const Device& d) { return d.rid == s.rid; }))
      fail(dev.loc, "device " + to_string(s.rid) + " is not declared under tables.devices");
    if (const Entry* e = m.find("pasid")) {
      if (io.mode != TranslationMode::Scalable)
        fail(e->key_loc,
             "'pasid' " + where(v.path) + " applies to scalable mode only (platform.iommu.mode: scalable)");
      s.pasid = static_cast<u32>(uint(e->value, 0, 0xFFFFF));
    }
    s.iova = uint(m.require("iova"));
    if (auto x = m.get("access")) s.write = word(*x, {"read", "write"}) == "write";

    const Entry* at = m.find("at");
    const Entry* every = m.find("every");
    if (at && every) {
      const Entry* later =
          at->key_loc.line > every->key_loc.line ||
                  (at->key_loc.line == every->key_loc.line && at->key_loc.column > every->key_loc.column)
              ? at
              : every;
      fail(later->key_loc,
           v.path + " has both 'at' and 'every'; use at (listed cycles) or every/start/count (periodic)");
    }
    if (!at && !every)
      fail(m.loc(), v.path + " needs 'at' (listed cycles) or 'every' (periodic, with count)");
    if (at) {
      for (std::string_view key : {"start", "count"})
        if (const Entry* e = m.find(key))
          fail(e->key_loc, "'" + e->key + "' " + where(v.path) + " only applies with 'every', not 'at'");
      const std::vector<Value> cycles = list(at->value);
      if (cycles.empty()) fail(at->value.loc, at->value.path + ": needs at least one cycle");
      for (const Value& c : cycles) {
        const Cycle cyc = cycle_count(c);
        if (!s.at.empty() && cyc < s.at.back())
          fail(c.loc, c.path + ": cycles must be non-decreasing (" + std::to_string(cyc) + " comes after " +
                          std::to_string(s.at.back()) + ")");
        s.at.push_back(cyc);
      }
    } else {
      s.every = cycle_count(every->value, 1);
      // A count beyond kMaxInputCycles could not be issued before max_cycles anyway.
      s.count = uint(m.require("count"), 1, kMaxInputCycles);
      if (auto x = m.get("start")) s.start = cycle_count(*x);
    }
    return s;
  }

  // ------------------------------------------------------------ expect
  // `s`: the scenario whose top-level expect: this is (its programs are
  // loaded); null under sweep:, where returns: is not a key.
  void expect(const Value& v, std::map<std::string, Expectation>& out, Scenario* s = nullptr) {
    const MapView m = map(v);
    const auto& kinds = known_verdict_kinds();
    for (const Entry& e : m.entries()) {
      if (e.key == "returns") {
        if (!s)
          fail(e.key_loc, "'returns' " + where(m.path()) +
                              " is not a count: every interleaving of a sweep is held to the "
                              "scenario's expect: returns:");
        returns(e.value, *s);
        continue;
      }
      if (std::find(kinds.begin(), kinds.end(), e.key) == kinds.end())
        fail(e.key_loc, "unknown verdict kind '" + e.key + "' under expect (known: " + join(kinds) +
                            (s ? "; and returns" : "") + ")");
      out[e.key] = expectation(e.value);
    }
  }

  // expect: returns: [{item: N, cpu: C, value: -EBUSY}, ...]
  void returns(const Value& v, Scenario& s) {
    for (const Value& x : list(v)) {
      const MapView m = map(x);
      m.allow({"item", "cpu", "value"});
      ReturnExpectation r;
      r.loc = m.loc();
      const unsigned cpus = 1 + static_cast<unsigned>(s.more_cpus.size());
      if (auto c = m.get("cpu")) {
        const u64 n = uint(*c);
        if (n >= cpus)
          fail(c->loc, c->path + ": cpu " + std::to_string(n) + " does not exist (the scenario has CPU 0" +
                           (cpus > 1 ? ".." + std::to_string(cpus - 1) : std::string()) + ")");
        r.cpu = static_cast<u16>(n);
      }
      const std::size_t items = r.cpu == 0 ? s.program.size() : s.more_cpus[r.cpu - 1].program.size();
      const Value item = m.require("item");
      const u64 n = uint(item);
      if (n >= items)
        fail(item.loc, item.path + ": CPU " + std::to_string(r.cpu) + "'s program has " +
                           std::to_string(items) + " item" + (items == 1 ? "" : "s") +
                           (items ? " (0.." + std::to_string(items - 1) + ")" : std::string()) +
                           "; there is no item " + std::to_string(n));
      r.item = static_cast<u32>(n);
      const Value value = m.require("value");
      const std::string what = "a return value: 0, -ERRNO or ERRNO (one of " + linux_errno::known_names() +
                               "), or a negative integer";
      if (!value.node.IsScalar()) expected(value, what);
      const std::optional<int> ret = linux_errno::parse(trim(value.node.Scalar()));
      if (!ret || *ret > 0) expected(value, what);
      r.value = *ret;
      for (const ReturnExpectation& e : s.expect_returns)
        if (e.cpu == r.cpu && e.item == r.item)
          fail(item.loc, "CPU " + std::to_string(r.cpu) + " item " + std::to_string(r.item) +
                             " is listed twice under expect.returns (first at " + std::to_string(e.loc.line) +
                             ":" + std::to_string(e.loc.column) + ")");
      s.expect_returns.push_back(r);
    }
  }

  static Expectation expectation(const Value& v) {
    const std::string what = "a count N or a comparison \"== N\", \">= N\", \"<= N\"";
    if (!v.node.IsScalar()) expected(v, what);
    Expectation x;
    if (!parse_expectation(v.node.Scalar(), x)) expected(v, what);
    x.loc = v.loc;
    return x;
  }

  std::string file_;
};

}  // namespace

bool parse_expectation(const std::string& text, Expectation& out) {
  Expectation x;
  std::string t = trim(text);
  if (t.size() >= 2 && t[1] == '=' && (t[0] == '=' || t[0] == '>' || t[0] == '<')) {
    x.cmp = t[0] == '=' ? Expectation::Cmp::Eq : t[0] == '>' ? Expectation::Cmp::Ge : Expectation::Cmp::Le;
    t = trim(std::string_view(t).substr(2));
  }
  if (parse_uint(t, x.n) != IntParse::Ok) return false;
  out = x;
  return true;
}

Scenario load_scenario_text(const std::string& text, const std::string& file_name) {
  return Loader(file_name).load(text);
}

Scenario load_scenario(const std::string& path) {
  std::error_code ec;
  const SourceLoc where{path, 0, 0};
  if (std::filesystem::is_directory(path, ec)) fail(where, "cannot read file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(where, "cannot read file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(where, "cannot read file");
  return load_scenario_text(text.str(), path);
}

}  // namespace vtd
