// Scalar reference of the grid sampler: PyTorch's 2-D CPU fallback
// (_grid_sampler_2d_cpu_fallback and its backward) one to one, in NHWC, with
// the shared coordinate rules of coordinates.h. The oracle for every faster
// path; keep it simple rather than fast. Bicubic unnormalises without the
// padding and pads each of its 16 taps instead (PyTorch's get_value_bounded);
// an out-of-bounds tap reads 0 and still enters every sum, as in PyTorch.
#include <algorithm>

#include "coordinates.h"
#include "grid_sampler.h"

namespace stn {

using coord::BilinearCell;
using coord::CubicAxis;
using coord::in_bounds;

namespace {

// Channel c of the bicubic tap (i along x, j along y); 0 outside.
float cubic_value(const SamplerShape& s, const float* inp, const CubicAxis& ax,
                  const CubicAxis& ay, int i, int j, int64_t c) {
  if (!ax.in[i] || !ay.in[j]) return 0;
  return inp[(ay.index[j] * s.w + ax.index[i]) * s.c + c];
}

void bicubic_forward_point(const SamplerShape& s, const SamplerOptions& o,
                           const float* inp, const float* g, float* out) {
  CubicAxis ax, ay;
  if (!coord::cubic_axis(g[0], s.w, o.padding, o.align_corners, &ax) ||
      !coord::cubic_axis(g[1], s.h, o.padding, o.align_corners, &ay))
    return;
  for (int64_t c = 0; c < s.c; ++c) {
    float rows[4];  // interpolated along x, one per tap row
    for (int j = 0; j < 4; ++j) {
      float v[4];
      for (int i = 0; i < 4; ++i) v[i] = cubic_value(s, inp, ax, ay, i, j, c);
      rows[j] = v[0] * ax.coeff[0] + v[1] * ax.coeff[1] + v[2] * ax.coeff[2] +
                v[3] * ax.coeff[3];
    }
    out[c] = rows[0] * ay.coeff[0] + rows[1] * ay.coeff[1] +
             rows[2] * ay.coeff[2] + rows[3] * ay.coeff[3];
  }
}

// Adds the point's input gradient to ginp (when not null) and returns its
// grid gradient in g_out (zeros when the point is not finite).
void bicubic_backward_point(const SamplerShape& s, const SamplerOptions& o,
                            const float* inp, const float* g, const float* gout,
                            float* ginp, float* g_out) {
  g_out[0] = g_out[1] = 0;
  CubicAxis ax, ay;
  if (!coord::cubic_axis_set_grad(g[0], s.w, o.padding, o.align_corners, &ax) ||
      !coord::cubic_axis_set_grad(g[1], s.h, o.padding, o.align_corners, &ay))
    return;
  float gix = 0, giy = 0;
  for (int64_t c = 0; c < s.c; ++c) {
    const float go = gout[c];
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 4; ++j) {
        if (ginp && ax.in[i] && ay.in[j])
          ginp[(ay.index[j] * s.w + ax.index[i]) * s.c + c] +=
              go * ax.coeff[i] * ay.coeff[j];
        const float v = cubic_value(s, inp, ax, ay, i, j, c);
        gix -= v * ax.coeff_grad[i] * ay.coeff[j] * go;
        giy -= v * ay.coeff_grad[j] * ax.coeff[i] * go;
      }
    }
  }
  g_out[0] = coord::unnormalize_grad(s.w, o.align_corners) * gix;
  g_out[1] = coord::unnormalize_grad(s.h, o.align_corners) * giy;
}

}  // namespace

void grid_sample_forward_ref(const SamplerShape& s, const SamplerOptions& o,
                             const float* input, const float* grid,
                             float* output) {
  for (int64_t n = 0; n < s.n; ++n) {
    const float* inp = input + n * s.h * s.w * s.c;
    for (int64_t y = 0; y < s.ho; ++y) {
      for (int64_t x = 0; x < s.wo; ++x) {
        const int64_t p = (n * s.ho + y) * s.wo + x;
        const int64_t gp = s.shared ? y * s.wo + x : p;  // the grid point
        const float* g = grid + gp * 2;
        float* out = output + p * s.c;
        std::fill(out, out + s.c, 0.0f);
        if (o.mode == Interpolation::Bicubic) {
          bicubic_forward_point(s, o, inp, g, out);
          continue;
        }
        float ix, iy;
        if (!coord::source_index(g[0], s.w, o.padding, o.align_corners, &ix) ||
            !coord::source_index(g[1], s.h, o.padding, o.align_corners, &iy))
          continue;
        auto at = [&](int64_t yy, int64_t xx, int64_t c) {
          return inp[(yy * s.w + xx) * s.c + c];
        };
        if (o.mode == Interpolation::Bilinear) {
          BilinearCell b;
          if (!coord::bilinear_cell(ix, iy, s.w, s.h, &b)) continue;
          const int64_t x0 = b.x0, x1 = b.x0 + 1, y0 = b.y0, y1 = b.y0 + 1;
          for (int64_t c = 0; c < s.c; ++c) {
            float res = 0;
            if (in_bounds(y0, x0, s.h, s.w)) res += at(y0, x0, c) * b.nw();
            if (in_bounds(y0, x1, s.h, s.w)) res += at(y0, x1, c) * b.ne();
            if (in_bounds(y1, x0, s.h, s.w)) res += at(y1, x0, c) * b.sw();
            if (in_bounds(y1, x1, s.h, s.w)) res += at(y1, x1, c) * b.se();
            out[c] = res;
          }
        } else {
          int64_t xn, yn;
          if (!coord::nearest_pixel(ix, iy, s.w, s.h, &xn, &yn)) continue;
          for (int64_t c = 0; c < s.c; ++c) out[c] = at(yn, xn, c);
        }
      }
    }
  }
}

void grid_sample_backward_ref(const SamplerShape& s, const SamplerOptions& o,
                              const float* grad_output, const float* input,
                              const float* grid, float* grad_input,
                              float* grad_grid, Scratch) {
  if (grad_input) std::fill(grad_input, grad_input + s.n * s.h * s.w * s.c, 0.0f);
  // A shared grid's gradient is the sum over the batch, in batch order.
  if (grad_grid && s.shared) std::fill(grad_grid, grad_grid + s.ho * s.wo * 2, 0.0f);
  auto put_grad = [&](int64_t gp, float gx, float gy) {
    if (!grad_grid) return;
    if (s.shared) {
      grad_grid[gp * 2] += gx;
      grad_grid[gp * 2 + 1] += gy;
    } else {
      grad_grid[gp * 2] = gx;
      grad_grid[gp * 2 + 1] = gy;
    }
  };
  for (int64_t n = 0; n < s.n; ++n) {
    const int64_t item = n * s.h * s.w * s.c;
    const float* inp = input + item;
    float* ginp = grad_input ? grad_input + item : nullptr;
    for (int64_t y = 0; y < s.ho; ++y) {
      for (int64_t x = 0; x < s.wo; ++x) {
        const int64_t p = (n * s.ho + y) * s.wo + x;
        const int64_t gp = s.shared ? y * s.wo + x : p;  // the grid point
        const float* g = grid + gp * 2;
        const float* gout = grad_output + p * s.c;
        if (o.mode == Interpolation::Bicubic) {
          float gg[2];
          bicubic_backward_point(s, o, inp, g, gout, ginp, gg);
          put_grad(gp, gg[0], gg[1]);
          continue;
        }
        float gix = 0, giy = 0;
        float gix_mult = 0, giy_mult = 0;
        float ix, iy;
        const bool finite =
            coord::source_index_set_grad(g[0], s.w, o.padding, o.align_corners,
                                         &ix, &gix_mult) &&
            coord::source_index_set_grad(g[1], s.h, o.padding, o.align_corners,
                                         &iy, &giy_mult);
        auto off = [&](int64_t yy, int64_t xx, int64_t c) {
          return (yy * s.w + xx) * s.c + c;
        };
        BilinearCell b;
        int64_t xn, yn;
        if (!finite) {
          gix_mult = giy_mult = 0;
        } else if (o.mode == Interpolation::Bilinear) {
          if (coord::bilinear_cell(ix, iy, s.w, s.h, &b)) {
            const int64_t x0 = b.x0, x1 = b.x0 + 1, y0 = b.y0, y1 = b.y0 + 1;
            const bool in_nw = in_bounds(y0, x0, s.h, s.w);
            const bool in_ne = in_bounds(y0, x1, s.h, s.w);
            const bool in_sw = in_bounds(y1, x0, s.h, s.w);
            const bool in_se = in_bounds(y1, x1, s.h, s.w);
            for (int64_t c = 0; c < s.c; ++c) {
              const float go = gout[c];
              if (ginp) {
                if (in_nw) ginp[off(y0, x0, c)] += b.nw() * go;
                if (in_ne) ginp[off(y0, x1, c)] += b.ne() * go;
                if (in_sw) ginp[off(y1, x0, c)] += b.sw() * go;
                if (in_se) ginp[off(y1, x1, c)] += b.se() * go;
              }
              if (in_nw) {
                const float v = inp[off(y0, x0, c)];
                gix -= v * b.dy1 * go;
                giy -= v * b.dx1 * go;
              }
              if (in_ne) {
                const float v = inp[off(y0, x1, c)];
                gix += v * b.dy1 * go;
                giy -= v * b.dx0 * go;
              }
              if (in_sw) {
                const float v = inp[off(y1, x0, c)];
                gix -= v * b.dy0 * go;
                giy += v * b.dx1 * go;
              }
              if (in_se) {
                const float v = inp[off(y1, x1, c)];
                gix += v * b.dy0 * go;
                giy += v * b.dx0 * go;
              }
            }
          }
        } else {
          if (ginp && coord::nearest_pixel(ix, iy, s.w, s.h, &xn, &yn))
            for (int64_t c = 0; c < s.c; ++c) ginp[off(yn, xn, c)] += gout[c];
          gix_mult = giy_mult = 0;
        }
        put_grad(gp, gix_mult * gix, giy_mult * giy);
      }
    }
  }
}

}  // namespace stn
