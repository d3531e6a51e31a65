#!/usr/bin/env bash
# Builds cfsync's Debian package, dist/cfsync_<version>_amd64.deb: the stripped cfsync and
# cfsync-emulator, the systemd unit (installed, not enabled), /etc/cfsync/cfsync.env as a
# conffile, the man page, the completions, the JSON Schema, the README and the examples, with
# Depends: computed by dpkg-shlibdeps. Beside it, cfsync-dbgsym_<version>_amd64.ddeb holds the
# debug information, found by build-id. lintian checks the package when it is installed
# (`deploy/install-deps.sh --tests`); an error fails the build.
#
# Usage: deploy/package.sh [--build-dir DIR] [--out DIR]
#   --build-dir DIR  default build-release/: a release build of the two programs alone
#                    (RelWithDebInfo: -O2 -g, with link-time optimisation: the stripped cfsync
#                    4.3 MB instead of 5.6, and less compile time in all). An existing build
#                    directory is reused as it is configured: tests/run.sh packages the build/
#                    it has just tested.
#   --out DIR        where the packages go (default dist/)
# Needs what deploy/install-deps.sh installs. The Containerfile runs this script too.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build-release
out=dist
while (($#)); do
  case "$1" in
    --build-dir) build_dir=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    *) echo "usage: deploy/package.sh [--build-dir DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done

if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  generator=()
  if command -v ninja >/dev/null; then generator=(-G Ninja); fi
  cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=ON -DCFSYNC_WERROR=ON -DCFSYNC_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build_dir" --parallel "$(nproc)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
(cd "$build_dir" && cpack -G DEB -B "$staging" >/dev/null)
deb=$(cd "$staging" && echo cfsync_*.deb)
dbgsym=$(cd "$staging" && echo cfsync-dbgsym_*.ddeb)
mv "$staging/$deb" "$staging/$dbgsym" "$out/"

if command -v lintian >/dev/null; then
  # Errors fail; warnings are shown (cfsync-emulator has no man page of its own).
  lintian --fail-on error --allow-root "$out/$deb"
fi
echo "$out/$deb: $(du -h "$out/$deb" | cut -f1)"
echo "$out/$dbgsym: $(du -h "$out/$dbgsym" | cut -f1)"
dpkg-deb --fsys-tarfile "$out/$deb" | tar -xO ./usr/bin/cfsync | wc -c |
  awk '{ printf "cfsync in it, stripped: %.1f MB\n", $1 / 1e6 }'
