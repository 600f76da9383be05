// NOTE [projective transform rows]
//
// The vector forward rows of tfjs's Transform (image_transform.cc), written
// once with grid_sampler_simd.inl's `V` and included after it by the same
// per-ISA units (grid_sampler_{base,avx2,avx512}.cc): the same unnamed
// namespace, so the same "Linkage" rules (only select_transform_row, in the
// ISA's namespace, has external linkage).
//
// kWidth output pixels per step. Their source points (x', y') are computed
// in vector registers with image_transform_coords.h's float operations in
// its order ((a0 x + a1 y) + a2; the division by k only for a projective
// transform). A lane whose point lies where every fill mode's map is the
// identity and every tap it reads is inside the image (bilinear:
// [0, W - 1) x [0, H - 1); nearest: [0, W - 1] x [0, H - 1]) takes its
// floor (or its rounding, half away from zero) and weights from the vector
// registers and reads the image directly; every other lane (the fill, the
// last row and column, k = 0, NaN: a NaN or infinite point fails every
// comparison) and the row's last Wo mod kWidth pixels go through the scalar
// sample_point. The scalar row spent most of its time on that per-pixel
// arithmetic (TF's int64 conversions, the fill mode's branches), not on the
// reads: these rows take about a third of its time on a rotated batch.
//
// Bitwise: equal to the reference on every lane (the same float operations,
// no FMA: -ffp-contract=off). For a point >= 0 the vector round-down is the
// reference's floor_below_2p53 (a -0 stays -0), and floor + (rest >= 0.5)
// its round_below_2p53. Sizes up to 2^24, so that pixel coordinates, W - 1
// and H - 1 are exact floats and x + lane an int32.

#include "image_transform_coords.h"

namespace stn {
namespace STN_ISA {
namespace {

#if defined(STN_ISA_AVX2) || defined(STN_ISA_AVX512)

constexpr int64_t kMaxVectorTransformSize = int64_t{1} << 24;

// One output pixel through the scalar rules.
inline void transform_pixel(const TransformShape& s, const TransformOptions& o, const float* img,
                            const float* t, int64_t x, int64_t y, float* out) {
  transform_coord::TransformPoint p;
  const bool ok = transform_coord::transform_point(t, x, y, s, o, &p);
  transform_coord::sample_point(s, o, img, ok, p, out);
}

// Output row y: kC channels (0: s.c, known at run time only).
template <Interpolation kMode, int kC>
void transform_row(const TransformShape& s, const TransformOptions& o, const float* img,
                   const float* t, int64_t y, float* out) {
  constexpr int kW = V::kWidth;
  const int64_t nc = kC > 0 ? kC : s.c;
  const bool projective = !(t[6] == 0.0f && t[7] == 0.0f);
  const float fy = static_cast<float>(y);
  // The y products of the three dot products are the same for the whole row.
  const V::F a0 = V::set1(t[0]), a1y = V::set1(t[1] * fy), a2 = V::set1(t[2]);
  const V::F b0 = V::set1(t[3]), b1y = V::set1(t[4] * fy), b2 = V::set1(t[5]);
  const V::F c0 = V::set1(t[6]), c1y = V::set1(t[7] * fy);
  const V::F zero = V::zero(), one = V::set1(1.0f), half = V::set1(0.5f);
  const V::F x_max = V::set1(static_cast<float>(s.w - 1)), y_max = V::set1(static_cast<float>(s.h - 1));
  const V::I lanes = V::lane_index();
  const int64_t distance = transform_coord::prefetch_distance(s, t), row_bytes = s.w * nc * 4;
  int64_t x = 0;
  for (; x + kW <= s.wo; x += kW) {
    const V::F fx = V::to_float(V::addi(V::set1i(static_cast<int32_t>(x)), lanes));
    V::F sx = V::add(V::add(V::mul(a0, fx), a1y), a2);
    V::F sy = V::add(V::add(V::mul(b0, fx), b1y), b2);
    if (projective) {
      const V::F k = V::add(V::add(V::mul(c0, fx), c1y), one);
      sx = V::div(sx, k);
      sy = V::div(sy, k);
    }
    float* px = out + x * nc;
    alignas(64) int32_t x0[kW], y0[kW];
    const V::F xf = V::floor(sx), yf = V::floor(sy);
    if constexpr (kMode == Interpolation::Bilinear) {
      const int fast = V::bits(V::mand(V::mand(V::ge(sx, zero), V::lt(sx, x_max)),
                                       V::mand(V::ge(sy, zero), V::lt(sy, y_max))));
      alignas(64) float wx0[kW], wx1[kW], wy0[kW], wy1[kW];
      V::store_int(x0, V::to_int(xf));  // other lanes' values are not used
      V::store_int(y0, V::to_int(yf));
      V::store(wx0, V::sub(V::add(xf, one), sx));
      V::store(wx1, V::sub(sx, xf));
      V::store(wy0, V::sub(V::add(yf, one), sy));
      V::store(wy1, V::sub(sy, yf));
      for (int j = 0; j < kW; ++j, px += nc) {
        if (!(fast >> j & 1)) {
          transform_pixel(s, o, img, t, x + j, y, px);
          continue;
        }
        const float* r0 = img + (static_cast<int64_t>(y0[j]) * s.w + x0[j]) * nc;
        const float* r1 = r0 + s.w * nc;
        prefetch::ahead(r0, distance, row_bytes);
        for (int64_t c = 0; c < nc; ++c) {
          const float v0 = wx0[j] * r0[c] + wx1[j] * r0[c + nc];
          const float v1 = wx0[j] * r1[c] + wx1[j] * r1[c + nc];
          px[c] = wy0[j] * v0 + wy1[j] * v1;
        }
      }
    } else {
      const int fast = V::bits(V::mand(V::mand(V::ge(sx, zero), V::le(sx, x_max)),
                                       V::mand(V::ge(sy, zero), V::le(sy, y_max))));
      // Half away from zero, for points >= 0.
      const V::F rx = V::select(V::ge(V::sub(sx, xf), half), V::add(xf, one), xf);
      const V::F ry = V::select(V::ge(V::sub(sy, yf), half), V::add(yf, one), yf);
      V::store_int(x0, V::to_int(rx));
      V::store_int(y0, V::to_int(ry));
      for (int j = 0; j < kW; ++j, px += nc) {
        if (!(fast >> j & 1)) {
          transform_pixel(s, o, img, t, x + j, y, px);
          continue;
        }
        const float* src = img + (static_cast<int64_t>(y0[j]) * s.w + x0[j]) * nc;
        prefetch::ahead(src, distance, 0);
        for (int64_t c = 0; c < nc; ++c) px[c] = src[c];
      }
    }
  }
  for (; x < s.wo; ++x) transform_pixel(s, o, img, t, x, y, out + x * nc);
}

template <Interpolation kMode>
TransformForwardRow transform_row_for(int64_t c) {
  switch (c) {
    case 1: return transform_row<kMode, 1>;
    case 3: return transform_row<kMode, 3>;
    case 4: return transform_row<kMode, 4>;
    default: return transform_row<kMode, 0>;
  }
}

#endif  // STN_ISA_AVX2 || STN_ISA_AVX512

}  // namespace

TransformForwardRow select_transform_row(const TransformShape& s, const TransformOptions& o) {
#if defined(STN_ISA_AVX2) || defined(STN_ISA_AVX512)
  if (s.w <= kMaxVectorTransformSize && s.h <= kMaxVectorTransformSize &&
      s.wo <= kMaxVectorTransformSize) {
    if (o.interpolation == Interpolation::Bilinear) return transform_row_for<Interpolation::Bilinear>(s.c);
    if (o.interpolation == Interpolation::Nearest) return transform_row_for<Interpolation::Nearest>(s.c);
  }
#endif
  (void)s;
  (void)o;
  return nullptr;
}

}  // namespace STN_ISA
}  // namespace stn
