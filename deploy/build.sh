#!/usr/bin/env bash
# Configures and builds everything into build/ (bin/cfsync, bin/cfsync-emulator, the tests).
# Warnings are errors: the project is built with Debian 12's g++ 12 (pass -DCFSYNC_WERROR=OFF to
# cmake yourself for another compiler).
set -euo pipefail
cd "$(dirname "$0")/.."
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f build/CMakeCache.txt ]]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCFSYNC_WERROR=ON
fi
cmake --build build --parallel "$(nproc)"
