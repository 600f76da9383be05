// Σ_c a[c]·b[c] in a fixed order on every ISA: 16 float lanes (a GCC vector
// type, lowered to the including file's vector width: 1 zmm, 2 ymm or 4 xmm,
// lane by lane), a fixed pairwise reduction, then the tail in order. The
// channel rows' grad_grid above kPixelPathMaxChannels channels (2-D and
// volumes) regroups its channel sum into these per-tap dot products, so its
// bits do not depend on the ISA.
//
// Internal linkage only (an unnamed namespace), as coordinates.h, so that the
// per-ISA units may include it.
#pragma once

#include <cstdint>
#include <cstring>

// Lanes16 values are passed between inline functions only: no ABI concern.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace stn::lanes {
namespace {

typedef float Lanes16 __attribute__((vector_size(64)));

inline Lanes16 load16(const float* p) {
  Lanes16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline float dot(const float* a, const float* b, int64_t n) {
  Lanes16 acc = {};
  int64_t c = 0;
  for (; c + 16 <= n; c += 16) acc += load16(a + c) * load16(b + c);
  float lanes[16];
  std::memcpy(lanes, &acc, sizeof lanes);
  for (int width = 8; width >= 1; width /= 2)
    for (int j = 0; j < width; ++j) lanes[j] += lanes[j + width];
  float sum = lanes[0];
  for (; c < n; ++c) sum += a[c] * b[c];
  return sum;
}

}  // namespace
}  // namespace stn::lanes

#pragma GCC diagnostic pop
