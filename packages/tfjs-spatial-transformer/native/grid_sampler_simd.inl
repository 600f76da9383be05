// NOTE [row kernels, written once, built once per ISA]
//
// Included by grid_sampler_base.cc, grid_sampler_avx2.cc and
// grid_sampler_avx512.cc, each compiled with its own flags and defining
// STN_ISA (the namespace) and, on x86, STN_ISA_AVX2 or STN_ISA_AVX512.
// dispatch.cc picks one at run time.
//
// Two kinds of rows, chosen by the channel count C (the same choice for every
// ISA, so results never depend on the ISA):
//
// - Channel rows (C > kPixelPathMaxChannels, every padding; and all C on the
//   base ISA or where the pixel rows do not apply). Each output pixel's
//   in-bounds neighbours (Taps: offsets, weights and weight derivatives) are
//   computed once with the coordinate helpers shared with the reference, then
//   reused across the contiguous NHWC channels: a corner is a contiguous row
//   of C floats, so blend and scatter-add are plain vector loads, multiplies
//   and adds (the compiler vectorises them at the file's vector width).
//   grad_grid: each tap's dot product Σ_c v[c]·gout[c] is accumulated in 16
//   fixed lanes (channel c in lane c mod 16, tail channels added in order
//   after a fixed pairwise reduction of the lanes), then
//   gix = Σ_k gx[k]·dot[k]. The 16 lanes are written with GCC vector types,
//   so every ISA performs the same operations in the same order.
// - Pixel rows (C <= kPixelPathMaxChannels, AVX2 or AVX-512): 8 or 16 output
//   pixels per step. Coordinates, corner offsets, weights and masks are
//   computed in vector registers with the reference's float operations in its
//   order (reflection: lanes more than one fold away take the scalar helper
//   lane by lane, see vec_reflect); corners are read with masked gathers
//   (out-of-bounds corners read nothing, as the reference skips them), or,
//   when every lane's cell is inside the image, a row's two corners by one
//   8-byte load per lane at C = 1 (gather_row_pair) and by 4-float loads
//   and transposes at C = 2..4 (cell_rows; nearest: a pixel's C floats).
//   grad_input's scatter stays scalar (lanes may hit the same pixel), in
//   pixel order (scatter_lanes: bilinear's and nearest's). A call's last
//   count % kWidth points are padded to a whole vector with NaN grid points,
//   which sample nothing (InVectors).
//
// Bitwise: forward equals the reference bit for bit on every path. grad_grid
// equals it bit for bit when C <= kPixelPathMaxChannels; above, it differs by
// the dot-product regrouping only (bounded in the tests). No FMA anywhere
// (-ffp-contract=off, and no FMA intrinsics), so the three ISAs agree bit for
// bit on every output.
//
// Linkage: everything here is in an unnamed namespace but select_rows, which
// is in the ISA's own namespace (stn::base, stn::avx2, stn::avx512), as are
// the other .inl files' select functions and isa_kernels.inl's table. An
// external-linkage inline function used here (ours or the library's:
// std::fill, std::min, std::floor(float), ...) that the compiler emits out of
// line (at -O0, under clang's sanitizers, ...) is a weak symbol built with
// this file's ISA flags, and the linker keeps one copy for the whole binary:
// the AVX-512 one may then run on the base path and in the reference (SIGILL
// without AVX-512). PyTorch puts each CPU capability's kernels in an unnamed
// namespace for the same reason. So the shared headers define nothing with
// external linkage (coordinates.h is an unnamed namespace and uses builtins),
// the helpers below stand in for <algorithm>, and the ctests isa_symbols_<isa>
// check every ISA object file, also built at -O0 (test/check_isa_symbols.cmake).
#include <cmath>
#include <cstdint>
#include <cstring>

#include "coordinates.h"
#include "grid_sampler_rows.h"
#include "lanes.h"

#if defined(STN_ISA_AVX2) || defined(STN_ISA_AVX512)
#include <immintrin.h>
#endif

#if defined(STN_ISA_AVX512) && defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*(): false positives.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

// The scalar scatters are built without GCC's SLP vectoriser: it joins a
// lane's adjacent adds into one wider load and store, which the next lane's
// overlap in part, so store forwarding fails (clang has no such attribute).
#if defined(__GNUC__) && !defined(__clang__)
#define STN_SCALAR_SCATTER [[gnu::optimize("no-tree-slp-vectorize")]]
#else
#define STN_SCALAR_SCATTER
#endif

namespace stn {
namespace STN_ISA {
namespace {

using coord::in_bounds;
using lanes::dot;

// std::fill_n and std::copy_n for floats, with internal linkage (see
// "Linkage" in the NOTE).
inline void fill_n(float* p, int64_t n, float v) {
  for (int64_t i = 0; i < n; ++i) p[i] = v;
}
inline void copy_n(const float* src, int64_t n, float* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}

// Zeroes rows [lo, hi] of a lazily zeroed scratch slice where *z says they
// are not zeroed yet, and extends *z; row_size = W * C.
inline void cover(ZeroedRows* z, float* slice, int64_t row_size, int64_t lo,
                  int64_t hi) {
  if (z->begin == z->end) z->begin = z->end = lo;
  if (lo < z->begin) {
    fill_n(slice + lo * row_size, (z->begin - lo) * row_size, 0.0f);
    z->begin = lo;
  }
  if (hi >= z->end) {
    fill_n(slice + z->end * row_size, (hi + 1 - z->end) * row_size, 0.0f);
    z->end = hi + 1;
  }
}

// In-bounds bilinear neighbours of one source point, in PyTorch's order
// (nw, ne, sw, se); out-of-bounds neighbours are left out, as PyTorch skips
// them. gx/gy are d(weight)/d(ix), d(weight)/d(iy).
struct Taps {
  int count = 0;
  int64_t y_min, y_max;  // input rows of the taps, when count > 0
  // Zero beyond `count`: blend() forms all four pointers up front, and an
  // out-of-range pointer (from an uninitialised offset) is undefined
  // behaviour, reported by UBSan even though it is never dereferenced.
  int64_t offset[4] = {0, 0, 0, 0};  // of the neighbour's pixel in the batch item
  float weight[4] = {0, 0, 0, 0};
  float gx[4], gy[4];
};

inline void bilinear_taps(float ix, float iy, const SamplerShape& s, Taps* t) {
  coord::BilinearCell b;
  if (!coord::bilinear_cell(ix, iy, s.w, s.h, &b)) return;
  auto add = [&](int64_t y, int64_t x, float weight, float gx, float gy) {
    if (!in_bounds(y, x, s.h, s.w)) return;
    if (t->count == 0) t->y_min = y;
    t->y_max = y;
    t->offset[t->count] = (y * s.w + x) * s.c;
    t->weight[t->count] = weight;
    t->gx[t->count] = gx;
    t->gy[t->count] = gy;
    ++t->count;
  };
  const int64_t x1 = b.x0 + 1, y1 = b.y0 + 1;
  add(b.y0, b.x0, b.nw(), -b.dy1, -b.dx1);
  add(b.y0, x1, b.ne(), b.dy1, -b.dx0);
  add(y1, b.x0, b.sw(), -b.dy0, b.dx1);
  add(y1, x1, b.se(), b.dy0, b.dx0);
}

// out[c] = 0 + v0[c] * w0 + v1[c] * w1 + ..., left to right as the reference.
inline void blend(const Taps& t, const float* inp, float* out, int64_t nc) {
  const float* p0 = inp + t.offset[0];
  const float* p1 = inp + t.offset[1];
  const float* p2 = inp + t.offset[2];
  const float* p3 = inp + t.offset[3];
  const float w0 = t.weight[0], w1 = t.weight[1], w2 = t.weight[2],
              w3 = t.weight[3];
  switch (t.count) {
    case 0:
      fill_n(out, nc, 0.0f);
      return;
    case 1:
      for (int64_t c = 0; c < nc; ++c) out[c] = 0.0f + p0[c] * w0;
      return;
    case 2:
      for (int64_t c = 0; c < nc; ++c) out[c] = (0.0f + p0[c] * w0) + p1[c] * w1;
      return;
    case 3:
      for (int64_t c = 0; c < nc; ++c)
        out[c] = ((0.0f + p0[c] * w0) + p1[c] * w1) + p2[c] * w2;
      return;
    default:
      for (int64_t c = 0; c < nc; ++c)
        out[c] = (((0.0f + p0[c] * w0) + p1[c] * w1) + p2[c] * w2) + p3[c] * w3;
      return;
  }
}

template <Interpolation kMode, Padding kPadding, bool kAlign>
struct ChannelRows {
  static void forward(const SamplerShape& s, const float* inp,
                      const float* grid, float* out_row, int64_t count) {
    for (int64_t x = 0; x < count; ++x) {
      const float* g = grid + 2 * x;
      float* out = out_row + x * s.c;
      float ix, iy;
      if (!coord::source_index(g[0], s.w, kPadding, kAlign, &ix) ||
          !coord::source_index(g[1], s.h, kPadding, kAlign, &iy)) {
        fill_n(out, s.c, 0.0f);
        continue;
      }
      if constexpr (kMode == Interpolation::Bilinear) {
        Taps t;
        bilinear_taps(ix, iy, s, &t);
        blend(t, inp, out, s.c);
      } else {
        int64_t xn, yn;
        if (coord::nearest_pixel(ix, iy, s.w, s.h, &xn, &yn)) {
          const float* src = inp + (yn * s.w + xn) * s.c;
          copy_n(src, s.c, out);
        } else {
          fill_n(out, s.c, 0.0f);
        }
      }
    }
  }

  static void backward(const SamplerShape& s, const float* gout_row,
                       const float* inp, const float* grid, float* ginp,
                       ZeroedRows* zeroed, float* ggrid, int64_t count) {
    const int64_t nc = s.c;
    for (int64_t x = 0; x < count; ++x) {
      const float* g = grid + 2 * x;
      const float* gout = gout_row + x * nc;
      float ix, iy, mult_x, mult_y;
      if (!coord::source_index_set_grad(g[0], s.w, kPadding, kAlign, &ix,
                                        &mult_x) ||
          !coord::source_index_set_grad(g[1], s.h, kPadding, kAlign, &iy,
                                        &mult_y)) {
        if (ggrid) ggrid[2 * x] = ggrid[2 * x + 1] = 0.0f;
        continue;
      }
      if constexpr (kMode == Interpolation::Bilinear) {
        Taps t;
        bilinear_taps(ix, iy, s, &t);
        if (ginp && t.count > 0) {
          if (zeroed) cover(zeroed, ginp, s.w * nc, t.y_min, t.y_max);
          for (int k = 0; k < t.count; ++k) {
            float* dst = ginp + t.offset[k];
            const float w = t.weight[k];
            for (int64_t c = 0; c < nc; ++c) dst[c] += w * gout[c];
          }
        }
        if (ggrid) {
          float gix = 0, giy = 0;
          if (nc <= kPixelPathMaxChannels) {
            // The reference's order, channel by channel.
            for (int64_t c = 0; c < nc; ++c) {
              const float go = gout[c];
              for (int k = 0; k < t.count; ++k) {
                const float v = inp[t.offset[k] + c];
                gix += v * t.gx[k] * go;
                giy += v * t.gy[k] * go;
              }
            }
          } else {
            for (int k = 0; k < t.count; ++k) {
              const float d = dot(inp + t.offset[k], gout, nc);
              gix += t.gx[k] * d;
              giy += t.gy[k] * d;
            }
          }
          ggrid[2 * x] = mult_x * gix;
          ggrid[2 * x + 1] = mult_y * giy;
        }
      } else {
        int64_t xn, yn;
        if (ginp && coord::nearest_pixel(ix, iy, s.w, s.h, &xn, &yn)) {
          if (zeroed) cover(zeroed, ginp, s.w * nc, yn, yn);
          float* dst = ginp + (yn * s.w + xn) * nc;
          for (int64_t c = 0; c < nc; ++c) dst[c] += gout[c];
        }
        if (ggrid) ggrid[2 * x] = ggrid[2 * x + 1] = 0.0f;
      }
    }
  }
};

// Bicubic rows (every ISA, every C and padding): the 16 taps of an output
// pixel are found once with the reference's helpers (coordinates.h), then
// reused across the contiguous channels. An out-of-bounds tap reads a row of
// zeros, so it enters every sum as in the reference (0 * w, possibly -0), and
// forward and grad_grid (C <= kPixelPathMaxChannels) keep the reference's
// operations and order; above, grad_grid uses per-tap dot products as the
// bilinear channel rows do.
constexpr int64_t kCubicChunk = 64;  // channels per pass of the forward
alignas(64) const float kZeroChannels[kCubicChunk] = {};

// The taps of one point: offset of tap (i along x, j along y) in the batch
// item, or -1 when it reads nothing.
struct CubicTaps {
  coord::CubicAxis ax, ay;
  int64_t offset[4][4];  // [j][i]
  int64_t y_min, y_max;  // input rows read, when any tap reads
  bool any;
};

inline void cubic_offsets(const SamplerShape& s, CubicTaps* t) {
  t->any = false;
  for (int j = 0; j < 4; ++j) {
    for (int i = 0; i < 4; ++i) {
      const bool in = t->ax.in[i] && t->ay.in[j];
      t->offset[j][i] = in ? (t->ay.index[j] * s.w + t->ax.index[i]) * s.c : -1;
      if (!in) continue;
      const int64_t y = t->ay.index[j];
      if (!t->any) t->y_min = t->y_max = y;
      t->y_min = y < t->y_min ? y : t->y_min;
      t->y_max = y > t->y_max ? y : t->y_max;
      t->any = true;
    }
  }
}

template <Padding kPadding, bool kAlign>
struct CubicRows {
  static void forward(const SamplerShape& s, const float* inp,
                      const float* grid, float* out_row, int64_t count) {
    for (int64_t x = 0; x < count; ++x) {
      const float* g = grid + 2 * x;
      float* out = out_row + x * s.c;
      CubicTaps t;
      if (!coord::cubic_axis(g[0], s.w, kPadding, kAlign, &t.ax) ||
          !coord::cubic_axis(g[1], s.h, kPadding, kAlign, &t.ay)) {
        fill_n(out, s.c, 0.0f);
        continue;
      }
      cubic_offsets(s, &t);
      const float* cx = t.ax.coeff;
      const float* cy = t.ay.coeff;
      for (int64_t c0 = 0; c0 < s.c; c0 += kCubicChunk) {
        const int64_t n = s.c - c0 < kCubicChunk ? s.c - c0 : kCubicChunk;
        const float* p[4][4];
        for (int j = 0; j < 4; ++j)
          for (int i = 0; i < 4; ++i)
            p[j][i] = t.offset[j][i] < 0 ? kZeroChannels : inp + t.offset[j][i] + c0;
        float* __restrict o = out + c0;
        for (int64_t c = 0; c < n; ++c) {
          float r[4];
          for (int j = 0; j < 4; ++j)
            r[j] = p[j][0][c] * cx[0] + p[j][1][c] * cx[1] + p[j][2][c] * cx[2] +
                   p[j][3][c] * cx[3];
          o[c] = r[0] * cy[0] + r[1] * cy[1] + r[2] * cy[2] + r[3] * cy[3];
        }
      }
    }
  }

  static void backward(const SamplerShape& s, const float* gout_row,
                       const float* inp, const float* grid, float* ginp,
                       ZeroedRows* zeroed, float* ggrid, int64_t count) {
    const int64_t nc = s.c;
    for (int64_t x = 0; x < count; ++x) {
      const float* g = grid + 2 * x;
      const float* gout = gout_row + x * nc;
      CubicTaps t;
      if (!coord::cubic_axis_set_grad(g[0], s.w, kPadding, kAlign, &t.ax) ||
          !coord::cubic_axis_set_grad(g[1], s.h, kPadding, kAlign, &t.ay)) {
        if (ggrid) ggrid[2 * x] = ggrid[2 * x + 1] = 0.0f;
        continue;
      }
      cubic_offsets(s, &t);
      const float *cx = t.ax.coeff, *cy = t.ay.coeff;
      const float *gx = t.ax.coeff_grad, *gy = t.ay.coeff_grad;
      if (ginp && t.any) {
        if (zeroed) cover(zeroed, ginp, s.w * nc, t.y_min, t.y_max);
        // The reference's (i, j) order for every element (taps may coincide).
        for (int i = 0; i < 4; ++i) {
          for (int j = 0; j < 4; ++j) {
            if (t.offset[j][i] < 0) continue;
            float* dst = ginp + t.offset[j][i];
            for (int64_t c = 0; c < nc; ++c) dst[c] += gout[c] * cx[i] * cy[j];
          }
        }
      }
      if (!ggrid) continue;
      float gix = 0, giy = 0;
      if (nc <= kPixelPathMaxChannels) {
        // The reference's order, channel by channel, zero taps included.
        for (int64_t c = 0; c < nc; ++c) {
          const float go = gout[c];
          for (int i = 0; i < 4; ++i) {
            for (int j = 0; j < 4; ++j) {
              const float v = t.offset[j][i] < 0 ? 0.0f : inp[t.offset[j][i] + c];
              gix -= v * gx[i] * cy[j] * go;
              giy -= v * gy[j] * cx[i] * go;
            }
          }
        }
      } else {
        for (int i = 0; i < 4; ++i) {
          for (int j = 0; j < 4; ++j) {
            if (t.offset[j][i] < 0) continue;
            const float d = dot(inp + t.offset[j][i], gout, nc);
            gix -= d * gx[i] * cy[j];
            giy -= d * gy[j] * cx[i];
          }
        }
      }
      ggrid[2 * x] = coord::unnormalize_grad(s.w, kAlign) * gix;
      ggrid[2 * x + 1] = coord::unnormalize_grad(s.h, kAlign) * giy;
    }
  }
};

#if defined(STN_ISA_AVX2) || defined(STN_ISA_AVX512)

// The few vector operations the pixel rows need, for one ISA. Masks are
// vectors of all-ones/all-zeros lanes on AVX2 and __mmask16 on AVX-512.
#if defined(STN_ISA_AVX512)
struct V {
  static constexpr int kWidth = 16;
  using F = __m512;
  using I = __m512i;
  using M = __mmask16;
  static F set1(float x) { return _mm512_set1_ps(x); }
  static I set1i(int32_t x) { return _mm512_set1_epi32(x); }
  static F zero() { return _mm512_setzero_ps(); }
  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }  // a > b ? a : b
  static F min(F a, F b) { return _mm512_min_ps(a, b); }  // a < b ? a : b
  static F abs(F a) { return _mm512_abs_ps(a); }
  static F floor(F a) {
    return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  }
  static F nearbyint(F a) {
    return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M le(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
  static M ge(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static M mand(M a, M b) { return a & b; }
  static M mor(M a, M b) { return a | b; }
  static F select(M m, F yes, F no) { return _mm512_mask_blend_ps(m, no, yes); }
  static M finite(F a) {
    return _mm512_cmp_ps_mask(_mm512_abs_ps(a), set1(INFINITY), _CMP_LT_OQ);
  }
  static I to_int(F a) { return _mm512_cvttps_epi32(a); }
  static F to_float(I a) { return _mm512_cvtepi32_ps(a); }
  static int bits(M m) { return m; }
  static I addi(I a, I b) { return _mm512_add_epi32(a, b); }
  static I muli(I a, I b) { return _mm512_mullo_epi32(a, b); }
  static F gather(M m, const float* base, I idx) {
    return _mm512_mask_i32gather_ps(zero(), m, idx, base, 4);
  }
  static void store_int(int32_t* p, I v) { _mm512_storeu_si512(p, v); }
  // The least (greatest) of v's lanes in m; INT32_MAX (INT32_MIN) if none.
  static int32_t min_lane(M m, I v) { return _mm512_mask_reduce_min_epi32(m, v); }
  static int32_t max_lane(M m, I v) { return _mm512_mask_reduce_max_epi32(m, v); }
  // (x, y) pairs at p -> x lanes, y lanes.
  static void deinterleave(const float* p, F* x, F* y) { split_pairs(load(p), load(p + kWidth), x, y); }
  // The pairs of a then b -> their first elements, their second elements.
  static void split_pairs(F a, F b, F* x, F* y) {
    const I even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20,
                                     22, 24, 26, 28, 30);
    const I odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    *x = _mm512_permutex2var_ps(a, even, b);
    *y = _mm512_permutex2var_ps(a, odd, b);
  }
  static void interleave(float* p, F x, F y) {
    const I lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21,
                                   6, 22, 7, 23);
    const I hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13,
                                   29, 14, 30, 15, 31);
    store(p, _mm512_permutex2var_ps(x, lo, y));
    store(p + kWidth, _mm512_permutex2var_ps(x, hi, y));
  }
  // (x, y, z) triples at p -> x, y, z lanes: element 3k + j of the 48 goes to
  // lane k of output j, taken from a:b by a first permute (elements < 32) and
  // from c by a second.
  static void deinterleave3(const float* p, F* x, F* y, F* z) {
    const F a = load(p), b = load(p + kWidth), c = load(p + 2 * kWidth);
    auto pick = [&](I from_ab, I from_c) {
      return _mm512_permutex2var_ps(_mm512_permutex2var_ps(a, from_ab, b), from_c, c);
    };
    *x = pick(_mm512_setr_epi32(0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0),
              _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 20, 23, 26, 29));
    *y = pick(_mm512_setr_epi32(1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 0, 0, 0, 0, 0),
              _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 21, 24, 27, 30));
    *z = pick(_mm512_setr_epi32(2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 0, 0, 0, 0, 0),
              _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 19, 22, 25, 28, 31));
  }
  // x, y, z lanes -> (x, y, z) triples at p: deinterleave3 undone, each
  // output vector's x and y elements by a first permute, its z by a second.
  static void interleave3(float* p, F x, F y, F z) {
    auto put = [&](float* at, I from_xy, I from_z) {
      store(at, _mm512_permutex2var_ps(_mm512_permutex2var_ps(x, from_xy, y), from_z, z));
    };
    put(p, _mm512_setr_epi32(0, 16, 0, 1, 17, 0, 2, 18, 0, 3, 19, 0, 4, 20, 0, 5),
        _mm512_setr_epi32(0, 1, 16, 3, 4, 17, 6, 7, 18, 9, 10, 19, 12, 13, 20, 15));
    put(p + kWidth, _mm512_setr_epi32(21, 0, 6, 22, 0, 7, 23, 0, 8, 24, 0, 9, 25, 0, 10, 26),
        _mm512_setr_epi32(0, 21, 2, 3, 22, 5, 6, 23, 8, 9, 24, 11, 12, 25, 14, 15));
    put(p + 2 * kWidth, _mm512_setr_epi32(0, 11, 27, 0, 12, 28, 0, 13, 29, 0, 14, 30, 0, 15, 31, 0),
        _mm512_setr_epi32(26, 1, 2, 27, 4, 5, 28, 7, 8, 29, 10, 11, 30, 13, 14, 31));
  }
  static I lane_index() {
    return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                             15);
  }
  static bool all(M m) { return m == 0xffff; }
  // Single-channel bicubic taps: one 4-float load per lane and row and a
  // transpose, cheaper than 4 gathers on AMD EPYC Zen 4 (S2 forward 1.41x).
  // out[k] = lane l's row[l][k], k = 0..3; with `bits`, only where bit k of
  // bits[l] is set, else 0 (a masked load: the floats left out are not
  // accessed). 128-bit block b of quad(q) holds lane 4b + q's row, and the
  // AVX2 transpose within blocks puts lane 4b + q at block b, position q.
  // Inlined with its helper: out of line, the backward called it per load.
  [[gnu::always_inline]] static __m128 load4(const float* const* row, const int32_t* bits, int lane) {
    return bits ? _mm_maskz_loadu_ps(__mmask8(bits[lane]), row[lane]) : _mm_loadu_ps(row[lane]);
  }
  [[gnu::always_inline]] static F quad(const float* const* row, const int32_t* bits, int lane) {
    F a = _mm512_castps128_ps512(load4(row, bits, lane));
    a = _mm512_insertf32x4(a, load4(row, bits, lane + 4), 1);
    a = _mm512_insertf32x4(a, load4(row, bits, lane + 8), 2);
    return _mm512_insertf32x4(a, load4(row, bits, lane + 12), 3);
  }
  [[gnu::always_inline]] static void rows4(const float* const* row, const int32_t* bits, F out[4]) {
    const F a0 = quad(row, bits, 0), a1 = quad(row, bits, 1), a2 = quad(row, bits, 2),
            a3 = quad(row, bits, 3);
    const F t0 = _mm512_unpacklo_ps(a0, a1), t1 = _mm512_unpackhi_ps(a0, a1);
    const F t2 = _mm512_unpacklo_ps(a2, a3), t3 = _mm512_unpackhi_ps(a2, a3);
    out[0] = _mm512_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    out[1] = _mm512_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    out[2] = _mm512_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    out[3] = _mm512_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  }
};
#else
struct V {
  static constexpr int kWidth = 8;
  using F = __m256;
  using I = __m256i;
  using M = __m256;
  static F set1(float x) { return _mm256_set1_ps(x); }
  static I set1i(int32_t x) { return _mm256_set1_epi32(x); }
  static F zero() { return _mm256_setzero_ps(); }
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }  // a > b ? a : b
  static F min(F a, F b) { return _mm256_min_ps(a, b); }  // a < b ? a : b
  static F abs(F a) { return _mm256_andnot_ps(set1(-0.0f), a); }
  static F floor(F a) {
    return _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  }
  static F nearbyint(F a) {
    return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  static M ge(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  static M mand(M a, M b) { return _mm256_and_ps(a, b); }
  static M mor(M a, M b) { return _mm256_or_ps(a, b); }
  static F select(M m, F yes, F no) { return _mm256_blendv_ps(no, yes, m); }
  static M finite(F a) {
    const F abs = _mm256_andnot_ps(set1(-0.0f), a);
    return _mm256_cmp_ps(abs, set1(INFINITY), _CMP_LT_OQ);
  }
  static I to_int(F a) { return _mm256_cvttps_epi32(a); }
  static F to_float(I a) { return _mm256_cvtepi32_ps(a); }
  static int bits(M m) { return _mm256_movemask_ps(m); }
  static I addi(I a, I b) { return _mm256_add_epi32(a, b); }
  static I muli(I a, I b) { return _mm256_mullo_epi32(a, b); }
  static F gather(M m, const float* base, I idx) {
    return _mm256_mask_i32gather_ps(zero(), base, idx, m, 4);
  }
  static void store_int(int32_t* p, I v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
  }
  // The least (greatest) of v's lanes in m; INT32_MAX (INT32_MIN) if none.
  static int32_t min_lane(M m, I v) {
    return fold(_mm256_blendv_epi8(set1i(INT32_MAX), v, _mm256_castps_si256(m)),
                [](__m128i a, __m128i b) { return _mm_min_epi32(a, b); });
  }
  static int32_t max_lane(M m, I v) {
    return fold(_mm256_blendv_epi8(set1i(INT32_MIN), v, _mm256_castps_si256(m)),
                [](__m128i a, __m128i b) { return _mm_max_epi32(a, b); });
  }
  template <class Op>
  static int32_t fold(I v, Op op) {
    __m128i r = op(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    r = op(r, _mm_shuffle_epi32(r, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm_cvtsi128_si32(op(r, _mm_shuffle_epi32(r, _MM_SHUFFLE(2, 3, 0, 1))));
  }
  static void deinterleave(const float* p, F* x, F* y) { split_pairs(load(p), load(p + kWidth), x, y); }
  static void split_pairs(F a, F b, F* x, F* y) {
    // [a0 a2 b0 b2 | a4 a6 b4 b6] -> [a0 a2 a4 a6 b0 b2 b4 b6]
    const F ex = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    const F ey = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
    *x = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ex), 0xD8));
    *y = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(ey), 0xD8));
  }
  static void interleave(float* p, F x, F y) {
    const F lo = _mm256_unpacklo_ps(x, y);  // x0 y0 x1 y1 | x4 y4 x5 y5
    const F hi = _mm256_unpackhi_ps(x, y);  // x2 y2 x3 y3 | x6 y6 x7 y7
    store(p, _mm256_permute2f128_ps(lo, hi, 0x20));
    store(p + kWidth, _mm256_permute2f128_ps(lo, hi, 0x31));
  }
  // (x, y, z) triples at p -> x, y, z lanes: lane i of a blend takes a, b or
  // c, whichever holds an element of the wanted axis at lane i; a permute
  // then puts the 8 in order.
  static void deinterleave3(const float* p, F* x, F* y, F* z) {
    const F a = load(p), b = load(p + kWidth), c = load(p + 2 * kWidth);
    // x0 x3 x6 x1 x4 x7 x2 x5
    const F tx = _mm256_blend_ps(_mm256_blend_ps(a, b, 0x92), c, 0x24);
    // y5 y0 y3 y6 y1 y4 y7 y2
    const F ty = _mm256_blend_ps(_mm256_blend_ps(a, b, 0x24), c, 0x49);
    // z2 z5 z0 z3 z6 z1 z4 z7
    const F tz = _mm256_blend_ps(_mm256_blend_ps(a, b, 0x49), c, 0x92);
    *x = _mm256_permutevar8x32_ps(tx, _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5));
    *y = _mm256_permutevar8x32_ps(ty, _mm256_setr_epi32(1, 4, 7, 2, 5, 0, 3, 6));
    *z = _mm256_permutevar8x32_ps(tz, _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7));
  }
  // x, y, z lanes -> (x, y, z) triples at p: deinterleave3 undone (its
  // permutes inverted, then each output takes its lanes from tx, ty, tz).
  static void interleave3(float* p, F x, F y, F z) {
    const F tx = _mm256_permutevar8x32_ps(x, _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5));
    const F ty = _mm256_permutevar8x32_ps(y, _mm256_setr_epi32(5, 0, 3, 6, 1, 4, 7, 2));
    const F tz = _mm256_permutevar8x32_ps(z, _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7));
    store(p, _mm256_blend_ps(_mm256_blend_ps(tx, ty, 0x92), tz, 0x24));
    store(p + kWidth, _mm256_blend_ps(_mm256_blend_ps(tx, ty, 0x24), tz, 0x49));
    store(p + 2 * kWidth, _mm256_blend_ps(_mm256_blend_ps(tx, ty, 0x49), tz, 0x92));
  }
  static I lane_index() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
  static bool all(M m) { return _mm256_movemask_ps(m) == 0xff; }
  // Single-channel bicubic taps as one 4-float load per lane and row and a
  // transpose: cheaper than 4 gathers on AVX2.
  // out[k] = lane l's row[l][k], k = 0..3; with `bits`, only where bit k of
  // bits[l] is set, else 0 (a masked load: the floats left out are not
  // accessed).
  // Inlined with its helper: out of line, the backward called it per load.
  [[gnu::always_inline]] static __m128 load4(const float* const* row, const int32_t* bits, int lane) {
    if (!bits) return _mm_loadu_ps(row[lane]);
    return _mm_maskload_ps(row[lane], _mm_load_si128(reinterpret_cast<const __m128i*>(kLoadMasks[bits[lane]])));
  }
  // kLoadMasks[b]: the load mask of the floats k whose bit k of b is set.
  alignas(16) static constexpr int32_t kLoadMasks[16][4] = {
      {0, 0, 0, 0},   {-1, 0, 0, 0},   {0, -1, 0, 0},   {-1, -1, 0, 0},   {0, 0, -1, 0},  {-1, 0, -1, 0},
      {0, -1, -1, 0}, {-1, -1, -1, 0}, {0, 0, 0, -1},   {-1, 0, 0, -1},   {0, -1, 0, -1}, {-1, -1, 0, -1},
      {0, 0, -1, -1}, {-1, 0, -1, -1}, {0, -1, -1, -1}, {-1, -1, -1, -1}};
  [[gnu::always_inline]] static F pair(const float* const* row, const int32_t* bits, int lane) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(load4(row, bits, lane)), load4(row, bits, lane + 4), 1);
  }
  [[gnu::always_inline]] static void rows4(const float* const* row, const int32_t* bits, F out[4]) {
    const F a0 = pair(row, bits, 0), a1 = pair(row, bits, 1), a2 = pair(row, bits, 2),
            a3 = pair(row, bits, 3);
    const F t0 = _mm256_unpacklo_ps(a0, a1), t1 = _mm256_unpackhi_ps(a0, a1);
    const F t2 = _mm256_unpacklo_ps(a2, a3), t3 = _mm256_unpackhi_ps(a2, a3);
    out[0] = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    out[1] = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    out[2] = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    out[3] = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  }
};
#endif

// The lanes of `far` (a bit mask) of *r and *mult, recomputed with the
// reference's reflect (kGrad: reflect_set_grad) from v and mult_in. Out of
// line: it is rarely called, and inlined it would crowd out the rows' own
// inlining.
template <bool kGrad>
__attribute__((noinline, cold)) void reflect_lanes(int far, V::F v, int64_t twice_low,
                                                   int64_t twice_high, V::F mult_in,
                                                   V::F* r, V::F* mult) {
  alignas(64) float lanes[V::kWidth], out[V::kWidth], m_in[V::kWidth], m_out[V::kWidth];
  V::store(lanes, v);
  V::store(out, *r);
  if (kGrad) {
    V::store(m_in, mult_in);
    V::store(m_out, *mult);
  }
  for (int j = 0; j < V::kWidth; ++j) {
    if (!(far >> j & 1)) continue;
    if (kGrad) {
      float grad;
      out[j] = coord::reflect_set_grad(lanes[j], twice_low, twice_high, &grad);
      m_out[j] = m_in[j] * grad;
    } else {
      out[j] = coord::reflect(lanes[j], twice_low, twice_high);
    }
  }
  *r = V::load(out);
  if (kGrad) *mult = V::load(m_out);
}

// coord::reflect of kWidth coordinates (kGrad: reflect_set_grad, whose
// factor multiplies *mult), with the reference's float operations. A lane
// less than two spans from the low edge (one fold at most, the usual case) is
// computed here: for x < 2 span, fmod(x, span) is x, or x - span (exact, by
// Sterbenz) when x >= span, and the float x / span rounds neither up to 1 nor
// up to 2, so floor(x / span) is odd exactly when x >= span. Farther finite
// lanes, and every lane of a one-pixel axis with align_corners (span 0), take
// the reference helper (reflect_lanes).
template <bool kAlign, bool kGrad>
inline V::F vec_reflect(V::F v, int64_t size, V::M finite, V::F* mult) {
  const int64_t twice_low = kAlign ? 0 : -1;
  const int64_t twice_high = kAlign ? 2 * (size - 1) : 2 * size - 1;
  const float span_1 = static_cast<float>(twice_high - twice_low) / 2;
  const V::F min = V::set1(static_cast<float>(twice_low) / 2), span = V::set1(span_1);
  const V::F zero = V::zero();
  V::F x = V::sub(v, min);
  // reflect takes |x|; reflect_set_grad negates x < 0 (so keeps -0).
  const V::M negative = V::lt(x, zero);
  x = kGrad ? V::select(negative, V::abs(x), x) : V::abs(x);
  const V::M odd = V::ge(x, span);
  const V::F extra = V::select(odd, V::sub(x, span), x);
  V::F r = V::select(odd, V::add(V::sub(span, extra), min), V::add(extra, min));
  const V::F mult_in = kGrad ? *mult : zero;
  if (kGrad) {
    const V::F sign = V::select(negative, V::set1(-1.0f), V::set1(1.0f));
    *mult = V::mul(mult_in, V::select(odd, V::sub(zero, sign), sign));
  }
  const int far = V::bits(finite) & ~V::bits(V::lt(x, V::set1(2 * span_1)));
  if (far != 0) reflect_lanes<kGrad>(far, v, twice_low, twice_high, mult_in, &r, mult);
  return r;
}

// Source coordinates of kWidth pixels along one axis: unnormalise (the
// reference's operations: x / 2 == x * 0.5f exactly), the finite mask, then
// reflection and clipping, or clipping alone for border (forward: clip();
// backward: clip_set_grad(), whose gradient factor multiplies *mult).
template <Padding kPadding, bool kAlign, bool kGrad>
inline V::F source_index(V::F g, int64_t size, V::M* finite, V::F* mult) {
  const V::F one = V::set1(1.0f), half = V::set1(0.5f);
  V::F v;
  if (kAlign) {
    v = V::mul(V::mul(V::add(g, one), half), V::set1(float(size - 1)));
  } else {
    v = V::mul(V::sub(V::mul(V::add(g, one), V::set1(float(size))), one), half);
  }
  *finite = V::finite(v);
  if (kGrad) *mult = V::set1(coord::unnormalize_grad(size, kAlign));
  if (kPadding == Padding::Reflection) v = vec_reflect<kAlign, kGrad>(v, size, *finite, mult);
  if (kPadding != Padding::Zeros) {
    const V::F zero = V::zero(), max = V::set1(float(size - 1));
    if (kGrad) {
      // x <= 0 -> 0 (grad 0); x >= max -> max (grad 0); else x (grad 1).
      const V::M low = V::le(v, zero), high = V::ge(v, max);
      v = V::select(low, zero, V::select(high, max, v));
      const V::F clip_grad =
          V::select(low, zero, V::select(high, zero, one));
      *mult = V::mul(*mult, clip_grad);
    } else {
      // std::min(max, std::max(v, 0)): max(0, v) keeps -0 as std::max does.
      v = V::min(V::max(zero, v), max);
    }
  }
  return v;
}

// The bilinear cell of kWidth source points: corner masks, offsets (of the
// nw corner, element index in the batch item) and distances.
struct VecCell {
  V::M near, m[4];
  V::I offset;  // of the nw corner; ne = +C, sw = +W*C, se = +W*C+C
  V::F dx0, dx1, dy0, dy1;
};

// Always inlined: GCC otherwise keeps it out of line (the reflection rows'
// size, the backward's instances), and its callers then spill their vector
// registers around the call and take its results through memory (callgrind,
// S1 forward, AVX2: 17% more instructions).
__attribute__((always_inline)) inline void vec_cell(const SamplerShape& s, V::F ix, V::F iy,
                                                    V::M finite, VecCell* cell) {
  const V::F fx = V::floor(ix), fy = V::floor(iy);
  const V::F one = V::set1(1.0f), minus_one = V::set1(-1.0f),
             zero = V::zero();
  const V::F w = V::set1(float(s.w)), h = V::set1(float(s.h));
  const V::F w1 = V::set1(float(s.w - 1)), h1 = V::set1(float(s.h - 1));
  // near_image(fx, w) && near_image(fy, h), and the coordinates are finite.
  cell->near = V::mand(
      finite, V::mand(V::mand(V::ge(fx, minus_one), V::le(fx, w)),
                      V::mand(V::ge(fy, minus_one), V::le(fy, h))));
  const V::M x0_in = V::mand(V::ge(fx, zero), V::lt(fx, w));
  const V::M x1_in = V::mand(V::ge(fx, minus_one), V::lt(fx, w1));
  const V::M y0_in = V::mand(V::ge(fy, zero), V::lt(fy, h));
  const V::M y1_in = V::mand(V::ge(fy, minus_one), V::lt(fy, h1));
  cell->m[0] = V::mand(cell->near, V::mand(y0_in, x0_in));
  cell->m[1] = V::mand(cell->near, V::mand(y0_in, x1_in));
  cell->m[2] = V::mand(cell->near, V::mand(y1_in, x0_in));
  cell->m[3] = V::mand(cell->near, V::mand(y1_in, x1_in));
  // Far lanes convert garbage, but they are masked everywhere.
  const V::I x0 = V::to_int(V::select(cell->near, fx, zero));
  const V::I y0 = V::to_int(V::select(cell->near, fy, zero));
  cell->offset = V::muli(V::addi(V::muli(y0, V::set1i(int32_t(s.w))), x0),
                         V::set1i(int32_t(s.c)));
  cell->dx0 = V::sub(ix, fx);
  cell->dx1 = V::sub(V::add(fx, one), ix);
  cell->dy0 = V::sub(iy, fy);
  cell->dy1 = V::sub(V::add(fy, one), iy);
}

// Every lane's 4 corners are inside the image.
inline bool all_inside(const VecCell& b) {
  return V::all(V::mand(V::mand(b.m[0], b.m[1]), V::mand(b.m[2], b.m[3])));
}

// One row's two corners of kWidth bilinear cells at C = 1: p[offset] in the
// lanes of m0 and p[offset + 1] in those of m1, 0 elsewhere, the values of two
// masked gathers. When every lane has both (the cells inside the image, the
// usual case), the two adjacent floats of each lane are one 8-byte scalar
// load instead, then split: gathers cost per element, and these loads were
// faster on AVX2 and AVX-512 alike (AMD EPYC Zen 4: S1/S2 forward 1.1-1.2x).
// GCC keeps it out of line in the volume rows, which measured faster there
// than forcing it inline (V1 forward 0.84-0.87x).
inline void gather_row_pair(V::M m0, V::M m1, const float* p, V::I offset, V::F* v0, V::F* v1) {
  if (V::bits(V::mand(m0, m1)) == (1 << V::kWidth) - 1) {
    alignas(64) int32_t off[V::kWidth];
    alignas(64) float pairs[2 * V::kWidth];
    V::store_int(off, offset);
    for (int j = 0; j < V::kWidth; ++j) std::memcpy(pairs + 2 * j, p + off[j], 2 * sizeof(float));
    V::split_pairs(V::load(pairs), V::load(pairs + V::kWidth), v0, v1);
    return;
  }
  *v0 = V::gather(m0, p, offset);
  *v1 = V::gather(m1, p + 1, offset);
}

// The 4 corners' channels (C = 2..4) of kWidth bilinear cells that are all
// inside the image: v[k][c], corners in nw, ne, sw, se order, the values of
// masked gathers. A row's two corners are 2 * C consecutive floats per lane,
// loaded 4 at a time and transposed (V::rows4): float e of a row is corner
// e / C, channel e % C. At C = 3 a row's second load has 2 of them, masked,
// so nothing past the cell is read.
inline void cell_rows(const SamplerShape& s, const float* inp, V::I offset,
                      V::F v[4][kPixelPathMaxChannels]) {
  const int nc = int(s.c), floats = 2 * nc;
  alignas(64) int32_t first[V::kWidth], tail[V::kWidth];
  for (int lane = 0; lane < V::kWidth; ++lane) tail[lane] = (1 << (floats % 4)) - 1;
  const float* row[V::kWidth];
  for (int r = 0; r < 2; ++r) {
    V::store_int(first, r ? V::addi(offset, V::set1i(int32_t(s.w * s.c))) : offset);
    for (int k = 0; 4 * k < floats; ++k) {
      for (int lane = 0; lane < V::kWidth; ++lane) row[lane] = inp + first[lane] + 4 * k;
      V::F e[4];
      V::rows4(row, floats - 4 * k < 4 ? tail : nullptr, e);
      for (int m = 0; m < 4 && 4 * k + m < floats; ++m) v[2 * r + (4 * k + m) / nc][(4 * k + m) % nc] = e[m];
    }
  }
}

// The nearest pixels of kWidth source points (coord::nearest_pixel): the
// element offset of each in the batch item, and *in, the lanes that have one.
inline V::I vec_nearest(const SamplerShape& s, V::F ix, V::F iy, V::M finite, V::M* in) {
  const V::F rx = V::nearbyint(ix), ry = V::nearbyint(iy);
  const V::F zero = V::zero();
  *in = V::mand(finite,
                V::mand(V::mand(V::ge(rx, zero), V::lt(rx, V::set1(float(s.w)))),
                        V::mand(V::ge(ry, zero), V::lt(ry, V::set1(float(s.h))))));
  const V::I xi = V::to_int(V::select(*in, rx, zero));
  const V::I yi = V::to_int(V::select(*in, ry, zero));
  return V::muli(V::addi(V::muli(yi, V::set1i(int32_t(s.w))), xi), V::set1i(int32_t(s.c)));
}

// The least (lo) and greatest (hi) lane of v[k] in m[k], k < n; lo > hi
// when there is none.
inline void lane_span(int n, const V::M* m, const V::I* v, int32_t* lo, int32_t* hi) {
  *lo = INT32_MAX;
  *hi = INT32_MIN;
  for (int k = 0; k < n; ++k) {
    const int32_t a = V::min_lane(m[k], v[k]), b = V::max_lane(m[k], v[k]);
    *lo = a < *lo ? a : *lo;
    *hi = b > *hi ? b : *hi;
  }
}

// Zeroes, in a lazily zeroed scratch slice, the rows of the elements at
// offsets v[k] of the lanes in m[k], k < n, before they are scatter-added
// to, at once for kWidth pixels: the span zeroed ends the same as by one
// cover() per pixel, and it zeroes only rows nothing has been added to yet.
inline void cover_lanes(ZeroedRows* z, float* slice, int64_t row_size, int n, const V::M* m,
                        const V::I* v) {
  int32_t lo, hi;
  lane_span(n, m, v, &lo, &hi);
  if (hi >= 0) cover(z, slice, row_size, lo / row_size, hi / row_size);
}

// A corner of the bilinear cells of kWidth pixels (or the nearest pixel):
// its element offset from the cell's, and its weight in each lane.
struct Corner {
  int32_t step;
  V::F weight;
};

// grad_input += weight * gout at the 4 corners of kWidth bilinear cells, or
// += gout at kWidth nearest pixels (kCorners = 1: the weight is not read),
// lane j's corner k at offset[j] + corner[k].step where mask[k] has lane j:
// scalar, lane by lane in pixel order and within a pixel in corner order
// (lanes may share pixels), as the channel rows add, so grad_input is
// bitwise theirs. kC = C (1 to kPixelPathMaxChannels): loops the compiler
// unrolls; with one channel, the products weight * gout of every lane at
// once. Inlined: a call would spill the caller's vector registers.
template <int kCorners, int kC>
__attribute__((always_inline)) inline void scatter_lanes(const SamplerShape& s, const V::M* mask,
                                                        V::I offset, const Corner* corner,
                                                        const float* go_px, float* ginp,
                                                        ZeroedRows* zeroed) {
  constexpr int kW = V::kWidth, kAll = (1 << kW) - 1;
  int bits[kCorners], lanes = 0, every = kAll;
  for (int k = 0; k < kCorners; ++k) {
    bits[k] = V::bits(mask[k]);
    lanes |= bits[k];
    every &= bits[k];
  }
  if (!lanes) return;
  if (zeroed) {
    V::I at[kCorners];
    for (int k = 0; k < kCorners; ++k) at[k] = V::addi(offset, V::set1i(corner[k].step));
    cover_lanes(zeroed, ginp, s.w * kC, kCorners, mask, at);
  }
  alignas(64) int32_t off[kW];
  alignas(64) float w[kCorners][kW];
  int32_t step[kCorners];
  V::store_int(off, offset);
  constexpr bool kWeighted = kCorners > 1;
  for (int k = 0; k < kCorners; ++k) {
    step[k] = corner[k].step;
    if (kC == 1) {
      const V::F go = V::load(go_px);
      V::store(w[k], kWeighted ? V::mul(corner[k].weight, go) : go);
    } else if (kWeighted) {
      V::store(w[k], corner[k].weight);
    }
  }
  auto add = [&](int j, int k) {
    float* dst = ginp + off[j] + step[k];
    if (kC == 1) {
      dst[0] += w[k][j];
    } else {
      const float* go = go_px + j * kC;
      for (int c = 0; c < kC; ++c) dst[c] += kWeighted ? w[k][j] * go[c] : go[c];
    }
  };
  if (every == kAll) {  // the usual case: no tests per lane
    for (int j = 0; j < kW; ++j)
      for (int k = 0; k < kCorners; ++k) add(j, k);
    return;
  }
  for (; lanes; lanes &= lanes - 1) {
    const int j = __builtin_ctz(lanes);
    for (int k = 0; k < kCorners; ++k)
      if (bits[k] >> j & 1) add(j, k);
  }
}

template <int kCorners>
__attribute__((always_inline)) inline void scatter_lanes(const SamplerShape& s, const V::M* mask,
                                                        V::I offset, const Corner* corner,
                                                        const float* go_px, float* ginp,
                                                        ZeroedRows* zeroed) {
  static_assert(kPixelPathMaxChannels == 4, "one scatter_lanes per channel count");
  switch (s.c) {
    case 1: return scatter_lanes<kCorners, 1>(s, mask, offset, corner, go_px, ginp, zeroed);
    case 2: return scatter_lanes<kCorners, 2>(s, mask, offset, corner, go_px, ginp, zeroed);
    case 3: return scatter_lanes<kCorners, 3>(s, mask, offset, corner, go_px, ginp, zeroed);
    default: return scatter_lanes<kCorners, 4>(s, mask, offset, corner, go_px, ginp, zeroed);
  }
}

// Writes channel c of kWidth pixels (lanes) to out (stride C); Shape is
// SamplerShape or VolumeShape.
template <class Shape>
inline void put_lanes(const Shape& s, float* out, int64_t c, V::F v) {
  if (s.c == 1) {
    V::store(out, v);
    return;
  }
  float lanes[V::kWidth];
  V::store(lanes, v);
  for (int j = 0; j < V::kWidth; ++j) out[j * s.c + c] = lanes[j];
}

// The row entry points of a vector kernel K, whose forward_full and
// backward_full take whole vectors of pixels: the last count % kWidth pixels
// are padded to a full vector with NaN grid points (which sample nothing) in
// buffers, then copied back. Grid points have kDims coordinates (the volume
// rows: Shape = VolumeShape, kDims = 3).
template <class K, class Shape = SamplerShape, int kDims = 2>
struct InVectors {
  static constexpr int kW = V::kWidth;

  static void forward(const Shape& s, const float* inp,
                      const float* grid, float* out, int64_t count) {
    const int64_t full = count - count % kW;
    K::forward_full(s, inp, grid, out, full);
    if (full == count) return;
    const int64_t rest = count - full;
    float grid_buf[kDims * kW], out_buf[kW * kPixelPathMaxChannels];
    fill_n(grid_buf, kDims * kW, NAN);
    copy_n(grid + kDims * full, kDims * rest, grid_buf);
    K::forward_full(s, inp, grid_buf, out_buf, kW);
    copy_n(out_buf, rest * s.c, out + full * s.c);
  }

  static void backward(const Shape& s, const float* gout,
                       const float* inp, const float* grid, float* ginp,
                       ZeroedRows* zeroed, float* ggrid, int64_t count) {
    const int64_t full = count - count % kW;
    K::backward_full(s, gout, inp, grid, ginp, zeroed, ggrid, full);
    if (full == count) return;
    const int64_t rest = count - full;
    float grid_buf[kDims * kW], ggrid_buf[kDims * kW], gout_buf[kW * kPixelPathMaxChannels];
    fill_n(grid_buf, kDims * kW, NAN);
    fill_n(gout_buf, kW * s.c, 0.0f);
    copy_n(grid + kDims * full, kDims * rest, grid_buf);
    copy_n(gout + full * s.c, rest * s.c, gout_buf);
    K::backward_full(s, gout_buf, inp, grid_buf, ginp, zeroed,
                     ggrid ? ggrid_buf : nullptr, kW);
    if (ggrid) copy_n(ggrid_buf, kDims * rest, ggrid + kDims * full);
  }
};

// Software prefetch of the bilinear cells kPrefetchAhead points ahead, for
// items larger than kPrefetchMinItem floats (the L2 cache is 0.5-2 MB): a
// rotated output row walks its input diagonally, across input rows, which
// the hardware prefetcher does not follow (prefetch.h). Lanes 0, 4, 8 and
// 12 (neighbouring lanes mostly share lines), the cell's top and bottom
// rows, of `read` (the input; null: none) and, for writing, of `write` (the
// input gradient; null: none), from one computation of the cells. A
// prefetch changes no value and never faults, and its address is formed
// as an integer (a cell's row may lie outside the image); lanes with no
// cell are skipped.
constexpr int64_t kPrefetchMinItem = int64_t{1} << 16;
constexpr int64_t kPrefetchAhead = 4 * V::kWidth;

template <Padding kPadding, bool kAlign>
inline void prefetch_cells(const SamplerShape& s, const float* grid_ahead, const float* read,
                           const float* write) {
  V::F gx, gy, unused;
  V::deinterleave(grid_ahead, &gx, &gy);
  V::M fin_x, fin_y;
  const V::F ix = source_index<kPadding, kAlign, false>(gx, s.w, &fin_x, &unused);
  const V::F iy = source_index<kPadding, kAlign, false>(gy, s.h, &fin_y, &unused);
  VecCell cell;
  vec_cell(s, ix, iy, V::mand(fin_x, fin_y), &cell);
  alignas(64) int32_t offset[V::kWidth];
  V::store_int(offset, cell.offset);
  const int near = V::bits(cell.near);
  const uintptr_t row = uintptr_t(s.w * s.c) * sizeof(float);
  auto at = [](const float* image, uintptr_t bytes) {
    return reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(image) + bytes);
  };
  for (int j = 0; j < V::kWidth; j += 4) {
    if (!(near >> j & 1)) continue;
    const uintptr_t bytes = uintptr_t(intptr_t(offset[j]) * intptr_t(sizeof(float)));
    if (read) {
      __builtin_prefetch(at(read, bytes), 0);
      __builtin_prefetch(at(read, bytes + row), 0);
    }
    if (write) {
      __builtin_prefetch(at(write, bytes), 1);
      __builtin_prefetch(at(write, bytes + row), 1);
    }
  }
}

template <Interpolation kMode, Padding kPadding, bool kAlign>
struct PixelRows {
  static constexpr int kW = V::kWidth;

  static void forward_full(const SamplerShape& s, const float* inp,
                           const float* grid, float* out, int64_t count) {
    const bool prefetch = kMode == Interpolation::Bilinear && s.h * s.w * s.c > kPrefetchMinItem;
    int64_t x = 0;
    for (; x + kW <= count; x += kW) {
      if (prefetch && x + kPrefetchAhead + kW <= count)
        prefetch_cells<kPadding, kAlign>(s, grid + 2 * (x + kPrefetchAhead), inp, nullptr);
      V::F gx, gy, unused;
      V::deinterleave(grid + 2 * x, &gx, &gy);
      V::M fin_x, fin_y;
      const V::F ix = source_index<kPadding, kAlign, false>(gx, s.w, &fin_x, &unused);
      const V::F iy = source_index<kPadding, kAlign, false>(gy, s.h, &fin_y, &unused);
      const V::M finite = V::mand(fin_x, fin_y);
      float* o = out + x * s.c;
      if constexpr (kMode == Interpolation::Bilinear) {
        VecCell b;
        vec_cell(s, ix, iy, finite, &b);
        const V::F nw = V::mul(b.dx1, b.dy1), ne = V::mul(b.dx0, b.dy1),
                   sw = V::mul(b.dx1, b.dy0), se = V::mul(b.dx0, b.dy0);
        const V::I c_step = V::set1i(int32_t(s.c));
        const V::I row_step = V::set1i(int32_t(s.w * s.c));
        const V::I o_ne = V::addi(b.offset, c_step);
        const V::I o_sw = V::addi(b.offset, row_step);
        const V::I o_se = V::addi(o_sw, c_step);
        auto blend = [&](V::F v0, V::F v1, V::F v2, V::F v3) {
          V::F r = V::add(V::zero(), V::mul(v0, nw));
          r = V::add(r, V::mul(v1, ne));
          r = V::add(r, V::mul(v2, sw));
          r = V::add(r, V::mul(v3, se));
          return V::select(b.near, r, V::zero());
        };
        if (s.c == 1) {
          V::F v0, v1, v2, v3;
          gather_row_pair(b.m[0], b.m[1], inp, b.offset, &v0, &v1);
          gather_row_pair(b.m[2], b.m[3], inp, o_sw, &v2, &v3);
          V::store(o, blend(v0, v1, v2, v3));
          continue;
        }
        if (all_inside(b)) {
          V::F v[4][kPixelPathMaxChannels];
          cell_rows(s, inp, b.offset, v);
          for (int64_t c = 0; c < s.c; ++c) put_lanes(s, o, c, blend(v[0][c], v[1][c], v[2][c], v[3][c]));
          continue;
        }
        for (int64_t c = 0; c < s.c; ++c) {
          const float* p = inp + c;
          put_lanes(s, o, c, blend(V::gather(b.m[0], p, b.offset), V::gather(b.m[1], p, o_ne),
                                   V::gather(b.m[2], p, o_sw), V::gather(b.m[3], p, o_se)));
        }
      } else {
        V::M in;
        const V::I off = vec_nearest(s, ix, iy, finite, &in);
        if (s.c > 1 && V::all(in)) {
          // C = 2..4, every pixel inside: its C floats by one load per lane
          // (masked below 4), transposed, for the C gathers.
          alignas(64) int32_t at[kW], bits[kW];
          const float* pixel[kW];
          V::store_int(at, off);
          for (int lane = 0; lane < kW; ++lane) {
            pixel[lane] = inp + at[lane];
            bits[lane] = (1 << s.c) - 1;
          }
          V::F e[4];
          V::rows4(pixel, s.c < 4 ? bits : nullptr, e);
          for (int64_t c = 0; c < s.c; ++c) put_lanes(s, o, c, e[c]);
          continue;
        }
        for (int64_t c = 0; c < s.c; ++c) put_lanes(s, o, c, V::gather(in, inp + c, off));
      }
    }
  }

  // With and without grad_input: two loops, so that the grid-only one
  // carries none of the scatter's code (register pressure). Flattened: with
  // the reflection rows in the same unit, GCC's inlining budget otherwise
  // left parts of the loop as calls (S4 backward 7.4 -> 10.4 ms).
  static void backward_full(const SamplerShape& s, const float* gout,
                            const float* inp, const float* grid, float* ginp,
                            ZeroedRows* zeroed, float* ggrid, int64_t count) {
    if (ginp)
      backward_vectors<true>(s, gout, inp, grid, ginp, zeroed, ggrid, count);
    else
      backward_vectors<false>(s, gout, inp, grid, nullptr, nullptr, ggrid, count);
  }

  template <bool kInput>
  [[gnu::flatten]] static void backward_vectors(const SamplerShape& s, const float* gout,
                               const float* inp, const float* grid, float* ginp,
                               ZeroedRows* zeroed, float* ggrid, int64_t count) {
    const int64_t nc = s.c;
    const V::I gout_index = V::muli(V::lane_index(), V::set1i(int32_t(nc)));
    const bool prefetch = kMode == Interpolation::Bilinear && s.h * s.w * s.c > kPrefetchMinItem;
    for (int64_t x = 0; x + kW <= count; x += kW) {
      if (prefetch && x + kPrefetchAhead + kW <= count)
        prefetch_cells<kPadding, kAlign>(s, grid + 2 * (x + kPrefetchAhead), ggrid ? inp : nullptr, ginp);
      V::F gx, gy, mult_x, mult_y;
      V::deinterleave(grid + 2 * x, &gx, &gy);
      V::M fin_x, fin_y;
      const V::F ix = source_index<kPadding, kAlign, true>(gx, s.w, &fin_x, &mult_x);
      const V::F iy = source_index<kPadding, kAlign, true>(gy, s.h, &fin_y, &mult_y);
      const V::M finite = V::mand(fin_x, fin_y);
      const float* go_px = gout + x * nc;
      if constexpr (kMode == Interpolation::Nearest) {
        if constexpr (kInput) {
          V::M in;
          const V::I off = vec_nearest(s, ix, iy, finite, &in);
          const Corner pixel{0, V::zero()};
          scatter_lanes<1>(s, &in, off, &pixel, go_px, ginp, zeroed);
        }
        if (ggrid) V::interleave(ggrid + 2 * x, V::zero(), V::zero());
        continue;
      }
      VecCell b;
      vec_cell(s, ix, iy, finite, &b);
      const int32_t row_size = int32_t(s.w * nc);
      if constexpr (kInput) {
        const Corner corners[4] = {{0, V::mul(b.dx1, b.dy1)},
                                   {int32_t(nc), V::mul(b.dx0, b.dy1)},
                                   {row_size, V::mul(b.dx1, b.dy0)},
                                   {row_size + int32_t(nc), V::mul(b.dx0, b.dy0)}};
        scatter_lanes<4>(s, b.m, b.offset, corners, go_px, ginp, zeroed);
      }
      if (ggrid) {
        const V::I c_step = V::set1i(int32_t(nc)), row_step = V::set1i(row_size);
        const V::I off[4] = {b.offset, V::addi(b.offset, c_step),
                             V::addi(b.offset, row_step),
                             V::addi(V::addi(b.offset, row_step), c_step)};
        V::F gix = V::zero(), giy = V::zero();
        // C = 2..4 with every cell inside: all channels' corners at once.
        const bool rows = nc > 1 && all_inside(b);
        V::F corner[4][kPixelPathMaxChannels];
        if (rows) cell_rows(s, inp, b.offset, corner);
        for (int64_t c = 0; c < nc; ++c) {
          const float* p = inp + c;
          const V::F go = nc == 1 ? V::load(go_px)
                                  : V::gather(finite, go_px + c, gout_index);
          // The reference's terms and order; out-of-bounds corners skipped.
          auto term = [&](V::M m, V::F v, V::F d) {
            return V::select(m, V::mul(V::mul(v, d), go), V::zero());
          };
          V::F v0, v1, v2, v3;
          if (nc == 1) {
            gather_row_pair(b.m[0], b.m[1], p, off[0], &v0, &v1);
            gather_row_pair(b.m[2], b.m[3], p, off[2], &v2, &v3);
          } else if (rows) {
            v0 = corner[0][c];
            v1 = corner[1][c];
            v2 = corner[2][c];
            v3 = corner[3][c];
          } else {
            v0 = V::gather(b.m[0], p, off[0]);
            v1 = V::gather(b.m[1], p, off[1]);
            v2 = V::gather(b.m[2], p, off[2]);
            v3 = V::gather(b.m[3], p, off[3]);
          }
          // A skipped corner adds +0, which changes nothing: gix starts at
          // +0 and a sum of terms is never -0 (x + -x is +0).
          gix = V::sub(gix, term(b.m[0], v0, b.dy1));
          giy = V::sub(giy, term(b.m[0], v0, b.dx1));
          gix = V::add(gix, term(b.m[1], v1, b.dy1));
          giy = V::sub(giy, term(b.m[1], v1, b.dx0));
          gix = V::sub(gix, term(b.m[2], v2, b.dy0));
          giy = V::add(giy, term(b.m[2], v2, b.dx1));
          gix = V::add(gix, term(b.m[3], v3, b.dy0));
          giy = V::add(giy, term(b.m[3], v3, b.dx0));
        }
        const V::F out_x = V::select(finite, V::mul(mult_x, gix), V::zero());
        const V::F out_y = V::select(finite, V::mul(mult_y, giy), V::zero());
        V::interleave(ggrid + 2 * x, out_x, out_y);
      }
    }
  }
};

// Bicubic pixel rows (C <= kPixelPathMaxChannels, every padding):
// kWidth pixels per step, the coefficients and the 4 tap columns and rows in
// vector registers with the reference's float operations (coordinates.h),
// each of the 16 taps a masked gather (an out-of-bounds tap reads 0 and
// enters the sums, as in the reference); when every lane's taps are inside
// the image (the usual case away from the edges), each tap row of a lane is
// C loads of 4 floats and transposes (V::rows4), and with one channel and
// zeros padding, so is every vector's, the edge lanes' by masked loads of
// the taps that read (TapValues). grad_input's
// scatter is scalar, in pixel order and the reference's tap order.
struct VecCubicAxis {
  V::F coeff[4], grad[4];
  V::I index[4];  // of the tap's column (row), 0 where it reads nothing
  V::M in[4];     // the tap reads something (the point is finite, too)
  V::M interior;  // all 4 taps inside, unpadded: consecutive columns (rows)
  V::M reads;     // some tap reads
  V::I start;     // floor - 1, tap 0's unpadded index (0 where no tap reads)
};

inline V::F vec_cubic_convolution1(V::F x) {
  const V::F p = V::sub(V::mul(V::set1(coord::kCubicA + 2), x), V::set1(coord::kCubicA + 3));
  return V::add(V::mul(V::mul(p, x), x), V::set1(1.0f));
}

inline V::F vec_cubic_convolution2(V::F x) {
  const float a = coord::kCubicA;
  const V::F p = V::sub(V::mul(V::set1(a), x), V::set1(5 * a));
  return V::sub(V::mul(V::add(V::mul(p, x), V::set1(8 * a)), x), V::set1(4 * a));
}

template <Padding kPadding, bool kAlign, bool kGrad>
inline void vec_cubic_axis(V::F g, int64_t size, V::M* finite, VecCubicAxis* a) {
  V::F unused;
  const V::F v = source_index<Padding::Zeros, kAlign, false>(g, size, finite, &unused);
  const V::F f = V::floor(v), t = V::sub(v, f);
  const V::F one = V::set1(1.0f);
  a->coeff[0] = vec_cubic_convolution2(V::add(t, one));
  a->coeff[1] = vec_cubic_convolution1(t);
  const V::F u = V::sub(one, t);
  a->coeff[2] = vec_cubic_convolution1(u);
  a->coeff[3] = vec_cubic_convolution2(V::add(u, one));
  if (kGrad) {
    const float k = coord::kCubicA;
    V::F x = V::sub(V::set1(-1.0f), t);
    a->grad[0] = V::sub(V::mul(V::sub(V::mul(V::set1(-3 * k), x), V::set1(10 * k)), x),
                        V::set1(8 * k));
    x = V::mul(t, V::set1(-1.0f));  // -t, signed zero included
    a->grad[1] = V::mul(V::sub(V::mul(V::set1(-3 * (k + 2)), x), V::set1(2 * (k + 3))), x);
    x = V::sub(one, t);
    a->grad[2] = V::mul(V::sub(V::mul(V::set1(3 * (k + 2)), x), V::set1(2 * (k + 3))), x);
    x = V::sub(V::set1(2.0f), t);
    a->grad[3] = V::add(V::mul(V::sub(V::mul(V::set1(3 * k), x), V::set1(10 * k)), x),
                        V::set1(8 * k));
  }
  const V::F zero = V::zero(), last = V::set1(float(size - 1));
  a->interior = V::mand(*finite, V::mand(V::ge(V::sub(f, one), zero),
                                         V::le(V::add(f, V::set1(2.0f)), last)));
  for (int k = 0; k < 4; ++k) {
    V::F x = V::add(f, V::set1(float(k - 1)));
    if (kPadding == Padding::Reflection) x = vec_reflect<kAlign, false>(x, size, *finite, nullptr);
    if (kPadding != Padding::Zeros) x = V::min(V::max(zero, x), last);  // coord::clip
    // As coord::cubic_tap (when padded this only rules out an empty axis).
    const V::M in = V::mand(*finite, V::mand(V::ge(x, zero), V::lt(x, V::set1(float(size)))));
    a->in[k] = in;
    a->index[k] = V::to_int(V::select(in, x, zero));
  }
  a->reads = V::mor(V::mor(a->in[0], a->in[1]), V::mor(a->in[2], a->in[3]));
  a->start = V::to_int(V::select(a->reads, V::sub(f, one), zero));
}

template <Padding kPadding, bool kAlign>
struct CubicPixelRows {
  static constexpr int kW = V::kWidth;

  // Tap (i along x, j along y): element offsets in the batch item and masks,
  // and how TapValues reads them:
  // - kRows (every lane's 16 taps inside and unpadded): row j's taps are
  //   4 * C consecutive floats from offset[j][0], the only offsets set;
  // - kMaskedRows (one channel, zeros padding, so no tap is padded): row j's
  //   taps are the floats of row_start[j], row_start[j] + 1, ... whose
  //   row_bits[j] bit is set (bit i: tap i reads), loaded with masks;
  // - kGathers: a masked gather per tap.
  // Every offset and mask is set but with kRows (the scatter reads them).
  enum class Load { kRows, kMaskedRows, kGathers };
  struct Taps {
    V::I offset[4][4];
    V::M mask[4][4];
    V::I row_start[4], row_bits[4];
    Load load;
  };

  static void taps(const SamplerShape& s, const VecCubicAxis& ax, const VecCubicAxis& ay,
                   Taps* t) {
    const V::I row = V::set1i(int32_t(s.w * s.c)), col = V::set1i(int32_t(s.c));
    t->load = V::all(V::mand(ax.interior, ay.interior))   ? Load::kRows
              : s.c == 1 && kPadding == Padding::Zeros ? Load::kMaskedRows
                                                       : Load::kGathers;
    const int columns = t->load == Load::kRows ? 1 : 4;
    for (int j = 0; j < 4; ++j) {
      const V::I y = V::muli(ay.index[j], row);
      for (int i = 0; i < columns; ++i) {
        t->offset[j][i] = V::addi(y, V::muli(ax.index[i], col));
        t->mask[j][i] = V::mand(ay.in[j], ax.in[i]);
      }
    }
    if (t->load != Load::kMaskedRows) return;
    V::F columns_read = V::zero();  // bit i: column i reads
    for (int i = 0; i < 4; ++i)
      columns_read = V::add(columns_read, V::select(ax.in[i], V::set1(float(1 << i)), V::zero()));
    for (int j = 0; j < 4; ++j) {
      t->row_bits[j] = V::to_int(V::select(ay.in[j], columns_read, V::zero()));
      t->row_start[j] = V::addi(V::muli(V::addi(ay.start, V::set1i(j)), row), ax.start);
    }
  }

  // The 16 taps' values of one vector, channel by channel: get(c, v) gives
  // v[j][i] (0 where a tap reads nothing), as t.load says (the same values
  // every way). kRows with C = 2..4 loads every channel's at construction:
  // row j of a lane is 4 * C consecutive floats, 4 at a time transposed
  // (V::rows4), and float e of a row is tap e / C of channel e % C.
  class TapValues {
   public:
    TapValues(const float* inp, const Taps& t, int64_t nc)
        : inp_(inp), t_(t), all_channels_(t.load == Load::kRows && nc > 1) {
      if (!all_channels_) return;
      alignas(64) int32_t first[kW];
      const float* row[kW];
      for (int j = 0; j < 4; ++j) {
        V::store_int(first, t.offset[j][0]);
        for (int64_t k = 0; k < nc; ++k) {
          for (int lane = 0; lane < kW; ++lane) row[lane] = inp + first[lane] + 4 * k;
          V::F e[4];
          V::rows4(row, nullptr, e);
          for (int64_t m = 0; m < 4; ++m) v_[(4 * k + m) % nc][j][(4 * k + m) / nc] = e[m];
        }
      }
    }

    void get(int64_t c, V::F v[4][4]) const {
      if (all_channels_) {
        for (int j = 0; j < 4; ++j)
          for (int i = 0; i < 4; ++i) v[j][i] = v_[c][j][i];
        return;
      }
      if (t_.load == Load::kGathers) {
        for (int j = 0; j < 4; ++j)
          for (int i = 0; i < 4; ++i) v[j][i] = V::gather(t_.mask[j][i], inp_ + c, t_.offset[j][i]);
        return;
      }
      // One channel: kRows, or kMaskedRows' masked loads.
      const bool masked = t_.load == Load::kMaskedRows;
      alignas(64) int32_t first[kW], bits[kW];
      const float* row[kW];
      for (int j = 0; j < 4; ++j) {
        V::store_int(first, masked ? t_.row_start[j] : t_.offset[j][0]);
        if (masked) V::store_int(bits, t_.row_bits[j]);
        // A masked row may start before inp or end past the image; its
        // address is formed as an integer, and only its set floats are read.
        for (int lane = 0; lane < kW; ++lane)
          row[lane] = reinterpret_cast<const float*>(reinterpret_cast<uintptr_t>(inp_) +
                                                     intptr_t{first[lane]} * intptr_t{sizeof(float)});
        V::rows4(row, masked ? bits : nullptr, v[j]);
      }
    }

   private:
    const float* inp_;
    const Taps& t_;
    bool all_channels_;
    V::F v_[kPixelPathMaxChannels][4][4];
  };

  static void forward_full(const SamplerShape& s, const float* inp,
                           const float* grid, float* out, int64_t count) {
    for (int64_t x = 0; x + kW <= count; x += kW) {
      V::F gx, gy;
      V::deinterleave(grid + 2 * x, &gx, &gy);
      V::M fin_x, fin_y;
      VecCubicAxis ax, ay;
      vec_cubic_axis<kPadding, kAlign, false>(gx, s.w, &fin_x, &ax);
      vec_cubic_axis<kPadding, kAlign, false>(gy, s.h, &fin_y, &ay);
      const V::M finite = V::mand(fin_x, fin_y);
      Taps t;
      taps(s, ax, ay, &t);
      const TapValues values(inp, t, s.c);
      for (int64_t c = 0; c < s.c; ++c) {
        V::F v[4][4];
        values.get(c, v);
        V::F r[4];
        for (int j = 0; j < 4; ++j) {
          r[j] = V::mul(v[j][0], ax.coeff[0]);
          for (int i = 1; i < 4; ++i) r[j] = V::add(r[j], V::mul(v[j][i], ax.coeff[i]));
        }
        V::F o = V::mul(r[0], ay.coeff[0]);
        for (int j = 1; j < 4; ++j) o = V::add(o, V::mul(r[j], ay.coeff[j]));
        put_lanes(s, out + x * s.c, c, V::select(finite, o, V::zero()));
      }
    }
  }

  static void backward_full(const SamplerShape& s, const float* gout,
                            const float* inp, const float* grid, float* ginp,
                            ZeroedRows* zeroed, float* ggrid, int64_t count) {
    const int64_t nc = s.c;
    const V::I gout_index = V::muli(V::lane_index(), V::set1i(int32_t(nc)));
    for (int64_t x = 0; x + kW <= count; x += kW) {
      V::F gx, gy;
      V::deinterleave(grid + 2 * x, &gx, &gy);
      V::M fin_x, fin_y;
      VecCubicAxis ax, ay;
      vec_cubic_axis<kPadding, kAlign, true>(gx, s.w, &fin_x, &ax);
      vec_cubic_axis<kPadding, kAlign, true>(gy, s.h, &fin_y, &ay);
      const V::M finite = V::mand(fin_x, fin_y);
      Taps t;
      taps(s, ax, ay, &t);
      const float* go_px = gout + x * nc;
      if (ginp) scatter(s, go_px, ax, ay, t, ginp, zeroed);
      if (!ggrid) continue;
      V::F gix = V::zero(), giy = V::zero();
      const TapValues values(inp, t, nc);
      for (int64_t c = 0; c < nc; ++c) {
        const V::F go = nc == 1 ? V::load(go_px) : V::gather(finite, go_px + c, gout_index);
        V::F v[4][4];
        values.get(c, v);
        for (int i = 0; i < 4; ++i) {
          for (int j = 0; j < 4; ++j) {
            gix = V::sub(gix, V::mul(V::mul(V::mul(v[j][i], ax.grad[i]), ay.coeff[j]), go));
            giy = V::sub(giy, V::mul(V::mul(V::mul(v[j][i], ay.grad[j]), ax.coeff[i]), go));
          }
        }
      }
      const V::F mult_x = V::set1(coord::unnormalize_grad(s.w, kAlign));
      const V::F mult_y = V::set1(coord::unnormalize_grad(s.h, kAlign));
      V::interleave(ggrid + 2 * x, V::select(finite, V::mul(mult_x, gix), V::zero()),
                    V::select(finite, V::mul(mult_y, giy), V::zero()));
    }
  }

  // grad_input += (dy * wx) * wy at each tap that reads, lane by lane in
  // pixel order and, within a pixel, the reference's tap order. The zeroed
  // rows are covered once for the vector (the rows of every lane's taps that
  // read). A lane whose 16 taps are inside and unpadded adds at fixed steps
  // from its first tap, testing no masks. kC = C: loops the compiler
  // unrolls. STN_SCALAR_SCATTER: the adds stay scalar.
  template <int kC>
  STN_SCALAR_SCATTER static void scatter_channels(
      const SamplerShape& s, const float* go_px, const VecCubicAxis& ax, const VecCubicAxis& ay,
      const Taps& t, float* ginp, ZeroedRows* zeroed) {
    const int64_t row_size = s.w * kC;
    // One channel: the weights (dy * wx) * wy of every lane at once, rounded
    // as in the reference; more: each tap's wx and wy.
    alignas(64) float w[4][4][kW], cx[4][kW], cy[4][kW];
    if (kC == 1) {
      const V::F go = V::load(go_px);
      for (int i = 0; i < 4; ++i) {
        const V::F gw = V::mul(go, ax.coeff[i]);
        for (int j = 0; j < 4; ++j) V::store(w[i][j], V::mul(gw, ay.coeff[j]));
      }
    } else {
      for (int k = 0; k < 4; ++k) {
        V::store(cx[k], ax.coeff[k]);
        V::store(cy[k], ay.coeff[k]);
      }
    }
    // Row j of a lane is read where ay.in[j] and some column is.
    V::M row_read[4];
    int lanes = 0;
    for (int j = 0; j < 4; ++j) {
      row_read[j] = V::mand(ay.in[j], ax.reads);
      lanes |= V::bits(row_read[j]);
    }
    if (!lanes) return;
    if (zeroed) {
      int32_t lo, hi;
      lane_span(4, row_read, ay.index, &lo, &hi);
      cover(zeroed, ginp, row_size, lo, hi);
    }
    const int interior = V::bits(V::mand(ax.interior, ay.interior));
    alignas(64) int32_t first[kW];
    V::store_int(first, t.offset[0][0]);
    // The lanes with a tap outside or padded: every tap's offset and mask
    // bits (set in t unless t.load is kRows, when every lane is interior).
    alignas(64) int32_t off[4][4][kW];
    int mask[4][4];
    if (lanes & ~interior) {
      for (int j = 0; j < 4; ++j) {
        for (int i = 0; i < 4; ++i) {
          V::store_int(off[j][i], t.offset[j][i]);
          mask[j][i] = V::bits(t.mask[j][i]);
        }
      }
    }
    for (; lanes; lanes &= lanes - 1) {
      const int lane = __builtin_ctz(lanes);
      const float* go = go_px + lane * kC;
      auto add = [&](float* dst, int i, int j) {
        if (kC == 1) {
          dst[0] += w[i][j][lane];
        } else {
          for (int c = 0; c < kC; ++c) dst[c] += go[c] * cx[i][lane] * cy[j][lane];
        }
      };
      if (interior >> lane & 1) {  // 4 rows of 4 consecutive columns
        float* dst = ginp + first[lane];
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) add(dst + j * row_size + i * kC, i, j);
        continue;
      }
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
          if (mask[j][i] >> lane & 1) add(ginp + off[j][i][lane], i, j);
    }
  }

  static void scatter(const SamplerShape& s, const float* go_px, const VecCubicAxis& ax,
                      const VecCubicAxis& ay, const Taps& t, float* ginp, ZeroedRows* zeroed) {
    static_assert(kPixelPathMaxChannels == 4, "one scatter_channels per channel count");
    switch (s.c) {
      case 1: return scatter_channels<1>(s, go_px, ax, ay, t, ginp, zeroed);
      case 2: return scatter_channels<2>(s, go_px, ax, ay, t, ginp, zeroed);
      case 3: return scatter_channels<3>(s, go_px, ax, ay, t, ginp, zeroed);
      default: return scatter_channels<4>(s, go_px, ax, ay, t, ginp, zeroed);
    }
  }
};

// Pixel rows apply: few channels, and offsets and coordinates that fit int32
// and float exactly.
bool pixel_rows_apply(const SamplerShape& s) {
  const int64_t kIntMax = 0x7fffffff;
  return s.c >= 1 && s.c <= kPixelPathMaxChannels && s.h < (1 << 24) &&
         s.w < (1 << 24) && (s.h + 1) * (s.w + 1) * s.c < kIntMax &&
         s.wo * s.c < kIntMax;
}

#endif  // STN_ISA_AVX2 || STN_ISA_AVX512

template <Interpolation kMode, Padding kPadding, bool kAlign>
RowKernels rows_for(const SamplerOptions& o, const SamplerShape& s) {
  (void)o;
  (void)s;
  if constexpr (kMode == Interpolation::Bicubic) {
#if defined(STN_ISA_AVX2) || defined(STN_ISA_AVX512)
    if (pixel_rows_apply(s)) {
      using P = InVectors<CubicPixelRows<kPadding, kAlign>>;
      return {&P::forward, &P::backward};
    }
#endif
    return {&CubicRows<kPadding, kAlign>::forward, &CubicRows<kPadding, kAlign>::backward};
  } else {
#if defined(STN_ISA_AVX2) || defined(STN_ISA_AVX512)
    if (pixel_rows_apply(s)) {
      using P = InVectors<PixelRows<kMode, kPadding, kAlign>>;
      return {&P::forward, &P::backward};
    }
#endif
    return {&ChannelRows<kMode, kPadding, kAlign>::forward,
            &ChannelRows<kMode, kPadding, kAlign>::backward};
  }
}

template <Interpolation kMode, Padding kPadding>
RowKernels select_align(const SamplerOptions& o, const SamplerShape& s) {
  return o.align_corners ? rows_for<kMode, kPadding, true>(o, s)
                         : rows_for<kMode, kPadding, false>(o, s);
}

template <Interpolation kMode>
RowKernels select_padding(const SamplerOptions& o, const SamplerShape& s) {
  switch (o.padding) {
    case Padding::Border:
      return select_align<kMode, Padding::Border>(o, s);
    case Padding::Reflection:
      return select_align<kMode, Padding::Reflection>(o, s);
    default:
      return select_align<kMode, Padding::Zeros>(o, s);
  }
}

}  // namespace

RowKernels select_rows(const SamplerOptions& o, const SamplerShape& s) {
  switch (o.mode) {
    case Interpolation::Nearest: return select_padding<Interpolation::Nearest>(o, s);
    case Interpolation::Bicubic: return select_padding<Interpolation::Bicubic>(o, s);
    default: return select_padding<Interpolation::Bilinear>(o, s);
  }
}

}  // namespace STN_ISA
}  // namespace stn
