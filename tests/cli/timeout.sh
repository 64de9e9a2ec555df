#!/usr/bin/env bash
# --timeout SECONDS: a run or sweep that would go on for long ends at the
# wall-clock deadline with a clear message, exit 3, no report written and no
# worker left behind.
set -u
source "$(dirname "$0")/common.bash" "$@"

# scenario NAME PLATFORM TIMING: one domain, one device streaming DMA after
# a short program; PLATFORM is YAML (or empty), TIMING the stream's timing keys.
scenario() {
  printf 'name: %s\n%s' "$1" "$2"
  cat <<'YAML'
tables:
  domains:
    - name: dom1
      did: 2
      aw: 2
      mappings:
        - {iova: 0x1000, pa: 0x80001000}
  devices:
    - bdf: "00:02.0"
      domain: dom1
program:
  - delay: 10
traffic:
  - device: "00:02.0"
    iova: 0x1000
YAML
  printf '%s\n' "$3"
}

# DMA every cycle up to max_cycles 2^40: hours of simulation.
scenario long $'platform:\n  sim:\n    max_cycles: 1099511627776\n' \
  $'    every: 1\n    count: 1099511627776' >"$tmp/long.yaml"
start=$(date +%s)
expect_rc 3 "run --timeout 1 of a long run exits 3" timeout 20 "$vtdsim" run "$tmp/long.yaml" --timeout 1 --json "$tmp/r.json"
check "run: the message" "^vtdsim: wall-clock timeout of 1 s reached at cycle [0-9]" "$tmp/err"
[ ! -e "$tmp/r.json" ] || bad "run: --json written after a timeout"

# A sweep of many short runs: killed after some of them, with 1 and 2 workers.
scenario short "" "    at: [5]" >"$tmp/short.yaml"
for j in 1 2; do
  expect_rc 3 "sweep -j $j --timeout 1 of 10^6 interleavings exits 3" \
    timeout 20 "$vtdsim" sweep "$tmp/short.yaml" --offsets 0..999999 -j "$j" --timeout 1 -q --json "$tmp/s.json"
  check "sweep -j $j: the message" "^vtdsim: wall-clock timeout of 1 s reached after [0-9]* of 1000000 interleavings" "$tmp/err"
  [ ! -e "$tmp/s.json" ] || bad "sweep -j $j: --json written after a timeout"
done
# The workers were killed (they would hold the sweep's file open).
sleep 0.2
if pgrep -f "short.yaml --offsets 0..999999" >/dev/null; then bad "sweep workers left running"; else echo "ok: no worker left"; fi
elapsed=$(($(date +%s) - start))
[ "$elapsed" -lt 15 ] && echo "ok: the timeouts took ${elapsed} s" || bad "the timeouts took ${elapsed} s"

# mutate: the same, saying where it was.
expect_rc 3 "mutate --timeout 1 of a large space exits 3" timeout 20 "$vtdsim" mutate \
  "$src/scenarios/context/map-cmpxchg16b.yaml" --offsets 0..99999 --full -j 2 --timeout 1 --json "$tmp/m.json"
check "mutate: the message" "^vtdsim: wall-clock timeout of 1 s reached after [0-9]* of [0-9]* interleavings (" "$tmp/err"
[ ! -e "$tmp/m.json" ] || bad "mutate: --json written after a timeout"

# A run that finishes in time is not affected.
expect_rc 0 "a short run under --timeout" timeout 20 "$vtdsim" run "$tmp/short.yaml" --timeout 100
exit $fail
