#!/usr/bin/env bash
# Is a run with tracing off as fast as before tracing existed? Compares two
# vtdsim binaries on the same runs, without --trace / --vcd:
#
#   1. wall time of bench/long-dma-every-cycle.yaml (1,000,000 DMA requests,
#      one per cycle), the two binaries alternating run by run so that load
#      from other users of the machine hits both alike; best and median;
#   2. with CALLGRIND=1, instructions executed (valgrind --tool=callgrind,
#      deterministic, immune to load) on a 100,000-request version of it and
#      on scenarios/pasid/teardown-prefix.yaml (stores, fetches, violations
#      and their stories).
#
#   bench/tracing-off.sh BASE_VTDSIM NEW_VTDSIM [RUNS]     default 10 runs
#
# BASE is the binary from before issue 5, built apart, e.g.
#   git worktree add /tmp/base 3d6f238 && scripts/setup.sh is not needed there:
#   cmake -S /tmp/base -B /tmp/base/build -DCMAKE_BUILD_TYPE=Release -DVTDSIM_TESTS=OFF
#   cmake --build /tmp/base/build -j2 --target vtdsim
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: bench/tracing-off.sh BASE_VTDSIM NEW_VTDSIM [RUNS]}
new=${2:?usage: bench/tracing-off.sh BASE_VTDSIM NEW_VTDSIM [RUNS]}
runs=${3:-10}
scn=bench/long-dma-every-cycle.yaml
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

python3 - "$base" "$new" "$scn" "$runs" <<'PY'
import subprocess, sys, time
base, new, scn, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
t = {base: [], new: []}
for b in (base, new):  # warm-up
    subprocess.run([b, "run", scn], stdout=subprocess.DEVNULL, check=True)
for _ in range(runs):
    for b in (base, new):
        s = time.perf_counter()
        subprocess.run([b, "run", scn], stdout=subprocess.DEVNULL, check=True)
        t[b].append(time.perf_counter() - s)
print(f"{scn}, {runs} runs each, alternating:")
for name, b in (("base", base), ("new ", new)):
    x = sorted(t[b])
    print(f"  {name} {b}: best {x[0]:.3f} s, median {x[len(x) // 2]:.3f} s")
bb, nb = min(t[base]), min(t[new])
bm, nm = sorted(t[base])[runs // 2], sorted(t[new])[runs // 2]
print(f"  new / base: best {nb / bb:.3f}, median {nm / bm:.3f}")
PY

if [ "${CALLGRIND:-0}" = 1 ]; then
  command -v valgrind >/dev/null || { echo "bench: install valgrind (apt-get install valgrind)" >&2; exit 2; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  sed 's/count: 1000000/count: 100000/' "$scn" >"$tmp/long-100k.yaml"
  instr() {  # binary scenario -> instructions executed
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$1" run "$2" >/dev/null 2>"$tmp/cg.err"
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/cg.err"
  }
  for s in "$tmp/long-100k.yaml" scenarios/pasid/teardown-prefix.yaml; do
    b=$(instr "$base" "$s")
    n=$(instr "$new" "$s")
    python3 -c 'import sys; b, n = int(sys.argv[2]), int(sys.argv[3]); print(f"{sys.argv[1]}: instructions base {b:,}, new {n:,}, new / base {n / b:.4f}")' \
      "$(basename "$s")" "$b" "$n"
  done
fi
