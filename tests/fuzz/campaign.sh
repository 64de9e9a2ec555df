#!/usr/bin/env bash
# A fuzz campaign: builds the libFuzzer targets with clang (build-fuzz:
# -fsanitize=fuzzer,address,undefined), runs each target for a number of
# executions or a time budget, one after another (each in --workers
# processes sharing its corpus directory, which libFuzzer reloads), then
# replays each final corpus on a coverage build (build-cov: clang
# -fprofile-instr-generate -fcoverage-mapping) and reports, per target:
# executions, exec/s, wall time, findings (crashes, timeouts, OOMs: the
# artifacts libFuzzer wrote), lines and branches of src/ covered, and for
# the simulate target the fraction of inputs that reached the simulator and
# the DMA requests the differential oracle checked.
#
#   tests/fuzz/campaign.sh [--runs N | --time SECONDS] [--workers W] [--out DIR]
#                          [--no-coverage | --coverage-only] [TARGET...]
#
# TARGET: loader, simulate, merge (default: all three). Default: --runs
# 1000000 (in all, split evenly between the workers), --workers 1, --out
# fuzz-campaign. The summary is DIR/summary.md (appended to,
# so targets may run in separate calls; --coverage-only then measures the
# corpora they left); the corpora DIR/corpus/TARGET (seeded from
# tests/fuzz/corpus/TARGET); findings DIR/artifacts/. Needs clang, llvm
# (llvm-profdata, llvm-cov): Debian's clang and llvm packages.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$PWD

runs=1000000
workers=1
time_budget=
coverage=yes
out=fuzz-campaign
targets=()
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --time) time_budget=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-coverage) coverage=no; shift ;;
    --coverage-only) coverage=only; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    loader|simulate|merge) targets+=("$1"); shift ;;
    *) echo "campaign.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
((${#targets[@]})) || targets=(loader simulate merge)
for tool in clang clang++ llvm-profdata llvm-cov; do
  command -v $tool >/dev/null || { echo "campaign.sh: $tool not found (apt-get install clang llvm)" >&2; exit 2; }
done

export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$src}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
jobs=$(nproc)

mkdir -p "$out/corpus" "$out/artifacts" "$out/logs" "$out/cov"
summary=$out/summary.md
[ -f "$summary" ] || echo "# Fuzz campaign ($(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo '?'))" >"$summary"

if [ "$coverage" != only ]; then
echo "campaign: building build-fuzz (clang, libFuzzer, ASan, UBSan)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVTDSIM_FUZZ=ON -DVTDSIM_TESTS=OFF \
  "${launcher[@]}" >/dev/null
cmake --build build-fuzz -j"$jobs" --target "${targets[@]/#/fuzz_}" >/dev/null

# Inputs per target: how long an input may be (the catalog's files and the
# shard reports are a few KiB; the simulate target reads a few hundred bytes).
declare -A max_len=([loader]=8192 [simulate]=1024 [merge]=16384)

# ASan: leaks are checked per input by libFuzzer, not at exit (SystemC's
# kernel keeps its objects to the end); every report aborts. UBSan: every
# report aborts.
export ASAN_OPTIONS=leak_check_at_exit=0:abort_on_error=1:malloc_context_size=8
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

{
  echo
  echo "Campaign $(date -u +%Y-%m-%dT%H:%MZ):"
  echo
  echo "| target | executions | exec/s | wall time | crashes | timeouts | OOMs | notes |"
  echo "|--------|-----------:|-------:|----------:|--------:|---------:|-----:|-------|"
} >>"$summary"
notes_file=$out/notes.md
: >"$notes_file"

for t in "${targets[@]}"; do
  mkdir -p "$out/corpus/$t"
  budget=(-runs="$(((runs + workers - 1) / workers))")
  [ -n "$time_budget" ] && budget=(-max_total_time="$time_budget")
  log=$out/logs/$t.log
  echo "campaign: fuzz_$t ${budget[*]}"
  start=$(date +%s)
  set +e
  # -entropic=0: the entropic schedule's per-feature bookkeeping took more
  # than half of the simulate target's time. -detect_leaks=0 for simulate:
  # its static Simulator keeps per-episode storage, so almost every input
  # "allocates more than it frees" and triggers a full leak scan.
  extra=(-entropic=0)
  [ "$t" = simulate ] && extra+=(-detect_leaks=0)
  pids=()
  rm -f "$log".*
  for ((w = 0; w < workers; w++)); do
    build-fuzz/fuzz_"$t" "${budget[@]}" "${extra[@]}" -max_len="${max_len[$t]}" -timeout=20 -rss_limit_mb=3072 \
      -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" "$out/corpus/$t" "tests/fuzz/corpus/$t" \
      >"$log.$w" 2>&1 &
    pids+=($!)
  done
  status=0
  for p in "${pids[@]}"; do wait "$p" || status=$?; done
  cat "$log".* >"$log"
  set -e
  wall=$(($(date +%s) - start))
  # Summed over the workers.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{n += $1} END {print n}')
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | awk '{n += $1} END {print n}')
  crashes=$(find "$out/artifacts" -name "$t-crash-*" | wc -l)
  timeouts=$(find "$out/artifacts" -name "$t-timeout-*" | wc -l)
  ooms=$(find "$out/artifacts" -name "$t-oom-*" | wc -l)
  note="exit $status"
  # The simulate target's last tally of each worker.
  [ "$t" = simulate ] &&
    note="$note; $(for f in "$log".*; do grep -o '[0-9]* inputs, .*mismatches' "$f" | tail -1; done | paste -sd ';')"
  printf '| %s | %s | %s | %dm%02ds | %d | %d | %d | %s |\n' "$t" "${execs:-?}" "${rate:-?}" $((wall / 60)) \
    $((wall % 60)) "$crashes" "$timeouts" "$ooms" "$note" >>"$summary"
  if ((status != 0)); then
    {
      echo "## fuzz_$t stopped (exit $status)"
      echo '```'
      grep -E 'ERROR|MISMATCH|HANG|GENERATOR|runtime error|Test unit written|terminate' "$log" | head -20
      echo '```'
    } >>"$notes_file"
  fi
done
cat "$notes_file" >>"$summary"
fi
[ "$coverage" = no ] && { cat "$summary"; exit 0; }

# Coverage of src/ by each final corpus, replayed on an instrumented build.
echo "campaign: coverage (build-cov: clang source-based coverage)"
CC=clang CXX=clang++ cmake -S . -B build-cov -DCMAKE_BUILD_TYPE=Release -DVTDSIM_FUZZ=OFF -DVTDSIM_TESTS=ON \
  -DCMAKE_CXX_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
  -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" "${launcher[@]}" >/dev/null
cmake --build build-cov -j"$jobs" --target "${targets[@]/#/fuzz_replay_}" >/dev/null
{
  echo
  echo "Coverage of src/ (llvm-cov, each target's final corpus replayed):"
  echo
  echo "| target | corpus files | lines | branches | functions |"
  echo "|--------|-------------:|------:|---------:|----------:|"
} >>"$summary"
cover='/^TOTAL/ {printf "%s(%d/%d) %s(%d/%d) %s(%d/%d)\n", $10, $8-$9, $8, $7, $5-$6, $5, $13, $11-$12, $11}'
objects=()
for t in "${targets[@]}"; do
  rm -f "$out/cov/$t".*.profraw
  LLVM_PROFILE_FILE="$out/cov/$t.%p.profraw" build-cov/fuzz_replay_"$t" "$out/corpus/$t" >/dev/null 2>&1 || true
  llvm-profdata merge -sparse "$out/cov/$t".*.profraw -o "$out/cov/$t.profdata"
  # The TOTAL line of llvm-cov report over src/: regions, functions, lines,
  # branches (regions and functions: total, missed, %; lines and branches:
  # total, missed, %).
  total=$(llvm-cov report build-cov/fuzz_replay_"$t" -instr-profile="$out/cov/$t.profdata" "$src/src" |
    awk "$cover")
  read -r lines funcs branches <<<"$total"
  printf '| %s | %d | %s | %s | %s |\n' "$t" "$(find "$out/corpus/$t" -type f | wc -l)" "$lines" "$branches" \
    "$funcs" >>"$summary"
  objects+=(-object build-cov/fuzz_replay_"$t")
done
if ((${#targets[@]} > 1)); then
  llvm-profdata merge -sparse "$out"/cov/*.profdata -o "$out/cov/all.profdata"
  total=$(llvm-cov report "${objects[@]:1}" -instr-profile="$out/cov/all.profdata" "$src/src" | awk "$cover")
  read -r lines funcs branches <<<"$total"
  printf '| all | | %s | %s | %s |\n' "$lines" "$branches" "$funcs" >>"$summary"
fi
cat "$summary"
