#!/usr/bin/env python3
"""CPU time (user + system) of commands, runs interleaved, best and median.

On a shared machine wall time varies 2-3x with the load while CPU time stays
within a few percent, so before/after comparisons use this.

    bench/cpu-time.py RUNS CMD1 ';;' CMD2 ...
e.g.
    bench/cpu-time.py 5 OLD/vtdsim run bench/long-dma-every-cycle.yaml ';;' build/vtdsim run bench/long-dma-every-cycle.yaml
"""
import os
import resource
import subprocess
import sys
import time

runs = int(sys.argv[1])
cmds = [c.split() for c in " ".join(sys.argv[2:]).split(" ;; ")]
env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
res = {i: [] for i in range(len(cmds))}
for _ in range(runs):
    for i, c in enumerate(cmds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        res[i].append((cpu, wall))
for i, c in enumerate(cmds):
    cpu = sorted(x[0] for x in res[i])
    wall = sorted(x[1] for x in res[i])
    print(f"{' '.join(c)}: cpu best {cpu[0]:.3f} s median {cpu[len(cpu) // 2]:.3f} s; "
          f"wall best {wall[0]:.3f} s median {wall[len(wall) // 2]:.3f} s")
