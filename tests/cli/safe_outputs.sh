# Every output of every command is checked before anything runs (exit 2, a
# message, nothing written) and written all or none (docs/reliability.md).
source "$(dirname "$0")/common.bash" "$@"
scn="$tmp/s.yaml"
cp "$src/scenarios/pasid/teardown-clear-present.yaml" "$scn"
cp "$scn" "$tmp/s.before"
mkdir -p "$tmp/d"
t() { timeout 60 "$@"; }
untouched() { cmp -s "$tmp/s.before" "$scn" && echo "ok: the scenario is untouched" || bad "the scenario was overwritten"; }
nothing_ran() { [ ! -s "$tmp/out" ] && echo "ok: refused before simulating" || { bad "it ran first"; head "$tmp/out"; }; }

# The input file, by any path to it.
expect_rc 2 "run --json naming the scenario" t "$vtdsim" run "$scn" --json "$scn"
check "it says the output is the scenario" "json: .*is the scenario" "$tmp/err"
nothing_ran
expect_rc 2 "run --vcd naming the scenario by another path" t "$vtdsim" run "$scn" --vcd "$tmp/d/../s.yaml"
ln "$scn" "$tmp/hard.yaml"
expect_rc 2 "run --trace naming a hard link to the scenario" t "$vtdsim" run "$scn" --trace "$tmp/hard.yaml"
ln -s s.yaml "$tmp/sym.yaml"
expect_rc 2 "sweep --csv naming a symbolic link to the scenario" t "$vtdsim" sweep "$scn" --csv "$tmp/sym.yaml"
expect_rc 2 "mutate --json naming the scenario" t "$vtdsim" mutate "$scn" --json "$scn"
expect_rc 2 "check --junit naming a scenario" t "$vtdsim" check "$scn" --junit "$scn"
untouched

# Device nodes and FIFOs are refused, not replaced (as root a rename would destroy /dev/null).
for opt in --json --vcd --trace; do
  expect_rc 2 "run $opt /dev/null" t "$vtdsim" run "$scn" $opt /dev/null
  check "it says it is a device" "is a character device, not a regular file" "$tmp/err"
done
expect_rc 2 "run --json /dev/full" t "$vtdsim" run "$scn" --json /dev/full
expect_rc 2 "sweep --plot /dev/null" t "$vtdsim" sweep "$scn" --plot /dev/null
nothing_ran
expect_rc 2 "check --json /dev/null" t "$vtdsim" check "$scn" --json /dev/null
[ -c /dev/null ] && [ -c /dev/full ] && echo "ok: /dev/null and /dev/full are still devices" || bad "a device node was replaced"
mkfifo "$tmp/fifo"
expect_rc 2 "run --json onto a FIFO (no hang)" t "$vtdsim" run "$scn" --json "$tmp/fifo"
check "it says it is a FIFO" "is a FIFO" "$tmp/err"
[ -p "$tmp/fifo" ] && echo "ok: the FIFO is still one" || bad "the FIFO was replaced"
expect_rc 2 "'-' is not standard output" t "$vtdsim" run "$scn" --json -
check "it says so" "'-' is not a file" "$tmp/err"
t "$vtdsim" run "$scn" --json /dev/stdout >"$tmp/stdout.txt" 2>"$tmp/err"
[ $? = 2 ] && grep -q "standard output" "$tmp/err" && echo "ok: /dev/stdout onto a file is refused" ||
  { bad "/dev/stdout redirected to a file accepted"; cat "$tmp/err"; }

# Missing directories, directories, two options naming one file: before simulating.
expect_rc 2 "run --json in a missing directory" t "$vtdsim" run "$scn" --json "$tmp/no/such/r.json"
check "it names the directory" "cannot write .*no such directory" "$tmp/err"
nothing_ran
expect_rc 2 "sweep --json a directory" t "$vtdsim" sweep "$scn" --json "$tmp/d"
check "it says so" "is a directory" "$tmp/err"
nothing_ran
expect_rc 2 "sweep --plot in a missing directory with a good --json" t "$vtdsim" sweep "$scn" --json "$tmp/d/ok.json" --plot "$tmp/no/p.svg"
nothing_ran
expect_rc 2 "run --json and --trace naming one file" t "$vtdsim" run "$scn" --json "$tmp/d/x" --trace "$tmp/d/../d/x"
check "it says so" "names the same file" "$tmp/err"

# Non-UTF-8 text: bad input at load with its location, no output file.
sed 's/^name: .*/name: caf\xe9/' "$scn" >"$tmp/latin1.yaml"
expect_rc 2 "a name: that is not UTF-8" t "$vtdsim" run "$tmp/latin1.yaml" --json "$tmp/d/l.json"
check "it says where" "latin1.yaml:[0-9]*:[0-9]*: name: not UTF-8 text (byte 0xe9" "$tmp/err"
printf '# a comment\nplatform:\n  cpu:\n    compiler:\n      order: {\xff: [0]}\n' >"$tmp/key.yaml"
expect_rc 2 "a key that is not UTF-8, deep in the file" t "$vtdsim" run "$tmp/key.yaml"
check "it says where" "key.yaml:5:[0-9]*: a key in platform.cpu.compiler.order: not UTF-8" "$tmp/err"

# Accepted: a new file, an existing regular file (replaced whole, mode kept), a symbolic link (its file).
echo old >"$tmp/d/old.json"
chmod 640 "$tmp/d/old.json"
ln -s old.json "$tmp/d/link.json"
expect_rc 0 "run with every output" t "$vtdsim" run "$scn" --json "$tmp/d/link.json" --vcd "$tmp/d/r.vcd" \
  --gtkw "$tmp/d/r.gtkw" --trace "$tmp/d/r.trace.json"
[ -L "$tmp/d/link.json" ] && jq -e .expectations_met "$tmp/d/old.json" >/dev/null &&
  [ "$(stat -c %a "$tmp/d/old.json")" = 640 ] && echo "ok: written through the link, mode kept" ||
  bad "the link or the mode was not kept"
[ -s "$tmp/d/r.vcd" ] && [ -s "$tmp/d/r.gtkw" ] && [ -s "$tmp/d/r.trace.json" ] && echo "ok: every output written" ||
  bad "an output is missing"

# A write error after the checks (a file-size limit: EFBIG) leaves no output of the command behind.
mkdir "$tmp/f"
(trap '' XFSZ; ulimit -f 8; exec timeout 60 "$vtdsim" run "$scn" --gtkw "$tmp/f/r.gtkw" --vcd "$tmp/f/r.vcd" \
  --json "$tmp/f/r.json") >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 3 ] && echo "ok: a failed write is exit 3" || { bad "a failed write: exit $rc"; cat "$tmp/err"; }
check "it says which output" "cannot write .*r\.\(vcd\|json\)" "$tmp/err"
[ -z "$(ls -A "$tmp/f")" ] && echo "ok: no output and no temporary file left" || bad "left behind: $(ls -A "$tmp/f")"

ls -A "$tmp" "$tmp/d" | grep -q '\.tmp\.' && bad "temporary files left" || echo "ok: no temporary files left"
untouched
exit $fail
