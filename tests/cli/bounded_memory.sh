#!/usr/bin/env bash
# Memory stays bounded: a sweep above --max-interleavings is refused before
# anything is allocated for it, and a long run with DMA every cycle keeps
# flat memory (peak RSS of 4N cycles close to that of N). Peak RSS comes
# from getrusage, not `ulimit -v`, which AddressSanitizer's reservations
# would defeat.
source "$(dirname "$0")/common.bash" "$@"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
# Under AddressSanitizer freed blocks wait in a quarantine of up to 256 MB:
# the sanitizer's memory, not vtdsim's, and it grows with every free.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"
# peak_kib FILE CMD...: the command's exit code in $tmp/rc, its peak RSS (KiB) in FILE.
peak_kib() {
  local out=$1
  shift
  python3 - "$out" "$tmp/rc" "$@" <<'PY'
import resource, subprocess, sys
out, rc, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=open(out + ".err", "w"))
open(rc, "w").write(str(r.returncode))
open(out, "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
}

# A billion offsets: refused with the count and the flag, exit 2, quickly and small.
scn="$src/scenarios/context/teardown-prefix-reordered.yaml"
start=$(date +%s)
peak_kib "$tmp/sweep.kib" "$vtdsim" sweep "$scn" --offsets 0..999999999 --json "$tmp/s.json" -q
[ "$(cat "$tmp/rc")" = 2 ] && echo "ok: a sweep of 10^9 interleavings exits 2" || bad "a sweep of 10^9 interleavings: exit $(cat "$tmp/rc")"
check "the refusal gives the estimate" "the sweep has 1000000000 interleavings" "$tmp/sweep.kib.err"
check "the refusal names the flag that raises the limit" "raise --max-interleavings" "$tmp/sweep.kib.err"
[ ! -e "$tmp/s.json" ] && echo "ok: nothing written" || bad "a refused sweep wrote its JSON"
# 10^9 results would take gigabytes; the refusal takes what loading the scenario does.
[ "$(cat "$tmp/sweep.kib")" -lt 400000 ] && echo "ok: refused without allocating ($(cat "$tmp/sweep.kib") KiB)" ||
  bad "the refused sweep peaked at $(cat "$tmp/sweep.kib") KiB"
[ $(($(date +%s) - start)) -lt 30 ] && echo "ok: refused quickly" || bad "the refusal took $(($(date +%s) - start)) s"
expect_rc 2 "--max-interleavings lowers the limit" "$vtdsim" sweep "$scn" --offsets 0..99 --max-interleavings 99
check "the lowered limit is the one quoted" "100 interleavings, more than --max-interleavings 99" "$tmp/err"
expect_rc 0 "a sweep within --max-interleavings runs" "$vtdsim" sweep "$scn" --offsets 0..99 --max-interleavings 100 -q -j 1

# A sweep streams its results: N and 8N interleavings (one per CPU start
# offset) with every output that lists them peak at about the same RSS, and
# the outputs list all 8N. Kept in memory, with the JSON built as one
# document, they cost over a kilobyte each (7N = 70,000: +80 MB).
dims=(--burst-orders ascending --compiler-orders program --store-buffer-delay 1
      --qi-latency context_cache=20 --qi-latency iotlb=30)
wmb="$src/scenarios/context/map-dma-wmb.yaml"
peak_kib "$tmp/s1.kib" "$vtdsim" sweep "$wmb" "${dims[@]}" --offsets 0..9999 -q -j 2 \
  --json "$tmp/s1.json" --csv "$tmp/s1.csv" --plot "$tmp/s1.svg"
[ "$(cat "$tmp/rc")" = 0 ] || bad "the sweep of 10,000 interleavings: exit $(cat "$tmp/rc")"
peak_kib "$tmp/s8.kib" "$vtdsim" sweep "$wmb" "${dims[@]}" --offsets 0..79999 -q -j 2 \
  --json "$tmp/s8.json" --csv "$tmp/s8.csv" --plot "$tmp/s8.svg"
[ "$(cat "$tmp/rc")" = 0 ] || bad "the sweep of 80,000 interleavings: exit $(cat "$tmp/rc")"
s1=$(cat "$tmp/s1.kib") s8=$(cat "$tmp/s8.kib")
[ $((s8 - s1)) -lt 12288 ] && echo "ok: a sweep's memory does not grow with its results (N: $s1 KiB, 8N: $s8 KiB)" ||
  bad "8N interleavings peaked at $s8 KiB, N at $s1 KiB"
rows=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(len(j["results"]), j["results"][-1][0])' "$tmp/s8.json")
[ "$rows" = "80000 79999" ] && echo "ok: the streamed JSON lists every interleaving" || bad "JSON rows: $rows"
[ "$(wc -l <"$tmp/s8.csv")" = 80001 ] && echo "ok: the CSV has a row per interleaving" ||
  bad "CSV lines: $(wc -l <"$tmp/s8.csv")"
grep -q '(80000 run)' "$tmp/s8.svg" && echo "ok: the plot counts every interleaving" || bad "the plot's count"

# flat_rss WHAT N.yaml 4N.yaml: both run (exit 0) and the second's peak RSS
# stays within 10 % + 10 MiB of the first's (allocator and sanitizer noise).
flat_rss() {
  local what=$1 f
  for f in "$2" "$3"; do
    peak_kib "$f.kib" "$vtdsim" run "$f"
    [ "$(cat "$tmp/rc")" = 0 ] || bad "the run of $f$what: exit $(cat "$tmp/rc")"
  done
  local a b
  a=$(cat "$2.kib") b=$(cat "$3.kib")
  if [ "$b" -le $((a + a / 10 + 10240)) ]; then
    echo "ok: peak RSS flat from $n to $((4 * n)) requests$what ($a KiB, $b KiB)"
  else
    bad "peak RSS$what grew from $a KiB ($n requests) to $b KiB ($((4 * n)) requests)"
  fi
}

# A long run: the context entry torn down while the device reads it every
# cycle with no caches, N and 4N requests. Every fetch of the entry after
# its first store is evidence; kept one record each they took ~600 bytes a
# request (4N = 200,000 requests: +90 MB).
long() {  # COUNT FILE
  sed -E "s/^( +)count: *[0-9]+/\1count: $1/" "$src/scenarios/context/teardown-clear-present.yaml" >"$2"
}
n=50000
long $n "$tmp/n.yaml"
long $((4 * n)) "$tmp/4n.yaml"
flat_rss "" "$tmp/n.yaml" "$tmp/4n.yaml"

# A missing invalidation leaves a stale cached PASID-table entry that every
# later request uses: each such request is kept for stale_translation (a
# record each, ~430 bytes, before they were kept as runs).
stale() {  # COUNT FILE
  sed -E -e "s/^( +)count: *[0-9]+/\1count: $1/" -e "s/max_cycles: *[0-9]+/max_cycles: 1000000/" \
    "$src/scenarios/pasid/page-snoop-no-pasid-cache.yaml" >"$2"
}
stale $n "$tmp/sn.yaml"
stale $((4 * n)) "$tmp/s4n.yaml"
flat_rss " through a stale cached copy" "$tmp/sn.yaml" "$tmp/s4n.yaml"
exit $fail
