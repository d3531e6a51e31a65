#!/usr/bin/env bash
# The unit tests that feed cfsync what the network sends (hostile rate-limit and retry-after
# headers, response bodies), again under AddressSanitizer and UndefinedBehaviorSanitizer, where
# any undefined behaviour (a signed overflow) aborts the test: -fno-sanitize-recover, see
# CFSYNC_SANITIZE in CMakeLists.txt. Its own build directory, and only these test executables.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(api_tests)
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f build-sanitize/CMakeCache.txt ]]; then
  # Unoptimised: quicker to build, and nothing undefined is optimised away before it is caught.
  cmake -S . -B build-sanitize "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug -DCFSYNC_SANITIZE=ON \
    -DCFSYNC_WERROR=ON
fi
cmake --build build-sanitize --parallel "$(nproc)" --target "${targets[@]}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1
for target in "${targets[@]}"; do
  build-sanitize/bin/"$target"
done
