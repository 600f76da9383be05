#!/usr/bin/env bash
# The native kernels' C++ tests and fuzzers under AddressSanitizer +
# UndefinedBehaviorSanitizer (every report fatal): `npm run test:native:asan`.
#
#   1. build/native-asan (the default compiler, g++): ctest runs the kernel
#      tests, the >2^32-index test, the deterministic fuzzer
#      (STN_FUZZ_ITERATIONS cases, default 4000: about 440 per kernel) and
#      the ISA symbol check.
#   2. build/native-fuzz (clang, -fsanitize=fuzzer): the ISA symbol check
#      (its only ctest: clang's sanitizer builds are where ISA code leaked
#      out of its objects), then the libFuzzer target for
#      STN_LIBFUZZER_SECONDS (default 20; 0 skips it). Without clang this step
#      is skipped with a loud notice (the deterministic fuzzer of step 1 still
#      ran); set STN_REQUIRE_LIBFUZZER=1 to make that an error instead.
#      `sanitize.sh --libfuzzer-only` runs this step alone (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export STN_FUZZ_ITERATIONS="${STN_FUZZ_ITERATIONS:-4000}"
libfuzzer_seconds="${STN_LIBFUZZER_SECONDS:-20}"
jobs="${STN_BUILD_JOBS:-2}"

if [ "${1:-}" != --libfuzzer-only ]; then
echo "== ASan + UBSan: C++ tests and deterministic fuzzer ($STN_FUZZ_ITERATIONS cases)"
cmake -S . -B build/native-asan -DCMAKE_BUILD_TYPE=Release -DSTN_SANITIZE=ON >/dev/null
cmake --build build/native-asan -j "$jobs"
log=build/native-asan/ctest.log
if ! ctest --test-dir build/native-asan --output-on-failure -V >"$log" 2>&1; then
  cat "$log"; echo "ASan/UBSan C++ tests FAILED (log: $log)" >&2; exit 1
fi
# Each test's summary line, and ctest's.
grep -E '^[0-9]+: [a-z_]+: |tests passed|Not Run|Skipped' "$log" || true
fi

if [ "$libfuzzer_seconds" = 0 ]; then exit 0; fi
clangxx="${STN_CLANGXX:-clang++}"
if ! command -v "$clangxx" >/dev/null 2>&1 ||
   ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
     "$clangxx" -x c++ -fsanitize=fuzzer,address -fopenmp -o /dev/null - >/dev/null 2>&1; then
  msg="libFuzzer run SKIPPED: $clangxx with -fsanitize=fuzzer and -fopenmp is not available
  (Debian: apt-get install -y clang libclang-rt-14-dev libomp-14-dev)."
  if [ "${STN_REQUIRE_LIBFUZZER:-0}" = 1 ]; then echo "ERROR: $msg" >&2; exit 1; fi
  printf '\n%s\n%s\n%s\n\n' "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" \
    "!! $msg" "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  exit 0
fi
echo "== clang (ASan + UBSan): ISA symbol check, then libFuzzer for ${libfuzzer_seconds} s"
cmake -S . -B build/native-fuzz -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$clangxx" \
  -DSTN_LIBFUZZER=ON -DSTN_BUILD_TESTS=OFF >/dev/null
cmake --build build/native-fuzz -j "$jobs"
log=build/native-fuzz/ctest.log
if ! ctest --test-dir build/native-fuzz --output-on-failure -V >"$log" 2>&1; then
  cat "$log"; echo "ISA symbol check (clang, sanitizers) FAILED (log: $log)" >&2; exit 1
fi
grep -E '^[0-9]+: [a-z_]+: |tests passed' "$log" || true
corpus=build/native-fuzz/corpus
mkdir -p "$corpus" build/native-fuzz/crashes
log=build/native-fuzz/libfuzzer.log
status=0
build/native-fuzz/fuzz_grid_sampler_libfuzzer -max_total_time="$libfuzzer_seconds" \
  -max_len=2048 -len_control=0 -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix=build/native-fuzz/crashes/ "$corpus" >"$log" 2>&1 || status=$?
if [ "$status" != 0 ]; then
  tail -n 60 "$log"; echo "libFuzzer FAILED (log: $log; input saved in build/native-fuzz/crashes/)" >&2
  exit 1
fi
grep -E '^Done|stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus|cov: ' "$log" | tail -n 4
