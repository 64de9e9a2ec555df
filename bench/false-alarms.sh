#!/usr/bin/env bash
# The false-alarm test of every rule, in full: every catalog scenario that
# expects no violation, swept over the whole of its sweep: block (every CPU
# start offset of the computed window, every burst order, store-buffer delay,
# queue latency and compiler order it names), must show no violation in any
# interleaving. Writes the interleaving counts into docs/mutation.md (between
# the false-alarms markers) and exits 1 if any sweep found one.
#
#   bench/false-alarms.sh [BUILD_DIR]     (default build/, a Release build)
#
# CTest runs the same sweeps on a sample of each window (--sample); this runs
# them whole. On a 2-core machine it takes about half an hour.
set -euo pipefail
cd "$(dirname "$0")/.."
vtdsim=${1:-build}/vtdsim
doc=docs/mutation.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

rows=""
failed=0
for f in $(find scenarios -name '*.yaml' | sort); do
  grep -q '^sweep:' "$f" || continue
  # Clean: every violation kind expected 0 in a run (benign_mixed_fetch is
  # the one kind that is not a violation).
  "$vtdsim" run "$f" --json "$tmp/run.json" >/dev/null || true
  python3 - "$tmp/run.json" <<'PY' || continue
import json, sys
r = json.load(open(sys.argv[1]))
kinds = [k for k in r["counts"] if k != "benign_mixed_fetch"]
sys.exit(0 if all(r["expectations"].get(k, {}).get("expected", "== 0") == "== 0" for k in kinds) else 1)
PY
  name=${f#scenarios/}
  name=${name%.yaml}
  start=$(date +%s.%N)
  rc=0
  "$vtdsim" sweep "$f" --json "$tmp/sweep.json" -q >"$tmp/sweep.txt" 2>&1 || rc=$?
  end=$(date +%s.%N)
  row=$(python3 - "$tmp/sweep.json" "$name" "$start" "$end" "$rc" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
name, start, end, rc = sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
kinds = [k for k in j["kinds"] if k != "benign_mixed_fetch"]
bad = {k: j["counts"][k] for k in kinds if j["counts"][k]}
verdict = "none" if not bad else ", ".join("%s in %d" % kv for kv in bad.items())
print("| `%s` | %s | %s | %s | %.0f s | %s |" % (name, "{:,}".format(j["interleavings"]),
      "{:,}".format(j["episodes_simulated"]), j["space"]["offsets"]["to"] - j["space"]["offsets"]["from"] + 1,
      end - start, verdict))
PY
)
  echo "$row"
  rows+="$row"$'\n'
  [ "$rc" = 0 ] || { failed=1; sed -n '1,40p' "$tmp/sweep.txt"; }
done

table="| scenario | interleavings | episodes simulated | offsets | time | violations |
|---|---|---|---|---|---|
$rows"
python3 - "$doc" "$table" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" "$(nproc)" <<'PY'
import sys, re
doc, table, commit, cores = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
text = open(doc).read()
begin, end = "<!-- false-alarms:begin -->", "<!-- false-alarms:end -->"
body = "%s\nMeasured at %s with `bench/false-alarms.sh` on %s cores.\n\n%s%s" % (begin, commit, cores, table, end)
text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda m: body, text, flags=re.S)
open(doc, "w").write(text)
PY
exit $failed
