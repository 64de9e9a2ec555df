#!/usr/bin/env bash
# Installs what vtdsim needs from Debian (as root, only what is missing) and
# builds it. Used by the README's two commands; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make pkg-config libsystemc-dev libboost-program-options-dev libspdlog-dev
          libyaml-cpp-dev nlohmann-json3-dev catch2
          gtkwave         # vcd2fst/fst2vcd and the viewer for the waveform tests (tests/cli/vcd_waveform.sh, gtkw_save_file.sh)
          xvfb xdotool x11-apps netpbm  # tests/cli/gtkw_save_file.sh: GTKWave under Xvfb (xvfb-run), waiting for
                                        # its window (xdotool), a screenshot (xwd from x11-apps; xwdtopnm, ppmhist
                                        # from netpbm); also what made docs/images/gtkwave-teardown-prefix.png
          libxml2-utils jq              # xmllint (JUnit schema) and jq (JSON) for tests/cli/check_junit.sh
          help2man        # the man page, generated from --help when vtdsim is built (packaging/install.cmake)
          bash-completion # its helpers, for the completion test (tests/cli/bash_completion.sh)
          man-db          # man -l and groff: the package test renders the man page
          python3-yaml    # the CI example test parses docs/ci.md's YAML (tests/cli/ci_example.sh)
          dpkg-dev file   # cpack -G DEB: dpkg-shlibdeps writes Depends, file finds the ELF files (tests/cli/package_install.sh)
          python3)        # parses the sweep picture's SVG with xml.etree (tests/cli/sweep_plot.sh) and the bench scripts' JSON
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

# [--target NAME] (build only that target, default: everything), then the
# build directory, then extra CMake options.
target=()
if [ "${1:-}" = --target ]; then
  target=(--target "$2")
  shift 2
fi
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)" "${target[@]}"
