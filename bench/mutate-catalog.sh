#!/usr/bin/env bash
# The teeth test of the rules, from the other side: `vtdsim mutate` on every
# clean catalog scenario (its expect: names no violation, vtdsim run finds
# none), with its sweep: block on the default sample (--sample 20000).
# Writes the per-scenario table (mutants, equivalent, caught, survived,
# caught / (caught + survived)) and every survivor with what the tool
# suspects into docs/mutation.md, between the mutate-catalog markers.
#
#   bench/mutate-catalog.sh [BUILD_DIR] [-- MUTATE OPTIONS...]   (default build/, a Release build)
#
# On a 2-core machine it takes about ten minutes. Exits 1 if some mutant
# survived (that is a finding to read, not a failure of the tool).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
if [ $# -gt 0 ] && [ "$1" != "--" ]; then build=$1; shift; fi
[ "${1:-}" = "--" ] && shift
vtdsim=$build/vtdsim
doc=docs/mutation.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

n=0
for f in $(find scenarios -name '*.yaml' | sort); do
  # Clean: every violation kind expected 0 in a run, and the run agrees.
  "$vtdsim" run "$f" --json "$tmp/run.json" >/dev/null || continue
  python3 - "$tmp/run.json" <<'PY' || continue
import json, sys
r = json.load(open(sys.argv[1]))
violations = {"torn_fetch", "unsafe_live_update", "present_before_invalidate", "missing_invalidation",
              "stale_translation", "corrupting_dma"}
sys.exit(0 if all(v["expected"] == "== 0" for k, v in r["expectations"].items() if k in violations) else 1)
PY
  name=${f#scenarios/}
  name=${name%.yaml}
  start=$(date +%s)
  rc=0
  "$vtdsim" mutate "$f" -q --json "$tmp/m$n.json" "$@" >"$tmp/m$n.txt" 2>&1 || rc=$?
  end=$(date +%s)
  if [ "$rc" -gt 1 ]; then
    echo "$name: vtdsim mutate failed (exit $rc)" >&2
    cat "$tmp/m$n.txt" >&2
    exit "$rc"
  fi
  echo "$name $((end - start))" >>"$tmp/times"
  echo "$name: $(tail -1 "$tmp/m$n.txt") ($((end - start)) s)"
  n=$((n + 1))
done

python3 - "$doc" "$tmp" "$n" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" "$(nproc)" "$*" <<'PY'
import json, re, sys
doc, tmp, n, commit, cores, opts = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
times = dict(l.split() for l in open(tmp + "/times"))
rows, survivors, tot = [], [], [0, 0, 0, 0]
for i in range(n):
    j = json.load(open("%s/m%d.json" % (tmp, i)))
    name = j["file"].removeprefix("scenarios/").removesuffix(".yaml")
    s = j["summary"]
    judged = s["caught"] + s["survived"]
    ratio = "%d/%d = %.0f%%" % (s["caught"], judged, 100.0 * s["caught"] / judged) if judged else "-"
    rows.append("| `%s` | %d | %d | %d | %d | %s | %s | %s s |" % (
        name, s["mutants"], s["equivalent"], s["caught"], s["survived"], ratio,
        "{:,}".format(j["space"]["interleavings"]), times[name]))
    for k, v in zip(range(4), ("mutants", "equivalent", "caught", "survived")):
        tot[k] += s[v]
    for m in j["mutants"]:
        if m["status"] == "survived":
            why = "; ".join("%s: %s" % (x["name"], x["text"]) for x in m["suspicions"])
            survivors.append("- `%s` `%s`: %s. Suspected: %s." % (name, m["id"], m["description"], why))
judged = tot[2] + tot[3]
rows.append("| all | %d | %d | %d | %d | %d/%d = %.0f%% | | |" % (tot[0], tot[1], tot[2], tot[3], tot[2], judged,
            100.0 * tot[2] / judged if judged else 0))
table = ("| scenario | mutants | equivalent | caught | survived | caught / (caught + survived) | interleavings "
         "per mutant | time |\n|---|---:|---:|---:|---:|---|---:|---:|\n" + "\n".join(rows) + "\n")
begin, end = "<!-- mutate-catalog:begin -->", "<!-- mutate-catalog:end -->"
body = ("%s\nMeasured at %s with `bench/mutate-catalog.sh`%s on %s cores (`vtdsim mutate FILE%s`).\n\n%s\n"
        "Survivors, with what the tool suspects:\n\n%s\n%s") % (
    begin, commit, "" if not opts else " -- " + opts, cores, "" if not opts else " " + opts, table,
    "\n".join(survivors) if survivors else "(none)", end)
text = open(doc).read()
if begin not in text:
    text = text.rstrip("\n") + "\n\n" + begin + "\n" + end + "\n"
text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda m: body, text, flags=re.S)
open(doc, "w").write(text)
PY
grep -q '"survived": [1-9]' "$tmp"/m*.json && exit 1
exit 0
