// Source cells of the volume sampler, shared by its reference and threaded
// paths so that both compute bit-identical positions and weights. Each axis
// is coordinates.h's (unnormalise, pad, the finite and range checks); the
// eight corner weights are PyTorch's (grid_sampler_3d_cpu_impl), products of
// the per-axis distances taken x, then y, then z.
#pragma once

#include <cstdint>

#include "coordinates.h"
#include "volume_sampler.h"

namespace stn::coord {
namespace {

// The source position of grid point g = (x, y, z); false when a coordinate is
// not finite after unnormalisation (the point samples nothing).
inline bool volume_source(const VolumeShape& s, const SamplerOptions& o,
                          const float* g, float* ix, float* iy, float* iz) {
  return source_index(g[0], s.w, o.padding, o.align_corners, ix) &&
         source_index(g[1], s.h, o.padding, o.align_corners, iy) &&
         source_index(g[2], s.d, o.padding, o.align_corners, iz);
}

inline bool volume_source_set_grad(const VolumeShape& s, const SamplerOptions& o,
                                   const float* g, float pos[3], float mult[3]) {
  return source_index_set_grad(g[0], s.w, o.padding, o.align_corners, &pos[0], &mult[0]) &&
         source_index_set_grad(g[1], s.h, o.padding, o.align_corners, &pos[1], &mult[1]) &&
         source_index_set_grad(g[2], s.d, o.padding, o.align_corners, &pos[2], &mult[2]);
}

// The eight neighbours of a source point. Corner k is (x0 + (k & 1),
// y0 + (k >> 1 & 1), z0 + (k >> 2)): PyTorch's tnw, tne, tsw, tse, bnw, bne,
// bsw, bse in that order. d[axis][0] is the distance from the low side
// (ix - x0), d[axis][1] to the high side (x0 + 1 - ix).
struct TrilinearCell {
  int64_t x0, y0, z0;
  float d[3][2];
  // The factor of axis a (0 x, 1 y, 2 z) in corner k's weight.
  float part(int k, int a) const { return d[a][(k >> a & 1) ? 0 : 1]; }
  float weight(int k) const { return part(k, 0) * part(k, 1) * part(k, 2); }
  bool in_bounds(int k, const VolumeShape& s) const {
    const int64_t x = x0 + (k & 1), y = y0 + (k >> 1 & 1), z = z0 + (k >> 2);
    return x >= 0 && x < s.w && y >= 0 && y < s.h && z >= 0 && z < s.d;
  }
  // Offset of corner k's voxel in an item (valid when in_bounds).
  int64_t offset(int k, const VolumeShape& s) const {
    const int64_t x = x0 + (k & 1), y = y0 + (k >> 1 & 1), z = z0 + (k >> 2);
    return ((z * s.h + y) * s.w + x) * s.c;
  }
};

// False when no corner of (ix, iy, iz) can be in bounds.
inline bool trilinear_cell(const VolumeShape& s, float ix, float iy, float iz,
                           TrilinearCell* cell) {
  const float fx = __builtin_floorf(ix), fy = __builtin_floorf(iy),
              fz = __builtin_floorf(iz);
  if (!near_image(fx, s.w) || !near_image(fy, s.h) || !near_image(fz, s.d)) return false;
  cell->x0 = static_cast<int64_t>(fx);
  cell->y0 = static_cast<int64_t>(fy);
  cell->z0 = static_cast<int64_t>(fz);
  const float pos[3] = {ix, iy, iz};
  const int64_t low[3] = {cell->x0, cell->y0, cell->z0};
  for (int a = 0; a < 3; ++a) {
    cell->d[a][0] = pos[a] - static_cast<float>(low[a]);
    cell->d[a][1] = static_cast<float>(low[a] + 1) - pos[a];
  }
  return true;
}

// Offset of the nearest voxel (round half to even); false when it is out of
// bounds.
inline bool nearest_voxel(const VolumeShape& s, float ix, float iy, float iz,
                          int64_t* offset) {
  const float rx = __builtin_nearbyintf(ix), ry = __builtin_nearbyintf(iy),
              rz = __builtin_nearbyintf(iz);
  if (!near_image(rx, s.w) || !near_image(ry, s.h) || !near_image(rz, s.d)) return false;
  const int64_t x = static_cast<int64_t>(rx), y = static_cast<int64_t>(ry),
                z = static_cast<int64_t>(rz);
  if (!(x >= 0 && x < s.w && y >= 0 && y < s.h && z >= 0 && z < s.d)) return false;
  *offset = ((z * s.h + y) * s.w + x) * s.c;
  return true;
}

}  // namespace
}  // namespace stn::coord
