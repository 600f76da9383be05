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

// Lanes values are passed between inline functions of one unit only: no ABI
// concern. Not popped: GCC reports it at the end of the unit, where the
// templates are instantiated.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace stn::lanes {
namespace {

typedef float Lanes16 __attribute__((vector_size(64)));
typedef float Lanes8 __attribute__((vector_size(32)));
typedef float Lanes4 __attribute__((vector_size(16)));
typedef float Lanes2 __attribute__((vector_size(8)));

inline Lanes16 load16(const float* p) {
  Lanes16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Lane j of the result is lane j of v's lower half plus lane j of its upper
// half.
template <class Half, class Whole>
inline Half half_sum(Whole v) {
  Half lo, hi;
  std::memcpy(&lo, &v, sizeof lo);
  std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
  return lo + hi;
}

inline float dot(const float* a, const float* b, int64_t n) {
  Lanes16 acc = {};
  int64_t c = 0;
  for (; c + 16 <= n; c += 16) acc += load16(a + c) * load16(b + c);
  // The pairwise reduction: lane j + lane j + 8, then + 4, + 2, + 1.
  const Lanes2 pair = half_sum<Lanes2>(half_sum<Lanes4>(half_sum<Lanes8>(acc)));
  float sum = pair[0] + pair[1];
  for (; c < n; ++c) sum += a[c] * b[c];
  return sum;
}

}  // namespace
}  // namespace stn::lanes
