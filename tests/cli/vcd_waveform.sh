#!/usr/bin/env bash
# vtdsim run --vcd on a seed scenario with torn fetches
# (scenarios/pasid/teardown-prefix.yaml): the VCD converts to FST with
# Debian's vcd2fst (from gtkwave; scripts/setup.sh installs it), holds the
# named scopes and signals, the torn_fetch marker is high exactly at the
# cycles of the run's torn fetches (taken from its --json output), each
# entry scope carries its decoded fields (P falls, DID and FLPTPTR clear at
# the cycles the teardown's stores become visible, as --json tells), two
# runs give the same bytes, --vcd-filter selects scopes (PASID-directory and
# paging entries only through it), and bad input is refused with exit 2 and
# nothing written.
set -u
source "$(dirname "$0")/common.bash" "$@"
scn=$src/scenarios/pasid/teardown-prefix.yaml

if ! command -v vcd2fst >/dev/null || ! command -v fst2vcd >/dev/null; then
  echo "FAIL: vcd2fst/fst2vcd not installed (Debian package gtkwave; scripts/setup.sh installs it)"
  exit 1
fi


# Every signal of a VCD as "scope.path.name TYPE ID", one a line.
signals() {
  awk '$1 == "$scope" { path[++d] = $3 }
       $1 == "$upscope" { d-- }
       $1 == "$var" { p = path[1]; for (i = 2; i <= d; i++) p = p "." path[i]; print p "." $5, $2, $4 }
       $1 == "$enddefinitions" { exit }' "$1"
}
id_of() { signals "$1" | awk -v n="$2" '$1 == n { print $3 }'; }
# Every value change of signal ID as "TIME VALUE" (the $dumpvars values at time 0).
changes() {
  awk -v id="$2" '
    /^\$enddefinitions/ { body = 1; next }
    !body { next }
    /^#/ { t = substr($0, 2); next }
    /^\$/ { next }
    /^[bBsS]/ { if ($2 == id) print t, substr($1, 2); next }
    { if (substr($0, 2) == id) print t, substr($0, 1, 1) }' "$1"
}

mkdir -p "$tmp/bad"
expect_rc 0 "run with --vcd and --json" "$vtdsim" run "$scn" --vcd "$tmp/a.vcd" --json "$tmp/r.json"
[ -s "$tmp/a.vcd" ] || bad "no VCD written"
head -c 200 "$tmp/a.vcd" | grep -q '^\$version' || bad "VCD does not start with a header"
grep -q '^\$timescale' "$tmp/a.vcd" && grep -A1 '^\$timescale' "$tmp/a.vcd" | grep -q '1ns' || bad "timescale is not 1ns (one cycle)"

# vcd2fst converts it without complaint, and the FST holds the same scopes.
if vcd2fst "$tmp/a.vcd" "$tmp/a.fst" >"$tmp/conv.out" 2>&1 && [ -s "$tmp/a.fst" ]; then
  echo "ok: vcd2fst converts the VCD"
else
  bad "vcd2fst failed"; cat "$tmp/conv.out"
fi
if grep -qi "error\|warning" "$tmp/conv.out"; then bad "vcd2fst complained"; cat "$tmp/conv.out"; fi
fst2vcd "$tmp/a.fst" >"$tmp/back.vcd" 2>/dev/null || bad "fst2vcd of the FST failed"
signals "$tmp/a.vcd" | awk '{print $1, $2}' >"$tmp/sigs"
signals "$tmp/back.vcd" | awk '{print $1, $2}' >"$tmp/sigs.back"
cmp -s "$tmp/sigs" "$tmp/sigs.back" || { bad "the FST's signals differ from the VCD's"; diff "$tmp/sigs" "$tmp/sigs.back" | head; }

# Named scopes and signals.
for s in "sm_root.00.LP wire" "sm_context.00_02_0.P wire" "sm_context.00_02_0.chunk1 wire" \
         "pasid.00_02_0.p0.P wire" "pasid.00_02_0.p0.chunk0 wire" "pasid.00_02_0.p0.chunk3 wire" \
         "pasid.00_02_0.p0.burst0 wire" "pasid.00_02_0.p0.burst3_data wire" \
         "pasid.00_02_0.p0.burst1_request integer" \
         "cpu0.op integer" "cpu0.op_name string" "cpu0.item integer" "cpu0.item_name string" \
         "qi.iqh integer" "qi.iqt integer" "memory.version integer" \
         "violations.torn_fetch wire" "violations.present_before_invalidate wire" \
         "violations.unsafe_live_update wire" "violations.finding string"; do
  grep -qx "$s" "$tmp/sigs" || bad "no signal $s"
done
grep -q "^pasid.00_02_0.p0.chunk0 wire" "$tmp/sigs" && grep -q '^\$var wire 128 .* chunk0 \[127:0\] \$end' "$tmp/a.vcd" ||
  bad "chunk0 is not a 128-bit vector"

# The torn_fetch marker: high exactly in the cycles of the run's torn fetches.
# The run's JSON (dumped with indent 2): the violations' own keys are indented 6.
awk '/^  "violations": \[/ { v = 1; next }
     v && /^  [\]}]/ { v = 0 }
     v && /^      "cycle": / { c = $2; sub(",", "", c) }
     v && /^      "kind": "torn_fetch"/ { print c }' "$tmp/r.json" | sort -un >"$tmp/torn.cycles"
ntorn=$(wc -l <"$tmp/torn.cycles")
[ "$ntorn" -ge 1 ] || bad "the run's JSON has no torn_fetch violation"
first=$(head -1 "$tmp/torn.cycles")
echo "torn fetches at $ntorn cycles, the first at cycle $first"
marker=$(id_of "$tmp/a.vcd" violations.torn_fetch)
[ -n "$marker" ] || bad "no torn_fetch marker"
end=$(grep '^#' "$tmp/a.vcd" | tail -1 | cut -c2-)
# The marker's value in every cycle 0..end, from its changes.
changes "$tmp/a.vcd" "$marker" | awk -v end="$end" '
  { at[$1] = $2 }
  END { v = "?"; for (t = 0; t <= end; t++) { if (t in at) v = at[t]; if (v == "1") print t } }' >"$tmp/marker.cycles"
if cmp -s "$tmp/torn.cycles" "$tmp/marker.cycles"; then
  echo "ok: torn_fetch marker high exactly at the $ntorn torn-fetch cycles"
else
  bad "torn_fetch marker cycles differ from the JSON's"; diff "$tmp/torn.cycles" "$tmp/marker.cycles" | head
fi
changes "$tmp/a.vcd" "$marker" | grep -qx "$first 1" || bad "torn_fetch marker does not rise at cycle $first"
finding=$(id_of "$tmp/a.vcd" violations.finding)
changes "$tmp/a.vcd" "$finding" | grep -q "^$first #[0-9]*_torn_fetch_pasid\[00:02.0_pasid_0\]" ||
  bad "violations.finding does not name the torn fetch at cycle $first"

# The rest carries the run: the teardown's stores, the queue, the bursts.
changes "$tmp/a.vcd" "$(id_of "$tmp/a.vcd" cpu0.op_name)" | grep -q "WRITE_ONCE(val\[0\],_0x0)" ||
  bad "cpu0.op_name never shows the teardown's first store"
changes "$tmp/a.vcd" "$(id_of "$tmp/a.vcd" qi.iqt)" | awk '$2 != "0" { f = 1 } END { exit !f }' ||
  bad "qi.iqt never moves (the teardown submits descriptors)"
changes "$tmp/a.vcd" "$(id_of "$tmp/a.vcd" qi.iqh)" | awk '$2 != "0" { f = 1 } END { exit !f }' ||
  bad "qi.iqh never moves"
changes "$tmp/a.vcd" "$(id_of "$tmp/a.vcd" pasid.00_02_0.p0.P)" | grep -q "^[1-9][0-9]* 0$" ||
  bad "the PASID entry's P never falls"
changes "$tmp/a.vcd" "$(id_of "$tmp/a.vcd" pasid.00_02_0.p0.burst0)" | grep -q " 1$" || bad "burst0 never strobes"

# Decoded fields, one signal per field of the format's table, with its width.
for s in "pasid.00_02_0.p0.DID wire" "pasid.00_02_0.p0.PGTT wire" "pasid.00_02_0.p0.FLPTPTR wire" \
         "pasid.00_02_0.p0.SLPTPTR wire" "pasid.00_02_0.p0.AW wire" "pasid.00_02_0.p0.FPD wire" \
         "sm_context.00_02_0.PASIDDIRPTR wire" "sm_context.00_02_0.PDTS wire" "sm_root.00.LCTP wire"; do
  grep -qx "$s" "$tmp/sigs" || bad "no decoded field $s"
done
grep -q '^\$var wire 16 .* DID \[15:0\] \$end' "$tmp/a.vcd" || bad "DID is not a 16-bit vector"
grep -q '^\$var wire 52 .* FLPTPTR \[51:0\] \$end' "$tmp/a.vcd" || bad "FLPTPTR is not a 52-bit vector"
# The cycle at which the store changing FIELD (first as the stories list it) became visible.
store_cycle() {
  awk -v f="$1" '/"change": / && index($0, "\"" f " ") || index($0, ", " f " ") { want = 1 }
                 want && /"cycle": / { c = $2; sub(",", "", c); print c; exit }' "$tmp/r.json"
}
clear=$(awk '/"clear_cycle": / { c = $2; sub(",", "", c); print c; exit }' "$tmp/r.json")
[ -n "$clear" ] || bad "the JSON has no clear_cycle"
changes "$tmp/a.vcd" "$(id_of "$tmp/a.vcd" pasid.00_02_0.p0.P)" >"$tmp/p.changes"
if [ "$(cat "$tmp/p.changes" | tr '\n' ' ')" = "0 1 $clear 0 " ]; then
  echo "ok: the PASID entry's P is 1 from cycle 0 and falls at cycle $clear, when the clearing store became visible"
else
  bad "P changes: $(tr '\n' ' ' <"$tmp/p.changes"), wanted 1 at 0 and 0 at $clear"
fi
did_at=$(store_cycle DID)
changes "$tmp/a.vcd" "$(id_of "$tmp/a.vcd" pasid.00_02_0.p0.DID)" | tr '\n' ' ' >"$tmp/did.changes"
[ "$(cat "$tmp/did.changes")" = "0 11 $did_at 0 " ] && echo "ok: DID is 3 and clears at cycle $did_at" ||
  bad "DID changes: $(cat "$tmp/did.changes"), wanted 11 (3) at 0 and 0 at $did_at"
fl_at=$(store_cycle FLPTPTR)
changes "$tmp/a.vcd" "$(id_of "$tmp/a.vcd" pasid.00_02_0.p0.FLPTPTR)" | tr '\n' ' ' >"$tmp/fl.changes"
[ "$(cat "$tmp/fl.changes")" = "0 100000001 $fl_at 0 " ] && echo "ok: FLPTPTR is 0x101 and clears at cycle $fl_at" ||
  bad "FLPTPTR changes: $(cat "$tmp/fl.changes"), wanted 100000001 (0x101) at 0 and 0 at $fl_at"
[ "$clear" -lt "$did_at" ] && [ "$did_at" -lt "$fl_at" ] || bad "clear $clear, DID $did_at, FLPTPTR $fl_at out of order"
# By default no PASID-directory or paging entry: they cost a burst per walk.
grep -q "^pasid_dir\.\|^fl_pte\.\|^sl_pte\." "$tmp/sigs" && bad "default VCD holds pasid_dir/paging scopes"

# Byte-identical on a second run.
expect_rc 0 "second run" "$vtdsim" run "$scn" --vcd "$tmp/b.vcd"
cmp -s "$tmp/a.vcd" "$tmp/b.vcd" && echo "ok: two runs, identical VCDs" || bad "two runs gave different VCDs"

# --vcd-filter keeps only the selected scopes.
expect_rc 0 "--vcd-filter" "$vtdsim" run "$scn" --vcd "$tmp/f.vcd" --vcd-filter 'pasid.*,violations'
signals "$tmp/f.vcd" | awk '{ split($1, p, "."); print p[1] }' | sort -u | tr '\n' ' ' >"$tmp/f.tops"
[ "$(cat "$tmp/f.tops")" = "pasid violations " ] || bad "filtered scopes: $(cat "$tmp/f.tops")"
[ "$(stat -c %s "$tmp/f.vcd")" -lt "$(stat -c %s "$tmp/a.vcd")" ] || bad "filtered VCD not smaller"
vcd2fst "$tmp/f.vcd" "$tmp/f.fst" >/dev/null 2>&1 || bad "vcd2fst of the filtered VCD failed"

# PASID-directory and paging entries: scopes a filter selects, with their
# fields and the IOMMU's reads (a 64-bit entry in the 128-bit burst holding it).
expect_rc 0 "--vcd-filter selecting the PASID directory and paging entries" \
  "$vtdsim" run "$scn" --vcd "$tmp/d.vcd" --vcd-filter 'pasid_dir.*,fl_pte.*'
signals "$tmp/d.vcd" | awk '{ split($1, p, "."); print p[1] }' | sort -u | tr '\n' ' ' >"$tmp/d.tops"
[ "$(cat "$tmp/d.tops")" = "fl_pte pasid_dir " ] || bad "scopes selected: $(cat "$tmp/d.tops")"
signals "$tmp/d.vcd" >"$tmp/d.sigs"
for s in "pasid_dir.00_02_0.p0.P wire" "pasid_dir.00_02_0.p0.SMPTBLPTR wire" "pasid_dir.00_02_0.p0.chunk0 wire" \
         "pasid_dir.00_02_0.p0.burst0_data wire" "fl_pte.user.l4_101000.ADDR wire" "fl_pte.user.l1_104008.R_W wire"; do
  grep -q "^$s " "$tmp/d.sigs" || bad "no signal $s"
done
grep -q '^\$var wire 64 .* chunk0 \[63:0\] \$end' "$tmp/d.vcd" || bad "a 64-bit entry's chunk0 is not 64 bits"
# The directory entry points at the PASID table page 0x107000, present: 0x107001.
changes "$tmp/d.vcd" "$(id_of "$tmp/d.vcd" pasid_dir.00_02_0.p0.burst0_data)" | grep -q " 100000111000000000001$" &&
  echo "ok: the PASID-directory entry's bursts read 0x107001" || bad "pasid_dir burst0_data never reads 0x107001"
changes "$tmp/d.vcd" "$(id_of "$tmp/d.vcd" fl_pte.user.l4_101000.burst0)" | grep -q " 1$" ||
  bad "the first-level root entry's burst0 never strobes"
expect_rc 2 "a paging glob on a run without such tables" "$vtdsim" run "$scn" --vcd "$tmp/bad/x.vcd" --vcd-filter 'sl_pte.*'
grep -q "fl_pte.user.\* (4 entries)" "$tmp/err" || { bad "the scope list does not count paging entries"; cat "$tmp/err"; }

# Bad input: exit 2, a clear message, nothing written (not even a temporary file).
expect_rc 2 "unclosed [ in a glob" "$vtdsim" run "$scn" --vcd "$tmp/bad/x.vcd" --vcd-filter 'cpu[0'
grep -q "vcd-filter.*unclosed" "$tmp/err" || bad "no message for the unclosed ["
expect_rc 2 "empty glob" "$vtdsim" run "$scn" --vcd "$tmp/bad/x.vcd" --vcd-filter 'qi,,cpu0'
expect_rc 2 "glob matching no scope" "$vtdsim" run "$scn" --vcd "$tmp/bad/x.vcd" --vcd-filter 'qi,nosuch*'
grep -q "nosuch\*.*matches no scope.*pasid.00_02_0.p0" "$tmp/err" || { bad "no list of scopes"; cat "$tmp/err"; }
expect_rc 2 "--vcd-filter without --vcd" "$vtdsim" run "$scn" --vcd-filter qi
expect_rc 2 "unwritable directory" "$vtdsim" run "$scn" --vcd "$tmp/no/such/dir/x.vcd"
grep -q "cannot write" "$tmp/err" || bad "no message for the unwritable path"
expect_rc 2 "a directory as the file" "$vtdsim" run "$scn" --vcd "$tmp/bad"
expect_rc 2 "bad scenario with --vcd" "$vtdsim" run "$tmp/nonexistent.yaml" --vcd "$tmp/bad/x.vcd"
[ -z "$(ls -A "$tmp/bad")" ] || { bad "files left behind: $(ls -A "$tmp/bad")"; }

# --help tells about both options.
expect_rc 0 "run --help" "$vtdsim" run --help
grep -q -- "--vcd " "$tmp/out" && grep -q -- "--vcd-filter" "$tmp/out" || bad "--help lacks --vcd/--vcd-filter"

exit $fail
