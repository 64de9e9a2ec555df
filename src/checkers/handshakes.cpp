#include "checkers/handshakes.hpp"

#include <algorithm>

#include "formats/qi_descriptors.hpp"

namespace vtd {

void Handshakes::build(const SyncLog& log, const std::vector<StoreEvent>& history, bool coherent) {
  log_ = &log;
  history_ = &history;
  coherent_ = coherent;
  hb_.build(log, history);
  const auto& descs = log.descriptors();
  observers_.assign(descs.size(), {});
  waits_.clear();
  for (std::size_t i = 0; i < descs.size(); ++i)
    if (descs[i].status_store) waits_.push_back(i);
  if (waits_.empty()) return;
  // A read of the status word that saw the status write (or a later store to
  // the word) observed the wait's completion.
  for (const SyncLog::Load& l : log.loads())
    for (std::size_t w : waits_)
      if (descs[w].status_word() == l.addr && l.version > *descs[w].status_store) observers_[w].push_back(l);
}

bool Handshakes::published_after(const StoreEvent& k, const SyncLog::Descriptor& d, bool software_view) const {
  if (!d.doorbell) return false;
  if (coherent_ || software_view) return hb_.ordered(k.writer, *d.doorbell);
  // Hardware reads DRAM: K counts once a clflush ordered after it (and
  // before the doorbell) wrote its line back. An eviction orders nothing.
  const Addr line = k.addr & ~Addr{63};
  for (const SyncLog::Writeback& w : log_->writebacks())
    if (w.by && w.line == line && w.through_seq > k.seq && hb_.ordered_or_same(k.writer, *w.by) &&
        hb_.ordered(*w.by, *d.doorbell))
      return true;
  return false;
}

Handshakes::Judgement Handshakes::judge(const Need& n, const StoreEvent& k, const Writer& change) const {
  Judgement best;
  best.need = n;
  const auto& descs = log_->descriptors();
  // Met ranks above every other status; the others in the order they get closer to it.
  auto rank = [](Judgement::Status s) { return s == Judgement::Status::Met ? 100 : static_cast<int>(s); };
  auto consider = [&](const Judgement& j) {
    if (rank(j.status) > rank(best.status)) best = j;
  };
  for (std::size_t i = 0; i < descs.size(); ++i) {
    const SyncLog::Descriptor& d = descs[i];
    if (d.is_wait() || !n.covered_by(d.qw)) continue;
    Judgement j;
    j.need = n;
    j.desc = i;
    if (!published_after(k, d)) {
      j.status = Judgement::Status::QueuedEarly;
      consider(j);
      continue;
    }
    j.status = Judgement::Status::NoWait;
    consider(j);
    for (std::size_t w : waits_) {
      if (w <= i) continue;
      const SyncLog::Descriptor& wd = descs[w];
      // The queue completes a wait after everything fetched before it.
      if (!d.completed || !wd.completed || *d.completed > *wd.completed) continue;
      Judgement jw = j;
      jw.wait = w;
      const auto& obs = observers(w);
      if (obs.empty()) {
        jw.status = Judgement::Status::NotObserved;
        consider(jw);
        continue;
      }
      jw.observer = obs.front();
      jw.status = Judgement::Status::ObservedLate;
      for (const SyncLog::Load& l : obs)
        if (hb_.ordered(l.reader, change)) {
          jw.observer = l;
          jw.status = Judgement::Status::Met;
          return jw;
        }
      consider(jw);
    }
  }
  return best;
}

bool Handshakes::synced(const std::vector<Need>& needs, const StoreEvent& k, const Writer& change) const {
  if (!needs.empty())
    return std::all_of(needs.begin(), needs.end(), [&](const Need& n) { return met(n, k, change); });
  const auto& descs = log_->descriptors();
  for (std::size_t w : waits_) {
    if (!published_after(k, descs[w])) continue;
    for (const SyncLog::Load& l : observers(w))
      if (hb_.ordered(l.reader, change)) return true;
  }
  return false;
}

std::optional<Cycle> Handshakes::completed_by(const Need& n, const StoreEvent& k, Cycle by) const {
  std::optional<Cycle> out;
  for (const SyncLog::Descriptor& d : log_->descriptors())
    if (!d.is_wait() && d.completed && *d.completed <= by && n.covered_by(d.qw) && published_after(k, d, true))
      out = out ? std::min(*out, *d.completed) : *d.completed;
  return out;
}

namespace {

std::string desc_ref(const SyncLog::Descriptor& d) {
  return describe(decode_descriptor(d.qw, d.qw[2] || d.qw[3]).desc) + " (slot " + std::to_string(d.slot) +
         ", fetched at cycle " + std::to_string(d.fetched) + ")";
}

std::string cpu_op(const Writer& w) { return "cpu" + std::to_string(w.cpu) + " op " + std::to_string(w.op); }

}  // namespace

std::string Handshakes::explain(const Judgement& j, const StoreEvent& k) const {
  const auto& descs = log_->descriptors();
  const std::string need = j.need.name();
  const std::string store = "store #" + std::to_string(k.seq) + " (cycle " + std::to_string(k.cycle) + ")";
  using S = Judgement::Status;
  switch (j.status) {
    case S::Met: return need + ": met";
    case S::NotQueued: return need + ": no covering invalidation was queued after " + store;
    case S::QueuedEarly: {
      const SyncLog::Descriptor& d = descs[*j.desc];
      return need + ": " + desc_ref(d) + " was queued" +
             (d.doorbell ? " by " + cpu_op(*d.doorbell) + " at cycle " + std::to_string(d.published) : "") +
             ", which is not ordered after " + store +
             (coherent_ ? "" : " reached DRAM (no clflush of its line before the doorbell)");
    }
    case S::NoWait: return need + ": no completed wait after " + desc_ref(descs[*j.desc]);
    case S::NotObserved: {
      const SyncLog::Descriptor& w = descs[*j.wait];
      return need + ": the wait after " + desc_ref(descs[*j.desc]) + " wrote its status at cycle " +
             std::to_string(w.completed.value_or(0)) + " (store #" + std::to_string(*w.status_store) +
             "), and no CPU read it";
    }
    case S::ObservedLate: {
      const SyncLog::Descriptor& w = descs[*j.wait];
      return need + ": the wait after " + desc_ref(descs[*j.desc]) + " wrote its status at cycle " +
             std::to_string(w.completed.value_or(0)) + "; " + cpu_op(j.observer->reader) + " read it at cycle " +
             std::to_string(j.observer->cycle) + ", which does not happen before the change";
    }
  }
  return need;
}

}  // namespace vtd
