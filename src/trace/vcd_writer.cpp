#include "trace/vcd_writer.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace vtd {

namespace {

// Identifier codes use the printable characters '!' (33) to '~' (126).
constexpr unsigned kIdBase = 94;

void binary(std::string& out, std::uint64_t lo, std::uint64_t hi) {
  int top = -1;
  if (hi)
    top = 127 - __builtin_clzll(hi);
  else if (lo)
    top = 63 - __builtin_clzll(lo);
  if (top < 0) {
    out += '0';
    return;
  }
  for (int b = top; b >= 0; --b) {
    const std::uint64_t w = b >= 64 ? hi : lo;
    out += ((w >> (b % 64)) & 1) ? '1' : '0';
  }
}

}  // namespace

VcdWriter::VcdWriter(std::string version, std::string timescale, std::vector<std::string> comment)
    : version_(std::move(version)), timescale_(std::move(timescale)), comment_(std::move(comment)) {}

std::string VcdWriter::identifier(std::size_t n) {
  std::string id;
  do {
    id += static_cast<char>('!' + n % kIdBase);
    n /= kIdBase;
  } while (n > 0);
  return id;
}

std::string VcdWriter::token(std::string_view value) {
  if (value.empty()) return "-";
  std::string t(value);
  for (char& c : t)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '_';
  return t;
}

std::uint32_t VcdWriter::scope_of(std::string_view path) {
  if (path.empty()) throw std::invalid_argument("vcd: a signal needs a scope");
  std::int32_t parent = -1;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t dot = path.find('.', pos);
    const std::string_view part = path.substr(pos, dot == std::string_view::npos ? dot : dot - pos);
    if (part.empty() || token(part) != part)
      throw std::invalid_argument("vcd: bad scope name '" + std::string(path) + "'");
    const std::vector<std::uint32_t>& siblings =
        parent < 0 ? top_scopes_ : scopes_[static_cast<std::size_t>(parent)].children;
    std::int32_t found = -1;
    for (std::uint32_t c : siblings)
      if (scopes_[c].name == part) found = static_cast<std::int32_t>(c);
    if (found < 0) {
      found = static_cast<std::int32_t>(scopes_.size());
      scopes_.push_back(Scope{std::string(part), parent, {}, {}});
      (parent < 0 ? top_scopes_ : scopes_[static_cast<std::size_t>(parent)].children)
          .push_back(static_cast<std::uint32_t>(found));
    }
    parent = found;
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  return static_cast<std::uint32_t>(parent);
}

VcdWriter::Signal VcdWriter::declare(std::string_view scope, std::string_view name, Kind k, unsigned width,
                                     Value init) {
  if (name.empty() || token(name) != name)
    throw std::invalid_argument("vcd: bad signal name '" + std::string(name) + "'");
  if (width < 1 || width > 128) throw std::invalid_argument("vcd: signal width must be 1..128");
  const std::uint32_t sc = scope_of(scope);
  for (Signal o : scopes_[sc].sigs)
    if (sigs_[o].name == name)
      throw std::invalid_argument("vcd: signal '" + std::string(name) + "' declared twice in " +
                                  std::string(scope));
  const Signal s = static_cast<Signal>(sigs_.size());
  sigs_.push_back(Sig{k, width, sc, std::string(name), init});
  scopes_[sc].sigs.push_back(s);
  return s;
}

VcdWriter::Signal VcdWriter::add_wire(std::string_view scope, std::string_view name, unsigned width,
                                      std::uint64_t init) {
  Value v;
  v.lo = width < 64 ? init & ((std::uint64_t{1} << width) - 1) : init;
  return declare(scope, name, Kind::Wire, width, v);
}

VcdWriter::Signal VcdWriter::add_integer(std::string_view scope, std::string_view name, unsigned width) {
  Value v;
  v.kind = Val::X;
  return declare(scope, name, Kind::Integer, width, v);
}

VcdWriter::Signal VcdWriter::add_string(std::string_view scope, std::string_view name,
                                        std::string_view init) {
  Value v;
  v.kind = Val::Str;
  v.str = intern(init);
  return declare(scope, name, Kind::String, 1, v);
}

std::uint32_t VcdWriter::intern(std::string_view s) {
  std::string t = token(s);
  auto it = string_index_.find(t);
  if (it != string_index_.end()) return it->second;
  const auto i = static_cast<std::uint32_t>(strings_.size());
  strings_.push_back(t);
  string_index_.emplace(std::move(t), i);
  return i;
}

void VcdWriter::record(Signal s, Time t, Value v, bool weak) {
  if (s >= sigs_.size()) throw std::out_of_range("vcd: unknown signal");
  changes_.push_back(Change{t, s, weak, v});
  end_ = std::max(end_, t);
}

void VcdWriter::set(Signal s, Time t, std::uint64_t lo, std::uint64_t hi, bool weak) {
  if (s >= sigs_.size()) throw std::out_of_range("vcd: unknown signal");
  const Sig& g = sigs_[s];
  if (g.kind == Kind::String) throw std::invalid_argument("vcd: bits set on a string signal");
  Value v;
  if (g.width < 64) {
    v.lo = lo & ((std::uint64_t{1} << g.width) - 1);
  } else {
    v.lo = lo;
    v.hi = g.width == 128 ? hi : g.width == 64 ? 0 : hi & ((std::uint64_t{1} << (g.width - 64)) - 1);
  }
  record(s, t, v, weak);
}

void VcdWriter::set_x(Signal s, Time t, bool weak) {
  if (s >= sigs_.size()) throw std::out_of_range("vcd: unknown signal");
  if (sigs_[s].kind == Kind::String) throw std::invalid_argument("vcd: x set on a string signal");
  Value v;
  v.kind = Val::X;
  record(s, t, v, weak);
}

void VcdWriter::set(Signal s, Time t, std::string_view value, bool weak) {
  if (s >= sigs_.size()) throw std::out_of_range("vcd: unknown signal");
  if (sigs_[s].kind != Kind::String) throw std::invalid_argument("vcd: string set on a bit signal");
  Value v;
  v.kind = Val::Str;
  v.str = intern(value);
  record(s, t, v, weak);
}

void VcdWriter::pulse(Signal s, Time t) {
  set(s, t, 1);
  set(s, t + 1, 0, 0, true);
}

void VcdWriter::extend_to(Time t) { end_ = std::max(end_, t); }

void VcdWriter::write_scope(std::ostream& out, std::uint32_t sc) const {
  const Scope& s = scopes_[sc];
  out << "$scope module " << s.name << " $end\n";
  for (Signal id : s.sigs) {
    const Sig& g = sigs_[id];
    out << "$var "
        << (g.kind == Kind::Wire      ? "wire"
            : g.kind == Kind::Integer ? "integer"
                                      : "string")
        << ' ' << g.width << ' ' << identifier(id) << ' ' << g.name;
    if (g.kind == Kind::Wire && g.width > 1) out << " [" << g.width - 1 << ":0]";
    out << " $end\n";
  }
  for (std::uint32_t c : s.children) write_scope(out, c);
  out << "$upscope $end\n";
}

void VcdWriter::write_value(std::ostream& out, Signal s, const Value& v) const {
  const Sig& g = sigs_[s];
  std::string line;
  if (v.kind == Val::Str) {
    line += 's';
    line += strings_[v.str];
    line += ' ';
  } else if (g.width == 1) {
    line += v.kind == Val::X ? 'x' : (v.lo & 1) ? '1' : '0';
  } else {
    line += 'b';
    if (v.kind == Val::X)
      line += 'x';
    else
      binary(line, v.lo, v.hi);
    line += ' ';
  }
  line += identifier(s);
  line += '\n';
  out << line;
}

void VcdWriter::write(std::ostream& out) const {
  out << "$version\n\t" << version_ << "\n$end\n";
  if (!comment_.empty()) {
    out << "$comment\n";
    for (const std::string& c : comment_) out << '\t' << c << '\n';
    out << "$end\n";
  }
  out << "$timescale\n\t" << timescale_ << "\n$end\n";
  for (std::uint32_t sc : top_scopes_) write_scope(out, sc);
  out << "$enddefinitions $end\n";

  // Changes in time order (insertion order within a time).
  std::vector<std::size_t> order(changes_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [this](std::size_t a, std::size_t b) { return changes_[a].t < changes_[b].t; });

  std::vector<Value> cur(sigs_.size());
  for (std::size_t i = 0; i < sigs_.size(); ++i) cur[i] = sigs_[i].init;
  // One time's resolved changes: the last ordinary change of a signal, else its last weak one.
  std::vector<Value> pending(sigs_.size());
  std::vector<signed char> state(sigs_.size(), 0);  // 0 none, 1 weak, 2 ordinary
  std::vector<Signal> touched;
  // Resolves the changes at order[i..] with time t into pending/touched.
  auto gather = [&](std::size_t& i, Time t) {
    touched.clear();
    for (; i < order.size() && changes_[order[i]].t == t; ++i) {
      const Change& c = changes_[order[i]];
      if (state[c.sig] == 0) touched.push_back(c.sig);
      if (!c.weak) {
        pending[c.sig] = c.v;
        state[c.sig] = 2;
      } else if (state[c.sig] < 2) {
        pending[c.sig] = c.v;
        state[c.sig] = 1;
      }
    }
    std::sort(touched.begin(), touched.end());
    for (Signal s : touched) state[s] = 0;
  };

  // Changes at time 0 become the initial values.
  std::size_t i = 0;
  gather(i, 0);
  for (Signal s : touched) cur[s] = pending[s];
  out << "#0\n$dumpvars\n";
  for (Signal s = 0; s < sigs_.size(); ++s) write_value(out, s, cur[s]);
  out << "$end\n";

  Time last = 0;
  while (i < order.size()) {
    const Time t = changes_[order[i]].t;
    gather(i, t);
    bool stamped = false;
    for (Signal s : touched) {
      if (pending[s] == cur[s]) continue;
      if (!stamped) {
        out << '#' << t << '\n';
        stamped = true;
        last = t;
      }
      cur[s] = pending[s];
      write_value(out, s, cur[s]);
    }
  }
  if (end_ > last) out << '#' << end_ << '\n';
}

}  // namespace vtd
