// Internal interface between the threaded drivers (grid_sampler.cc,
// volume_sampler.cc, image_transform.cc), the per-ISA row kernels
// (grid_sampler_simd.inl, volume_sampler_simd.inl and
// image_transform_simd.inl, built once per ISA) and the dispatcher
// (dispatch.cc). Not part of the public API.
// Declarations and plain data only: the ISA units include this file, so no
// function is defined here (see "Linkage" in grid_sampler_simd.inl's NOTE).
#pragma once

#include <cstdint>

#include "grid_sampler.h"
#include "image_transform.h"
#include "volume_sampler.h"

namespace stn {

// The contiguous span [begin, end) of input rows of a lazily zeroed scratch
// slice that has been zeroed so far (extended by the row kernels' cover()).
struct ZeroedRows {
  int64_t begin = 0, end = 0;
};

// A row kernel processes `count` consecutive output pixels of one batch item:
// grid [count,2] -> out [count,C] (forward); gout [count,C] -> scatter-adds
// into ginp (the item's grad_input, or a scratch slice zeroed lazily when
// `zeroed` is given) and writes ggrid [count,2] (backward; ginp and ggrid may
// each be null). `inp` is the batch item's input. The volume rows are the
// same over points with grid points [count,3] (Shape: VolumeShape); in their
// backward `zeroed` counts depth planes (of H * W * C elements), not rows.
template <class Shape>
struct RowKernelsOf {
  void (*forward)(const Shape& s, const float* inp, const float* grid, float* out, int64_t count);
  void (*backward)(const Shape& s, const float* gout, const float* inp, const float* grid,
                   float* ginp, ZeroedRows* zeroed, float* ggrid, int64_t count);
};
using RowKernels = RowKernelsOf<SamplerShape>;
using VolumeRowKernels = RowKernelsOf<VolumeShape>;

// C <= this: grad_grid sums over channels in the reference's order (bit for
// bit), and the AVX2/AVX-512 rows vectorise over pixels. Above it, rows
// vectorise over channels and grad_grid uses per-tap dot products (see the
// NOTE in grid_sampler_simd.inl). The same for every ISA.
constexpr int64_t kPixelPathMaxChannels = 4;

// The projective image transform's forward (tfjs's Transform): output row y
// of one batch item, [Wo,C], from its image img [H,W,C] and its 8 transform
// parameters t, equal to the reference bit for bit.
using TransformForwardRow = void (*)(const TransformShape& s, const TransformOptions& o,
                                     const float* img, const float* t, int64_t y, float* out);

// What one ISA's units provide (grid_sampler_{base,avx2,avx512}.cc, each
// built from the three .inl files with its own flags):
// - rows: the 2-D row kernels for the given options and shape
//   (grid_sampler_simd.inl);
// - volume_rows: the vector volume rows (volume_sampler_simd.inl), each null
//   where none applies (the base ISA, reflection padding, C outside
//   [1, kPixelPathMaxChannels], sizes past int32 offsets; the backward also
//   for nearest): the caller then uses its scalar path;
// - transform_row: the projective transform's vector forward row
//   (image_transform_simd.inl), null where none applies (the base ISA, sizes
//   past 2^24): the caller then runs its pixel-by-pixel row.
struct IsaKernels {
  RowKernels (*rows)(const SamplerOptions& o, const SamplerShape& s);
  VolumeRowKernels (*volume_rows)(const SamplerOptions& o, const VolumeShape& s);
  TransformForwardRow (*transform_row)(const TransformShape& s, const TransformOptions& o);
};
namespace base {
IsaKernels kernels();
}
namespace avx2 {
IsaKernels kernels();
}
namespace avx512 {
IsaKernels kernels();
}

// The active ISA's (dispatch.cc).
IsaKernels isa_kernels();

}  // namespace stn
