#!/usr/bin/env bash
# Installs exactly what building and running cfsync and its emulator need on Debian 12, and with
# --tests what the test suite needs too. Idempotent: when every package is present it changes
# nothing and does not touch the network.
set -euo pipefail

case "${1:-}" in
  "") tests=false ;;
  --tests) tests=true ;;
  *) echo "usage: deploy/install-deps.sh [--tests]" >&2; exit 2 ;;
esac

packages=(
  # toolchain
  g++ cmake ninja-build
  # libraries (Boost 1.81: the default libboost-dev is 1.74 and lacks what cfsync uses)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libfyaml-dev libyaml-cpp-dev libsimdjson-dev libspdlog-dev libcli11-dev libssl-dev ca-certificates
  # the daemon's /metrics (only the core library is linked; the package pulls in civetweb, curl
  # and zlib headers, which its CMake config looks for)
  prometheus-cpp-dev
  # the daemon under systemd: sd_notify and the journal
  libsystemd-dev pkg-config
  # the daemon's git source (run --git-url)
  libgit2-dev
  # the Debian package (deploy/package.sh): CPack finds its Depends: with dpkg-shlibdeps and file
  dpkg-dev file
)
test_packages=(
  # tests: doctest; openssl's s_server for the TLS test; Node.js for Prism in the contract test,
  # and curl, which Prism's start-up script uses; Prometheus's Python parser reads /metrics;
  # jsonschema and PyYAML check the examples against `cfsync schema`
  doctest-dev openssl nodejs curl python3-prometheus-client python3-jsonschema python3-yaml
  # lintian checks the package that tests/e2e/package_install.sh installs and removes
  lintian
  # jq: the CI templates' sticky plan comment (deploy/ci/sticky-comment.sh), tested here
  jq
  # zsh and fish: the completion tests load `cfsync completion zsh|fish` in them and complete
  zsh fish
  # git: the e2e tests make and push to the repositories `run --git-url` follows (over smart HTTP
  # too, through git's http-backend); ssh-keygen and gpgv check signed commits
  # (--git-verify-allowed-signers, --git-verify-gpg-keyring), gnupg signs them in the tests, and
  # sshd serves a repository over ssh:// on loopback, started by the test itself (the package's
  # own service is neither started nor enabled: below)
  git openssh-client gpgv gnupg openssh-server
)
if $tests; then packages+=("${test_packages[@]}"); fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
done
# npm ships inside some nodejs builds (NodeSource); Debian's nodejs needs the npm package.
if $tests; then command -v npm >/dev/null || missing+=(npm); fi

if ((${#missing[@]} == 0)); then
  echo "install-deps: everything is installed"
  exit 0
fi

sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
# No service a package brings is started during the install (a policy-rc.d that says no, as
# Debian's container images have): openssh-server would otherwise listen on port 22.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 0755 "$policy"
  trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Nor started at the next boot.
if [[ " ${missing[*]} " == *" openssh-server "* && -d /run/systemd/system ]]; then
  "${sudo[@]}" systemctl disable --quiet ssh.service || true
fi
