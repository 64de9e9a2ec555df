#!/usr/bin/env bash
# The debugfs-reader scenarios report what the reader on CPU 1 saw, which no
# verdict kind counts: check it here. With iommu->lock the reader's loads are
# one snapshot and the teardown spins until the reader unlocks; without it
# the same loads straddle the zeroing and are reported MIXED.
set -u
source "$(dirname "$0")/common.bash" "$@"
run() {  # scenario output-stem
  "$vtdsim" run "$src/scenarios/pasid/$1.yaml" --json "$tmp/$2.json" >"$tmp/$2.txt" 2>&1 ||
    { echo "FAIL: $1 not as expected"; cat "$tmp/$2.txt"; fail=1; }
}

run debugfs-reader-no-lock-during-teardown-prefix bare
check "no lock: the reader's loads are mixed" "MIXED: no memory version" "$tmp/bare.txt"
check "no lock: json says not consistent" '"consistent": false' "$tmp/bare.json"
check_not "no lock: json has no consistent read" '"consistent": true' "$tmp/bare.json"
# The print saw the old FLPTPTR in val[2] beside a zeroed val[1] and val[0].
check "no lock: val[2] still old" "pasid\[00:02.0 pasid 0\]@0x107000 word 2 = 0x101000  \[print_tbl_walk" "$tmp/bare.txt"
check "no lock: val[1] already zero" "pasid\[00:02.0 pasid 0\]@0x107000 word 1 = 0x0  \[print_tbl_walk" "$tmp/bare.txt"
check "no lock: three zeroing stores landed during the read" "changed during the read: store #3 " "$tmp/bare.txt"
check_not "no lock: nobody spun on a lock" "lock holds" "$tmp/bare.txt"

run debugfs-reader-during-teardown-prefix locked
check "locked: the reader's loads are one snapshot" "one snapshot (memory version 1 holds" "$tmp/locked.txt"
check_not "locked: nothing mixed" "MIXED" "$tmp/locked.txt"
check "locked: the print saw the whole old entry" "pasid\[00:02.0 pasid 0\]@0x107000 word 1 = 0x800003  \[print_tbl_walk" "$tmp/locked.txt"
check "locked: the teardown spun while the reader held the lock" \
  "intel_pasid_tear_down_entry\[pre_fix\] 00:02.0 pasid 0\" requested at 300, spun 60 cycles while cpu1 held it" \
  "$tmp/locked.txt"
check "locked: json records the wait" '"blocked_by_cpu": 1' "$tmp/locked.json"

run debugfs-reader-during-teardown current
check_not "current teardown: nothing mixed" "MIXED" "$tmp/current.txt"
[ "$(grep -c 'one snapshot' "$tmp/current.txt")" = 2 ] && echo "ok: current teardown: two snapshots" ||
  { echo "FAIL: current teardown: wanted two snapshots"; cat "$tmp/current.txt"; fail=1; }
# The second dump finds P already clear and stops before the words being zeroed.
check "current teardown: second dump sees P = 0 and skips" \
  "word 0 = 0x4c  \[pasid_tbl_walk: if (pasid_pte_is_present(tbl_entry))\]" "$tmp/current.txt"
check "current teardown: the teardown spun while the reader held the lock" \
  "requested at 300, spun 60 cycles while cpu1 held it" "$tmp/current.txt"
exit $fail
