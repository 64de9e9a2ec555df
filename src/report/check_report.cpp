#include "report/check_report.hpp"

#include <cstdio>
#include <map>

#include "base/errno.hpp"
#include "report/report.hpp"

namespace vtd {

namespace {

const char* status_word(CheckStatus s) {
  switch (s) {
    case CheckStatus::Ok: return "ok";
    case CheckStatus::Mismatch: return "mismatch";
    case CheckStatus::BadInput: return "bad_input";
    case CheckStatus::Error: return "error";
  }
  return "error";
}

const char* verdict_text(CheckStatus s) {
  switch (s) {
    case CheckStatus::Ok: return "as expected";
    case CheckStatus::Mismatch: return "NOT as expected";
    case CheckStatus::BadInput: return "bad input";
    case CheckStatus::Error: return "simulation error";
  }
  return "simulation error";
}

bool ran(const CheckEntry& e) { return e.status == CheckStatus::Ok || e.status == CheckStatus::Mismatch; }

std::map<std::string, u64> counts_of(const nlohmann::json& result) {
  return result.value("counts", nlohmann::json::object()).get<std::map<std::string, u64>>();
}

// " returns: cpu0 item 0 -EBUSY, ..." when a driver function returned an error.
std::string returns_brief(const nlohmann::json& result) {
  std::string s;
  if (result.contains("returns"))
    for (const auto& x : result["returns"])
      s += (s.empty() ? " returns: " : ", ") + std::string("cpu") + std::to_string(x["cpu"].get<int>()) +
           " item " + std::to_string(x["item"].get<u64>()) + " " + linux_errno::text(x["value"].get<int>());
  return s;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s < 0 ? 0.0 : s);
  return buf;
}

struct Tally {
  unsigned tests = 0, failures = 0, errors = 0;
  double seconds = 0;
  void add(const CheckEntry& e) {
    ++tests;
    failures += e.status == CheckStatus::Mismatch;
    errors += !ran(e);
    seconds += e.seconds;
  }
  std::string attributes() const {
    return "tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
           std::to_string(errors) + "\" time=\"" + seconds_text(seconds) + "\"";
  }
};

// Jenkins splits a classname at its dots into package and class.
std::string classname_of(const std::string& suite) {
  std::string c;
  for (char ch : suite) c += ch == '/' ? '.' : ch;
  while (!c.empty() && c.front() == '.') c.erase(c.begin());
  return c.empty() ? "." : c;
}

std::string stem_of(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  const std::size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

}  // namespace

nlohmann::json check_run_json(const RunResult& r) {
  return nlohmann::json{{"scenario", r.scenario},
                        {"counts", r.counts},
                        {"expectations", expectations_json(r)},
                        {"expectations_met", r.expectations_met},
                        {"returns", returns_json(r)}};
}

std::vector<CheckMiss> check_misses(const nlohmann::json& result) {
  std::vector<CheckMiss> misses;
  if (!result.contains("expectations")) return misses;
  const nlohmann::json& ex = result["expectations"];
  for (const auto& [kind, v] : ex.items()) {
    if (kind == "returns" || v.value("ok", true)) continue;
    misses.push_back({kind, kind + ": expected " + v.value("expected", std::string("?")) +
                                (v.value("listed", true) ? "" : " (not in expect:)") + ", observed " +
                                std::to_string(v.value("observed", u64{0}))});
  }
  if (ex.contains("returns"))
    for (const auto& v : ex["returns"]) {
      if (v.value("ok", true)) continue;
      const std::string op = v.value("operation", std::string());
      misses.push_back({"return", "return of cpu" + std::to_string(v.value("cpu", 0)) + " item " +
                                      std::to_string(v.value("item", u64{0})) +
                                      (op.empty() ? "" : " \"" + op + "\"") + ": expected " +
                                      v.value("expected", std::string("?")) +
                                      (v.value("listed", true) ? "" : " (not in expect: returns:)") +
                                      ", observed " + v.value("observed", std::string("?"))});
    }
  return misses;
}

std::string check_line(const CheckEntry& e) {
  char head[128];
  const char* status = e.status == CheckStatus::Ok         ? "ok"
                       : e.status == CheckStatus::Mismatch ? "MISMATCH"
                       : e.status == CheckStatus::BadInput ? "BAD"
                                                           : "ERROR";
  std::snprintf(head, sizeof head, "%-8s ", status);
  std::string line = head;
  char name[64];
  std::snprintf(name, sizeof name, "%-40s ", e.name.c_str());
  line += e.name.size() >= 40 ? e.name + " " : std::string(name);
  if (!ran(e)) return line + e.error;
  line += counts_line(counts_of(e.result)) + returns_brief(e.result);
  const std::vector<CheckMiss> misses = check_misses(e.result);
  for (std::size_t i = 0; i < misses.size(); ++i) line += (i == 0 ? " -- missed: " : "; ") + misses[i].text;
  return line;
}

std::string check_junit(const std::vector<CheckEntry>& entries) {
  // Suites in order of first appearance, each with its entries in order.
  std::vector<std::string> suites;
  std::map<std::string, std::vector<const CheckEntry*>> by_suite;
  Tally all;
  for (const CheckEntry& e : entries) {
    if (!by_suite.count(e.suite)) suites.push_back(e.suite);
    by_suite[e.suite].push_back(&e);
    all.add(e);
  }
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<testsuites name=\"vtdsim check\" " + all.attributes() + ">\n";
  for (const std::string& suite : suites) {
    Tally t;
    for (const CheckEntry* e : by_suite[suite]) t.add(*e);
    x += "  <testsuite name=\"" + xml_escape(suite) + "\" " + t.attributes() + " skipped=\"0\">\n";
    for (const CheckEntry* e : by_suite[suite]) {
      const std::string replay = "replay: vtdsim run " + shell_quote(e->path) + "\n";
      x += "    <testcase name=\"" + xml_escape(stem_of(e->path)) + "\" classname=\"" +
           xml_escape(classname_of(suite)) + "\" time=\"" + seconds_text(e->seconds) + "\">\n";
      if (ran(*e)) {
        for (const CheckMiss& m : check_misses(e->result))
          x += "      <failure type=\"" + xml_escape(m.kind) + "\" message=\"" + xml_escape(m.text) + "\">" +
               xml_escape(m.text + "\nverdict: " + verdict_text(e->status) + "\n" + replay, false) +
               "</failure>\n";
        x += "      <system-out>" + xml_escape(check_line(*e) + "\n", false) + "</system-out>\n";
      } else {
        const std::string first = e->error.substr(0, e->error.find('\n'));
        x += std::string("      <error type=\"") +
             (e->status == CheckStatus::BadInput ? "bad_input" : "error") + "\" message=\"" +
             xml_escape(first) + "\">" +
             xml_escape(e->error + "\nverdict: " + verdict_text(e->status) + "\n" + replay, false) +
             "</error>\n";
      }
      x += "    </testcase>\n";
    }
    x += "  </testsuite>\n";
  }
  x += "</testsuites>\n";
  return x;
}

nlohmann::json check_json(const std::vector<CheckEntry>& entries, int exit_code) {
  using nlohmann::json;
  json list = json::array();
  unsigned n[4] = {0, 0, 0, 0};
  for (const CheckEntry& e : entries) {
    ++n[static_cast<int>(e.status)];
    json j{{"path", e.path},
           {"name", e.name},
           {"status", status_word(e.status)},
           {"verdict", verdict_text(e.status)}};
    if (ran(e)) {
      j["scenario"] = e.result.value("scenario", std::string());
      j["counts"] = e.result.value("counts", json::object());
      j["expectations"] = e.result.value("expectations", json::object());
      j["returns"] = e.result.value("returns", json::array());
      json missed = json::array();
      for (const CheckMiss& m : check_misses(e.result))
        missed.push_back({{"kind", m.kind}, {"text", m.text}});
      j["missed"] = missed;
    } else {
      j["error"] = e.error;
    }
    list.push_back(std::move(j));
  }
  return json{{"scenarios", list},
              {"totals",
               {{"scenarios", entries.size()},
                {"as_expected", n[0]},
                {"not_as_expected", n[1]},
                {"bad_input", n[2]},
                {"errors", n[3]}}},
              {"exit_code", exit_code}};
}

std::string xml_escape(std::string_view s, bool attribute) {
  static const char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
  std::string o;
  o.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': o += "&amp;"; break;
        case '<': o += "&lt;"; break;
        case '>': o += "&gt;"; break;
        case '"': o += "&quot;"; break;
        case '\'': o += "&apos;"; break;
        // Attribute values lose raw line breaks and tabs to normalisation.
        case '\n': o += attribute ? "&#10;" : "\n"; break;
        case '\r': o += "&#13;"; break;
        case '\t': o += attribute ? "&#9;" : "\t"; break;
        default:
          if (c < 0x20 || c == 0x7f)
            o += kReplacement;  // not allowed in XML 1.0, even as a reference
          else
            o += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence is copied; anything else becomes U+FFFD.
    std::size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (c >= 0xF5) len = 0;
    bool ok = len > 0 && i + len <= s.size();
    u32 cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (std::size_t k = 1; ok && k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates, beyond U+10FFFF and the non-characters XML excludes.
    if (ok)
      ok = !(len == 3 && cp < 0x800) && !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) &&
           !(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0xFFFE && cp != 0xFFFF;
    if (ok) {
      o.append(s.substr(i, len));
      i += len;
    } else {
      o += kReplacement;
      ++i;
    }
  }
  return o;
}

std::string shell_quote(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of(
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789_-./+,:@%=") == std::string::npos;
  if (plain) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace vtd
