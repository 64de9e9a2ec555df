# vtdsim merge checks what it reads: the schema version, each shard's results
# (in range, unique, its own) and that the shards cover the sweep exactly;
# anything else is bad input (exit 2) with a message, never a crash.
source "$(dirname "$0")/common.bash" "$@"
scn="$src/scenarios/pasid/teardown-clear-present.yaml"
dims=(--offsets 0..5 --burst-orders ascending --compiler-orders program --store-buffer-delay 0 -q -j 1)
for i in 0 1 2; do
  timeout 60 "$vtdsim" sweep "$scn" "${dims[@]}" --shard $i/3 --json "$tmp/s$i.json" >/dev/null ||
    bad "shard $i did not run"
done
jq -e '.schema == 1' "$tmp/s0.json" >/dev/null && echo "ok: the report has its schema version" || bad "no schema"
m() { timeout 60 "$vtdsim" merge "$@"; }
expect_rc 0 "the three shards merge" m "$tmp/s0.json" "$tmp/s1.json" "$tmp/s2.json" --json "$tmp/m.json"
total=$(jq '.space.total' "$tmp/s0.json")
[ "$(jq '.results | length' "$tmp/m.json")" = "$total" ] && echo "ok: every interleaving once" || bad "merged count"

edit() {  # jq-filter out-file: s1.json edited
  jq "$1" "$tmp/s1.json" >"$tmp/$2"
}
edit '.results[0][0] = 1000000000000' big.json
expect_rc 2 "an index of 10^12 (was SIGSEGV)" m "$tmp/s0.json" "$tmp/big.json" "$tmp/s2.json"
check "it says the index is out of range" "big.json: interleaving 1000000000000 is out of range: the sweep has $total" "$tmp/err"
edit '.results[0][0] = -1' neg.json
expect_rc 2 "an index of -1 (was SIGSEGV)" m "$tmp/s0.json" "$tmp/neg.json" "$tmp/s2.json"
check "it says so" "neg.json: results: an index: expected an unsigned integer, got -1" "$tmp/err"
edit '.results[1][0] = .results[0][0]' dup.json
expect_rc 2 "a duplicated index (was accepted)" m "$tmp/s0.json" "$tmp/dup.json" "$tmp/s2.json"
check "it names the index" "dup.json: interleaving 1 is listed twice" "$tmp/err"
edit '.results[0][0] = 0' other.json
expect_rc 2 "an index of another shard" m "$tmp/s0.json" "$tmp/other.json" "$tmp/s2.json"
check "it says whose" "other.json: interleaving 0 is not one of shard 1/3" "$tmp/err"
edit 'del(.results[0]) | del(.walker_waits) | del(.returns_differ)' short.json
expect_rc 2 "a shard lacking an interleaving" m "$tmp/s0.json" "$tmp/short.json" "$tmp/s2.json"
check "it names the interleaving" "short.json (shard 1/3) lacks 1 of its [0-9]* interleavings: 1$" "$tmp/err"
expect_rc 2 "a missing shard" m "$tmp/s0.json" "$tmp/s2.json"
check "it names the shard" "1 shard is missing: 1/3" "$tmp/err"
expect_rc 2 "a shard given twice" m "$tmp/s0.json" "$tmp/s1.json" "$tmp/s1.json" "$tmp/s2.json"
check "it names both files" "shard 1/3 given twice" "$tmp/err"
edit 'del(.schema)' old.json
expect_rc 2 "a report without a schema version" m "$tmp/s0.json" "$tmp/old.json" "$tmp/s2.json"
check "it says so" "old.json: no schema version" "$tmp/err"
edit '.schema = 99' new.json
expect_rc 2 "a report of another schema" m "$tmp/s0.json" "$tmp/new.json" "$tmp/s2.json"
check "it says which" "new.json: schema 99, but this vtdsim reads schema 1" "$tmp/err"
mkdir "$tmp/dir"
expect_rc 2 "a directory argument (was a libstdc++ error, exit 3)" m "$tmp/s0.json" "$tmp/dir"
check "it says so" "dir is a directory, not a shard report" "$tmp/err"
expect_rc 2 "a missing file" m "$tmp/s0.json" "$tmp/nonexistent.json"
echo '{"schema": 1,' >"$tmp/cut.json"
expect_rc 2 "a truncated file" m "$tmp/cut.json"
check "it says where" "cut.json: not a sweep report" "$tmp/err"

# Its outputs are checked like every command's: never over a shard.
cp "$tmp/s0.json" "$tmp/s0.before"
expect_rc 2 "merge --json naming a shard" m "$tmp/s0.json" "$tmp/s1.json" "$tmp/s2.json" --json "$tmp/s0.json"
check "it says so" "is a shard report" "$tmp/err"
cmp -s "$tmp/s0.before" "$tmp/s0.json" && echo "ok: the shard is untouched" || bad "the shard was overwritten"
exit $fail
