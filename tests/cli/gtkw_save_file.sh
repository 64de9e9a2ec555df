#!/usr/bin/env bash
# vtdsim run --vcd --gtkw: the save file loads in GTKWave under Xvfb (Debian
# packages gtkwave, xvfb, xdotool, x11-apps, netpbm; scripts/setup.sh
# installs them), from another directory than the one it was written in;
# GTKWave shows exactly the signals the save file lists, in its order (it
# silently drops signals a VCD lacks, so the test asks it through its Tcl
# interface), with the primary and named markers at the violations' cycles
# and nothing on stderr about the save file; a screenshot of its window is
# not blank. Runs with more violation cycles than GTKWave's 26 named markers
# and without violations say so in comments. --gtkw without --vcd and
# unwritable paths are bad input: exit 2, nothing written.
set -u
source "$(dirname "$0")/common.bash" "$@"
scn=$src/scenarios/pasid/teardown-prefix.yaml

for t in gtkwave xvfb-run xdotool xwd xwdtopnm ppmhist; do
  command -v "$t" >/dev/null || { echo "FAIL: $t not installed (scripts/setup.sh installs it)"; exit 1; }
done

mkdir -p "$tmp/w" "$tmp/bad"
expect_rc 0 "run with --vcd and --gtkw" "$vtdsim" run "$scn" --vcd "$tmp/w/t.vcd" --gtkw "$tmp/w/t.gtkw" \
  --json "$tmp/r.json"
[ -s "$tmp/w/t.gtkw" ] || { bad "no save file written"; exit 1; }
check "the save file names the VCD relative to itself" '^\[dumpfile\] "t.vcd"$' "$tmp/w/t.gtkw"
check "and itself, so GTKWave resolves the VCD from any directory" '^\[savefile\] "t.gtkw"$' "$tmp/w/t.gtkw"

# The violations' cycles, in report order, from --json (violations' own keys are indented 6).
awk '/^  "violations": \[/ { v = 1; next }
     v && /^  [\]}]/ { v = 0 }
     v && /^      "cycle": / { c = $2; sub(",", "", c); print c }' "$tmp/r.json" | uniq >"$tmp/cycles"
first=$(head -1 "$tmp/cycles")
[ -n "$first" ] || bad "the run's JSON has no violation"

# What GTKWave shows, asked through its Tcl interface once the file is loaded.
cat >"$tmp/ask.tcl" <<EOF
set f [open "$tmp/shown.txt" w]
foreach s [gtkwave::getDisplayedSignals] { puts \$f "signal \$s" }
puts \$f "marker [gtkwave::getMarker]"
foreach m {A B C D E F G H I J K L M N O P Q R S T U V W X Y Z} { puts \$f "named \$m [gtkwave::getNamedMarker \$m]" }
puts \$f "dumpfile [gtkwave::getDumpFileName]"
puts \$f "window [gtkwave::getWindowStartTime] [gtkwave::getWindowEndTime]"
close \$f
EOF
# Inside Xvfb: start GTKWave, wait (at most 15 s) for its window, let it
# draw, take a screenshot of the screen, and close it.
cat >"$tmp/view.sh" <<EOF
cd /
gtkwave -S "$tmp/ask.tcl" "$tmp/w/t.gtkw" >"$tmp/gtkwave.out" 2>"$tmp/gtkwave.err" &
pid=\$!
for i in \$(seq 1 75); do
  xdotool search --onlyvisible --name "GTKWave" >/dev/null 2>&1 && [ -s "$tmp/shown.txt" ] && break
  sleep 0.2
done
sleep 1
xwd -root -silent >"$tmp/shot.xwd"
kill \$pid
wait \$pid 2>/dev/null
exit 0
EOF
if timeout 30 xvfb-run -a -s "-screen 0 1600x900x24" sh "$tmp/view.sh" >"$tmp/xvfb.out" 2>&1; then
  echo "ok: GTKWave ran under Xvfb"
else
  bad "xvfb-run or GTKWave failed"; cat "$tmp/xvfb.out"
fi
[ -s "$tmp/shown.txt" ] || { bad "GTKWave never ran the Tcl script (did it load the save file?)"; cat "$tmp/gtkwave.out" "$tmp/gtkwave.err"; exit 1; }

# Nothing on stderr about the save file or the dump (GTKWave's banner and
# "[0] start time." go to stdout; anything about the save file is an error).
if grep -iq "error\|warn\|cannot\|could not\|not found\|missing\|unknown" "$tmp/gtkwave.out" "$tmp/gtkwave.err"; then
  bad "GTKWave complained"; cat "$tmp/gtkwave.out" "$tmp/gtkwave.err"
else
  echo "ok: GTKWave printed no error or warning"
fi
check "GTKWave loaded the run's VCD" "^dumpfile $tmp/w/t.vcd\$" "$tmp/shown.txt"

# Every signal the save file lists is shown, in order: none was dropped.
grep -v '^[@*[-]' "$tmp/w/t.gtkw" >"$tmp/listed"
sed -n 's/^signal //p' "$tmp/shown.txt" >"$tmp/displayed"
if [ -s "$tmp/listed" ] && cmp -s "$tmp/listed" "$tmp/displayed"; then
  echo "ok: GTKWave shows the $(wc -l <"$tmp/listed") signals the save file lists, in its order"
else
  bad "signals listed and shown differ"; diff "$tmp/listed" "$tmp/displayed" | head -20
fi
# The sensible order: CPU, then the entry's fields and chunks, the IOMMU's reads, the queue, the violations.
order=""
for s in cpu0.op_name pasid.00_02_0.p0.P pasid.00_02_0.p0.DID pasid.00_02_0.p0.chunk0 pasid.00_02_0.p0.burst0 \
         qi.iqt violations.torn_fetch violations.finding memory.version; do
  n=$(grep -n "^$s\(\[\|$\)" "$tmp/displayed" | head -1 | cut -d: -f1)
  [ -n "$n" ] || { bad "GTKWave does not show $s"; continue; }
  order="$order $n"
done
[ "$(echo $order | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "$(echo $order | tr ' ' '\n' | tr '\n' ' ')" ] &&
  echo "ok: CPU, entry fields, chunks, bursts, queue, violations, memory in that order" || bad "signal order:$order"
grep -q "^sm_root\." "$tmp/displayed" && bad "entries the run never stored to are shown"

# Markers: the primary at the first violation; A, B, ... at the violation cycles, in order.
check "primary marker at the first violation (cycle $first)" "^marker $first\$" "$tmp/shown.txt"
sed -n 's/^named [A-Z] //p' "$tmp/shown.txt" | grep -v '^-1$' >"$tmp/named"
head -26 "$tmp/cycles" >"$tmp/cycles26"
cmp -s "$tmp/named" "$tmp/cycles26" && echo "ok: named markers at the $(wc -l <"$tmp/named") violation cycles" ||
  { bad "named markers differ from the violation cycles"; diff "$tmp/named" "$tmp/cycles26" | head; }
check "marker C names violations #3 to #6" '^\[markername\] C#3,#4,#5,#6 torn_fetch$' "$tmp/w/t.gtkw"
read -r _ wstart wend < <(grep '^window ' "$tmp/shown.txt")
[ "${wstart:-x}" -le "$first" ] 2>/dev/null && [ "$wend" -ge "$(sed -n 3p "$tmp/cycles")" ] &&
  echo "ok: the view ($wstart..$wend) holds the first violations" || bad "view ${wstart:-?}..${wend:-?}"

# The screenshot is a picture, not a blank screen.
if xwdtopnm "$tmp/shot.xwd" 2>/dev/null | ppmhist -noheader >"$tmp/hist" 2>/dev/null && [ "$(wc -l <"$tmp/hist")" -ge 8 ]; then
  echo "ok: the screenshot has $(wc -l <"$tmp/hist") colours"
else
  bad "the screenshot is blank or unreadable ($(wc -l <"$tmp/hist" 2>/dev/null) colours)"
fi

# More violation cycles than named markers: the first 26 and a comment.
expect_rc 0 "a run with 162 violation cycles" "$vtdsim" run "$src/scenarios/pasid/noncoherent-no-clflush.yaml" \
  --vcd "$tmp/n.vcd" --gtkw "$tmp/n.gtkw"
[ "$(grep -c '^\[markername\] ' "$tmp/n.gtkw")" = 26 ] && echo "ok: 26 named markers" || bad "not 26 named markers"
check "a comment says how many cycles have no marker" '^\[\*\] 136 more cycles with violations (from cycle 567, violation #49) have no marker' "$tmp/n.gtkw"
# No violations: the whole run, no marker.
expect_rc 0 "a clean run" "$vtdsim" run "$src/scenarios/pasid/teardown-clear-present.yaml" --vcd "$tmp/c.vcd" --gtkw "$tmp/c.gtkw"
check "a clean run's save file says so" "^\[\*\] no violations" "$tmp/c.gtkw"
check_not "and has no named marker" "^\[markername\]" "$tmp/c.gtkw"

# Same bytes twice.
expect_rc 0 "second run" "$vtdsim" run "$scn" --vcd "$tmp/w/t2.vcd" --gtkw "$tmp/w/t2.gtkw"
sed 's/t2\./t./' "$tmp/w/t2.gtkw" | cmp -s - "$tmp/w/t.gtkw" && echo "ok: the same save file twice" ||
  bad "two runs gave different save files"

# Bad input: exit 2, a message, nothing written.
expect_rc 2 "--gtkw without --vcd" "$vtdsim" run "$scn" --gtkw "$tmp/bad/x.gtkw"
check "it says --gtkw needs --vcd" "gtkw needs --vcd" "$tmp/err"
expect_rc 2 "--gtkw into a missing directory" "$vtdsim" run "$scn" --vcd "$tmp/bad/x.vcd" --gtkw "$tmp/no/such/x.gtkw"
check "it says the save file cannot be written" "gtkw: .*cannot write" "$tmp/err"
expect_rc 2 "--gtkw naming the VCD" "$vtdsim" run "$scn" --vcd "$tmp/bad/x.vcd" --gtkw "$tmp/bad/../bad/x.vcd"
[ -z "$(ls -A "$tmp/bad")" ] || bad "files left behind: $(ls -A "$tmp/bad")"
expect_rc 0 "run --help" "$vtdsim" run --help
check "--help tells about --gtkw" "--gtkw" "$tmp/out"

exit $fail
