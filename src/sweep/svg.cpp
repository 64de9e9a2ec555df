#include "sweep/svg.hpp"

#include <algorithm>
#include <sstream>

namespace vtd {

namespace {

struct Legend {
  const char* kind;
  const char* color;
};
// Highest first: a cell shows the first kind its interleaving has.
constexpr Legend kColors[] = {
    {"torn_fetch", "#d62728"},
    {"unsafe_live_update", "#ff7f0e"},
    {"present_before_invalidate", "#9467bd"},
    {"missing_invalidation", "#17becf"},
    {"stale_translation", "#1f77b4"},
    {"corrupting_dma", "#8c564b"},
    {"benign_mixed_fetch", "#e6c84f"},
};
constexpr const char* kClean = "#dcdcdc";
constexpr const char* kError = "#ff00ff";
constexpr const char* kNotRun = "#ffffff";

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string sweep_svg(const SweepReport& r) {
  const SweepSpace& sp = r.space;
  const auto& kinds = known_verdict_kinds();
  const u64 cols = sp.offsets(), rows = sp.rows();
  // Cell color per interleaving: what ran in this report, white elsewhere.
  std::vector<const char*> cell(sp.size(), kNotRun);
  for (const InterleavingResult& ir : r.results) {
    const char* c = kClean;
    if (!ir.error.empty()) {
      c = kError;
    } else {
      for (const Legend& l : kColors) {
        const auto k =
            static_cast<std::size_t>(std::find(kinds.begin(), kinds.end(), l.kind) - kinds.begin());
        if (k < kinds.size() && ir.counts[k] > 0) {
          c = l.color;
          break;
        }
      }
    }
    cell[ir.index] = c;
  }

  const double cw = std::clamp(1000.0 / static_cast<double>(cols), 1.0, 12.0);
  const double rh = rows <= 60 ? 14.0 : std::max(1.0, 840.0 / static_cast<double>(rows));
  const bool labels = rh >= 10;
  const double left = labels ? 230 : 60, top = 50;
  const double pw = cw * static_cast<double>(cols), ph = rh * static_cast<double>(rows);
  const double width = left + pw + 20, height = top + ph + 110;

  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << width << " " << height << "\" font-family=\"sans-serif\" font-size=\"10\">\n";
  o << "<title>" << escape(r.scenario) << ": race window</title>\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << left << "\" y=\"20\" font-size=\"14\">" << escape(r.scenario)
    << ": verdict per interleaving (" << r.interleavings << " run)</text>\n";
  o << "<text x=\"" << left << "\" y=\"36\">" << escape(sp.describe()) << "</text>\n";
  // Cells, a run of equal colors in a row as one rectangle.
  for (u64 row = 0; row < rows; ++row) {
    const double y = top + rh * static_cast<double>(row);
    u64 c = 0;
    while (c < cols) {
      const char* color = cell[row * cols + c];
      u64 e = c + 1;
      while (e < cols && cell[row * cols + e] == color) ++e;
      o << "<rect x=\"" << left + cw * static_cast<double>(c) << "\" y=\"" << y << "\" width=\""
        << cw * static_cast<double>(e - c) << "\" height=\"" << rh << "\" fill=\"" << color << "\"/>\n";
      c = e;
    }
    if (labels)
      o << "<text x=\"" << left - 4 << "\" y=\"" << y + rh - 3 << "\" text-anchor=\"end\">"
        << escape(sp.row_label(row)) << "</text>\n";
  }
  o << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"none\" stroke=\"#444\"/>\n";
  // Offset axis: about ten ticks.
  const u64 step = std::max<u64>(1, cols / 10);
  for (u64 c = 0; c < cols; c += step) {
    const double x = left + cw * (static_cast<double>(c) + 0.5);
    o << "<line x1=\"" << x << "\" y1=\"" << top + ph << "\" x2=\"" << x << "\" y2=\"" << top + ph + 4
      << "\" stroke=\"#444\"/>\n";
    o << "<text x=\"" << x << "\" y=\"" << top + ph + 15 << "\" text-anchor=\"middle\">"
      << sp.offset_from + static_cast<long long>(c) * sp.offset_step << "</text>\n";
  }
  o << "<text x=\"" << left + pw / 2 << "\" y=\"" << top + ph + 30
    << "\" text-anchor=\"middle\">CPU program start offset (cycles, relative to the scenario)</text>\n";
  // Legend.
  double lx = left;
  const double ly = top + ph + 50;
  auto key = [&](const char* color, const std::string& text) {
    o << "<rect x=\"" << lx << "\" y=\"" << ly << "\" width=\"10\" height=\"10\" fill=\"" << color
      << "\" stroke=\"#444\"/>\n";
    o << "<text x=\"" << lx + 14 << "\" y=\"" << ly + 9 << "\">" << escape(text) << "</text>\n";
    lx += 14 + 6.5 * static_cast<double>(text.size()) + 12;
  };
  for (const Legend& l : kColors) key(l.color, l.kind);
  key(kClean, "clean");
  if (r.errors) key(kError, "error");
  if (r.interleavings < sp.size()) key(kNotRun, "not in this shard");
  o << "</svg>\n";
  return o.str();
}

}  // namespace vtd
