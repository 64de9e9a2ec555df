#!/usr/bin/env bash
# What driver functions returned is an outcome the run reports and expect:
# must name: pasid/setup-on-present-ebusy expects item 0 to return -EBUSY;
# the same scenario without `returns:` is not as expected and says which
# item returned what. Bad `returns:` entries are bad input at file:line:col.
set -u
source "$(dirname "$0")/common.bash" "$@"
scn="$src/scenarios/pasid/setup-on-present-ebusy.yaml"

expect_rc 0 "setup on a present entry returns the expected -EBUSY" "$vtdsim" run "$scn" --json "$tmp/ok.json"
check "the report lists the error return" "driver operations that returned an error:" "$tmp/out"
check "the return line names item, value and branch" \
  'cpu0 item 0 "intel_pasid_setup_second_level 00:02.0 pasid 1 -> other": returned -EBUSY (-16) at cycle [0-9]*, from op 1 \[pasid_pte_is_present(pte) -> -EBUSY\]' \
  "$tmp/out"
check "the expectation is met" "ok       return of cpu0 item 0 .*expected -EBUSY, observed -EBUSY" "$tmp/out"
check "json: returns array with the errno name" '"errno": "EBUSY"' "$tmp/ok.json"
check "json: value -16" '"value": -16' "$tmp/ok.json"

# Without returns: the -EBUSY is no longer a silent pass.
sed '/^expect:/,$d' "$scn" > "$tmp/noreturns.yaml"
expect_rc 1 "the same scenario without returns: is not as expected" "$vtdsim" run "$tmp/noreturns.yaml" --json "$tmp/m.json"
check "MISMATCH names the item, expected and observed" \
  'MISMATCH return of cpu0 item 0 "intel_pasid_setup_second_level 00:02.0 pasid 1 -> other": expected 0 (not in expect: returns:), observed -EBUSY' \
  "$tmp/out"
check "verdict" "verdict: NOT as expected" "$tmp/out"
check "json: expectations not met" '"expectations_met": false' "$tmp/m.json"

# A wrong value is a mismatch too.
sed 's/value: -EBUSY}/value: -EINVAL}/' "$scn" > "$tmp/einval.yaml"
expect_rc 1 "expecting -EINVAL where -EBUSY is returned" "$vtdsim" run "$tmp/einval.yaml"
check "MISMATCH with both values" "expected -EINVAL, observed -EBUSY" "$tmp/out"

# check: the line says what returned an error.
mkdir -p "$tmp/cat"
cp "$scn" "$tmp/cat/a.yaml"
cp "$tmp/noreturns.yaml" "$tmp/cat/b.yaml"
expect_rc 1 "check with the unexpected return" "$vtdsim" check "$tmp/cat"
check "check line of the expected return" "^ok  *a  *torn_fetch=0 .* returns: cpu0 item 0 -EBUSY$" "$tmp/out"
check "check line of the unexpected return" \
  "^MISMATCH b  *torn_fetch=0 .* returns: cpu0 item 0 -EBUSY -- missed: return of cpu0 item 0 \"[^\"]*\": expected 0 (not in expect: returns:), observed -EBUSY$" \
  "$tmp/out"

# A scenario where nothing returned an error keeps its outputs: no section, no key.
expect_rc 0 "clean scenario" "$vtdsim" run "$src/scenarios/context/map-cmpxchg16b.yaml" --json "$tmp/clean.json"
check_not "no returns section" "returned an error" "$tmp/out"
check_not "no returns key" '"returns"' "$tmp/clean.json"

# Bad input: exit 2 at file:line:column.
sed 's/value: -EBUSY}/value: -EBUZY}/' "$scn" > "$tmp/badname.yaml"
expect_rc 2 "unknown errno name" "$vtdsim" run "$tmp/badname.yaml"
check "unknown errno at its value" "badname.yaml:[0-9]*:[0-9]*: expect.returns\[0\].value: expected a return value" "$tmp/err"
sed 's/{item: 0, value/{item: 1, value/' "$scn" > "$tmp/baditem.yaml"
expect_rc 2 "item out of range" "$vtdsim" run "$tmp/baditem.yaml"
check "item out of range at the item" "baditem.yaml:[0-9]*:[0-9]*: .*there is no item 1" "$tmp/err"
sed 's/{item: 0, value/{item: 0, cpu: 1, value/' "$scn" > "$tmp/badcpu.yaml"
expect_rc 2 "cpu out of range" "$vtdsim" run "$tmp/badcpu.yaml"
check "cpu out of range at the cpu" "badcpu.yaml:[0-9]*:[0-9]*: .*cpu 1 does not exist" "$tmp/err"

# sweep: every interleaving is held to returns:.
expect_rc 0 "sweep with the expected return" "$vtdsim" sweep "$scn" --offsets -20..20 --jobs 2 -q
check "sweep verdict line for returns" "ok       returns: expected == 0 interleavings" "$tmp/out"
expect_rc 1 "sweep without returns: fails" "$vtdsim" sweep "$tmp/noreturns.yaml" --offsets -20..20 --jobs 2 -q \
  --json "$tmp/sweep.json"
check "sweep counts the differing interleavings" "driver returns differ from expect: in 41 interleavings" "$tmp/out"
check "sweep json lists them" '"returns_differ"' "$tmp/sweep.json"
exit $fail
