#!/usr/bin/env bash
# The commit --version names (daemon/build_commit.cmake): git describe in a checkout, else the
# build environment's CFSYNC_COMMIT (a container build copies the sources without .git), else
# "unknown commit".
# Usage: build_commit.sh SOURCE_DIR
set -euo pipefail
script=$1/daemon/build_commit.cmake
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
commit_of() {  # commit_of DIR [ENV...]: the text the header defines
  env "${@:2}" cmake -DSOURCE_DIR="$1" -DOUTPUT="$work/out.hpp" -P "$script"
  sed -n 's/^#define CFSYNC_BUILD_COMMIT "\(.*\)"$/\1/p' "$work/out.hpp"
}
mkdir "$work/export" "$work/repo"
git -C "$work/repo" init -q
git -C "$work/repo" -c user.name=t -c user.email=t@example.org commit -q --allow-empty -m first
head=$(git -C "$work/repo" rev-parse --short HEAD)

[[ $(commit_of "$work/export") == "unknown commit" ]] || exit 1
[[ $(commit_of "$work/export" CFSYNC_COMMIT=v0.1.0-3-gabc1234) == "commit v0.1.0-3-gabc1234" ]] || exit 1
[[ $(commit_of "$work/repo") == "commit $head" ]] || exit 1
# A checkout's own commit wins over the environment.
[[ $(commit_of "$work/repo" CFSYNC_COMMIT=other) == "commit $head" ]] || exit 1
echo "ok   build_commit.cmake"
