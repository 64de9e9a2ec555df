#!/usr/bin/env bash
# Set up, build (Release) into build/ only vtdsim (not the tests), and run
# the bundled scenario catalog: one verdict line per scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --target vtdsim build
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
build/vtdsim check scenarios
