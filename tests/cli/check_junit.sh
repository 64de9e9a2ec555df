#!/usr/bin/env bash
# vtdsim check for CI: directories and files, -j with the output of -j 1,
# MISMATCH lines that say what missed, a JUnit report that validates against
# the JUnit schema (tests/cli/junit.xsd, checked with xmllint) and names the
# failing kind, a JSON report (read with jq), output paths checked before
# anything runs, and --version from CMakeLists.txt.
set -u
source "$(dirname "$0")/common.bash" "$@"
xsd="$src/tests/cli/junit.xsd"

# A catalog of three scenarios, one with an expectation that cannot be met,
# and a file outside it given on its own.
mkdir -p "$tmp/cat/context" "$tmp/cat/pasid" "$tmp/extra"
cp "$src/scenarios/context/map-cmpxchg16b.yaml" "$tmp/cat/context/clean.yaml"
cp "$src/scenarios/context/map-prefix-reordered.yaml" "$tmp/cat/context/torn.yaml"
cp "$src/scenarios/pasid/setup-on-present-ebusy.yaml" "$tmp/cat/pasid/ebusy.yml"
sed 's/^  torn_fetch: ">= 1"$/  torn_fetch: "== 0"/' "$src/scenarios/context/map-prefix-reordered.yaml" \
  > "$tmp/cat/pasid/wrong.yaml"
grep -q '^  torn_fetch: "== 0"$' "$tmp/cat/pasid/wrong.yaml" || bad "the wrong expectation was not written"
cp "$src/scenarios/context/teardown-prefix-reordered.yaml" "$tmp/extra/single.yaml"

expect_rc 1 "check of a catalog with a wrong expectation" \
  "$vtdsim" check "$tmp/cat" "$tmp/extra/single.yaml" -j 2 --junit "$tmp/r.xml" --json "$tmp/r.json"
cp "$tmp/out" "$tmp/check.out"
check "directories then files, in path order" "^ok  *context/clean " "$tmp/check.out"
[ "$(awk '{print $2}' "$tmp/check.out" | head -5 | tr '\n' ' ')" = \
  "context/clean context/torn pasid/ebusy pasid/wrong $tmp/extra/single " ] \
  && echo "ok: line order" || bad "line order: $(awk '{print $2}' "$tmp/check.out" | tr '\n' ' ')"
check "the MISMATCH line says what missed" \
  "^MISMATCH pasid/wrong  *torn_fetch=[1-9][0-9]* .* -- missed: torn_fetch: expected == 0, observed [1-9]" "$tmp/check.out"
check "summary" "^5 scenarios: 4 as expected, 1 not as expected, 0 bad input, 0 errors$" "$tmp/check.out"

# JUnit: valid against the schema; the schema is strict enough to fail.
if xmllint --noout --schema "$xsd" "$tmp/r.xml" 2>"$tmp/xsd.err"; then
  echo "ok: the JUnit report validates against junit.xsd"
else
  bad "the JUnit report does not validate"; cat "$tmp/xsd.err"
fi
sed 's/ classname="[^"]*"//' "$tmp/r.xml" > "$tmp/broken.xml"
if xmllint --noout --schema "$xsd" "$tmp/broken.xml" 2>/dev/null; then
  bad "the schema accepts a testcase without classname"
else
  echo "ok: the schema rejects a testcase without classname"
fi
xp() { xmllint --xpath "$1" "$tmp/r.xml" 2>/dev/null; }
[ "$(xp 'string(/testsuites/@tests)')/$(xp 'string(/testsuites/@failures)')/$(xp 'string(/testsuites/@errors)')" = 5/1/0 ] \
  && echo "ok: testsuites counts" || bad "testsuites counts: $(xp 'string(/testsuites/@tests)')/$(xp 'string(/testsuites/@failures)')"
[ "$(xp 'count(/testsuites/testsuite)')" = 3 ] && echo "ok: one testsuite per directory" \
  || bad "testsuites: $(xp 'count(/testsuites/testsuite)')"
[ "$(xp "string(/testsuites/testsuite[@name='$tmp/cat/pasid']/@failures)")" = 1 ] \
  && echo "ok: the failing directory counts one failure" || bad "pasid suite failures"
[ "$(xp "string(/testsuites/testsuite[@name='$tmp/extra']/testcase/@name)")" = single ] \
  && echo "ok: a file argument's suite is its directory" || bad "file argument suite"
fail_path="/testsuites/testsuite/testcase[@name='wrong']/failure"
[ "$(xp "count($fail_path)")" = 1 ] && echo "ok: one failure for the one missed expectation" \
  || bad "failures of wrong: $(xp "count($fail_path)")"
[ "$(xp "string($fail_path/@type)")" = torn_fetch ] && echo "ok: the failure names the failing kind" \
  || bad "failure type: $(xp "string($fail_path/@type)")"
xp "string($fail_path/@message)" > "$tmp/msg"
check "the failure message: kind, expected, observed" "^torn_fetch: expected == 0, observed [1-9]" "$tmp/msg"
xp "string($fail_path)" > "$tmp/body"
check "the failure body has the verdict" "^verdict: NOT as expected$" "$tmp/body"
check "the failure body has the replay command" "^replay: vtdsim run $tmp/cat/pasid/wrong.yaml$" "$tmp/body"
[ "$(xp "count(//testcase[failure or error])")" = 1 ] && echo "ok: the passing testcases have no failure" \
  || bad "testcases with failures: $(xp "count(//testcase[failure or error])")"
[ "$(xp "string(//testcase[@name='ebusy']/@classname)")" = "$(echo "${tmp#/}/cat/pasid" | tr / .)" ] \
  && echo "ok: classname is the directory, dotted" || bad "classname: $(xp "string(//testcase[@name='ebusy']/@classname)")"

# JSON: every scenario with path, status, counts, expectations, returns, verdict.
jq -e '.scenarios | length == 5' "$tmp/r.json" >/dev/null && echo "ok: json has every scenario" || bad "json length"
jq -e '.exit_code == 1 and .totals.not_as_expected == 1 and .totals.as_expected == 4' "$tmp/r.json" >/dev/null \
  && echo "ok: json totals" || bad "json totals"
jq -e --arg p "$tmp/cat/pasid/wrong.yaml" '.scenarios[3] | .path == $p and .name == "pasid/wrong"
    and .status == "mismatch" and .verdict == "NOT as expected" and .counts.torn_fetch > 0
    and .expectations.torn_fetch.expected == "== 0" and .expectations.torn_fetch.ok == false
    and .missed == [{"kind": "torn_fetch", "text": ("torn_fetch: expected == 0, observed " + (.counts.torn_fetch | tostring))}]' \
  "$tmp/r.json" >/dev/null && echo "ok: json of the mismatch" || { bad "json of the mismatch"; jq '.scenarios[3]' "$tmp/r.json"; }
jq -e '.scenarios[2] | .status == "ok" and .returns[0].errno == "EBUSY" and .expectations.returns[0].ok' \
  "$tmp/r.json" >/dev/null && echo "ok: json carries driver returns" || bad "json returns"

# -j 2 prints and writes what -j 1 does (the JUnit times aside).
"$vtdsim" check "$src/scenarios/context" "$tmp/cat" -j 1 --json "$tmp/j1.json" > "$tmp/j1.out"
"$vtdsim" check "$src/scenarios/context" "$tmp/cat" -j 2 --json "$tmp/j2.json" > "$tmp/j2.out"
[ "$(wc -l < "$tmp/j1.out")" -ge 15 ] && cmp -s "$tmp/j1.out" "$tmp/j2.out" \
  && echo "ok: -j 2 output equals -j 1" || { bad "-j 2 output differs"; diff "$tmp/j1.out" "$tmp/j2.out"; }
cmp -s "$tmp/j1.json" "$tmp/j2.json" && echo "ok: -j 2 json equals -j 1" || bad "-j 2 json differs"

# A scenario with bad input is an <error>, the run exits 2.
mkdir -p "$tmp/broken"
sed 's/^  cpu:$/  cpu:\n    bogus_key: 1/' "$src/scenarios/context/map-cmpxchg16b.yaml" > "$tmp/broken/bad.yaml"
expect_rc 2 "a catalog with bad input" "$vtdsim" check "$tmp/cat/context" "$tmp/broken" --junit "$tmp/e.xml"
check "the BAD line has the location" "^BAD  *bad  *.*bad.yaml:[0-9]*:[0-9]*: .*bogus_key" "$tmp/out"
xmllint --noout --schema "$xsd" "$tmp/e.xml" 2>/dev/null && echo "ok: the report with an error validates" \
  || bad "the report with an error does not validate"
[ "$(xmllint --xpath 'string(//testcase[@name="bad"]/error/@type)' "$tmp/e.xml")" = bad_input ] \
  && echo "ok: bad input is an <error>" || bad "no error element"

# Bad arguments: exit 2, nothing run, nothing written, no temporary files left.
mkdir -p "$tmp/outdir"
expect_rc 2 "--junit naming a directory" "$vtdsim" check "$tmp/cat" --junit "$tmp/outdir"
check "it says so" "is a directory" "$tmp/err"
check_not "nothing ran" "scenarios:" "$tmp/out"
expect_rc 2 "--junit in a missing directory" "$vtdsim" check "$tmp/cat" --junit "$tmp/nodir/r.xml"
cp "$tmp/cat/context/clean.yaml" "$tmp/clean.before"
expect_rc 2 "--json naming an input scenario" "$vtdsim" check "$tmp/cat" --json "$tmp/cat/context/clean.yaml"
cmp -s "$tmp/clean.before" "$tmp/cat/context/clean.yaml" && echo "ok: the scenario is untouched" || bad "input overwritten"
expect_rc 2 "--junit and --json the same file" "$vtdsim" check "$tmp/cat" --junit "$tmp/same" --json "$tmp/same"
[ ! -e "$tmp/same" ] && [ ! -e "$tmp/nodir" ] && echo "ok: nothing written" || bad "an output was written"
expect_rc 2 "--junit fine but --json bad" "$vtdsim" check "$tmp/cat" --junit "$tmp/fine.xml" --json "$tmp/outdir"
[ ! -e "$tmp/fine.xml" ] && echo "ok: no report written when another output is bad" || bad "fine.xml written"
ls "$tmp" "$tmp/cat/context" | grep -q '\.tmp\.' && bad "temporary files left" || echo "ok: no temporary files left"
expect_rc 2 "-j 0" "$vtdsim" check "$tmp/cat" -j 0
expect_rc 2 "-j 100000" "$vtdsim" check "$tmp/cat" -j 100000
expect_rc 2 "-j not a number" "$vtdsim" check "$tmp/cat" --jobs many
expect_rc 2 "a missing path" "$vtdsim" check "$tmp/cat" "$tmp/nonexistent"
mkdir -p "$tmp/empty"
expect_rc 2 "a directory without scenarios" "$vtdsim" check "$tmp/empty"
expect_rc 2 "no path" "$vtdsim" check

# Help tells what check takes.
expect_rc 0 "check --help" "$vtdsim" check --help
for w in "PATH\.\.\." "--jobs" "--junit" "--json"; do check "check --help mentions $w" "$w" "$tmp/out"; done

# --version: the project version of CMakeLists.txt, and the commit in a checkout.
ver=$(sed -n 's/^project(vtdsim VERSION \([0-9][0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[ -n "$ver" ] || bad "no VERSION in CMakeLists.txt's project()"
expect_rc 0 "--version" "$vtdsim" --version
check "--version prints the CMake project version" "^vtdsim ${ver//./\\.}\( (git [0-9a-z.-]*)\)\?$" "$tmp/out"
if [ -e "$src/.git" ] && command -v git >/dev/null; then
  check "--version names the commit in a git checkout" "(git [0-9a-z.-]*)$" "$tmp/out"
fi
expect_rc 0 "version" "$vtdsim" version
check "version as a command" "^vtdsim ${ver//./\\.}" "$tmp/out"
expect_rc 0 "--help" "$vtdsim" --help
check "--help mentions --version" "--version" "$tmp/out"
exit $fail
