#!/usr/bin/env bash
# Installs what vtdsim needs from Debian (as root, only what is missing) and
# builds it. Used by the README's two commands; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make pkg-config libsystemc-dev libboost-program-options-dev libspdlog-dev
          libyaml-cpp-dev nlohmann-json3-dev catch2
          gtkwave   # gtkwave: vcd2fst/fst2vcd for the waveform test (tests/cli/vcd_waveform.sh)
          python3)  # python3: parses the sweep picture's SVG with xml.etree (tests/cli/sweep_plot.sh)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# $1: build directory, rest: extra CMake options.
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
