#include "sweep/svg.hpp"

#include <algorithm>
#include <functional>
#include <sstream>

namespace vtd {

namespace {

struct Legend {
  const char* kind;
  const char* color;
};
// Every verdict kind's colour; the bands of a cell go top to bottom in this order.
constexpr Legend kColors[] = {
    {"torn_fetch", "#d62728"},           {"corrupting_dma", "#8c564b"},
    {"stale_translation", "#1f77b4"},    {"present_before_invalidate", "#9467bd"},
    {"missing_invalidation", "#17becf"}, {"unsafe_live_update", "#ff7f0e"},
    {"benign_mixed_fetch", "#e6c84f"},
};
constexpr const char* kClean = "#dcdcdc";
constexpr const char* kError = "#ff00ff";
constexpr const char* kNotRun = "#ffffff";
constexpr const char* kProgram = "#9ecae1";
constexpr const char* kTraffic = "#a1d99b";
// Above this many interleavings, a run of cells with the same outcome in a
// row shares one tooltip (with its first offset's command): one per cell
// would make the file too large to open.
constexpr u64 kCellTooltips = 20000;

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
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
  auto kind_index = [&](const char* kind) {
    return static_cast<std::size_t>(std::find(kinds.begin(), kinds.end(), kind) - kinds.begin());
  };
  // The bands: every kind some interleaving of this report shows.
  struct Band {
    std::size_t k;  // in known_verdict_kinds()
    const char* color;
  };
  std::vector<Band> bands;
  for (const Legend& l : kColors) {
    const std::size_t k = kind_index(l.kind);
    if (k < kinds.size() && r.counts.count(l.kind) && r.counts.at(l.kind) > 0) bands.push_back({k, l.color});
  }
  // What the picture needs of each interleaving, read back from the results.
  struct Cell {
    bool run = false;
    u32 error = 0;  // 1 + its index in `errors`; 0: none
    u64 walker_waits = 0;
    std::vector<u64> counts;  // of the bands' kinds only
  };
  std::vector<Cell> cells(sp.size());
  std::vector<std::string> errors;
  if (r.results)
    r.results->each([&](const InterleavingResult& ir) {
      Cell& c = cells[ir.index];
      c.run = true;
      c.walker_waits = ir.walker_waits;
      if (!ir.error.empty()) {
        auto e = std::find(errors.begin(), errors.end(), ir.error);
        if (e == errors.end()) e = errors.insert(e, ir.error);
        c.error = static_cast<u32>(e - errors.begin()) + 1;
        return;
      }
      for (const Band& b : bands)
        if (ir.counts[b.k] > 0) {
          c.counts.resize(bands.size());
          c.counts[static_cast<std::size_t>(&b - bands.data())] = ir.counts[b.k];
        }
    });
  const Cell* at = cells.data();
  auto band_count = [&](u64 i, std::size_t b) { return b < at[i].counts.size() ? at[i].counts[b] : 0; };
  auto shows_band = [&](u64 i, std::size_t b) { return at[i].run && !at[i].error && band_count(i, b) > 0; };

  // Gaps: offsets of a row showing no finding of a kind between two that
  // show it. Those where DMA requests waited for a walker are hatched: there
  // the walker queue's rhythm may have kept fetches away from the stores.
  std::vector<std::vector<bool>> queued_gap(bands.size(), std::vector<bool>(sp.size(), false));
  u64 gaps = 0, queued_gaps = 0, max_waits = 0;
  for (std::size_t b = 0; b < bands.size(); ++b)
    for (u64 row = 0; row < rows; ++row) {
      u64 first = cols, last = 0;
      for (u64 c = 0; c < cols; ++c)
        if (shows_band(row * cols + c, b)) {
          first = std::min(first, c);
          last = c;
        }
      for (u64 c = first; c < last; ++c) {
        const u64 i = row * cols + c;
        if (!at[i].run || at[i].error || shows_band(i, b)) continue;
        ++gaps;
        if (at[i].walker_waits > 0) {
          ++queued_gaps;
          queued_gap[b][i] = true;
          max_waits = std::max(max_waits, at[i].walker_waits);
        }
      }
    }

  // Proportions: cells at most 12 wide; every band at least 4 high; a sweep
  // of few rows (a legacy one has one) at least 160 high.
  const double nb = static_cast<double>(std::max<std::size_t>(1, bands.size()));
  const double cw = std::clamp(1000.0 / static_cast<double>(cols), 1.0, 12.0);
  double rh = rows <= 60 ? std::max(14.0, 4 * nb) : std::max(1.0, 840.0 / static_cast<double>(rows));
  if (rows <= 60) rh = std::max(rh, 160.0 / static_cast<double>(rows));
  const double bh = rh / nb;
  const bool labels = rh >= 10;
  const bool marks = sp.timeline.known;
  const double left = labels ? 230 : 70, top = marks ? 82 : 50;
  const double pw = cw * static_cast<double>(cols), ph = rh * static_cast<double>(rows);
  const double width = std::max(left + pw + 20, 900.0);
  auto x_of = [&](u64 c) { return left + cw * static_cast<double>(c); };
  auto y_of = [&](u64 row) { return top + rh * static_cast<double>(row); };

  std::ostringstream body;
  // Runs of cells in a row on which `key` is equal and not empty, each drawn by `draw`.
  auto runs = [&](u64 row, const std::function<std::string(u64)>& key,
                  const std::function<void(u64, u64, const std::string&)>& draw) {
    u64 c = 0;
    while (c < cols) {
      const std::string k = key(row * cols + c);
      u64 e = c + 1;
      while (e < cols && key(row * cols + e) == k) ++e;
      if (!k.empty()) draw(c, e, k);
      c = e;
    }
  };
  auto rect = [&](double x, double y, double w, double h, const std::string& fill,
                  const std::string& extra = "") {
    body << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << h << "\" fill=\""
         << fill << "\"" << extra << "/>\n";
  };
  for (u64 row = 0; row < rows; ++row) {
    const double y = y_of(row);
    // The cell: clean, error, or not run (another shard's).
    runs(
        row, [&](u64 i) -> std::string { return !at[i].run     ? kNotRun
                                                : !at[i].error ? kClean
                                                               : kError; },
        [&](u64 c, u64 e, const std::string& fill) {
          rect(x_of(c), y, cw * static_cast<double>(e - c), rh, fill);
        });
    // A band per kind, painted where the interleaving shows it.
    for (std::size_t b = 0; b < bands.size(); ++b) {
      const double by = y + bh * static_cast<double>(b);
      runs(
          row, [&](u64 i) -> std::string { return shows_band(i, b) ? bands[b].color : ""; },
          [&](u64 c, u64 e, const std::string& fill) {
            rect(x_of(c), by, cw * static_cast<double>(e - c), bh, fill, " class=\"band\"");
          });
      runs(
          row, [&](u64 i) -> std::string { return queued_gap[b][i] ? "q" : ""; },
          [&](u64 c, u64 e, const std::string&) {
            rect(x_of(c), by, cw * static_cast<double>(e - c), bh, "url(#walker-queue)");
          });
    }
    if (labels)
      body << "<text x=\"" << left - 4 << "\" y=\"" << y + std::min(rh, 14.0) - 3 << "\" text-anchor=\"end\">"
           << escape(sp.row_label(row)) << "</text>\n";
  }

  // Tooltips: an invisible rectangle over each cell (over each run of equal
  // outcomes in large sweeps), classed "cell" and by the kinds it shows.
  auto outcome = [&](u64 i) {
    if (!at[i].run) return std::string("not run in this shard");
    if (at[i].error) return "error: " + errors[at[i].error - 1];
    std::string s;
    for (std::size_t b = 0; b < bands.size(); ++b)
      if (band_count(i, b) > 0)
        s += (s.empty() ? "" : ", ") + kinds[bands[b].k] + " (" + std::to_string(band_count(i, b)) +
             " findings)";
    if (s.empty()) s = "clean";
    if (at[i].walker_waits > 0)
      s += "; " + std::to_string(at[i].walker_waits) + " DMA requests waited for a free walker";
    return s;
  };
  auto classes = [&](u64 i) {
    std::string s = "cell";
    if (at[i].run && at[i].error) s += " error";
    for (std::size_t b = 0; b < bands.size(); ++b)
      if (shows_band(i, b)) s += " " + kinds[bands[b].k];
    return s;
  };
  const bool per_cell = sp.size() <= kCellTooltips;
  for (u64 row = 0; row < rows; ++row) {
    runs(
        row,
        [&](u64 i) -> std::string {
          // One key per cell, or one per run of equal outcomes; empty (no tooltip): not run.
          if (!at[i].run) return "";
          return per_cell ? std::to_string(i) : classes(i) + "|" + outcome(i);
        },
        [&](u64 c, u64 e, const std::string&) {
          const u64 i = row * cols + c;
          const Interleaving il = sp.at(i);
          std::string t = "offset " + std::to_string(il.offset);
          if (e - c > 1) t += ".." + std::to_string(sp.offset_of(row * cols + e - 1)) + " (each alike)";
          t += ", " + sp.row_label(row) + "\n" + outcome(i) +
               "\nreplay: " + reproducer_command(r.file, il, r.mutant);
          if (e - c > 1) t += "\n(another offset of the run: its own --offset)";
          body << "<rect class=\"" << classes(i) << "\" x=\"" << x_of(c) << "\" y=\"" << y_of(row)
               << "\" width=\"" << cw * static_cast<double>(e - c) << "\" height=\"" << rh
               << "\" fill=\"#000\" fill-opacity=\"0\"><title>" << escape(t) << "</title></rect>\n";
        });
  }
  body << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
       << "\" fill=\"none\" stroke=\"#444\"/>\n";

  // Offset axis: about ten ticks.
  const u64 step = std::max<u64>(1, cols / 10);
  for (u64 c = 0; c < cols; c += step) {
    const double x = left + cw * (static_cast<double>(c) + 0.5);
    body << "<line x1=\"" << x << "\" y1=\"" << top + ph << "\" x2=\"" << x << "\" y2=\"" << top + ph + 4
         << "\" stroke=\"#444\"/>\n";
    body << "<text x=\"" << x << "\" y=\"" << top + ph + 15 << "\" text-anchor=\"middle\">"
         << sp.offset_from + static_cast<long long>(c) * sp.offset_step << "</text>\n";
  }
  body << "<text x=\"" << left + pw / 2 << "\" y=\"" << top + ph + 30
       << "\" text-anchor=\"middle\">CPU program start offset (cycles, relative to the scenario)</text>\n";

  // The program's and the traffic's extent, as the offsets at which they
  // meet: at offset d the program runs d cycles later, the traffic stays.
  std::vector<std::string> notes;
  if (marks) {
    const SweepSpace::Timeline& tl = sp.timeline;
    const double from = static_cast<double>(sp.offset_from), s = static_cast<double>(sp.offset_step);
    auto lane = [&](int n, const char* id, const char* name, const char* fill, long long a, long long b) {
      const double y = 46 + 16.0 * n;
      // An inclusive range of offsets covers its cells whole.
      const double x0 = std::max(left, left + cw * ((static_cast<double>(a) - from) / s));
      const double x1 = std::min(left + pw, left + cw * ((static_cast<double>(b) - from) / s + 1));
      body << "<text x=\"" << left - 4 << "\" y=\"" << y + 9 << "\" text-anchor=\"end\">" << name
           << "</text>\n";
      if (x1 <= x0) {
        body << "<text id=\"" << id << "\" x=\"" << left << "\" y=\"" << y + 9 << "\">offsets " << a << ".."
             << b << ": outside the swept offsets</text>\n";
        return;
      }
      body << "<rect id=\"" << id << "\" x=\"" << x0 << "\" y=\"" << y << "\" width=\"" << x1 - x0
           << "\" height=\"12\" fill=\"" << fill << "\" stroke=\"#444\"><title>" << name << ": offsets " << a
           << ".." << b << "</title></rect>\n";
      body << "<text x=\"" << x0 + 3 << "\" y=\"" << y + 9 << "\" font-size=\"9\">" << a << ".." << b
           << "</text>\n";
      for (double x : {x0, x1})
        body << "<line x1=\"" << x << "\" y1=\"" << y + 12 << "\" x2=\"" << x << "\" y2=\"" << top + ph
             << "\" stroke=\"#000\" stroke-opacity=\"0.45\" stroke-dasharray=\"3,3\"/>\n";
    };
    const long long len = tl.program_end - tl.program_start;
    lane(0, "program-extent", "program", kProgram, tl.traffic_first - tl.program_end,
         tl.traffic_first - tl.program_start);
    lane(1, "traffic-extent", "traffic", kTraffic, tl.traffic_first - tl.program_start,
         tl.traffic_last - tl.program_start);
    notes.push_back("program: the offsets at which the CPU program (" + std::to_string(len) +
                    " cycles: cycles " + std::to_string(tl.program_start) + ".." +
                    std::to_string(tl.program_end) +
                    " as written, from its start to its last store visible) is running when the first DMA");
    notes.push_back("request is issued (cycle " + std::to_string(tl.traffic_first) +
                    "); traffic: the offsets at which the program starts while requests are issued (cycles " +
                    std::to_string(tl.traffic_first) + ".." + std::to_string(tl.traffic_last) + ").");
    notes.push_back(
        "Left of both the program ends before the first request; right of both it starts after the last "
        "one.");
  }
  notes.push_back(
      "One cell per interleaving, one band per kind found (top to bottom as listed); hover a cell "
      "for its interleaving and the command that replays it.");
  if (queued_gaps > 0) {
    notes.push_back("Hatched: " + std::to_string(queued_gaps) + " of the " + std::to_string(gaps) +
                    " gaps in race windows (an offset showing no finding of a kind between two that show it) "
                    "ran with DMA requests");
    notes.push_back("waiting for a free walker (platform.iommu.max_outstanding full; up to " +
                    std::to_string(max_waits) +
                    " requests a run): walks then start in batches as walkers free up, and stores");
    notes.push_back(
        "that fall between two batches meet no fetch: the gaps are then the walker queue's rhythm, not "
        "the driver's sequence (a copy of the scenario with more walkers tells).");
  }

  // Legend: the kinds found (with their interleavings), then the cell states.
  double ly = top + ph + 46;
  auto key = [&](const std::string& fill, const std::string& name, const std::string& more) {
    body << "<rect x=\"" << left << "\" y=\"" << ly << "\" width=\"10\" height=\"10\" fill=\"" << fill
         << "\" stroke=\"#444\"/>\n";
    body << "<text x=\"" << left + 14 << "\" y=\"" << ly + 9 << "\">" << escape(name);
    if (!more.empty()) body << "<tspan dx=\"4\" fill=\"#555\">" << escape(more) << "</tspan>";
    body << "</text>\n";
    ly += 14;
  };
  for (const Band& b : bands) {
    const u64 n = r.counts.at(kinds[b.k]);
    std::string more = "(";  // built by appending: GCC 12 warns falsely (-Wrestrict) on a chain of +
    more += std::to_string(n);
    more += n == 1 ? " interleaving)" : " interleavings)";
    key(b.color, kinds[b.k], more);
  }
  key(kClean, "clean", bands.empty() ? "(every interleaving)" : "(no finding of the kind)");
  if (r.errors) key(kError, "error", "(" + std::to_string(r.errors) + " did not finish)");
  if (r.interleavings < sp.size()) key(kNotRun, "not in this shard", "");
  if (queued_gaps > 0) key("url(#walker-queue)", "gap with DMA requests waiting for a walker", "");
  ly += 8;
  for (const std::string& n : notes) {
    body << "<text x=\"" << left << "\" y=\"" << ly + 9 << "\" class=\"note\">" << escape(n) << "</text>\n";
    ly += 14;
  }
  const double height = ly + 10;

  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << width << " " << height << "\" font-family=\"sans-serif\" font-size=\"10\">\n";
  o << "<title>" << escape(r.scenario) << ": race window</title>\n";
  o << "<defs><pattern id=\"walker-queue\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
       "patternTransform=\"rotate(45)\"><rect width=\"4\" height=\"4\" fill=\"#f4f4f4\"/>"
       "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"#333\" stroke-width=\"1.5\"/></pattern></defs>\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << left << "\" y=\"20\" font-size=\"14\">" << escape(r.scenario)
    << ": verdicts per interleaving (" << r.interleavings << " run)</text>\n";
  o << "<text x=\"" << left << "\" y=\"36\">" << escape(sp.describe()) << "</text>\n";
  o << body.str();
  o << "</svg>\n";
  return o.str();
}

}  // namespace vtd
