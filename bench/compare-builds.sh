#!/usr/bin/env bash
# Wall time of two builds, alternated run by run on one machine (the only
# way to compare on a noisy machine): the long run (bench/sim-rate.sh's
# scenario, a DMA request every cycle) and the reference sweep
# (scenarios/pasid/teardown-prefix.yaml, every offset x every burst order,
# --jobs 1 and --jobs 2). Prints best and median per build and the ratio
# new / old of the medians.
#
#   bench/compare-builds.sh OLD_VTDSIM NEW_VTDSIM [ROUNDS]    (default 15 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1")
new=$(realpath "$2")
rounds=${3:-15}
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
python3 - "$old" "$new" "$rounds" <<'PY'
import statistics, subprocess, sys, time
old, new, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
cases = {
    "long run (1,000,000 requests)": ["run", "bench/long-dma-every-cycle.yaml"],
    "reference sweep --jobs 1": ["sweep", "scenarios/pasid/teardown-prefix.yaml", "--burst-orders", "all",
                                 "--jobs", "1", "-q"],
    "reference sweep --jobs 2": ["sweep", "scenarios/pasid/teardown-prefix.yaml", "--burst-orders", "all",
                                 "--jobs", "2", "-q"],
}
def once(binary, args):
    t = time.perf_counter()
    subprocess.run([binary] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t
for name, args in cases.items():
    times = {old: [], new: []}
    for b in (old, new):
        once(b, args)  # warm-up
    for r in range(rounds):
        for b in ((old, new) if r % 2 == 0 else (new, old)):
            times[b].append(once(b, args))
    mo, mn = statistics.median(times[old]), statistics.median(times[new])
    print(f"{name}: old best {min(times[old]):.3f} s median {mo:.3f} s; "
          f"new best {min(times[new]):.3f} s median {mn:.3f} s; new/old (median) {mn / mo:.3f}")
PY
