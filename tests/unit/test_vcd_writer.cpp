#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "trace/vcd_writer.hpp"
#include "trace/waveform.hpp"

using namespace vtd;

namespace {

std::string dump(const VcdWriter& w) {
  std::ostringstream o;
  w.write(o);
  return o.str();
}

// The value-change part (after $enddefinitions).
std::string body(const std::string& vcd) {
  const std::string mark = "$enddefinitions $end\n";
  const auto at = vcd.find(mark);
  REQUIRE(at != std::string::npos);
  return vcd.substr(at + mark.size());
}

}  // namespace

TEST_CASE("vcd: identifier codes are printable, distinct and in declaration order", "[vcd]") {
  CHECK(VcdWriter::identifier(0) == "!");
  CHECK(VcdWriter::identifier(1) == "\"");
  CHECK(VcdWriter::identifier(93) == "~");
  CHECK(VcdWriter::identifier(94) == "!\"");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < 20000; ++i) {
    const std::string id = VcdWriter::identifier(i);
    for (char c : id) CHECK((c >= '!' && c <= '~'));
    CHECK(seen.insert(id).second);
  }
}

TEST_CASE("vcd: header declares nested scopes, widths, kinds and the timescale", "[vcd]") {
  VcdWriter w("vtdsim", "1ns", {"one time unit is one cycle"});
  w.add_wire("pasid.00_02_0.p1", "P", 1);
  w.add_wire("pasid.00_02_0.p1", "chunk0", 128);
  w.add_wire("context.00_02_0", "P", 1);
  w.add_integer("cpu0", "op");
  w.add_string("cpu0", "op_name");
  w.add_wire("pasid.00_02_0.p2", "P", 1);  // joins the existing pasid.00_02_0 scope
  const std::string expected =
      "$version\n\tvtdsim\n$end\n"
      "$comment\n\tone time unit is one cycle\n$end\n"
      "$timescale\n\t1ns\n$end\n"
      "$scope module pasid $end\n"
      "$scope module 00_02_0 $end\n"
      "$scope module p1 $end\n"
      "$var wire 1 ! P $end\n"
      "$var wire 128 \" chunk0 [127:0] $end\n"
      "$upscope $end\n"
      "$scope module p2 $end\n"
      "$var wire 1 & P $end\n"
      "$upscope $end\n"
      "$upscope $end\n"
      "$upscope $end\n"
      "$scope module context $end\n"
      "$scope module 00_02_0 $end\n"
      "$var wire 1 # P $end\n"
      "$upscope $end\n"
      "$upscope $end\n"
      "$scope module cpu0 $end\n"
      "$var integer 32 $ op $end\n"
      "$var string 1 % op_name $end\n"
      "$upscope $end\n"
      "$enddefinitions $end\n"
      "#0\n$dumpvars\n0!\nb0 \"\n0#\nbx $\ns- %\n0&\n$end\n";
  CHECK(dump(w) == expected);
}

TEST_CASE("vcd: changes are written in time order, collapsed per time, unchanged values left out", "[vcd]") {
  VcdWriter w("t");
  const auto p = w.add_wire("e", "P", 1);
  const auto c = w.add_wire("e", "chunk0", 128);
  const auto s = w.add_string("cpu0", "op_name");
  const auto n = w.add_integer("cpu0", "op");
  // Recorded out of order, as a listener does when it learns of something late.
  w.set(c, 20, 0, 0);
  w.set(p, 10, 1);
  w.set(c, 10, 0x4d, 0x800003);
  w.set(c, 10, 0x4d, 0x800003);  // same time, same value
  w.set(s, 5, "store64 0x107000 = 0x0");
  w.set(n, 5, 3);
  w.set(n, 7, 3);              // unchanged: not written
  w.set(p, 0, 1);              // time 0: becomes the initial value
  w.set(c, 30, ~0ull, ~0ull);  // all 128 bits
  w.extend_to(40);
  const std::string expected =
      "#0\n$dumpvars\n1!\nb0 \"\ns- #\nbx $\n$end\n"
      "#5\nsstore64_0x107000_=_0x0 #\nb11 $\n"
      "#10\nb1000000000000000000000110000000000000000000000000000000000000000000000000000000001001101 \"\n"
      "#20\nb0 \"\n"
      "#30\nb" +
      std::string(128, '1') +
      " \"\n"
      "#40\n";
  CHECK(body(dump(w)) == expected);
}

TEST_CASE("vcd: pulses, weak changes and x", "[vcd]") {
  VcdWriter w("t");
  const auto strobe = w.add_wire("e", "burst0", 1);
  const auto op = w.add_integer("cpu0", "op");
  w.pulse(strobe, 3);
  w.pulse(strobe, 4);  // consecutive pulses join
  w.pulse(strobe, 9);
  w.set(op, 2, 7);
  w.set_x(op, 4, true);  // the operation ends at 4 ...
  w.set(op, 4, 8);       // ... and the next starts there: the ordinary change wins
  w.set_x(op, 6, true);
  const std::string expected =
      "#0\n$dumpvars\n0!\nbx \"\n$end\n"
      "#2\nb111 \"\n"
      "#3\n1!\n"
      "#4\nb1000 \"\n"
      "#5\n0!\n"
      "#6\nbx \"\n"
      "#9\n1!\n"
      "#10\n0!\n";
  CHECK(body(dump(w)) == expected);
}

TEST_CASE("vcd: string values are one token", "[vcd]") {
  CHECK(VcdWriter::token("lock 0x10b000  [spin_lock(&iommu->lock)]") ==
        "lock_0x10b000__[spin_lock(&iommu->lock)]");
  CHECK(VcdWriter::token("") == "-");
  CHECK(VcdWriter::token("a\tb\nc") == "a_b_c");
}

TEST_CASE("vcd: bad declarations are refused", "[vcd]") {
  VcdWriter w("t");
  CHECK_THROWS_AS(w.add_wire("", "x", 1), std::invalid_argument);
  CHECK_THROWS_AS(w.add_wire("a..b", "x", 1), std::invalid_argument);
  CHECK_THROWS_AS(w.add_wire("a b", "x", 1), std::invalid_argument);
  CHECK_THROWS_AS(w.add_wire("a", "x y", 1), std::invalid_argument);
  CHECK_THROWS_AS(w.add_wire("a", "x", 0), std::invalid_argument);
  CHECK_THROWS_AS(w.add_wire("a", "x", 129), std::invalid_argument);
  w.add_wire("a", "x", 1);
  CHECK_THROWS_AS(w.add_wire("a", "x", 1), std::invalid_argument);  // declared twice
  const auto s = w.add_string("a", "s");
  const auto b = w.add_wire("a", "b", 4);
  CHECK_THROWS_AS(w.set(s, 1, 1), std::invalid_argument);
  CHECK_THROWS_AS(w.set(b, 1, "text"), std::invalid_argument);
  CHECK_THROWS_AS(w.set(99, 1, 1), std::out_of_range);
  // Values are cut to the signal's width.
  w.set(b, 1, 0xff);
  CHECK(body(dump(w)).find("#1\nb1111 #\n") != std::string::npos);
}

TEST_CASE("vcd: the same declarations and changes give the same bytes", "[vcd]") {
  auto build = [] {
    VcdWriter w("vtdsim", "1ns", {"scenario x"});
    std::vector<VcdWriter::Signal> sigs;
    const char* scopes[] = {"s0.n0", "s1.n1", "s2.n2", "s3.n0", "s4.n1", "s5.n2", "s6.n0"};
    const char* names[] = {"w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9", "w10"};
    for (int i = 0; i < 200; ++i) {
      std::string name = names[i % 11];
      name += '_';
      name += std::to_string(i);
      sigs.push_back(w.add_wire(scopes[i % 7], name, 1 + i % 128));
    }
    const auto str = w.add_string("cpu0", "op_name");
    for (int t = 1000; t > 0; --t) {
      w.set(sigs[static_cast<std::size_t>(t) % sigs.size()], static_cast<VcdWriter::Time>(t % 97),
            static_cast<std::uint64_t>(t) * 0x9e3779b97f4a7c15ull, static_cast<std::uint64_t>(t));
      w.set(str, static_cast<VcdWriter::Time>(t % 13), names[t % 5]);
    }
    return dump(w);
  };
  const std::string a = build();
  CHECK(a == build());
  // Timestamps strictly increase.
  std::istringstream in(body(a));
  std::string line;
  long long last = -1;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '#') {
      const long long t = std::stoll(line.substr(1));
      CHECK(t > last);
      last = t;
    }
}

TEST_CASE("waveform: scope names of watched entries", "[vcd]") {
  CHECK(entry_scope(EntryId{EntryKind::Pasid, 0x107040, Rid::from(0, 2, 0), 0, 1}) == "pasid.00_02_0.p1");
  CHECK(entry_scope(EntryId{EntryKind::Context, 0x105100, Rid::from(0, 0x1f, 7), 0, 0}) == "context.00_1f_7");
  CHECK(entry_scope(EntryId{EntryKind::Root, 0x100000, Rid::from(0x3a, 0, 0), 0, 0}) == "root.3a");
  CHECK(entry_scope(EntryId{EntryKind::SmRoot, 0x100000, Rid::from(0, 0, 0), 0, 0}) == "sm_root.00");
  CHECK(entry_scope(EntryId{EntryKind::SmContext, 0x105040, Rid::from(1, 2, 3), 0, 0}) ==
        "sm_context.01_02_3");
  CHECK(entry_scope(EntryId{EntryKind::PasidDir, 0x106008, Rid::from(0, 2, 0), 0, 64}) ==
        "pasid_dir.00_02_0.p64");
}

TEST_CASE("waveform: scope names of paging entries and signal names of fields", "[vcd]") {
  CHECK(paging_scope(EntryKind::SlPte, "dom1", 3, 0x10a000) == "sl_pte.dom1.l3_10a000");
  CHECK(paging_scope(EntryKind::FlPte, "user", 1, 0x104008) == "fl_pte.user.l1_104008");
  // A domain's name is the user's: anything but a VCD-safe character becomes '_'.
  CHECK(paging_scope(EntryKind::SlPte, "a.b c", 2, 0x1000) == "sl_pte.a_b_c.l2_1000");
  CHECK(field_signal_name("R/W") == "R_W");
  CHECK(field_signal_name("FLPTPTR") == "FLPTPTR");
}

TEST_CASE("waveform: scope globs", "[vcd]") {
  CHECK(glob_match("pasid.*", "pasid.00_02_0.p1"));
  CHECK(glob_match("*00_02_0*", "context.00_02_0"));
  CHECK(glob_match("cpu?", "cpu1"));
  CHECK_FALSE(glob_match("cpu?", "cpu12"));
  CHECK(glob_match("cpu[0-1]", "cpu1"));
  CHECK_FALSE(glob_match("cpu[!0-1]", "cpu1"));
  CHECK(glob_match("qi", "qi"));
  CHECK_FALSE(glob_match("qi", "qix"));
  CHECK(glob_match("*", "violations"));
  CHECK(glob_match("a*b*c", "axxbyyc"));
  CHECK_FALSE(glob_match("a*b*c", "axxbyy"));
  CHECK(parse_scope_filter("pasid.*,cpu0,violations") ==
        std::vector<std::string>{"pasid.*", "cpu0", "violations"});
  CHECK_THROWS_AS(parse_scope_filter(""), std::invalid_argument);
  CHECK_THROWS_AS(parse_scope_filter("cpu0,,qi"), std::invalid_argument);
  CHECK_THROWS_AS(parse_scope_filter("cpu[0"), std::invalid_argument);
  CHECK_THROWS_AS(parse_scope_filter("qi\\"), std::invalid_argument);
}
