// NOTE [threaded grid sampler]
//
// The drivers: threads, the grad_input block scheme, and where grid points
// come from. The per-pixel work is done by row kernels (grid_sampler_rows.h)
// of the ISA chosen at run time (dispatch.cc); they are written once in
// grid_sampler_simd.inl (see its NOTE: pixel rows for few channels, channel
// rows for many) and templated on interpolation, padding and align_corners,
// so their inner loops have no mode branches.
//
// Grid points come from a stored grid (grid_sample_*) or are computed on the
// fly from theta in chunks of kAffineChunk points with affine_grid's
// operations (affine_sample_*, the fused affine sampler: the grid is never
// stored; grad_theta is accumulated per output row in double, then the rows
// are added in order).
//
// Bitwise reproducibility: forward equals the reference bit for bit, and so
// does grad_grid up to kPixelPathMaxChannels channels (beyond, the row
// kernels' dot-product regrouping). Row kernels of every ISA agree bit for
// bit. grad_input is a scatter-add: each batch item's output rows are split
// into `blocks` blocks chosen from the shape alone (never the thread count);
// block 0 scatters into grad_input, the others into scratch slices, which are
// then added in block order. No atomics, no races, and the same bits for any
// thread count, ISA and run; it can differ from the reference's single
// sequential sum by rounding only. A scratch slice is zeroed lazily, over the
// span of input rows its block touches, and only that span is added: for the
// usual smooth grids the scratch traffic is about one image, not one per
// block. The grid-only backward (grad_input null) skips all of this: rows
// run in parallel with no scratch.
#include <omp.h>

#include <algorithm>
#include <memory>
#include <new>
#include <vector>

#include "affine_coords.h"
#include "grid_sampler.h"
#include "grid_sampler_rows.h"

namespace stn {
namespace {

// Below this many output elements a kernel runs on the calling thread.
constexpr int64_t kMinParallelWork = int64_t{1} << 14;
// Tasks per backward call to aim for when the batch alone is too small.
constexpr int64_t kTargetTasks = 8;
// Upper bound of the backward's scratch (partial grad_input) memory.
constexpr int64_t kScratchBytes = int64_t{256} << 20;
// Elements per task when the partial sums are added.
constexpr int64_t kReduceChunk = int64_t{1} << 14;
// Grid points computed at a time by the fused affine sampler.
constexpr int64_t kAffineChunk = 256;

int threads_for(int64_t work) {
  return work < kMinParallelWork ? 1 : get_num_threads();
}

// A stored grid [N,Ho,Wo,2] and its gradient (null: not wanted).
struct StoredGrid {
  static constexpr int64_t kChunk = INT64_MAX;
  const float* grid;
  float* grad_grid;
  int64_t wo;

  const float* points(int64_t r, int64_t x0, int64_t, float*) const {
    return grid + (r * wo + x0) * 2;
  }
  float* grad_points(int64_t r, int64_t x0, float*) const {
    return grad_grid ? grad_grid + (r * wo + x0) * 2 : nullptr;
  }
  void take_grad(int64_t, int64_t, int64_t, const float*) const {}
};

// The affine grid of theta [N,2,3], computed on the fly; its gradient goes to
// row_partials [N*Ho,6] (null: not wanted), in affine_grid_backward's order
// within each row.
struct AffineGridSource {
  static constexpr int64_t kChunk = kAffineChunk;
  const float* theta;
  double* row_partials;
  int64_t ho, wo;
  const float* xs;  // affine_base_coord(j, wo), j < wo
  const float* ys;  // affine_base_coord(i, ho), i < ho

  const float* points(int64_t r, int64_t x0, int64_t n, float* buf) const {
    const float* t = theta + 6 * (r / ho);
    const float y = ys[r % ho];
    for (int64_t j = 0; j < n; ++j) affine_point(t, xs[x0 + j], y, buf + 2 * j);
    return buf;
  }
  float* grad_points(int64_t, int64_t, float* buf) const {
    return row_partials ? buf : nullptr;
  }
  void take_grad(int64_t r, int64_t x0, int64_t n, const float* g) const {
    if (!row_partials) return;
    double* acc = row_partials + 6 * r;
    const double y = ys[r % ho];
    for (int64_t j = 0; j < n; ++j) {
      const double x = xs[x0 + j];
      for (int k = 0; k < 2; ++k) {
        const double gk = g[2 * j + k];
        acc[3 * k] += gk * x;
        acc[3 * k + 1] += gk * y;
        acc[3 * k + 2] += gk;
      }
    }
  }
};

// Row blocks per batch item for the grad_input scatter: from the shape only,
// so the summation order never depends on the thread count. Blocks exist
// only when N < kTargetTasks, so there are fewer than kTargetTasks scratch
// slices.
int64_t blocks_per_item(const SamplerShape& s) {
  const int64_t item = s.h * s.w * s.c;
  if (s.n == 0 || s.n >= kTargetTasks || item == 0 || s.ho < 2) return 1;
  const int64_t wanted = std::min((kTargetTasks + s.n - 1) / s.n, s.ho);
  const int64_t item_bytes = item * static_cast<int64_t>(sizeof(float));
  return std::min(wanted, 1 + kScratchBytes / (s.n * item_bytes));
}

template <class Source>
void forward_impl(const SamplerShape& s, const SamplerOptions& o,
                  const float* input, const Source& src, float* output) {
  const ForwardRow row = select_rows(o, s).forward;
  const int64_t rows = s.n * s.ho;
  const int64_t item = s.h * s.w * s.c;
  const int nt = threads_for(rows * s.wo * std::max<int64_t>(s.c, 1));
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    float buf[2 * kAffineChunk];
    for (int64_t x0 = 0; x0 < s.wo; x0 += std::min(Source::kChunk, s.wo)) {
      const int64_t n = std::min(Source::kChunk, s.wo - x0);
      row(s, input + (r / s.ho) * item, src.points(r, x0, n, buf),
          output + (r * s.wo + x0) * s.c, n);
    }
  }
}

template <class Source>
void backward_impl(const SamplerShape& s, const SamplerOptions& o,
                   const float* grad_output, const float* input,
                   const Source& src, float* grad_input) {
  const BackwardRow row = select_rows(o, s).backward;
  const int64_t rows = s.n * s.ho;
  const int64_t item = s.h * s.w * s.c;
  const int nt = threads_for(rows * s.wo * std::max<int64_t>(s.c, 1));
  auto run_row = [&](int64_t r, float* ginp, ZeroedRows* zeroed) {
    float buf[2 * kAffineChunk], gbuf[2 * kAffineChunk];
    for (int64_t x0 = 0; x0 < s.wo; x0 += std::min(Source::kChunk, s.wo)) {
      const int64_t n = std::min(Source::kChunk, s.wo - x0);
      float* gg = src.grad_points(r, x0, gbuf);
      row(s, grad_output + (r * s.wo + x0) * s.c, input + (r / s.ho) * item,
          src.points(r, x0, n, buf), ginp, zeroed, gg, n);
      if (gg) src.take_grad(r, x0, n, gg);
    }
  };

  if (!grad_input) {
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t r = 0; r < rows; ++r) run_row(r, nullptr, nullptr);
    return;
  }

  int64_t blocks = blocks_per_item(s);
  std::unique_ptr<float[]> scratch;
  if (blocks > 1) {
    scratch.reset(new (std::nothrow) float[s.n * (blocks - 1) * item]);
    if (!scratch) blocks = 1;  // out of memory: race-free, other rounding
  }
  // Scratch slice of block b >= 1 of item n, and its zeroed rows.
  auto slice_index = [&](int64_t n, int64_t b) {
    return n * (blocks - 1) + b - 1;
  };
  ZeroedRows zeroed[kTargetTasks];

  const int64_t tasks = s.n * blocks;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t n = t / blocks, b = t % blocks;
    float* dst = grad_input + n * item;
    ZeroedRows* z = nullptr;
    if (b == 0) {
      std::fill(dst, dst + item, 0.0f);
    } else {
      dst = scratch.get() + slice_index(n, b) * item;
      z = &zeroed[slice_index(n, b)];
    }
    const int64_t y_end = s.ho * (b + 1) / blocks;
    for (int64_t y = s.ho * b / blocks; y < y_end; ++y)
      run_row(n * s.ho + y, dst, z);
  }
  if (blocks == 1) return;

  const int64_t chunks = (item + kReduceChunk - 1) / kReduceChunk;
#pragma omp parallel for num_threads(nt) collapse(2) schedule(static)
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t k = 0; k < chunks; ++k) {
      float* dst = grad_input + n * item;
      const int64_t begin = k * kReduceChunk;
      const int64_t end = std::min(item, begin + kReduceChunk);
      for (int64_t b = 1; b < blocks; ++b) {
        const int64_t k = slice_index(n, b);
        const float* src = scratch.get() + k * item;
        const int64_t row_size = s.w * s.c;
        const int64_t lo = std::max(begin, zeroed[k].begin * row_size);
        const int64_t hi = std::min(end, zeroed[k].end * row_size);
        for (int64_t i = lo; i < hi; ++i) dst[i] += src[i];
      }
    }
  }
}

// The base grid's coordinates, computed once per call.
struct BaseCoords {
  std::vector<float> xs, ys;
  BaseCoords(int64_t ho, int64_t wo, bool align) : xs(wo), ys(ho) {
    for (int64_t j = 0; j < wo; ++j) xs[j] = affine_base_coord(j, wo, align);
    for (int64_t i = 0; i < ho; ++i) ys[i] = affine_base_coord(i, ho, align);
  }
};

}  // namespace

void grid_sample_forward(const SamplerShape& s, const SamplerOptions& o,
                         const float* input, const float* grid, float* output) {
  forward_impl(s, o, input, StoredGrid{grid, nullptr, s.wo}, output);
}

void grid_sample_backward(const SamplerShape& s, const SamplerOptions& o,
                          const float* grad_output, const float* input,
                          const float* grid, float* grad_input,
                          float* grad_grid) {
  backward_impl(s, o, grad_output, input, StoredGrid{grid, grad_grid, s.wo},
                grad_input);
}

void affine_sample_forward(const SamplerShape& s, const SamplerOptions& o,
                           const float* input, const float* theta,
                           float* output) {
  const BaseCoords base(s.ho, s.wo, o.align_corners);
  forward_impl(s, o, input,
               AffineGridSource{theta, nullptr, s.ho, s.wo, base.xs.data(),
                                base.ys.data()},
               output);
}

void affine_sample_backward(const SamplerShape& s, const SamplerOptions& o,
                            const float* grad_output, const float* input,
                            const float* theta, float* grad_input,
                            float* grad_theta) {
  std::unique_ptr<double[]> partials;
  if (grad_theta) {
    partials.reset(new (std::nothrow) double[s.n * s.ho * 6]());
    if (!partials) {  // out of memory: the unfused path's own buffers
      std::unique_ptr<float[]> grid(new (std::nothrow) float[s.n * s.ho * s.wo * 2]);
      std::unique_ptr<float[]> grad_grid(new (std::nothrow) float[s.n * s.ho * s.wo * 2]);
      if (!grid || !grad_grid) {
        std::fill(grad_theta, grad_theta + s.n * 6, 0.0f);
        if (grad_input) std::fill(grad_input, grad_input + s.n * s.h * s.w * s.c, 0.0f);
        return;
      }
      affine_grid_forward(s.n, s.ho, s.wo, o.align_corners, theta, grid.get());
      grid_sample_backward(s, o, grad_output, input, grid.get(), grad_input,
                           grad_grid.get());
      affine_grid_backward(s.n, s.ho, s.wo, o.align_corners, grad_grid.get(),
                           grad_theta);
      return;
    }
  }
  const BaseCoords base(s.ho, s.wo, o.align_corners);
  backward_impl(s, o, grad_output, input,
                AffineGridSource{theta, partials.get(), s.ho, s.wo,
                                 base.xs.data(), base.ys.data()},
                grad_input);
  if (!grad_theta) return;
  for (int64_t n = 0; n < s.n; ++n) {
    double acc[6] = {0, 0, 0, 0, 0, 0};
    for (int64_t i = 0; i < s.ho; ++i)
      for (int k = 0; k < 6; ++k) acc[k] += partials[(n * s.ho + i) * 6 + k];
    for (int k = 0; k < 6; ++k) grad_theta[6 * n + k] = static_cast<float>(acc[k]);
  }
}

// The unfused composition, as the oracle of the fused paths.
void affine_sample_forward_ref(const SamplerShape& s, const SamplerOptions& o,
                               const float* input, const float* theta,
                               float* output) {
  std::unique_ptr<float[]> grid(new float[s.n * s.ho * s.wo * 2]);
  affine_grid_forward_ref(s.n, s.ho, s.wo, o.align_corners, theta, grid.get());
  grid_sample_forward_ref(s, o, input, grid.get(), output);
}

void affine_sample_backward_ref(const SamplerShape& s, const SamplerOptions& o,
                                const float* grad_output, const float* input,
                                const float* theta, float* grad_input,
                                float* grad_theta) {
  const int64_t points = s.n * s.ho * s.wo * 2;
  std::unique_ptr<float[]> grid(new float[points]), grad_grid(new float[points]);
  affine_grid_forward_ref(s.n, s.ho, s.wo, o.align_corners, theta, grid.get());
  grid_sample_backward_ref(s, o, grad_output, input, grid.get(), grad_input,
                           grad_grid.get());
  if (grad_theta)
    affine_grid_backward_ref(s.n, s.ho, s.wo, o.align_corners, grad_grid.get(),
                             grad_theta);
}

}  // namespace stn
