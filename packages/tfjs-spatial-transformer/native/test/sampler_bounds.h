// Magnitudes that bound the rounding of the sampler's summed gradients, for
// every mode, computed in double from the reference's own taps
// (coordinates.h): the tests and fuzzers compare the fast paths with the
// reference within a multiple of u = 2^-24 times these.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "../coordinates.h"
#include "../grid_sampler.h"

namespace stn_test {

// One in-bounds tap of a point: its input pixel, its weight, and the
// weight's derivatives along the source x and y (before the multiplier).
struct WeightedTap {
  int64_t y, x;
  double weight, dx, dy;
};

// The taps of grid point (gx, gy); false when it samples nothing.
inline bool point_taps(const stn::SamplerShape& s, const stn::SamplerOptions& o,
                       float gx, float gy, std::vector<WeightedTap>* taps,
                       double* mult_x, double* mult_y) {
  namespace coord = stn::coord;
  taps->clear();
  if (o.mode == stn::Interpolation::Bicubic) {
    coord::CubicAxis ax, ay;
    if (!coord::cubic_axis_set_grad(gx, s.w, o.padding, o.align_corners, &ax) ||
        !coord::cubic_axis_set_grad(gy, s.h, o.padding, o.align_corners, &ay))
      return false;
    *mult_x = coord::unnormalize_grad(s.w, o.align_corners);
    *mult_y = coord::unnormalize_grad(s.h, o.align_corners);
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j)
        if (ax.in[i] && ay.in[j])
          taps->push_back({ay.index[j], ax.index[i], double(ax.coeff[i]) * ay.coeff[j],
                           double(ax.coeff_grad[i]) * ay.coeff[j],
                           double(ay.coeff_grad[j]) * ax.coeff[i]});
    return true;
  }
  float ix, iy, mx, my;
  if (!coord::source_index_set_grad(gx, s.w, o.padding, o.align_corners, &ix, &mx) ||
      !coord::source_index_set_grad(gy, s.h, o.padding, o.align_corners, &iy, &my))
    return false;
  *mult_x = mx;
  *mult_y = my;
  if (o.mode == stn::Interpolation::Nearest) {
    int64_t xn, yn;
    if (coord::nearest_pixel(ix, iy, s.w, s.h, &xn, &yn)) taps->push_back({yn, xn, 1, 0, 0});
    *mult_x = *mult_y = 0;
    return true;
  }
  coord::BilinearCell b;
  if (!coord::bilinear_cell(ix, iy, s.w, s.h, &b)) return true;
  const int64_t ys[4] = {b.y0, b.y0, b.y0 + 1, b.y0 + 1};
  const int64_t xs[4] = {b.x0, b.x0 + 1, b.x0, b.x0 + 1};
  const double w[4] = {b.nw(), b.ne(), b.sw(), b.se()};
  const double dx[4] = {b.dy1, b.dy1, b.dy0, b.dy0};
  const double dy[4] = {b.dx1, b.dx0, b.dx1, b.dx0};
  for (int k = 0; k < 4; ++k)
    if (coord::in_bounds(ys[k], xs[k], s.h, s.w)) taps->push_back({ys[k], xs[k], w[k], dx[k], dy[k]});
  return true;
}

// The bound of grad_input's rounding per element [N,H,W,C]: any two
// summation orders of its m terms w * dy (the products round alike on every
// path) differ by at most 2 (m - 1) u sum |w * dy|, u = 2^-24 (1% slack for
// the rounding of this bound's own inputs).
inline std::vector<double> grad_input_bound(const stn::SamplerShape& s,
                                            const stn::SamplerOptions& o,
                                            const float* grid,
                                            const float* grad_output) {
  const size_t count = size_t(s.n * s.h * s.w * s.c);
  std::vector<double> mag(count, 0.0), terms(count, 0.0);
  std::vector<WeightedTap> taps;
  for (int64_t p = 0; p < s.n * s.ho * s.wo; ++p) {
    const int64_t gp = s.shared ? p % (s.ho * s.wo) : p;
    double mx, my;
    if (!point_taps(s, o, grid[2 * gp], grid[2 * gp + 1], &taps, &mx, &my)) continue;
    const int64_t item = (p / (s.ho * s.wo)) * s.h * s.w * s.c;
    for (const WeightedTap& t : taps) {
      for (int64_t c = 0; c < s.c; ++c) {
        const size_t i = size_t(item + (t.y * s.w + t.x) * s.c + c);
        mag[i] += std::fabs(t.weight * grad_output[p * s.c + c]);
        terms[i] += 1;
      }
    }
  }
  const double u = std::ldexp(1.0, -24);
  for (size_t i = 0; i < count; ++i)
    mag[i] = 2.02 * (terms[i] > 1 ? terms[i] - 1 : 0) * u * mag[i];
  return mag;
}

// |mult| * sum over taps and channels of |d weight * v * dy| per grad_grid
// entry [N or 1,Ho,Wo,2] (a shared grid's: summed over the batch); 0 where
// the reference gives an exact 0.
inline std::vector<double> grad_grid_magnitude(const stn::SamplerShape& s,
                                               const stn::SamplerOptions& o,
                                               const float* input, const float* grid,
                                               const float* grad_output) {
  std::vector<double> mag(size_t(stn::grid_batch(s) * s.ho * s.wo * 2), 0.0);
  std::vector<WeightedTap> taps;
  for (int64_t p = 0; p < s.n * s.ho * s.wo; ++p) {
    const int64_t gp = s.shared ? p % (s.ho * s.wo) : p;
    double mx, my;
    if (!point_taps(s, o, grid[2 * gp], grid[2 * gp + 1], &taps, &mx, &my)) continue;
    const float* inp = input + (p / (s.ho * s.wo)) * s.h * s.w * s.c;
    double sx = 0, sy = 0;
    for (const WeightedTap& t : taps) {
      double dot = 0;
      for (int64_t c = 0; c < s.c; ++c)
        dot += std::fabs(double(inp[(t.y * s.w + t.x) * s.c + c]) * grad_output[p * s.c + c]);
      sx += std::fabs(t.dx) * dot;
      sy += std::fabs(t.dy) * dot;
    }
    mag[size_t(2 * gp)] += std::fabs(mx) * sx;
    mag[size_t(2 * gp + 1)] += std::fabs(my) * sy;
  }
  return mag;
}

}  // namespace stn_test
