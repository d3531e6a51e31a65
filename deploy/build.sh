#!/usr/bin/env bash
# Configures and builds into build/: everything (bin/cfsync, bin/cfsync-emulator, what
# `cmake --install build` installs, and the test suite), or with --binaries the same without the
# tests or their dependencies (what the demo runs). Warnings are errors: the project is built
# with Debian 12's g++ 12 (pass -DCFSYNC_WERROR=OFF to cmake yourself for another compiler).
set -euo pipefail
cd "$(dirname "$0")/.."
tests=ON
case "${1:-}" in
  "") ;;
  --binaries) tests=OFF ;;
  *) echo "usage: deploy/build.sh [--binaries]" >&2; exit 2 ;;
esac
generator=()
if [[ ! -f build/CMakeCache.txt ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
# Configured each time (quick when nothing changed): the test suite is switched on or off.
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCFSYNC_WERROR=ON \
  -DCFSYNC_BUILD_TESTS="$tests" >/dev/null
cmake --build build --parallel "$(nproc)"
