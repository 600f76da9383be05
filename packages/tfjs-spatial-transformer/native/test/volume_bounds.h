// Magnitudes that bound the rounding of the volume sampler's summed
// gradients, computed in double from the reference's own cells
// (volume_coords.h), as sampler_bounds.h does for 2-D: the tests and the
// fuzzers compare the fast paths with the reference within a multiple of
// u = 2^-24 times these.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "../grid_sampler_rows.h"
#include "../volume_coords.h"
#include "../volume_sampler.h"

namespace stn_test {

using stn::VolumeShape;

// The in-bounds corners of grid point g: each one's item offset, weight and
// |d weight / d (x, y, z)| before the multipliers `mult`; false when the
// point samples nothing.
struct VoxelTap {
  int64_t offset;
  double weight, d[3];
};
inline bool voxel_taps(const VolumeShape& s, const stn::SamplerOptions& o, const float* g,
                       std::vector<VoxelTap>* taps, float mult[3]) {
  taps->clear();
  float pos[3];
  if (!stn::coord::volume_source_set_grad(s, o, g, pos, mult)) return false;
  if (o.mode == stn::Interpolation::Nearest) {
    int64_t offset;
    if (stn::coord::nearest_voxel(s, pos[0], pos[1], pos[2], &offset))
      taps->push_back({offset, 1, {0, 0, 0}});
    return true;
  }
  stn::coord::TrilinearCell cell;
  if (!stn::coord::trilinear_cell(s, pos[0], pos[1], pos[2], &cell)) return true;
  for (int k = 0; k < 8; ++k) {
    if (!cell.in_bounds(k, s)) continue;
    const double p[3] = {cell.part(k, 0), cell.part(k, 1), cell.part(k, 2)};
    taps->push_back({cell.offset(k, s), p[0] * p[1] * p[2],
                     {std::fabs(p[1] * p[2]), std::fabs(p[0] * p[2]), std::fabs(p[0] * p[1])}});
  }
  return true;
}

// grad_input's rounding bound per element, as sampler_bounds.h's
// grad_input_bound: 2 (m - 1) u sum |w * dy| over its m terms.
inline std::vector<double> volume_grad_input_bound(const VolumeShape& s,
                                                   const stn::SamplerOptions& o, const float* grid,
                                                   const float* grad_output) {
  const size_t count = size_t(s.n * s.d * s.h * s.w * s.c);
  std::vector<double> mag(count, 0.0), terms(count, 0.0);
  std::vector<VoxelTap> taps;
  const int64_t points = s.od * s.ho * s.wo;
  for (int64_t p = 0; p < s.n * points; ++p) {
    float mult[3];
    if (!voxel_taps(s, o, grid + 3 * (s.shared ? p % points : p), &taps, mult)) continue;
    const int64_t item = (p / points) * s.d * s.h * s.w * s.c;
    for (const VoxelTap& t : taps)
      for (int64_t c = 0; c < s.c; ++c) {
        const size_t i = size_t(item + t.offset + c);
        mag[i] += std::fabs(t.weight * grad_output[p * s.c + c]);
        terms[i] += 1;
      }
  }
  const double u = std::ldexp(1.0, -24);
  for (size_t i = 0; i < count; ++i) mag[i] = 2.02 * (terms[i] > 1 ? terms[i] - 1 : 0) * u * mag[i];
  return mag;
}

// |mult| * sum over corners and channels of |d weight * v * dy| per grad_grid
// entry [N or 1,Do,Ho,Wo,3] (a shared grid's summed over the batch).
inline std::vector<double> volume_grad_grid_magnitude(const VolumeShape& s,
                                                      const stn::SamplerOptions& o,
                                                      const float* input, const float* grid,
                                                      const float* grad_output) {
  std::vector<double> mag(size_t(stn::grid_batch(s) * s.od * s.ho * s.wo * 3), 0.0);
  std::vector<VoxelTap> taps;
  const int64_t points = s.od * s.ho * s.wo;
  for (int64_t p = 0; p < s.n * points; ++p) {
    const int64_t gp = s.shared ? p % points : p;
    float mult[3];
    if (!voxel_taps(s, o, grid + 3 * gp, &taps, mult)) continue;
    const float* inp = input + (p / points) * s.d * s.h * s.w * s.c;
    for (const VoxelTap& t : taps) {
      double dot = 0;
      for (int64_t c = 0; c < s.c; ++c)
        dot += std::fabs(double(inp[t.offset + c]) * grad_output[p * s.c + c]);
      for (int a = 0; a < 3; ++a) mag[size_t(3 * gp + a)] += std::fabs(mult[a]) * t.d[a] * dot;
    }
  }
  return mag;
}

// grad_grid's rounding relative to volume_grad_grid_magnitude beyond
// kPixelPathMaxChannels channels, where the fast paths regroup the channel
// sum into per-corner dot products (lanes.h): the reference's sequential sum
// of 8 C products and the dot products (C terms, then one per corner) are
// each within (8 C + 8) u of the exact value relative to the magnitude, so
// twice that apart; a shared grid adds its sum over the batch.
inline double volume_grad_grid_gamma(const VolumeShape& s) {
  return 2.02 * (8.0 * double(s.c) + 8.0 + (s.shared ? double(s.n) : 0.0)) * std::ldexp(1.0, -24);
}

// Per grad_grid entry [N or 1,Do,Ho,Wo,3]: 0 (bit for bit) up to
// kPixelPathMaxChannels channels, beyond gamma times the magnitude; any
// value (HUGE_VAL) where the magnitude is not a finite float.
inline std::vector<double> volume_grad_grid_bound(const VolumeShape& s, const stn::SamplerOptions& o,
                                                  const float* input, const float* grid,
                                                  const float* grad_output) {
  const size_t count = size_t(stn::grid_batch(s) * s.od * s.ho * s.wo * 3);
  if (s.c <= stn::kPixelPathMaxChannels) return std::vector<double>(count, 0.0);
  std::vector<double> b = volume_grad_grid_magnitude(s, o, input, grid, grad_output);
  const double gamma = volume_grad_grid_gamma(s);
  for (double& v : b) v = v <= double(std::numeric_limits<float>::max()) ? gamma * v : HUGE_VAL;
  return b;
}

}  // namespace stn_test
