#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run): install what is needed, build with
# warnings as errors, then unit, end-to-end and contract tests through ctest, then the API unit
# tests again under AddressSanitizer and UndefinedBehaviorSanitizer (tests/sanitize.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh --tests
deploy/build.sh
ctest --test-dir build --output-on-failure --parallel "$(nproc)"
tests/sanitize.sh
