// Scalar reference of the volume sampler: PyTorch's grid_sampler_3d_cpu_impl
// and its backward one to one (per channel, the eight corners in tnw..bse
// order), in NDHWC, with volume_coords.h's cells. The oracle of the threaded
// path; simple rather than fast.
#include <algorithm>

#include "volume_coords.h"  // (and volume_sampler.h's affine grid, below)
#include "volume_sampler.h"

namespace stn {

using coord::TrilinearCell;

namespace {

int64_t item_size(const VolumeShape& s) { return s.d * s.h * s.w * s.c; }
int64_t grid_points(const VolumeShape& s) { return s.od * s.ho * s.wo; }

}  // namespace

void grid_sample_3d_forward_ref(const VolumeShape& s, const SamplerOptions& o,
                                const float* input, const float* grid,
                                float* output) {
  const int64_t points = grid_points(s);
  for (int64_t n = 0; n < s.n; ++n) {
    const float* inp = input + n * item_size(s);
    for (int64_t q = 0; q < points; ++q) {
      const int64_t p = n * points + q;
      const float* g = grid + (s.shared ? q : p) * 3;
      float* out = output + p * s.c;
      std::fill(out, out + s.c, 0.0f);
      float ix, iy, iz;
      if (!coord::volume_source(s, o, g, &ix, &iy, &iz)) continue;
      if (o.mode == Interpolation::Bilinear) {
        TrilinearCell cell;
        if (!coord::trilinear_cell(s, ix, iy, iz, &cell)) continue;
        for (int64_t c = 0; c < s.c; ++c) {
          float res = 0;
          for (int k = 0; k < 8; ++k)
            if (cell.in_bounds(k, s)) res += inp[cell.offset(k, s) + c] * cell.weight(k);
          out[c] = res;
        }
      } else {
        int64_t at;
        if (!coord::nearest_voxel(s, ix, iy, iz, &at)) continue;
        for (int64_t c = 0; c < s.c; ++c) out[c] = inp[at + c];
      }
    }
  }
}

void grid_sample_3d_backward_ref(const VolumeShape& s, const SamplerOptions& o,
                                 const float* grad_output, const float* input,
                                 const float* grid, float* grad_input,
                                 float* grad_grid) {
  const int64_t points = grid_points(s);
  if (grad_input) std::fill(grad_input, grad_input + s.n * item_size(s), 0.0f);
  // A shared grid's gradient is the sum over the batch, in batch order.
  if (grad_grid && s.shared) std::fill(grad_grid, grad_grid + points * 3, 0.0f);
  for (int64_t n = 0; n < s.n; ++n) {
    const float* inp = input + n * item_size(s);
    float* ginp = grad_input ? grad_input + n * item_size(s) : nullptr;
    for (int64_t q = 0; q < points; ++q) {
      const int64_t p = n * points + q;
      const int64_t gp = s.shared ? q : p;
      const float* gout = grad_output + p * s.c;
      float pos[3], mult[3];
      float gi[3] = {0, 0, 0};
      TrilinearCell cell;
      int64_t at;
      if (!coord::volume_source_set_grad(s, o, grid + gp * 3, pos, mult)) {
        mult[0] = mult[1] = mult[2] = 0;
      } else if (o.mode == Interpolation::Bilinear) {
        if (coord::trilinear_cell(s, pos[0], pos[1], pos[2], &cell)) {
          for (int64_t c = 0; c < s.c; ++c) {
            const float go = gout[c];
            if (ginp)
              for (int k = 0; k < 8; ++k)
                if (cell.in_bounds(k, s)) ginp[cell.offset(k, s) + c] += cell.weight(k) * go;
            for (int k = 0; k < 8; ++k) {
              if (!cell.in_bounds(k, s)) continue;
              const float v = inp[cell.offset(k, s) + c];
              // d weight / d axis a: the other two factors, signed by the side.
              const float gx = v * cell.part(k, 1) * cell.part(k, 2) * go;
              const float gy = v * cell.part(k, 0) * cell.part(k, 2) * go;
              const float gz = v * cell.part(k, 0) * cell.part(k, 1) * go;
              gi[0] = (k & 1) ? gi[0] + gx : gi[0] - gx;
              gi[1] = (k >> 1 & 1) ? gi[1] + gy : gi[1] - gy;
              gi[2] = (k >> 2) ? gi[2] + gz : gi[2] - gz;
            }
          }
        }
      } else {
        if (ginp && coord::nearest_voxel(s, pos[0], pos[1], pos[2], &at))
          for (int64_t c = 0; c < s.c; ++c) ginp[at + c] += gout[c];
        mult[0] = mult[1] = mult[2] = 0;
      }
      if (!grad_grid) continue;
      for (int a = 0; a < 3; ++a) {
        const float g = mult[a] * gi[a];
        if (s.shared) grad_grid[gp * 3 + a] += g;
        else grad_grid[gp * 3 + a] = g;
      }
    }
  }
}

// The unfused composition, as the oracle of the fused affine sampler: the
// grid and its gradient in scratch.
size_t affine_sample_3d_ref_scratch(const VolumeShape& s) {
  return static_cast<size_t>(2 * grid_batch(s) * grid_points(s) * 3) * sizeof(float);
}

void affine_sample_3d_forward_ref(const VolumeShape& s, const SamplerOptions& o,
                                  const float* input, const float* theta, float* output,
                                  Scratch scratch) {
  if (scratch.bytes < affine_sample_3d_ref_scratch(s)) return;
  float* grid = static_cast<float*>(scratch.data);
  affine_grid_3d_forward_ref(grid_batch(s), s.od, s.ho, s.wo, o.align_corners, theta, grid);
  grid_sample_3d_forward_ref(s, o, input, grid, output);
}

void affine_sample_3d_backward_ref(const VolumeShape& s, const SamplerOptions& o,
                                   const float* grad_output, const float* input,
                                   const float* theta, float* grad_input, float* grad_theta,
                                   Scratch scratch) {
  if (scratch.bytes < affine_sample_3d_ref_scratch(s)) return;
  float* grid = static_cast<float*>(scratch.data);
  float* grad_grid = grid + grid_batch(s) * grid_points(s) * 3;
  affine_grid_3d_forward_ref(grid_batch(s), s.od, s.ho, s.wo, o.align_corners, theta, grid);
  grid_sample_3d_backward_ref(s, o, grad_output, input, grid, grad_input,
                              grad_theta ? grad_grid : nullptr);
  if (grad_theta)
    affine_grid_3d_backward_ref(grid_batch(s), s.od, s.ho, s.wo, o.align_corners, grad_grid,
                                grad_theta);
}

}  // namespace stn
