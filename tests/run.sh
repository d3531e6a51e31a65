#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run): install what is needed, build with
# warnings as errors, then unit, end-to-end and contract tests through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
deploy/build.sh
ctest --test-dir build --output-on-failure --parallel "$(nproc)"
