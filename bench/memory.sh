#!/usr/bin/env bash
# Peak RSS against simulated cycles of a long run with a DMA request every
# cycle while the driver updates the entry the requests walk through
# (scenarios/context/teardown-clear-present.yaml, no caches: every request
# fetches the entry, and every fetch after its first store is evidence),
# lengthened to several request counts. One column per vtdsim binary given
# (default build/vtdsim): flat after warm-up means bounded memory.
#
#   bench/memory.sh [VTDSIM...]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- build/vtdsim
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
python3 - "$@" <<'PY'
import re, resource, subprocess, sys, tempfile, os
bins = sys.argv[1:]
src = open("scenarios/context/teardown-clear-present.yaml").read().replace(
    "platform:\n", "platform:\n  sim: {max_cycles: 1000000000}\n", 1)
counts = [100_000, 400_000, 1_600_000, 6_400_000]
print("| requests (cycles) | " + " | ".join(f"peak RSS, {b}" for b in bins) + " |")
print("|---|" + "---|" * len(bins))
with tempfile.TemporaryDirectory() as d:
    for n in counts:
        f = os.path.join(d, f"long-{n}.yaml")
        open(f, "w").write(re.sub(r"(?m)^(\s+)count:\s*\d+", rf"\g<1>count: {n}", src))
        row = []
        for b in bins:
            # A fresh interpreter per run: RUSAGE_CHILDREN keeps the largest child so far.
            kib = subprocess.run([sys.executable, "-c",
                "import resource,subprocess,sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)", b, "run", f],
                capture_output=True, text=True, check=True).stdout.strip()
            row.append(f"{int(kib) / 1024:.1f} MiB")
        print(f"| {n:,} (~{n + 160:,}) | " + " | ".join(row) + " |")
PY
