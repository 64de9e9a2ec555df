#!/usr/bin/env bash
# Bounded, checked time (docs/reliability.md): every cycle-valued input above
# 2^40 is refused at load with file:line:column (exit 2), and max_cycles ends
# every run, whatever the inputs. Each reproducer once hung, wrapped or lied.
set -u
source "$(dirname "$0")/common.bash" "$@"

cat > "$tmp/base.yaml" <<'YAML'
name: limits
platform:
  cpu:
    start: 100
  iommu:
    burst_latency: 10
    pte_latency: 10
  sim:
    max_cycles: 200000
tables:
  domains:
    - name: dom1
      did: 2
      aw: 2
      mappings:
        - {iova: 0x1000, pa: 0x80001000}
  devices:
    - bdf: "00:02.0"
program:
  - sequence: domain_context_mapping_one
    device: "00:02.0"
    domain: dom1
    variant: cmpxchg16b
traffic:
  - device: "00:02.0"
    iova: 0x1000
    access: read
    start: 60
    every: 1
    count: 100
YAML
expect_rc 0 "the base scenario runs" timeout 20 "$vtdsim" run "$tmp/base.yaml"

limit="cycles is more than the limit of 1099511627776 (2^40) cycles"
# name, sed expression, line:column of the refused value
while IFS='|' read -r what expr where; do
  sed "$expr" "$tmp/base.yaml" > "$tmp/r.yaml"
  expect_rc 2 "$what is refused at load" timeout 20 "$vtdsim" run "$tmp/r.yaml" --json "$tmp/r.json"
  check "$what: file:line:column and the limit" "r.yaml:$where: .*$limit" "$tmp/err"
  [ ! -e "$tmp/r.json" ] || bad "$what: --json written on bad input"
done <<'CASES'
traffic every 0x8000000000000000|s/every: 1$/every: 0x8000000000000000/|29:12
pte_latency near 2^64/1000|s/pte_latency: 10/pte_latency: 18446744073709551/|7:18
inter_burst near 2^64/1000|s/pte_latency: 10/pte_latency: 10\n    inter_burst: 18446744073709552/|8:18
store_buffer_delay 2^63-1|s/    start: 100/    start: 100\n    store_buffer_delay: 9223372036854775807/|5:25
cpu start 2^64-1|s/    start: 100/    start: 18446744073709551615/|4:12
traffic start 2^64-1|s/    start: 60/    start: 18446744073709551615/|28:12
program delay 2^64-1|s/^program:/program:\n  - delay: 18446744073709551615/|20:12
max_cycles 2^41|s/max_cycles: 200000/max_cycles: 2199023255552/|9:17
CASES

# Traffic start 2^64-1 with burst_latency 2^60: refused at the first bad value
# (it exited 3 claiming "still running at cycle 127").
sed 's/    start: 60/    start: 18446744073709551615/; s/burst_latency: 10/burst_latency: 1152921504606846976/' \
  "$tmp/base.yaml" > "$tmp/r.yaml"
expect_rc 2 "traffic start 2^64-1 with burst_latency 2^60 is refused" timeout 20 "$vtdsim" run "$tmp/r.yaml"
check "burst_latency 2^60: the limit" "r.yaml:6:20: .*$limit" "$tmp/err"

# At the limits, max_cycles still ends the run, at max_cycles, with exit 3.
while IFS='|' read -r what expr; do
  sed "$expr" "$tmp/base.yaml" > "$tmp/m.yaml"
  expect_rc 3 "$what: max_cycles ends the run" timeout 20 "$vtdsim" run "$tmp/m.yaml"
  check "$what: stopped at max_cycles, saying so" "still running at max_cycles (platform.sim.max_cycles = 200000)" "$tmp/err"
done <<'CASES'
endless traffic (count 2^40)|s/count: 100/count: 1099511627776/
traffic every 2^40|s/every: 1$/every: 1099511627776/; s/count: 100/count: 3/
pte_latency 2^40|s/pte_latency: 10/pte_latency: 1099511627776/
store_buffer_delay 2^40 (stores never visible before max_cycles)|s/    start: 100/    start: 100\n    store_buffer_delay: 1099511627776/
cpu start 2^40|s/    start: 100/    start: 1099511627776/
program delay 2^40|s/^program:/program:\n  - delay: 1099511627776/
traffic start 2^40|s/    start: 60/    start: 1099511627776/
CASES

exit $fail
