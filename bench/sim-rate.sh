#!/usr/bin/env bash
# Simulation rate of a long run: bench/long-dma-every-cycle.yaml issues one
# DMA request every cycle (1,000,000 requests, legacy mode, caches on), so the
# IOMMU translates every cycle. Reports simulated cycles per second of wall
# time, start-up included, over several runs (best and median).
#
#   bench/sim-rate.sh [VTDSIM] [RUNS]     default: build/vtdsim, 10 runs
#
# Build first (Release), e.g. scripts/setup.sh or
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/vtdsim}
runs=${2:-10}
scn=bench/long-dma-every-cycle.yaml
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
json=$(mktemp)
trap 'rm -f "$json"' EXIT
"$bin" run "$scn" --json "$json" >/dev/null  # warm-up, and the cycle count
cycles=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stats"]["cycles"])' "$json")
# Wall time of each run, start-up included, measured by Python (no bc needed).
python3 - "$bin" "$scn" "$runs" "$cycles" <<'PY'
import subprocess, sys, time
binary, scn, runs, cycles = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t = []
for _ in range(runs):
    s = time.perf_counter()
    subprocess.run([binary, "run", scn], stdout=subprocess.DEVNULL, check=True)
    t.append(time.perf_counter() - s)
t.sort()
best, med = t[0], t[len(t) // 2]
print(f"{scn}: {cycles} simulated cycles, {len(t)} runs")
print(f"  best   {best:.3f} s  {cycles / best / 1e6:.2f} M cycles/s")
print(f"  median {med:.3f} s  {cycles / med / 1e6:.2f} M cycles/s")
PY
