#!/usr/bin/env bash
# vtdsim run --trace and --explain on the seed scenario pasid/teardown-prefix:
# the trace parses as Chrome trace-event JSON, holds the expected tracks and
# an instant event for each violation at the cycle the run's --json gives;
# two runs write byte-identical traces; --explain 1 tells a story with all
# its parts; out-of-range --explain and an unwritable --trace are bad
# input and write nothing.
set -u
source "$(dirname "$0")/common.bash" "$@"
scn="$src/scenarios/pasid/teardown-prefix.yaml"

"$vtdsim" run "$scn" --trace "$tmp/t1.json" --json "$tmp/r.json" >"$tmp/out.txt" 2>&1 ||
  { echo "FAIL: run with --trace not as expected"; cat "$tmp/out.txt"; fail=1; }
"$vtdsim" run "$scn" --trace "$tmp/t2.json" >/dev/null 2>&1
cmp -s "$tmp/t1.json" "$tmp/t2.json" && echo "ok: byte-identical traces" ||
  { echo "FAIL: two runs wrote different traces"; fail=1; }

python3 - "$tmp/t1.json" "$tmp/r.json" <<'EOF' || fail=1
import json, sys
trace = json.load(open(sys.argv[1]))
run = json.load(open(sys.argv[2]))
ev = trace["traceEvents"]
bad = []
procs = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
for p in ["checkers", "CPUs", "IOMMU walker", "invalidation queue", "device 00:02.0"]:
    if p not in procs.values():
        bad.append("no track group " + p)
for t in ["violations", "cpu0", "cpu0 stores visible", "walker lane 0", "descriptors lane 0", "00:02.0 lane 0"]:
    if t not in threads.values():
        bad.append("no track " + t)
# Every event on a named track; slices nest on each track.
for e in ev:
    if e["ph"] != "M" and (e["pid"], e["tid"]) not in threads:
        bad.append("event on an unnamed track: %s" % e["name"])
        break
by = {}
for e in ev:
    if e["ph"] == "X":
        by.setdefault((e["pid"], e["tid"]), []).append(e)
for k, l in by.items():
    stack = []
    for e in l:
        s, end = e["ts"], e["ts"] + e["dur"]
        while stack and stack[-1] <= s and not (stack[-1] == s and e["dur"] == 0):
            stack.pop()
        if stack and end > stack[-1]:
            bad.append("slice %s on %s overlaps its parent" % (e["name"], threads[k]))
            break
        stack.append(end)
# Kinds of slices the timeline must hold.
cats = {e.get("cat") for e in ev}
for c in ["driver_op", "cpu_op", "walk", "fetch", "burst", "descriptor", "dma", "dma_fault", "store"]:
    if c not in cats:
        bad.append("no %s events" % c)
# One instant per violation, at the cycle the run reports, in the same order.
inst = [e for e in ev if e["ph"] == "i" and threads.get((e["pid"], e["tid"])) == "violations"]
want = [(v["kind"], v["cycle"]) for v in run["violations"]]
got = [(e["name"], e["ts"]) for e in inst]
if not want:
    bad.append("the run found no violations")
if sorted(got) != sorted(want):
    bad.append("violation instants %s != run's %s" % (got[:5], want[:5]))
first = run["violations"][0]
if not any(e["ts"] == first["cycle"] and e["args"]["kind"] == first["kind"] and
           e["args"]["entry"].endswith("@" + first["entry"]["addr"]) for e in inst):
    bad.append("no instant for violation 1 (%s at %d)" % (first["kind"], first["cycle"]))
# DMA slices carry the request's outcome.
dma = [e for e in ev if e.get("cat") in ("dma", "dma_fault")]
if len(dma) != run["stats"]["dma_requests"]:
    bad.append("%d DMA slices for %d requests" % (len(dma), run["stats"]["dma_requests"]))
for e in dma:
    a = e["args"]
    if not all(k in a for k in ("iova", "pasid", "did", "iotlb_hit")) or ("pa" in a) == ("fault_reason" in a):
        bad.append("DMA slice args incomplete: %s" % a)
        break
# The JSON report holds a story per violation.
if any("story" not in v for v in run["violations"]):
    bad.append("a violation without its story in --json")
print("\n".join("FAIL: " + b for b in bad) if bad else "ok: trace tracks, nesting, violation instants, DMA args, stories in json")
sys.exit(1 if bad else 0)
EOF

# --explain 1: the story of the first violation, with every part.
"$vtdsim" run "$scn" --explain 1 >"$tmp/e1.txt" 2>&1 || { echo "FAIL: --explain 1 exit"; cat "$tmp/e1.txt"; fail=1; }
kind=$(python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["violations"][0]; print(v["kind"], "at cycle", v["cycle"])' "$tmp/r.json")
check "--explain 1 names the first violation" "story of violation #1: $kind" "$tmp/e1.txt"
check "--explain 1 lists the stores with their cycles" "^      #1 at 125: op 4: store64 0x107000" "$tmp/e1.txt"
check "--explain 1 says who made them" "by cpu0 \"intel_pasid_tear_down_entry\[pre_fix\] 00:02.0 pasid 0\"" "$tmp/e1.txt"
check "--explain 1 marks the clearing store" "<- clears P" "$tmp/e1.txt"
check "--explain 1 shows bursts and the store each saw" "chunk [0-3] at cycle [0-9]*, memory version [0-9]*: saw" "$tmp/e1.txt"
check "--explain 1 has the field table" "^    P  .*  yes   differs" "$tmp/e1.txt"
check "--explain 1 says what was missing" "changed the entry after P was cleared at cycle 125" "$tmp/e1.txt"
check "--explain 1 says how far the handshake got" "which does not happen before the change" "$tmp/e1.txt"
check "--explain 1 lists the late invalidations" "completed at cycle [0-9]* (after the change)" "$tmp/e1.txt"
# A torn fetch's story: which store each burst saw.
n=$(python3 -c 'import json,sys; print([v["number"] for v in json.load(open(sys.argv[1]))["violations"] if v["kind"]=="torn_fetch"][0])' "$tmp/r.json")
"$vtdsim" run "$scn" --explain "$n" >"$tmp/e2.txt" 2>&1
check "torn story: OLD / NEW / observed table" "field  *OLD  *NEW  *observed  used" "$tmp/e2.txt"
check "torn story: a burst before the update" "saw no store to this chunk (initial value), not #" "$tmp/e2.txt"
check "torn story: a burst after part of it" "saw store #[0-9]*" "$tmp/e2.txt"
# The default text: one line per violation, the first story of each kind.
check "default output numbers violations" "^  #1 present_before_invalidate at cycle" "$tmp/out.txt"
check "default output tells a story" "^story of violation #1: " "$tmp/out.txt"
check "default output points to --explain" "more violations; --explain N tells the N-th" "$tmp/out.txt"

# Out of range: exit 2, a clear message, nothing written.
total=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["violations"]))' "$tmp/r.json")
"$vtdsim" run "$scn" --explain $((total + 1)) --json "$tmp/bad.json" --trace "$tmp/bad-trace.json" >"$tmp/e3.txt" 2>&1
rc=$?
[ "$rc" = 2 ] && echo "ok: --explain beyond the violations exits 2" || { echo "FAIL: --explain out of range: exit $rc"; fail=1; }
check "--explain out of range says how many there are" "the run found $total violation(s), numbered 1..$total" "$tmp/e3.txt"
[ ! -e "$tmp/bad.json" ] && [ ! -e "$tmp/bad-trace.json" ] && echo "ok: nothing written" ||
  { echo "FAIL: files written on bad --explain"; fail=1; }
"$vtdsim" run "$scn" --explain 0 >"$tmp/e4.txt" 2>&1
[ $? = 2 ] && echo "ok: --explain 0 exits 2" || { echo "FAIL: --explain 0"; fail=1; }
"$vtdsim" run "$src/scenarios/pasid/teardown-clear-present.yaml" --explain 1 >"$tmp/e5.txt" 2>&1
[ $? = 2 ] && echo "ok: --explain on a clean run exits 2" || { echo "FAIL: --explain on a clean run"; fail=1; }
check "clean run: no violations to explain" "the run found no violations" "$tmp/e5.txt"
"$vtdsim" run "$scn" --trace "$tmp/no/such/dir/t.json" >"$tmp/e6.out" 2>"$tmp/e6.txt"
[ $? = 2 ] && echo "ok: unwritable trace is bad input" || { echo "FAIL: unwritable trace"; fail=1; }
[ ! -s "$tmp/e6.out" ] && echo "ok: nothing run for an unwritable trace" || { echo "FAIL: ran anyway"; fail=1; }
exit $fail
