#!/usr/bin/env bash
# Whether two builds say the same thing, byte for byte: `vtdsim check
# scenarios`, `vtdsim run FILE --json` (text and JSON) of every catalog
# scenario and of each with its traffic lengthened (count x 200: long runs,
# where the fetch records are compacted), and a few sampled sweeps (text,
# JSON without its wall-clock figures, CSV). Prints the differing cases; exit 1 if any.
#
#   bench/compare-outputs.sh OLD_VTDSIM NEW_VTDSIM
set -uo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1")
new=$(realpath "$2")
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
differ=0 cases=0
# compare NAME ARGS...: runs both builds in $tmp/{old,new}, outputs named out.*
compare() {
  local name=$1
  shift
  for b in old new; do
    rm -rf "$tmp/$b" && mkdir -p "$tmp/$b"
    local bin=$old
    [[ $b == new ]] && bin=$new
    (cd "$tmp/$b" && "$bin" "$@" >stdout 2>stderr; echo "exit $?" >>stdout)
    # Wall-clock figures differ run to run.
    sed -i -E 's/ in [0-9.e+-]+ s \([0-9]+\/s/ in T s (R\/s/' "$tmp/$b/stdout"
    [[ -f $tmp/$b/out.json ]] && sed -i -E '/"(seconds|interleavings_per_second)": /d' "$tmp/$b/out.json"
  done
  cases=$((cases + 1))
  if ! diff -r "$tmp/old" "$tmp/new" >/dev/null; then
    echo "DIFFERS: $name"
    differ=1
  fi
}
src=$(pwd)
compare "check scenarios" check "$src/scenarios" --jobs 2
for f in scenarios/*/*.yaml; do
  compare "run $f" run "$src/$f" --json out.json
  long="$tmp/long-$(basename "$f")"
  sed -E 's/^( +)count: *[0-9]+/\1count: 20000/' "$f" >"$long"
  cmp -s "$f" "$long" || compare "run $f (count 20000)" run "$long" --json out.json
done
for f in scenarios/context/teardown-prefix-reordered.yaml scenarios/pasid/teardown-prefix.yaml \
  scenarios/pasid/replace-fl-did-change.yaml scenarios/pasid/noncoherent-no-clflush.yaml; do
  compare "sweep $f" sweep "$src/$f" --sample 300 --jobs 2 -q --json out.json --csv out.csv
done
echo "$cases cases compared"
exit $differ
