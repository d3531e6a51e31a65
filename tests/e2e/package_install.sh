#!/usr/bin/env bash
# The Debian package as a user gets it: deploy/package.sh makes it from the build just tested
# (lintian must find no error), then it is installed on this machine with dpkg -i and checked —
# the version with its commit, the unit verified and not enabled, the conffile, an installed
# example validated, the man page and completions — and removed with dpkg -r, then purged,
# leaving nothing behind. Needs root (exit 77, skipped, otherwise), and a machine where cfsync
# is not installed already: it is never replaced.
# Usage: package_install.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build_dir=$2
if [[ $(id -u) != 0 ]]; then
  echo "skipped: installing a package needs root"
  exit 77
fi
if dpkg-query -W -f='${Status}' cfsync 2>/dev/null | grep -q installed; then
  echo "FAIL: cfsync is installed on this machine already; this test does not replace it"
  exit 1
fi
work=$(mktemp -d)
installed=false
cleanup() {
  if $installed; then dpkg -P cfsync >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}

"$source_dir/deploy/package.sh" --build-dir "$build_dir" --out "$work"
version=$(sed -n 's/^project(cfsync VERSION \([0-9.]*\) .*/\1/p' "$source_dir/CMakeLists.txt")
deb="$work/cfsync_${version}_amd64.deb"
[[ -f $deb ]] || fail "no $deb"
[[ -f $work/cfsync-dbgsym_${version}_amd64.ddeb ]] || fail "no debug symbols package"

# Depends: computed from what the binaries link, not listed by hand.
depends=$(dpkg-deb -f "$deb" Depends)
for library in libgit2-1.5 libssl3 libyaml-cpp0.7 libsystemd0 libc6; do
  [[ $depends == *"$library"* ]] || fail "Depends lacks $library: $depends"
done

dpkg -i "$deb" >/dev/null
installed=true

[[ $(command -v cfsync) == /usr/bin/cfsync ]] || fail "cfsync is not /usr/bin/cfsync"
shown=$(cfsync --version)
[[ $shown =~ ^cfsync\ ${version//./\\.}\ \(commit\ [0-9a-zA-Z.+-]+\)$ ]] ||
  fail "cfsync --version says \"$shown\""
[[ $shown == "$("$build_dir/bin/cfsync" --version)" ]] || fail "not the build's version: $shown"
cfsync-emulator --help >/dev/null || fail "cfsync-emulator does not run"
if file /usr/bin/cfsync | grep -q "not stripped"; then fail "/usr/bin/cfsync is not stripped"; fi

unit=/usr/lib/systemd/system/cfsync.service
grep -q '^ExecStart=/usr/bin/cfsync run --git-url' "$unit" || fail "the unit does not run /usr/bin/cfsync"
grep -q '^EnvironmentFile=-/etc/cfsync/cfsync.env$' "$unit" || fail "the unit's environment file"
systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
[[ $(systemctl --root=/ is-enabled cfsync.service 2>&1 || true) == disabled ]] ||
  fail "the unit is enabled: $(systemctl --root=/ is-enabled cfsync.service 2>&1)"

[[ $(dpkg-query -W -f='${Conffiles}' cfsync) == *"/etc/cfsync/cfsync.env "* ]] ||
  fail "/etc/cfsync/cfsync.env is not a conffile"
cfsync validate -c /usr/share/doc/cfsync/examples/basic
[[ $(zcat /usr/share/man/man1/cfsync.1.gz | sed -n 1p) == '.TH CFSYNC 1 '* ]] || fail "the man page"
bash -n /usr/share/bash-completion/completions/cfsync || fail "the bash completion"
[[ -s /usr/share/zsh/vendor-completions/_cfsync && -s /usr/share/fish/vendor_completions.d/cfsync.fish ]] ||
  fail "the zsh and fish completions"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' /usr/share/cfsync/cfsync.schema.json ||
  fail "the JSON Schema"
[[ -f /usr/share/doc/cfsync/copyright && -f /usr/share/doc/cfsync/changelog.gz ]] ||
  fail "copyright and changelog"

# A clean removal: every file of the package gone but the conffile, which purge takes too.
files=$(dpkg-query -L cfsync | while read -r path; do if [[ -f $path ]]; then echo "$path"; fi; done)
dpkg -r cfsync >/dev/null
left=$(while read -r path; do if [[ -e $path ]]; then echo "$path"; fi; done <<<"$files")
[[ $left == /etc/cfsync/cfsync.env ]] || fail "dpkg -r left: $left"
dpkg -P cfsync >/dev/null
installed=false
[[ ! -e /etc/cfsync/cfsync.env ]] || fail "dpkg -P left /etc/cfsync/cfsync.env"
[[ -z $(dpkg-query -W -f='${Status}' cfsync 2>/dev/null | grep -v not-installed || true) ]] ||
  fail "dpkg still knows cfsync"
echo "ok   $(basename "$deb"): installed, checked, removed"
