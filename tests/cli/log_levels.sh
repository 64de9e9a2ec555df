#!/usr/bin/env bash
# --log-level at every level: each line is "[cycle N] [SystemC module] level:
# message", cycles never go back, the stamp is the cycle the event happened,
# and each level shows exactly the levels at or above it.
set -u
source "$(dirname "$0")/common.bash" "$@"
scn="$src/scenarios/pasid/teardown-prefix.yaml"
# A queue error (IQT bit 4 set with 256-bit descriptors) is the IOMMU's warning.
sed -e '/^program:/,$d' "$scn" >"$tmp/iqe.yaml"
cat >>"$tmp/iqe.yaml" <<'EOF'
program:
  - ops:
      - {op: mmio_write, reg: 0x88, value: 0x10, bytes: 4}
EOF

levels_in() {  # file -> the distinct level names logged, sorted
  sed -E 's/^\[cycle [0-9]+\] \[[^]]+\] ([a-z]+): .*/\1/' "$1" | sort -u | tr '\n' ' '
}
expect_levels() {  # description scenario level expected-levels
  "$vtdsim" run "$2" --log-level "$3" >/dev/null 2>"$tmp/err"
  local got
  got=$(levels_in "$tmp/err")
  if [ "$got" = "$4" ]; then echo "ok: $1: $3 shows [${4% }]"; else
    echo "FAIL: $1: --log-level $3 shows [$got], wanted [$4]"; head -5 "$tmp/err"; fail=1; fi
  if grep -qvE '^\[cycle [0-9]+\] \[top\.(cpu[0-9]+|iommu|memory|traffic)\] (trace|debug|info|warning|error|critical): .' "$tmp/err"; then
    echo "FAIL: $1: a line without cycle and module stamp at $3:"
    grep -vE '^\[cycle [0-9]+\] \[top\.[a-z0-9]+\] [a-z]+: ' "$tmp/err" | head -3; fail=1
  fi
  if ! sed -E 's/^\[cycle ([0-9]+)\].*/\1/' "$tmp/err" | sort -n -c 2>/dev/null; then
    echo "FAIL: $1: cycle stamps go back in time at $3"; fail=1
  fi
}

expect_levels "teardown" "$scn" trace "debug info trace "
expect_levels "teardown" "$scn" debug "debug info "
expect_levels "teardown" "$scn" info "info "
expect_levels "teardown" "$scn" warn ""
expect_levels "teardown" "$scn" off ""
expect_levels "queue error" "$tmp/iqe.yaml" info "info warning "
expect_levels "queue error" "$tmp/iqe.yaml" warn "warning "
expect_levels "queue error" "$tmp/iqe.yaml" error ""
expect_levels "queue error" "$tmp/iqe.yaml" critical ""

# Every module that logs is named; the stamps are the cycles things happened.
"$vtdsim" run "$scn" --log-level trace >/dev/null 2>"$tmp/trace.log"
for m in top.cpu0 top.iommu top.memory; do
  grep -q "^\[cycle [0-9]*\] \[$m\] " "$tmp/trace.log" && echo "ok: $m logs" || { echo "FAIL: no line from $m"; fail=1; }
done
# The driver operation starts at platform.cpu.start (100) and its end is stamped with its end.
grep -q '^\[cycle 100\] \[top.cpu0\] info: starts: intel_pasid_tear_down_entry' "$tmp/trace.log" &&
  echo "ok: start stamped at cycle 100" || { echo "FAIL: start stamp"; fail=1; }
line=$(grep -m1 'info: done: intel_pasid_tear_down_entry' "$tmp/trace.log")
stamp=$(sed -E 's/^\[cycle ([0-9]+)\].*/\1/' <<<"$line")
end=$(sed -E 's/.*cycles [0-9]+\.\.([0-9]+)\)$/\1/' <<<"$line")
[ -n "$stamp" ] && [ "$stamp" = "$end" ] && echo "ok: end stamped at its cycle ($end)" ||
  { echo "FAIL: end stamp '$stamp' vs '$end' in: $line"; fail=1; }
# A burst is logged at the cycle it was sampled: request #0's first one at the cycle the trace gives it.
"$vtdsim" run "$scn" --trace "$tmp/t.json" >/dev/null 2>&1
want=$(python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
walk = [e for e in ev if e.get("cat") == "walk" and e["args"]["request"] == 0][0]
b = sorted(e["ts"] for e in ev if e.get("cat") == "burst" and e["pid"] == walk["pid"] and e["tid"] == walk["tid"] and walk["ts"] <= e["ts"] < walk["ts"] + walk["dur"])
print(b[0])' "$tmp/t.json")
grep -q "^\[cycle $want\] \[top.iommu\] trace: request #0 burst " "$tmp/trace.log" &&
  echo "ok: burst stamped at its sample cycle ($want)" || { echo "FAIL: no burst of request #0 stamped $want"; fail=1; }
"$vtdsim" run "$scn" --log-level loud >/dev/null 2>&1
[ $? = 2 ] && echo "ok: unknown level is bad input" || { echo "FAIL: unknown level"; fail=1; }
exit $fail
