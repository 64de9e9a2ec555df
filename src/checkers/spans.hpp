// Update spans: the unit the entry rules judge. A span is one driver
// operation's run of stores to one entry; OLD is the entry just before its
// first store, NEW just after its last. A span closes early where hardware
// can no longer hold what came before it:
// - at a store that clears P: from then on hardware treats the entry as not
//   present whatever the rest holds (spec 6.5.3.3 hands it to software), so
//   what follows is a new update whose OLD is that non-present state;
// - at a sync point: the operation observed a completed wait covering every
//   present state the entry held since the span opened (Handshakes::synced),
//   so a multi-step algorithm (the used-bits entry_sync, a temporary-DID
//   switch) is judged step by step, each step old-or-new on used bits.
// SystemC-free.
#pragma once

#include <vector>

#include "checkers/entry_history.hpp"
#include "checkers/handshakes.hpp"

namespace vtd {

// `hs` null: no sync points (a history without the queue's events).
std::vector<Span> update_spans(const EntryHistory::Entry& e, const EntryHistory& h, const Handshakes* hs);
// For every watched entry, in h.entries() order.
std::vector<std::vector<Span>> update_spans(const EntryHistory& h, const Handshakes* hs);

}  // namespace vtd
