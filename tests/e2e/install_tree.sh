#!/usr/bin/env bash
# `cmake --install BUILD --prefix P` gives a usable tree, laid out by GNUInstallDirs: the two
# programs run from it, the unit names P's binary and configuration, the installed examples
# validate, and the man page, completions and schema are where their tools look.
# Usage: install_tree.sh BUILD_DIR
set -euo pipefail
build_dir=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}

cmake --install "$build_dir" --prefix "$prefix" >/dev/null
expected=(
  bin/cfsync bin/cfsync-emulator lib/systemd/system/cfsync.service etc/cfsync/cfsync.env
  share/man/man1/cfsync.1.gz share/bash-completion/completions/cfsync
  share/zsh/vendor-completions/_cfsync share/fish/vendor_completions.d/cfsync.fish
  share/cfsync/cfsync.schema.json share/doc/cfsync/README.md share/doc/cfsync/LICENSE
  share/doc/cfsync/copyright share/doc/cfsync/changelog.gz share/doc/cfsync/examples/basic/cfsync.yaml
)
for file in "${expected[@]}"; do [[ -s $prefix/$file ]] || fail "no $file"; done
# Nothing else at the top: no stray build files, no state directory of an example run in place.
[[ $(cd "$prefix" && ls | tr '\n' ' ') == "bin etc lib share " ]] || fail "top level: $(ls "$prefix")"
[[ -z $(find "$prefix" -name .cfsync-state) ]] || fail "an example's state directory was installed"

"$prefix/bin/cfsync" --version | grep -q '^cfsync [0-9.]* (' || fail "cfsync --version"
for example in "$prefix"/share/doc/cfsync/examples/*/; do
  "$prefix/bin/cfsync" validate -c "$example" >/dev/null || fail "validate $example"
done
unit=$prefix/lib/systemd/system/cfsync.service
grep -q "^ExecStart=$prefix/bin/cfsync run " "$unit" || fail "the unit's ExecStart: $(grep ^ExecStart= "$unit")"
grep -q "^EnvironmentFile=-$prefix/etc/cfsync/cfsync.env$" "$unit" || fail "the unit's EnvironmentFile"
grep -q "^LoadCredential=cloudflare-api-token:$prefix/etc/cfsync/cloudflare-api-token$" "$unit" ||
  fail "the unit's credentials"
[[ -z $(grep -n '/usr/local/bin' "$unit") ]] || fail "the unit still names /usr/local/bin"
echo "ok   cmake --install: ${#expected[@]} files checked"
