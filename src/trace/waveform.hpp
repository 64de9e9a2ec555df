// `vtdsim run --vcd`: a waveform of one episode, as a run listener on the
// event stream, and (--gtkw) a GTKWave save file that arranges it. Scopes
// (docs/inspecting.md):
//
//   root.BB, context.BB_DD_F, sm_root.BB, sm_context.BB_DD_F,
//   pasid.BB_DD_F.pN         one per watched entry (in every waveform)
//   pasid_dir.BB_DD_F.pN     the PASID-directory entry covering PASIDs
//                            N..N+63, and
//   sl_pte.DOMAIN.lL_ADDR,   each paging entry of a domain's tables as built
//   fl_pte.DOMAIN.lL_ADDR    (level L, address ADDR in hex): only when a
//                            --vcd-filter glob selects them (a walk fetches
//                            them every DMA request when caches are off)
//
//   Each entry scope holds its decoded fields, one signal per field of its
//   format's field table (src/formats), chunkI (each 128-bit chunk's value in
//   memory; 64 bits for a 64-bit entry), burstI (high in each cycle the
//   IOMMU read chunk I in a burst), burstI_data (what the burst read) and
//   burstI_request (the DMA request whose walk read it; when several walks
//   read the chunk in one cycle, which gives them the same data, the first
//   of them).
//
//   cpuN                     item / item_name (the driver operation), op /
//                            op_name (the emitted operation); x and "-" idle
//   qi                       iqh, iqt: the invalidation queue's head and tail (slots)
//   memory                   version: stores applied to memory so far
//   violations               one strobe per verdict kind at each finding's
//                            cycle; `finding` names the findings of that cycle
//
// Time unit: one cycle (VCD `$timescale 1ns`: a cycle is 1 ns of SystemC
// time, so a viewer's "ns" reads as cycles). Findings are known only when
// the episode ends, so every change is buffered and the file written after
// on_finish(), in time order.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "formats/formats.hpp"
#include "platform/run_listener.hpp"
#include "trace/vcd_writer.hpp"

namespace vtd {

// The scope name of a watched entry ("pasid.00_02_0.p1", "context.00_02_0",
// "root.00"; "pasid_dir.00_02_0.p64" for the directory entry whose `pasid`
// is the first PASID it covers).
std::string entry_scope(const EntryId& id);
// The scope name of a paging entry of a domain's tables
// ("sl_pte.dom1.l3_10a000"); characters other than letters, digits and '_'
// in the domain's name become '_'.
std::string paging_scope(EntryKind kind, std::string_view domain, unsigned level, Addr addr);
// A field's name as a VCD signal ("R/W" -> "R_W").
std::string field_signal_name(std::string_view field);

// How many named markers a GTKWave save file holds (A..Z).
inline constexpr std::size_t kGtkwaveNamedMarkers = 26;

// Shell-style glob: `*` any run of characters (dots included), `?` one
// character, `[abc]`, `[a-z]`, `[!abc]` one character of (not of) a set.
bool glob_match(std::string_view glob, std::string_view name);
// Splits "GLOB[,GLOB...]"; throws std::invalid_argument on an empty glob or
// an unclosed `[`.
std::vector<std::string> parse_scope_filter(std::string_view text);

class WaveformListener : public RunListener {
 public:
  // `filter`: globs over scope names; empty keeps every scope but the
  // PASID-directory and paging entries. A glob that matches no scope of the
  // episode is an error (std::invalid_argument from on_start), so a typo
  // does not silently give an empty file.
  explicit WaveformListener(std::vector<std::string> filter = {});

  void on_start(const EpisodeStart& start) override;
  Interests interests() const override { return overridden<WaveformListener>(); }
  void on_store(const StoreEvent& e) override;
  void on_fetch(const FetchEvent& e) override;
  void on_cpu_op(const CpuOpEvent& e) override;
  void on_item(const ItemEvent& e) override;
  void on_queue(const QueueEvent& e) override;
  void on_finish(const RunResult& r) override;

  // Every scope the last episode offered, selected or not, in file order.
  const std::vector<std::string>& scopes() const { return all_scopes_; }
  // The VCD of the last episode (after on_finish).
  void write(std::ostream& out) const;
  // A GTKWave save file for it (after on_finish): loads `vcd_path` (as
  // written into [dumpfile]; GTKWave resolves a relative one against the
  // save file's directory through [savefile] `gtkw_name`), shows the CPUs,
  // the entries the run stored to (fields, chunks; if it stored to none,
  // those the IOMMU read), the IOMMU's bursts of them, the queue, the
  // violation markers and the memory version, with the primary
  // marker at the first violation and a named marker per violation cycle
  // (the first kGtkwaveNamedMarkers of them; a comment says how many more).
  void write_gtkw(std::ostream& out, const std::string& vcd_path, const std::string& gtkw_name) const;

 private:
  struct Entry {
    EntryId id;
    std::string scope;
    const Format* fmt = nullptr;
    unsigned chunks = 0;
    bool narrow = false;   // 64 bits: read in the aligned 128-bit burst holding it
    bool stored = false;   // a store in the run wrote to it
    bool fetched = false;  // the IOMMU read it in the run
    std::vector<VcdWriter::Signal> field, chunk, burst, burst_data, burst_request;
    std::vector<Cycle> last_burst;           // per chunk: cycle of the last burst shown
    std::vector<char> field_set, chunk_set;  // ever non-zero: what the save file shows
    EntryBits value;
  };
  struct Violation {
    Cycle cycle;
    unsigned number;  // as the report numbers violations (from 1)
    std::string kind;
  };
  struct CpuSignals {
    VcdWriter::Signal item, item_name, op, op_name;
  };
  // `optional`: a scope only an explicit filter selects.
  bool selected(const std::string& scope, bool optional = false) const;
  void add_entry(const EntryId& id, std::string scope, const PhysicalMemory& mem);

  std::vector<std::string> filter_;
  std::optional<VcdWriter> vcd_;
  std::vector<std::string> all_scopes_;
  std::vector<Entry> entries_;
  std::unordered_map<Addr, std::pair<std::size_t, unsigned>> words_;  // word address -> entry, word
  std::unordered_map<Addr, std::size_t> entry_at_;                    // entry address -> entry
  std::vector<std::optional<CpuSignals>> cpus_;
  std::vector<std::vector<std::string>> item_names_;
  std::optional<VcdWriter::Signal> iqh_, iqt_, version_, finding_;
  std::map<std::string, VcdWriter::Signal> kinds_;
  std::vector<Violation> violations_;
  std::set<std::string> kinds_seen_;
  Cycle end_ = 0;
  std::string scenario_;
};

}  // namespace vtd
