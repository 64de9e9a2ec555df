// How vtdsim check tells its results: misses, lines, XML escaping, quoting.
#include <catch2/catch.hpp>

#include "report/check_report.hpp"

using namespace vtd;

namespace {

nlohmann::json mismatch_result() {
  return nlohmann::json::parse(R"({
    "scenario": "s", "counts": {"torn_fetch": 0, "stale_translation": 2},
    "expectations": {
      "torn_fetch": {"expected": ">= 1", "listed": true, "observed": 0, "ok": false},
      "stale_translation": {"expected": "== 0", "listed": false, "observed": 2, "ok": false},
      "corrupting_dma": {"expected": "== 0", "listed": false, "observed": 0, "ok": true},
      "returns": [{"cpu": 0, "item": 1, "operation": "op <1>", "expected": "0", "listed": false,
                   "observed": "-EBUSY", "ok": false}]},
    "expectations_met": false, "returns": []})");
}

}  // namespace

TEST_CASE("check names every expectation a run missed, with expected and observed", "[check]") {
  const std::vector<CheckMiss> m = check_misses(mismatch_result());
  REQUIRE(m.size() == 3);
  CHECK(m[0].kind == "stale_translation");
  CHECK(m[0].text == "stale_translation: expected == 0 (not in expect:), observed 2");
  CHECK(m[1].kind == "torn_fetch");
  CHECK(m[1].text == "torn_fetch: expected >= 1, observed 0");
  CHECK(m[2].kind == "return");
  CHECK(m[2].text ==
        "return of cpu0 item 1 \"op <1>\": expected 0 (not in expect: returns:), observed -EBUSY");
}

TEST_CASE("a MISMATCH line ends with what missed; an ok line has no misses", "[check]") {
  CheckEntry e;
  e.name = "dir/x";
  e.status = CheckStatus::Mismatch;
  e.result = mismatch_result();
  const std::string line = check_line(e);
  CHECK(line.rfind("MISMATCH dir/x ", 0) == 0);
  CHECK(
      line.find(" -- missed: stale_translation: expected == 0 (not in expect:), observed 2; torn_fetch: ") !=
      std::string::npos);
  e.status = CheckStatus::Ok;
  e.result["expectations"] = nlohmann::json::object();
  CHECK(check_line(e).find("missed") == std::string::npos);
}

TEST_CASE("XML escaping keeps the document well formed whatever the text", "[check]") {
  CHECK(xml_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&apos;");
  CHECK(xml_escape("l1\nl2\t") == "l1&#10;l2&#9;");
  CHECK(xml_escape("l1\nl2\t", false) == "l1\nl2\t");
  CHECK(xml_escape(std::string("x\x01y", 3)) == "x\xEF\xBF\xBDy");
  CHECK(xml_escape("caf\xC3\xA9") == "caf\xC3\xA9");                    // valid UTF-8 kept
  CHECK(xml_escape("bad\xC3") == "bad\xEF\xBF\xBD");                    // truncated sequence
  CHECK(xml_escape("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");          // overlong
  CHECK(xml_escape("\xED\xA0\x80").find("\xED") == std::string::npos);  // surrogate
}

TEST_CASE("replay commands quote paths the shell would split", "[check]") {
  CHECK(shell_quote("scenarios/context/a-b.yaml") == "scenarios/context/a-b.yaml");
  CHECK(shell_quote("my dir/it's.yaml") == "'my dir/it'\\''s.yaml'");
  CHECK(shell_quote("") == "''");
}

TEST_CASE("the JUnit report groups testcases by directory and counts failures and errors", "[check]") {
  std::vector<CheckEntry> entries(3);
  entries[0] = {
      "d1/a.yaml", "a", "d1", CheckStatus::Ok, nlohmann::json{{"expectations", nlohmann::json::object()}},
      "",          0.5};
  entries[1] = {"d2/b.yaml", "b", "d2", CheckStatus::Mismatch, mismatch_result(), "", 0.25};
  entries[2] = {"d1/c.yaml", "c", "d1", CheckStatus::BadInput, {}, "c.yaml:1:1: nope <here>", 0};
  const std::string x = check_junit(entries);
  CHECK(x.find("<testsuites name=\"vtdsim check\" tests=\"3\" failures=\"1\" errors=\"1\" time=\"0.750\">") !=
        std::string::npos);
  CHECK(x.find("<testsuite name=\"d1\" tests=\"2\" failures=\"0\" errors=\"1\"") <
        x.find("<testsuite name=\"d2\""));
  CHECK(x.find("<failure type=\"torn_fetch\" message=\"torn_fetch: expected &gt;= 1, observed 0\">") !=
        std::string::npos);
  CHECK(x.find("<error type=\"bad_input\" message=\"c.yaml:1:1: nope &lt;here&gt;\">") != std::string::npos);
  CHECK(x.find("replay: vtdsim run d2/b.yaml") != std::string::npos);
  const nlohmann::json j = check_json(entries, 2);
  CHECK(j["totals"]["bad_input"] == 1);
  CHECK(j["scenarios"][1]["missed"].size() == 3);
  CHECK(j["scenarios"][2]["error"] == "c.yaml:1:1: nope <here>");
}
