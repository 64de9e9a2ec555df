# SIGTERM or SIGINT to a sweep's parent kills its workers and leaves no
# output and no temporary file; SIGKILL to the parent (no handler can run)
# still takes the workers with it (PR_SET_PDEATHSIG). The workers are stopped
# first: a running worker would also die of SIGPIPE at its next write to the
# dead parent, which would hide a missing cleanup.
source "$(dirname "$0")/common.bash" "$@"
scn="$src/scenarios/pasid/teardown-clear-present.yaml"

# Starts a long sweep (-j 2) in the background; waits until both workers run.
start_sweep() {  # directory
  mkdir -p "$1"
  timeout 120 "$vtdsim" sweep "$scn" --offsets 0..49 -j 2 -q --json "$1/r.json" --csv "$1/r.csv" \
    >"$1/out" 2>"$1/err" &
  pid=$!
  parent=""
  for _ in $(seq 300); do
    parent=$(pgrep -P $pid -x vtdsim | head -1)  # timeout's child: the vtdsim parent
    [ -n "$parent" ] && [ "$(pgrep -P "$parent" | wc -l)" -ge 2 ] && break
    sleep 0.1
  done
  workers=$(pgrep -P "$parent" | tr '\n' ' ')
  [ -n "$workers" ] && echo "ok: the sweep's workers run ($workers)" || bad "no workers seen"
  kill -STOP $workers
}
gone() {  # pids...
  for _ in $(seq 50); do
    alive=""
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && return 0
    sleep 0.1
  done
  return 1
}

for sig in TERM INT; do
  start_sweep "$tmp/$sig"
  kill -$sig "$parent"
  wait $pid
  rc=$?
  [ $rc -ge 128 ] || [ $rc = 124 ] && echo "ok: SIG$sig ends the sweep (exit $rc)" || bad "SIG$sig: exit $rc"
  gone $workers && echo "ok: SIG$sig leaves no worker running" || { bad "workers still running after SIG$sig:$alive"; kill -9 $alive; }
  left=$(ls "$tmp/$sig" | grep -v '^out$\|^err$')
  [ -z "$left" ] && echo "ok: SIG$sig leaves no output and no temporary file" || bad "SIG$sig left: $left"
done

# SIGKILL: no handler runs; only PR_SET_PDEATHSIG ends the workers. This
# process adopts them (a subreaper), so that their process group is not
# orphaned (the kernel would send a stopped orphaned group SIGHUP and SIGCONT).
timeout 120 python3 - "$vtdsim" "$scn" "$tmp/kill.json" <<'PY' || fail=1
import ctypes, os, signal, subprocess, sys, time
vtdsim, scn, out = sys.argv[1:4]
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
p = subprocess.Popen([vtdsim, "sweep", scn, "--offsets", "0..49", "-j", "2", "-q", "--json", out],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=os.setpgrp)
workers = []
for _ in range(300):
    r = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True)
    workers = [int(x) for x in r.stdout.split()]
    if len(workers) >= 2:
        break
    time.sleep(0.1)
if len(workers) < 2:
    print("FAIL: no workers seen"); p.kill(); sys.exit(1)
for w in workers:
    os.kill(w, signal.SIGSTOP)  # silent: no SIGPIPE can end them
p.kill()
p.wait()
alive = set(workers)
for _ in range(50):
    for w in list(alive):
        if os.waitpid(w, os.WNOHANG)[0] == w:
            alive.discard(w)
    if not alive:
        break
    time.sleep(0.1)
if alive:
    print("FAIL: workers still running after SIGKILL to their parent:", sorted(alive))
    for w in alive:
        os.kill(w, signal.SIGKILL)
        os.waitpid(w, 0)
    sys.exit(1)
print("ok: SIGKILL to the parent takes the workers with it")
PY
exit $fail
