// NOTE [kernel fuzzer]
//
// One fuzz case = one byte string. Its first byte picks a kernel from
// kernels() below; that kernel's decoder turns the rest into a case (shape,
// options, input, the transform -- grid, theta, flow, projective
// transforms, a rotation, crop boxes or a pool's window -- and
// grad_output), with hostile coordinates: NaN, +-Inf, huge values, exact
// pixel centres, cell edges and ties, their float neighbours, points just
// outside and far outside.
// check_case() (fuzz_case.h) calls the scalar reference and every fast path
// (the threaded kernels under each ISA the dispatch can force on this CPU:
// base, avx2, avx512) at 1-4 threads, as the front doors do
// (kernel_calls.h):
//   - forward: the reference bit for bit (NaNs compared as NaN);
//   - each gradient: bit for bit, or within the bound the kernel documents
//     (Bounds, computed per case by its decoder: the rounding of another
//     summation order, from sampler_bounds.h's magnitudes and their 3-D and
//     projective counterparts);
//   - every output bit for bit across ISAs, thread counts and repeated runs;
//   - each gradient alone (the other passed as null) bit for bit as with the
//     other.
// Every buffer is a separate heap block of exactly its element count (no
// slack), so under AddressSanitizer any read or write outside a tensor is a
// report. Two drivers share this file: fuzz_grid_sampler.cc (a deterministic
// random driver, run by ctest and by `npm run fuzz` without clang) and
// fuzz_grid_sampler_libfuzzer.cc (libFuzzer, clang only).
//
// The byte layout is forgiving: reading past the end yields zeros, so every
// byte string is a valid case, which libFuzzer needs. Coordinates come from
// the bytes (a selector byte, then a payload) while they last, then from a
// PRNG seeded by the header; input and grad_output always come from the PRNG.
//
// Adding a kernel: a decoder `Case my_case(Bytes&, int64_t max_elements)`
// that fills a Case (its tensors, its forward and backward through
// kernel_calls.h's call_* templates, its Bounds), and one row below.
#pragma once

#include "fuzz_case.h"
#include "fuzz_planar.h"
#include "fuzz_pool.h"
#include "fuzz_transform.h"
#include "fuzz_volume.h"
#include "fuzz_warps.h"

namespace stn_fuzz {

struct Kernel {
  const char* name;
  Case (*decode)(Bytes& b, int64_t max_elements);
};

inline const std::vector<Kernel>& kernels() {
  static const std::vector<Kernel> table = {
      {"gridSample", grid_sample_case},
      {"affineSample", affine_sample_case},
      {"flowWarp", flow_warp_case},
      {"gridSample3d", grid_sample_3d_case},
      {"affineSample3d", affine_sample_3d_case},
      {"flowWarp3d", flow_warp_3d_case},
      {"transform", image_transform_case},
      {"rotateWithOffset", rotate_with_offset_case},
      {"cropAndResize", crop_and_resize_case},
      {"maxPoolGrad", max_pool_grad_case},
  };
  return table;
}

// The case of a byte string. max_elements caps the output's element count
// (keeps sanitizer runs short).
inline Case decode(const uint8_t* data, size_t size, int64_t max_elements) {
  Bytes b(data, size);
  const auto& table = kernels();
  return table[b.u8() % table.size()].decode(b, max_elements);
}

}  // namespace stn_fuzz
