// missing_invalidation: a driver operation updated an entry hardware may
// hold in a cache (an update span from a present entry that changed what
// hardware uses: in place, or clearing P) and returned without having
// observed the invalidations that cover the old entry complete (Handshakes:
// queued after the update's last store was visible, a wait after them, its
// status read before the operation's last operation).
// Hardware may go on using the old entry after the operation said it was
// done: intel_pasid_flush_present() without its PASID-cache invalidation,
// a teardown that does not wait.
#include <map>
#include <sstream>

#include "rules/rule.hpp"
#include "rules/story.hpp"

namespace vtd {

namespace {

class MissingInvalidation final : public Rule {
 public:
  std::string_view kind() const override { return "missing_invalidation"; }

  void judge(const Evidence& ev, Findings& out) const override {
    static const std::size_t index = verdict_kind_index("missing_invalidation");
    const Handshakes& hs = ev.handshakes;
    for (const auto& e : ev.history.entries()) {
      if (!handshake_applies(e.id.kind) || e.stores.empty()) continue;
      const Format& f = format_of(e.id.kind);
      // Per driver operation: its updates of what hardware may hold, unmet.
      struct Unmet {
        std::vector<u64> stores;
        std::vector<Need> needs;
        std::vector<std::string> why;
        EntryBits old, now;
        Cycle first_cycle = 0, last_cycle = 0, returned = 0;
      };
      std::map<std::pair<u16, u32>, Unmet> by_item;
      // An update span that started from a present entry and changed what
      // hardware uses of it (intermediate states are unsafe_live_update's).
      for (const Span& sp : ev.spans[static_cast<std::size_t>(&e - ev.history.entries().data())]) {
        if (!f.is_present(sp.old_val)) continue;
        const bool in_place = f.is_present(sp.new_val);
        if (in_place && equal_on(sp.old_val, sp.new_val, f.used_bits(sp.old_val))) continue;
        const SyncLog::Item* item = hs.log().item(sp.cpu, sp.item);
        if (!item) continue;  // never returned (the run reports it unfinished)
        // Just after its last operation: what that operation read counts.
        const Writer end{sp.cpu, sp.item, item->last_op + 1};
        const StoreEvent* last = nullptr;
        for (const StoreEvent& s : e.stores)
          if (s.seq == sp.last()) last = &s;
        for (const Need& n : needs_for(e.id, sp.old_val, in_place, ev.history, sp.first())) {
          const Handshakes::Judgement j = hs.judge(n, *last, end);
          if (j.met()) continue;
          Unmet& u = by_item[{sp.cpu, sp.item}];
          if (u.stores.empty() || u.stores.back() < sp.first()) {
            if (u.stores.empty()) {
              u.old = sp.old_val;
              u.first_cycle = sp.first_cycle;
            }
            u.stores.insert(u.stores.end(), sp.stores.begin(), sp.stores.end());
            u.last_cycle = sp.last_cycle;
          }
          u.now = sp.new_val;
          u.returned = item->end;
          if (std::find(u.needs.begin(), u.needs.end(), n) == u.needs.end()) {
            u.needs.push_back(n);
            if (out.detail) u.why.push_back(hs.explain(j, *last));
          }
        }
      }
      for (auto& [owner, u] : by_item) {
        if (!out.detail) {
          out.tally_kind(index, 0);
          continue;
        }
        Finding fd;
        fd.kind = "missing_invalidation";
        fd.cycle = u.returned;
        fd.entry = e.id;
        fd.observed = u.now;
        fd.used = f.used_bits(u.old);
        fd.span.entry = e.id;
        fd.span.cpu = owner.first;
        fd.span.item = owner.second;
        fd.span.stores = u.stores;
        fd.span.old_val = u.old;
        fd.span.new_val = u.now;
        fd.span.first_cycle = u.first_cycle;
        fd.span.last_cycle = u.last_cycle;
        fd.store = u.stores.front();
        fd.returned = u.returned;
        for (const Need& n : u.needs) fd.missing.push_back(n.name());
        fd.why = std::move(u.why);
        fd.cached = hs.log().last_fill(e.id.addr, e.id.kind, u.returned);
        fd.detail = "returned at cycle " + std::to_string(u.returned) +
                    " without having observed the invalidations of the old entry complete";
        out.add(std::move(fd));
      }
    }
  }

  std::string brief(const Finding& f, const ItemName& item_name) const override {
    std::string s = "cpu" + std::to_string(f.span.cpu) + " \"" + item_name(f.span.cpu, f.span.item) +
                    "\" changed it (store #" + std::to_string(f.store.value_or(0)) +
                    ") and returned at cycle " + std::to_string(f.returned) + "; not observed complete: ";
    for (std::size_t k = 0; k < f.missing.size(); ++k) s += (k ? ", " : "") + f.missing[k];
    return s;
  }

  std::string store_role(const Finding& f, const StoreEvent& s, bool clears_p) const override {
    if (std::find(f.span.stores.begin(), f.span.stores.end(), s.seq) == f.span.stores.end()) return "";
    return clears_p ? "clears P (in the update not followed by its invalidations)"
                    : "in the update not followed by its invalidations";
  }

  void tell(const Finding& f, const StoryContext& ctx, Story& st) const override {
    const Format& fmt = format_of(f.entry.kind);
    st.table = make_table(fmt, {"hardware may hold", "after the update"}, {f.span.old_val, f.observed},
                          f.used, "the old present value hardware may hold");
    std::ostringstream m;
    m << ctx.who(Writer{f.span.cpu, f.span.item, Writer::kNone}) << " returned at cycle " << f.returned
      << " without having observed the invalidations that cover the old entry complete:";
    st.missing.push_back(m.str());
    for (const std::string& why : f.why) st.missing.push_back("  " + why);
    if (f.cached)
      st.missing.push_back("the IOMMU held a copy: filled at cycle " +
                           std::to_string(f.cached->source.cycle) + " by request #" +
                           std::to_string(f.cached->source.request) + ": " + describe(fmt, f.cached->value));
    const Cycle from = f.span.first_cycle;
    st.invalidations = ctx.descriptors_between(from, ~Cycle{0}, f.returned, " (after it returned)");
  }
};

const MissingInvalidation kRule{};

}  // namespace

const Rule& missing_invalidation_rule = kRule;

}  // namespace vtd
