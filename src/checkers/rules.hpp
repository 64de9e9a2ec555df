// The checkers' rules, as pure functions over an entry's history.
//
// torn_fetch: a fetch related to an update span (some burst saw part of the
//   span, or its bursts straddle it) whose assembled value S differs from OLD
//   and from NEW on used_bits(S). benign_mixed_fetch when it mixes versions
//   but equals OLD or NEW on used_bits(S).
// unsafe_live_update: a store of a span after which the entry's memory state
//   has P = 1 and equals neither OLD nor NEW on its used bits.
#pragma once

#include "checkers/entry_history.hpp"
#include "checkers/ownership.hpp"
#include "checkers/translation_checks.hpp"

namespace vtd {

// A finding about state `observed` of an update span: OLD/NEW diffs on its used bits.
Finding span_finding(const char* kind, const Span& sp, const EntryBits& observed, bool detail = true);

void check_torn_fetches(const EntryHistory::Entry& e, const std::vector<Span>& spans, Findings& out);
void check_live_updates(const EntryHistory::Entry& e, const std::vector<Span>& spans, Findings& out);

// The entry rules (torn_fetch, benign_mixed_fetch, unsafe_live_update) over
// every watched entry, ordered by (cycle, entry, kind).
Findings judge(const EntryHistory& h, bool detail = true);
// Every rule: the entry rules, present_before_invalidate, stale_translation
// and corrupting_dma.
Findings judge(const EntryHistory& h, const QiLog& qi, TranslationChecker& tc, bool detail = true);
void sort_findings(Findings& out);

}  // namespace vtd
