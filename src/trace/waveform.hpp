// `vtdsim run --vcd`: a waveform of one episode, as a run listener on the
// event stream. Scopes (docs/inspecting.md):
//
//   root.BB, context.BB_DD_F, sm_root.BB, sm_context.BB_DD_F,
//   pasid.BB_DD_F.pN         one per watched entry: chunkI (each 128-bit
//                            chunk's value in memory), P (LP and UP for a
//                            scalable root entry), burstI (high in each cycle
//                            the IOMMU read chunk I in a burst), burstI_data
//                            (what the burst read) and burstI_request (the
//                            DMA request whose walk read it; when several
//                            walks read the chunk in one cycle, which gives
//                            them the same data, the first of them)
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
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "platform/run_listener.hpp"
#include "trace/vcd_writer.hpp"

namespace vtd {

// The scope name of a watched entry ("pasid.00_02_0.p1", "context.00_02_0",
// "root.00").
std::string entry_scope(const EntryId& id);

// Shell-style glob: `*` any run of characters (dots included), `?` one
// character, `[abc]`, `[a-z]`, `[!abc]` one character of (not of) a set.
bool glob_match(std::string_view glob, std::string_view name);
// Splits "GLOB[,GLOB...]"; throws std::invalid_argument on an empty glob or
// an unclosed `[`.
std::vector<std::string> parse_scope_filter(std::string_view text);

class WaveformListener : public RunListener {
 public:
  // `filter`: globs over scope names; empty keeps every scope. A glob that
  // matches no scope of the episode is an error (std::invalid_argument from
  // on_start), so a typo does not silently give an empty file.
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

 private:
  struct Entry {
    EntryId id;
    unsigned chunks = 0;
    std::vector<VcdWriter::Signal> chunk, burst, burst_data, burst_request, present;
    std::vector<const Field*> present_fields;
    std::vector<Cycle> last_burst;  // per chunk: cycle of the last burst shown
    EntryBits value;
  };
  struct CpuSignals {
    VcdWriter::Signal item, item_name, op, op_name;
  };
  bool selected(const std::string& scope) const;

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
};

}  // namespace vtd
