#!/usr/bin/env bash
# vtdsim's exit codes and outputs: 0 as expected, 1 not, 2 bad input with
# file:line:col and nothing written, help that tells the truth.
set -u
source "$(dirname "$0")/common.bash" "$@"

expect_rc 0 "torn scenario as expected" "$vtdsim" run "$src/scenarios/context/map-prefix-reordered.yaml" --json "$tmp/r.json"
grep -q '"expectations_met": true' "$tmp/r.json" || { echo "FAIL: json expectations_met"; fail=1; }
for key in scenario violations counts kind cycle entry; do
  grep -q "\"$key\"" "$tmp/r.json" || { echo "FAIL: json lacks $key"; fail=1; }
done

# The same scenario with the expectation removed must fail: the checker is what decides.
sed '/^expect:/,$d' "$src/scenarios/context/map-prefix-reordered.yaml" > "$tmp/noexpect.yaml"
expect_rc 1 "torn scenario without expect: is a mismatch" "$vtdsim" run "$tmp/noexpect.yaml" --json "$tmp/m.json"
grep -q '"expectations_met": false' "$tmp/m.json" || { echo "FAIL: mismatch json"; fail=1; }

# A fixed sequence that claimed a violation must fail too.
{ cat "$src/scenarios/context/map-cmpxchg16b.yaml"; printf 'expect:\n  torn_fetch: ">= 1"\n'; } > "$tmp/wrong.yaml"
expect_rc 1 "clean scenario expecting a torn fetch is a mismatch" "$vtdsim" run "$tmp/wrong.yaml"

# Bad input: exit 2, file:line:col on stderr, no JSON written.
sed 's/^  cpu:$/  cpu:\n    bogus_key: 1/' "$src/scenarios/context/map-cmpxchg16b.yaml" > "$tmp/bad.yaml"
expect_rc 2 "unknown key" "$vtdsim" run "$tmp/bad.yaml" --json "$tmp/bad.json"
grep -q "bad.yaml:[0-9]*:[0-9]*: .*bogus_key" "$tmp/err" || { echo "FAIL: no file:line:col"; cat "$tmp/err"; fail=1; }
[ ! -e "$tmp/bad.json" ] || { echo "FAIL: json written on bad input"; fail=1; }
sed 's/variant: cmpxchg16b/variant: nope/' "$src/scenarios/context/map-cmpxchg16b.yaml" > "$tmp/badvar.yaml"
expect_rc 2 "unknown driver variant" "$vtdsim" run "$tmp/badvar.yaml"
grep -q "badvar.yaml:[0-9]*:[0-9]*: .*variant" "$tmp/err" || { echo "FAIL: variant error location"; cat "$tmp/err"; fail=1; }
sed 's/cmpxchg16b: true/cmpxchg16b: false/; s/^  cpu:$/  cpu:\n    cmpxchg16b: false/' "$src/scenarios/context/map-cmpxchg16b.yaml" > "$tmp/nocx.yaml"
expect_rc 2 "cmpxchg16b on a CPU without it" "$vtdsim" run "$tmp/nocx.yaml"
expect_rc 2 "missing file" "$vtdsim" run "$tmp/nonexistent.yaml"
expect_rc 2 "missing argument" "$vtdsim" run
expect_rc 2 "unknown command" "$vtdsim" frobnicate

# check: one line per scenario, exit 1 on any mismatch.
mkdir -p "$tmp/cat"
cp "$src/scenarios/context/map-cmpxchg16b.yaml" "$tmp/cat/a.yaml"
expect_rc 0 "check of a clean catalog" "$vtdsim" check "$tmp/cat"
grep -q "^ok  *a  *torn_fetch=0" "$tmp/out" || { echo "FAIL: check line"; cat "$tmp/out"; fail=1; }
cp "$tmp/wrong.yaml" "$tmp/cat/b.yaml"
expect_rc 1 "check with a mismatch" "$vtdsim" check "$tmp/cat"
cp "$tmp/bad.yaml" "$tmp/cat/c.yaml"
expect_rc 2 "check with bad input" "$vtdsim" check "$tmp/cat"

# Help.
expect_rc 0 "--help" "$vtdsim" --help
grep -q "run FILE" "$tmp/out" || { echo "FAIL: help"; fail=1; }
expect_rc 0 "run --help" "$vtdsim" run --help
grep -q -- "--json" "$tmp/out" || { echo "FAIL: run help"; fail=1; }
expect_rc 0 "check --help" "$vtdsim" check --help
expect_rc 0 "program" "$vtdsim" program "$src/scenarios/context/map-prefix-reordered.yaml"
grep -q "region 0" "$tmp/out" || { echo "FAIL: program regions"; fail=1; }
expect_rc 0 "sequences" "$vtdsim" sequences
grep -q "domain_context_mapping_one" "$tmp/out" || { echo "FAIL: sequences"; fail=1; }

# Logs carry the cycle and the module name.
expect_rc 0 "debug log" "$vtdsim" run "$src/scenarios/context/map-prefix-reordered.yaml" --log-level debug
grep -qE "^\[cycle [0-9]+\] \[top.cpu0\] debug: store64 .* visible at [0-9]+" "$tmp/err" || { echo "FAIL: log format"; head -3 "$tmp/err"; fail=1; }
expect_rc 2 "bad log level" "$vtdsim" run "$src/scenarios/context/map-prefix-reordered.yaml" --log-level loud

# Determinism: identical JSON on repeated runs.
"$vtdsim" run "$src/scenarios/context/teardown-prefix-reordered.yaml" --json "$tmp/d1.json" >/dev/null
"$vtdsim" run "$src/scenarios/context/teardown-prefix-reordered.yaml" --json "$tmp/d2.json" >/dev/null
cmp -s "$tmp/d1.json" "$tmp/d2.json" || { echo "FAIL: runs differ"; fail=1; }

exit $fail
