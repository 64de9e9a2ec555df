#!/usr/bin/env bash
# What `vtdsim run --vcd` costs, and that a run without it costs what it did
# before waveforms existed. Times, start-up included, the long run of
# bench/long-dma-every-cycle.yaml (1,000,000 requests, one per cycle; caches
# on, so the watched entries are fetched only at the start), and the same
# stream with the context-cache and IOTLB off and 200,000 requests (every
# request walks: a root-entry and a context-entry burst every cycle, the
# waveform's worst case), each without --vcd, with --vcd, and with
# --vcd-filter violations. Best and median of RUNS runs, wall time and CPU
# time (user + system; steadier on a shared machine); the VCD's size.
#
#   bench/vcd-cost.sh [VTDSIM] [RUNS] [BASELINE_VTDSIM]
#
# BASELINE_VTDSIM: a build from before waveforms (e.g. of commit 3d6f238),
# timed without --vcd on the same runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/vtdsim}
runs=${2:-5}
base=${3:-}
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e 's/^    max_outstanding: 64$/    max_outstanding: 64\n    context_cache: {enabled: false}\n    iotlb: {enabled: false}/' \
    -e 's/count: 1000000/count: 200000/' bench/long-dma-every-cycle.yaml >"$tmp/walks.yaml"
grep -q "iotlb: {enabled: false}" "$tmp/walks.yaml"
python3 - "$bin" "$runs" "$tmp" "$base" <<'PY'
import os, resource, subprocess, sys, time
binary, runs, tmp, base = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
def timed(cmd):
    t, c = [], []
    for _ in range(runs):
        s, s_cpu = time.perf_counter(), cpu()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        t.append(time.perf_counter() - s)
        c.append(cpu() - s_cpu)
    t.sort()
    c.sort()
    return t[0], t[len(t) // 2], c[0], c[len(c) // 2]
vcd = os.path.join(tmp, "out.vcd")
for scn in ["bench/long-dma-every-cycle.yaml", os.path.join(tmp, "walks.yaml")]:
    name = "long-dma-every-cycle" if scn.startswith("bench") else "long-dma-every-cycle, caches off, 200,000 requests"
    print(f"{name}:")
    cases = []
    if base:
        cases.append(("baseline build, no --vcd", [base, "run", scn]))
    cases += [("no --vcd", [binary, "run", scn]),
              ("--vcd", [binary, "run", scn, "--vcd", vcd]),
              ("--vcd --vcd-filter violations", [binary, "run", scn, "--vcd", vcd, "--vcd-filter", "violations"])]
    for label, cmd in cases:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)  # warm-up
        best, med, cbest, cmed = timed(cmd)
        size = f"  VCD {os.path.getsize(vcd) / 1e6:.2f} MB" if "--vcd" in cmd else ""
        print(f"  {label:30s} wall best {best:.3f} s median {med:.3f} s | CPU best {cbest:.3f} s median {cmed:.3f} s{size}")
        if os.path.exists(vcd):
            os.remove(vcd)
PY
