// libFuzzer target of the kernels (clang -fsanitize=fuzzer): the same
// decoder and checks as the deterministic driver (fuzz_sampler.h; the first
// byte picks the kernel). A failed check aborts, so libFuzzer saves the
// input. Built by scripts/fuzz.sh (CMake option STN_LIBFUZZER=ON with clang).
#include <cstddef>
#include <cstdint>

#include "fuzz_sampler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  stn_fuzz::check_case(stn_fuzz::decode(data, size, int64_t{1} << 15));
  return 0;
}
