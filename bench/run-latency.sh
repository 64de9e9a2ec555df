#!/usr/bin/env bash
# Wall time of single `vtdsim run`s (start-up included) and of the catalog
# check, with hyperfine (Debian package `hyperfine`). Build first with
# scripts/setup.sh (Release into build/).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench: install hyperfine (apt-get install hyperfine)" >&2; exit 2; }
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
args=()
for f in scenarios/context/*.yaml; do args+=("build/vtdsim run $f"); done
hyperfine -N --warmup 3 --runs 30 --export-markdown "${1:-/dev/stdout}" "${args[@]}" "build/vtdsim check scenarios"
