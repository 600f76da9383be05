#!/usr/bin/env bash
# Long fuzzing of the kernels under ASan + UBSan: `npm run fuzz`.
# The deterministic driver for STN_FUZZ_SECONDS (default 300) with seed
# STN_FUZZ_SEED (default: the time; printed, so a failure can be replayed),
# then libFuzzer (clang) for STN_LIBFUZZER_SECONDS (default the same), its
# corpus kept in build/native-fuzz/corpus across runs. Failures stop at once
# and print the case (libFuzzer saves the input in build/native-fuzz/crashes/).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${STN_FUZZ_SECONDS:-300}"
seed="${STN_FUZZ_SEED:-$(date +%s)}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

echo "== deterministic fuzzer (ASan + UBSan): ${seconds} s, seed ${seed}"
cmake -S . -B build/native-asan -DCMAKE_BUILD_TYPE=Release -DSTN_SANITIZE=ON >/dev/null
cmake --build build/native-asan -j "${STN_BUILD_JOBS:-2}" --target fuzz_grid_sampler
build/native-asan/fuzz_grid_sampler --seconds "$seconds" --iterations 1000000000 --seed "$seed"

STN_LIBFUZZER_SECONDS="${STN_LIBFUZZER_SECONDS:-$seconds}" bash scripts/sanitize.sh --libfuzzer-only
