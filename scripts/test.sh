#!/usr/bin/env bash
# Set up, build with AddressSanitizer + UndefinedBehaviorSanitizer, and run
# the whole test suite (unit, model, CLI and the scenario catalog) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVTDSIM_SANITIZE=ON
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-test --output-on-failure -j"$(nproc)"
