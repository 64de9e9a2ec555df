#!/usr/bin/env bash
# Sweep throughput on the reference sweep: scenarios/pasid/teardown-prefix.yaml,
# every CPU start offset of its window x every order of the four PASID-entry
# bursts. Reports interleavings per second for `vtdsim sweep --jobs 1` and
# `--jobs 2` (wall time, start-up included), as users run it (burst-order
# reduction on: how many episodes were simulated is printed) and with
# `--exhaustive` (every interleaving simulated), and, in the same run, the rate of
# the same interleavings executed as one `vtdsim run` process each (the
# reproducer commands a user would script), sequentially and two at a time.
#
#   bench/sweep-rate.sh [VTDSIM] [PROCESS_SAMPLE]
#
# PROCESS_SAMPLE (default 600): how many of the interleavings, evenly spread
# over the sweep, are run as separate processes; the process rate is measured
# on them (running all of them one process each takes minutes).
# Build first (Release): scripts/setup.sh, or cmake + cmake --build.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/vtdsim}")
sample=${2:-600}
scn=scenarios/pasid/teardown-prefix.yaml
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$bin" "$scn" "$sample" "$work" <<'PY'
import csv, json, subprocess, sys, time
binary, scn, sample, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def sweep(jobs, exhaustive=False):
    tag = f"j{jobs}{'x' if exhaustive else ''}"
    out = f"{work}/{tag}.json"
    t = time.perf_counter()
    subprocess.run([binary, "sweep", scn, "--burst-orders", "all", "--jobs", str(jobs), "-q", "--json", out,
                    "--csv", f"{work}/{tag}.csv"] + (["--exhaustive"] if exhaustive else []),
                   stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t
    return json.load(open(out)), wall

j1, w1 = sweep(1)
j2, w2 = sweep(2)
x1, v1 = sweep(1, True)
x2, v2 = sweep(2, True)
n = j1["interleavings"]
for other in (j2, x1, x2):
    assert j1["results"] == other["results"], "the sweeps disagree"
print(f"reference sweep: {j1['space']['offsets']['to'] - j1['space']['offsets']['from'] + 1} offsets x "
      f"{len(j1['space']['burst_orders'])} burst orders = {n} interleavings")
for label, j, w in (("--jobs 1", j1, w1), ("--jobs 2", j2, w2), ("--jobs 1 --exhaustive", x1, v1),
                    ("--jobs 2 --exhaustive", x2, v2)):
    print(f"vtdsim sweep {label}: {w:.2f} s wall, {n / w:,.0f} interleavings/s "
          f"({j.get('episodes_simulated', n)} episodes simulated, {j.get('episodes_simulated', n) / w:,.0f}/s)")

# The same interleavings, one `vtdsim run` process each: the CSV gives each
# one's dimensions; take an evenly spread sample.
rows = list(csv.reader(open(f"{work}/j1.csv")))[1:]
step = max(1, len(rows) // sample)
cmds = []
for r in rows[::step][:sample]:
    offset, order = r[1], r[2]
    cmds.append([binary, "run", scn, "--offset", offset, "--burst-order", order])

def per_process(parallel):
    t = time.perf_counter()
    running = []
    for c in cmds:
        running.append(subprocess.Popen(c, stdout=subprocess.DEVNULL))
        if len(running) >= parallel:
            assert running.pop(0).wait() in (0, 1), "vtdsim run failed"
    for p in running:
        assert p.wait() in (0, 1), "vtdsim run failed"
    return time.perf_counter() - t

s1 = per_process(1)
s2 = per_process(2)
r1, r2 = len(cmds) / s1, len(cmds) / s2
print(f"one vtdsim run per interleaving, sequential: {len(cmds)} runs in {s1:.2f} s, {r1:,.0f} interleavings/s")
print(f"one vtdsim run per interleaving, 2 at a time: {len(cmds)} runs in {s2:.2f} s, {r2:,.0f} interleavings/s")
print(f"speed-up of sweep --jobs 2 over one process per run: {n / w2 / r1:,.0f}x (sequential), "
      f"{n / w2 / r2:,.0f}x (2 at a time)")
print(f"speed-up of sweep --jobs 2 --exhaustive over one process per run: {n / v2 / r1:,.0f}x (sequential), "
      f"{n / v2 / r2:,.0f}x (2 at a time)")
PY
