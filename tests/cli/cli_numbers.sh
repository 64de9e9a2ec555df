#!/usr/bin/env bash
# Numeric options of every command: negative, out-of-range and malformed
# values are refused with exit 2 and a message naming the option and its
# range, before anything runs (Boost's unsigned options read "-1" as 2^64-1:
# --jobs -1 once forked 12,552 workers).
set -u
source "$(dirname "$0")/common.bash" "$@"

scn="$src/scenarios/context/map-cmpxchg16b.yaml"
# command | arguments | a piece of the message
while IFS='|' read -r cmd args msg; do
  # shellcheck disable=SC2086  # the arguments are split on purpose
  expect_rc 2 "$cmd $args is refused" timeout 20 "$vtdsim" $cmd "$scn" $args --json "$tmp/out.json"
  check "$cmd $args: the message" "$msg" "$tmp/err"
  [ ! -e "$tmp/out.json" ] || { bad "$cmd $args: --json written"; rm -f "$tmp/out.json"; }
done <<'CASES'
run|--offset -9223372036854775808|--offset: expected an integer in -1099511627776..1099511627776, got '-9223372036854775808'
run|--offset 9223372036854775808|--offset: expected an integer in -1099511627776..1099511627776
run|--offset 1099511627777|--offset: expected an integer in -1099511627776..1099511627776
run|--offset 1e3|--offset: expected an integer
run|--store-buffer-delay -1|--store-buffer-delay: expected an integer in 0..1099511627776, got '-1'
run|--store-buffer-delay 18446744073709551615|--store-buffer-delay: expected an integer in 0..1099511627776
run|--inter-burst -1|--inter-burst: expected an integer in 0..1099511627776
run|--explain -1|--explain: expected an integer in 1..4294967295, got '-1'
run|--explain 0|--explain: expected an integer in 1..
run|--qi-latency iotlb=-1|--qi-latency '-1': expected cycle counts (each 0..1099511627776)
run|--qi-latency iotlb=1099511627777|is more than 1099511627776 cycles
run|--mmio-cost -1|--mmio-cost '-1': expected cycle counts
run|--timeout -1|--timeout: expected an integer in 1..1000000, got '-1'
run|--timeout 0|--timeout: expected an integer in 1..1000000
sweep|--offsets -9223372036854775808..9223372036854775807|--offsets: expected A..B with A <= B, integers in -2^40..2^40
sweep|--offsets 9223372036854775808|--offsets: expected A..B
sweep|--offsets 0..1099511627777|--offsets: expected A..B
sweep|--offset-step -1|--offset-step: expected an integer in 1..1099511627776, got '-1'
sweep|--sample -1|--sample: expected an integer in 0..1099511627776, got '-1'
sweep|--max-compiler-orders -1|--max-compiler-orders: expected an integer in 1..1048576
sweep|--store-buffer-delay -1|--store-buffer-delay '-1': expected cycle counts
sweep|--inter-burst 1,-1|--inter-burst '1,-1': expected cycle counts
sweep|--inter-burst 1099511627777|is more than 1099511627776 cycles
sweep|--qi-latency iotlb=1,-1|--qi-latency '1,-1': expected cycle counts
sweep|--mmio-cost -5|--mmio-cost '-5': expected cycle counts
sweep|--jobs -1|--jobs: expected an integer in 1..256, got '-1'
sweep|--jobs 0|--jobs: expected an integer in 1..256
sweep|-j 257|--jobs: expected an integer in 1..256, got '257'
sweep|--shard 0/-1|--shard: expected I/N with 0 <= I < N
sweep|--shard -1/2|--shard: expected I/N with 0 <= I < N
sweep|--timeout -1|--timeout: expected an integer in 1..1000000
mutate|--jobs -1|--jobs: expected an integer in 1..256, got '-1'
mutate|--batch -1|--batch: expected an integer in 1..1099511627776
mutate|--batch 0|--batch: expected an integer in 1..
mutate|--sample -1|--sample: expected an integer in 0..1099511627776
mutate|--offset-step 0|--offset-step: expected an integer in 1..
mutate|--timeout 1000001|--timeout: expected an integer in 1..1000000
CASES

# check takes paths, not one FILE; its -j shares the cap.
for j in -1 0 257; do
  expect_rc 2 "check -j $j is refused" timeout 20 "$vtdsim" check "$scn" -j "$j"
  check "check -j $j: the message" "--jobs: expected an integer in 1..256, got '$j'" "$tmp/err"
done

# The limits themselves are accepted: at offset -2^40 the traffic moves 2^40
# cycles later, past max_cycles, so every run ends there (exit 3), bounded.
expect_rc 3 "sweep -j 256 --offsets at the -2^40 limit runs, each run bounded by max_cycles" \
  timeout 20 "$vtdsim" sweep "$scn" -j 256 --offsets -1099511627776 -q
check "offset -2^40: the runs did not finish" "16 interleavings did not finish" "$tmp/out"
expect_rc 0 "run --store-buffer-delay 0x2 (hex) is accepted" \
  timeout 20 "$vtdsim" run "$scn" --store-buffer-delay 0x2

exit $fail
