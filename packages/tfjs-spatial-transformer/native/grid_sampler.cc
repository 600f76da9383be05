// NOTE [threaded grid sampler]
//
// The drivers: threads, the grad_input block scheme, and where grid points
// come from. The per-pixel work is done by row kernels (grid_sampler_rows.h)
// of the ISA chosen at run time (dispatch.cc); they are written once in
// grid_sampler_simd.inl (see its NOTE: pixel rows for few channels, channel
// rows for many) and templated on interpolation, padding and align_corners,
// so their inner loops have no mode branches.
//
// Work is split into tasks of whole output rows of one item (up to
// kSpanPoints points). A row kernel gets consecutive points that may cross
// row ends, so narrow images pay no vector tail per row. Grid points come
// from a stored grid (grid_sample_*: a whole task span per call), or are
// computed on the fly in chunks of kChunk points: from theta with
// affine_grid's operations (affine_sample_*, the fused affine sampler: the
// grid is never stored; grad_theta is accumulated per output row in double,
// then the rows are added in order) or from a displacement field
// (flow_warp_*).
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
//
// A shared grid (SamplerShape::shared: batch 1 for every item) is read at
// its row y for every item; its gradient is summed over the batch without a
// per-item copy: one task per output row y runs that row for n = 0..N-1 and
// adds each item's row into grad_grid in batch order (a second pass after
// grad_input's, which then runs without grid gradient). A shared theta's
// gradient is the per-row double partials summed over every item and row.
//
// Memory: the kernels never allocate. Scratch (the block slices, the base
// coordinates, theta's row partials, the references' grids) comes from the
// caller, sized by the *_scratch functions, which lay it out with the same
// code as the kernels (Carver); addon.cc allocates it before the kernel runs.
#include <omp.h>

#include <algorithm>
#include <cstddef>

#include "affine_coords.h"
#include "flow_coords.h"
#include "flow_warp.h"
#include "grid_sampler.h"
#include "grid_sampler_rows.h"
#include "spans.h"

namespace stn {
namespace {

// Tasks per backward call to aim for when the batch alone is too small.
constexpr int64_t kTargetTasks = 8;
// Upper bound of the backward's scratch (partial grad_input) memory.
constexpr int64_t kScratchBytes = int64_t{256} << 20;
// Elements per task when the partial sums are added.
constexpr int64_t kReduceChunk = int64_t{1} << 14;

// Lays out a kernel's scratch: the *_scratch functions run it on no memory
// to total the bytes, the kernels on the caller's memory to get pointers.
class Carver {
 public:
  explicit Carver(Scratch s = {}) : base_(static_cast<char*>(s.data)), bytes_(s.bytes) {}
  template <class T>
  T* take(int64_t count) {
    used_ = (used_ + alignof(T) - 1) / alignof(T) * alignof(T);
    T* p = base_ ? reinterpret_cast<T*>(base_ + used_) : nullptr;
    used_ += static_cast<size_t>(count) * sizeof(T);
    return p;
  }
  size_t used() const { return used_; }
  // The caller gave at least what was taken.
  bool enough() const { return used_ <= bytes_; }

 private:
  char* base_;
  size_t bytes_;
  size_t used_ = 0;
};

// Grid-point sources. Each hands the row kernels the grid points of `n`
// consecutive output points from flat point p (a span may cross output rows
// but never items), and takes their gradient back.

// A stored grid [N or 1,Ho,Wo,2] and its gradient (null: not wanted, or
// summed by the shared-grid pass instead).
struct StoredGrid {
  static constexpr int64_t kPoints = INT64_MAX;  // a whole span per call
  const float* grid;
  float* grad_grid;
  int64_t ho, wo;
  bool shared;

  const float* points(int64_t p, int64_t, float*) const {
    return grid + (shared ? p % (ho * wo) : p) * 2;
  }
  float* grad_points(int64_t p, float*) const { return grad_grid ? grad_grid + p * 2 : nullptr; }
  void take_grad(int64_t, int64_t, const float*) const {}
};

// The affine grid of theta [N or 1,2,3], computed on the fly; its gradient
// goes to row_partials [N*Ho,6] (null: not wanted), in affine_grid_backward's
// order within each row.
struct AffineGridSource {
  static constexpr int64_t kPoints = kChunk;
  const float* theta;
  double* row_partials;
  int64_t ho, wo;
  bool shared;
  const float* xs;  // affine_base_coord(j, wo), j < wo
  const float* ys;  // affine_base_coord(i, ho), i < ho

  const float* points(int64_t p, int64_t n, float* buf) const {
    for_row_pieces(p, n, wo, [&](int64_t r, int64_t x0, int64_t j0, int64_t count) {
      const float* t = theta + (shared ? 0 : 6 * (r / ho));
      const float y = ys[r % ho];
      for (int64_t j = 0; j < count; ++j) affine_point(t, xs[x0 + j], y, buf + 2 * (j0 + j));
    });
    return buf;
  }
  float* grad_points(int64_t, float* buf) const { return row_partials ? buf : nullptr; }
  void take_grad(int64_t p, int64_t n, const float* g) const {
    if (!row_partials) return;
    for_row_pieces(p, n, wo, [&](int64_t r, int64_t x0, int64_t j0, int64_t count) {
      double* acc = row_partials + 6 * r;
      const double y = ys[r % ho];
      for (int64_t j = 0; j < count; ++j) {
        const double x = xs[x0 + j];
        for (int k = 0; k < 2; ++k) {
          const double gk = g[2 * (j0 + j) + k];
          acc[3 * k] += gk * x;
          acc[3 * k + 1] += gk * y;
          acc[3 * k + 2] += gk;
        }
      }
    });
  }
};

// The grid of a displacement field flow [N,Ho,Wo,2] (flow_warp.h), computed
// on the fly; its gradient goes to grad_flow (null: not wanted), the grid
// gradient times flow_grid_scale.
struct FlowGridSource {
  static constexpr int64_t kPoints = kChunk;
  const float* flow;
  float* grad_flow;
  int64_t ho, wo, h, w;

  const float* points(int64_t p, int64_t n, float* buf) const {
    const float* f = flow + p * 2;
    for_row_pieces(p, n, wo, [&](int64_t r, int64_t x0, int64_t j0, int64_t count) {
      const int64_t i = r % ho;
      if (w > 1 && h > 1 && wo <= (int64_t{1} << 24)) {
        const float fixed[2] = {0.0f, static_cast<float>(i)};
        const float size_minus_1[2] = {static_cast<float>(w - 1), static_cast<float>(h - 1)};
        flow_row<2>(f + 2 * j0, static_cast<int32_t>(x0), static_cast<int32_t>(count), fixed, size_minus_1,
                    buf + 2 * j0);
        return;
      }
      for (int64_t j = j0; j < j0 + count; ++j) {
        buf[2 * j] = flow_grid_coord(x0 + j - j0, f[2 * j], w);
        buf[2 * j + 1] = flow_grid_coord(i, f[2 * j + 1], h);
      }
    });
    return buf;
  }
  float* grad_points(int64_t, float* buf) const { return grad_flow ? buf : nullptr; }
  void take_grad(int64_t p, int64_t n, const float* g) const {
    if (!grad_flow) return;
    float* out = grad_flow + p * 2;
    const float sx = flow_grid_scale(w), sy = flow_grid_scale(h);
    for (int64_t j = 0; j < n; ++j) {
      out[2 * j] = g[2 * j] * sx;
      out[2 * j + 1] = g[2 * j + 1] * sy;
    }
  }
};

// Row blocks per batch item for the grad_input scatter: from the shape only,
// so the summation order never depends on the thread count (nor on memory:
// the scratch is the caller's, sized from the same function). Blocks exist
// only when N < kTargetTasks, so there are fewer than kTargetTasks scratch
// slices.
int64_t blocks_per_item(const SamplerShape& s) {
  const int64_t item = s.h * s.w * s.c;
  if (s.n == 0 || s.n >= kTargetTasks || item == 0 || s.ho < 2) return 1;
  const int64_t wanted = std::min((kTargetTasks + s.n - 1) / s.n, s.ho);
  const int64_t item_bytes = item * static_cast<int64_t>(sizeof(float));
  return std::min(wanted, 1 + kScratchBytes / (s.n * item_bytes));
}

// The grad_input scratch slices of blocks 1.. of every item (null when the
// backward needs none).
float* take_block_slices(const SamplerShape& s, bool grad_input, Carver* c) {
  const int64_t blocks = grad_input ? blocks_per_item(s) : 1;
  return blocks > 1 ? c->take<float>(s.n * (blocks - 1) * s.h * s.w * s.c) : nullptr;
}

// The base grid's coordinates (affine_base_coord), computed once per call.
struct BaseCoords {
  float* xs;
  float* ys;
  BaseCoords(const SamplerShape& s, bool align, Carver* c)
      : xs(c->take<float>(s.wo)), ys(c->take<float>(s.ho)) {
    if (!xs) return;  // sizing only
    for (int64_t j = 0; j < s.wo; ++j) xs[j] = affine_base_coord(j, s.wo, align);
    for (int64_t i = 0; i < s.ho; ++i) ys[i] = affine_base_coord(i, s.ho, align);
  }
};

// Runs the row kernel `call(p, count)` over output rows [y0, y1) of item
// `item`, in calls of at most Source::kPoints consecutive points (flat point
// p), across row ends: narrow images pay no vector tail per row.
template <class Source, class Call>
void for_spans(const SamplerShape& s, int64_t item, int64_t y0, int64_t y1, Call call) {
  for_point_spans((item * s.ho + y0) * s.wo, (item * s.ho + y1) * s.wo, Source::kPoints, call);
}

template <class Source>
void forward_impl(const SamplerShape& s, const SamplerOptions& o,
                  const float* input, const Source& src, float* output) {
  const auto row = isa_kernels().rows(o, s).forward;
  const int64_t item = s.h * s.w * s.c;
  // Tasks: spans of rows of one item.
  const int64_t step = rows_per_span(s.wo);
  const int64_t per_item = (s.ho + step - 1) / step;
  const int64_t tasks = s.n * per_item;
  const int nt = threads_for(s.n * s.ho * s.wo * std::max<int64_t>(s.c, 1));
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t t = 0; t < tasks; ++t) {
    float buf[2 * kChunk];
    const int64_t n = t / per_item, y0 = (t % per_item) * step;
    for_spans<Source>(s, n, y0, std::min(s.ho, y0 + step), [&](int64_t p, int64_t count) {
      row(s, input + n * item, src.points(p, count, buf), output + p * s.c, count);
    });
  }
}

// grad_input (when not null, with the block scheme of the NOTE; `slices` from
// take_block_slices) and the source's per-row gradient.
template <class Source>
void backward_impl(const SamplerShape& s, const SamplerOptions& o,
                   const float* grad_output, const float* input,
                   const Source& src, float* grad_input, float* slices) {
  const auto row = isa_kernels().rows(o, s).backward;
  const int64_t item = s.h * s.w * s.c;
  const int nt = threads_for(s.n * s.ho * s.wo * std::max<int64_t>(s.c, 1));
  // Rows [y0, y1) of item n.
  auto run_rows = [&](int64_t n, int64_t y0, int64_t y1, float* ginp, ZeroedRows* zeroed) {
    float buf[2 * kChunk], gbuf[2 * kChunk];
    for_spans<Source>(s, n, y0, y1, [&](int64_t p, int64_t count) {
      float* gg = src.grad_points(p, gbuf);
      row(s, grad_output + p * s.c, input + n * item, src.points(p, count, buf), ginp, zeroed,
          gg, count);
      if (gg) src.take_grad(p, count, gg);
    });
  };

  if (!grad_input) {
    const int64_t step = rows_per_span(s.wo);
    const int64_t per_item = (s.ho + step - 1) / step;
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t t = 0; t < s.n * per_item; ++t) {
      const int64_t n = t / per_item, y0 = (t % per_item) * step;
      run_rows(n, y0, std::min(s.ho, y0 + step), nullptr, nullptr);
    }
    return;
  }

  const int64_t blocks = blocks_per_item(s);
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
      dst = slices + slice_index(n, b) * item;
      z = &zeroed[slice_index(n, b)];
    }
    run_rows(n, s.ho * b / blocks, s.ho * (b + 1) / blocks, dst, z);
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
        const float* src = slices + k * item;
        const int64_t row_size = s.w * s.c;
        const int64_t lo = std::max(begin, zeroed[k].begin * row_size);
        const int64_t hi = std::min(end, zeroed[k].end * row_size);
        for (int64_t i = lo; i < hi; ++i) dst[i] += src[i];
      }
    }
  }
}

// A shared grid's gradient [1,Ho,Wo,2]: sum over n = 0..N-1 of each item's,
// one task per output row, in chunks of kChunk points on the stack.
void shared_grid_grad(const SamplerShape& s, const SamplerOptions& o,
                      const float* grad_output, const float* input,
                      const float* grid, float* grad_grid) {
  const auto row = isa_kernels().rows(o, s).backward;
  const int64_t item = s.h * s.w * s.c;
  const int nt = threads_for(s.n * s.ho * s.wo * std::max<int64_t>(s.c, 1));
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t y = 0; y < s.ho; ++y) {
    float gbuf[2 * kChunk];
    for (int64_t x0 = 0; x0 < s.wo; x0 += kChunk) {
      const int64_t count = std::min(kChunk, s.wo - x0);
      float* acc = grad_grid + (y * s.wo + x0) * 2;
      std::fill(acc, acc + 2 * count, 0.0f);
      for (int64_t n = 0; n < s.n; ++n) {
        const int64_t r = n * s.ho + y;
        row(s, grad_output + (r * s.wo + x0) * s.c, input + n * item,
            grid + (y * s.wo + x0) * 2, nullptr, nullptr, gbuf, count);
        for (int64_t i = 0; i < 2 * count; ++i) acc[i] += gbuf[i];
      }
    }
  }
}

}  // namespace

size_t grid_sample_backward_scratch(const SamplerShape& s, bool grad_input) {
  Carver c;
  take_block_slices(s, grad_input, &c);
  return c.used();
}

void grid_sample_forward(const SamplerShape& s, const SamplerOptions& o,
                         const float* input, const float* grid, float* output) {
  forward_impl(s, o, input, StoredGrid{grid, nullptr, s.ho, s.wo, s.shared}, output);
}

void grid_sample_backward(const SamplerShape& s, const SamplerOptions& o,
                          const float* grad_output, const float* input,
                          const float* grid, float* grad_input,
                          float* grad_grid, Scratch scratch) {
  Carver c(scratch);
  float* slices = take_block_slices(s, grad_input != nullptr, &c);
  if (!c.enough()) return;
  float* per_row_grad = s.shared ? nullptr : grad_grid;
  if (grad_input || per_row_grad)
    backward_impl(s, o, grad_output, input,
                  StoredGrid{grid, per_row_grad, s.ho, s.wo, s.shared}, grad_input, slices);
  if (s.shared && grad_grid) shared_grid_grad(s, o, grad_output, input, grid, grad_grid);
}

size_t affine_sample_forward_scratch(const SamplerShape& s) {
  Carver c;
  BaseCoords(s, false, &c);
  return c.used();
}

void affine_sample_forward(const SamplerShape& s, const SamplerOptions& o,
                           const float* input, const float* theta,
                           float* output, Scratch scratch) {
  Carver c(scratch);
  const BaseCoords base(s, o.align_corners, &c);
  if (!c.enough()) return;
  forward_impl(s, o, input,
               AffineGridSource{theta, nullptr, s.ho, s.wo, s.shared, base.xs, base.ys},
               output);
}

namespace {
struct AffineBackwardScratch {
  BaseCoords base;
  double* partials;  // [N*Ho,6], when grad_theta is wanted
  float* slices;
  AffineBackwardScratch(const SamplerShape& s, bool align, bool grad_input,
                        bool grad_theta, Carver* c)
      : base(s, align, c),
        partials(grad_theta ? c->take<double>(s.n * s.ho * 6) : nullptr),
        slices(take_block_slices(s, grad_input, c)) {}
};
}  // namespace

size_t affine_sample_backward_scratch(const SamplerShape& s, bool grad_input,
                                      bool grad_theta) {
  Carver c;
  AffineBackwardScratch(s, false, grad_input, grad_theta, &c);
  return c.used();
}

void affine_sample_backward(const SamplerShape& s, const SamplerOptions& o,
                            const float* grad_output, const float* input,
                            const float* theta, float* grad_input,
                            float* grad_theta, Scratch scratch) {
  Carver c(scratch);
  const AffineBackwardScratch w(s, o.align_corners, grad_input != nullptr,
                                grad_theta != nullptr, &c);
  if (!c.enough()) return;
  if (w.partials) std::fill(w.partials, w.partials + s.n * s.ho * 6, 0.0);
  backward_impl(s, o, grad_output, input,
                AffineGridSource{theta, w.partials, s.ho, s.wo, s.shared, w.base.xs,
                                 w.base.ys},
                grad_input, w.slices);
  if (!grad_theta) return;
  // Each theta's rows in order (a shared theta: every item's rows in turn).
  const int64_t thetas = grid_batch(s), rows_each = s.n * s.ho / std::max<int64_t>(thetas, 1);
  for (int64_t t = 0; t < thetas; ++t) {
    double acc[6] = {0, 0, 0, 0, 0, 0};
    for (int64_t i = 0; i < rows_each; ++i)
      for (int k = 0; k < 6; ++k) acc[k] += w.partials[(t * rows_each + i) * 6 + k];
    for (int k = 0; k < 6; ++k) grad_theta[6 * t + k] = static_cast<float>(acc[k]);
  }
}

// Displacement fields: align_corners is true by definition (flow_warp.h).
namespace {
SamplerOptions flow_options(const SamplerOptions& o) { return {o.mode, o.padding, true}; }
}  // namespace

void flow_warp_forward(const SamplerShape& s, const SamplerOptions& o, const float* input,
                       const float* flow, float* output) {
  forward_impl(s, flow_options(o), input, FlowGridSource{flow, nullptr, s.ho, s.wo, s.h, s.w},
               output);
}

size_t flow_warp_backward_scratch(const SamplerShape& s, bool grad_input) {
  return grid_sample_backward_scratch(s, grad_input);
}

void flow_warp_backward(const SamplerShape& s, const SamplerOptions& o,
                        const float* grad_output, const float* input, const float* flow,
                        float* grad_input, float* grad_flow, Scratch scratch) {
  Carver c(scratch);
  float* slices = take_block_slices(s, grad_input != nullptr, &c);
  if (!c.enough()) return;
  backward_impl(s, flow_options(o), grad_output, input,
                FlowGridSource{flow, grad_flow, s.ho, s.wo, s.h, s.w}, grad_input, slices);
}

// The unfused composition, as the oracle of the fused paths.
namespace {
struct AffineRefScratch {
  float* grid;
  float* grad_grid;
  AffineRefScratch(const SamplerShape& s, Carver* c)
      : grid(c->take<float>(grid_batch(s) * s.ho * s.wo * 2)),
        grad_grid(c->take<float>(grid_batch(s) * s.ho * s.wo * 2)) {}
};
}  // namespace

size_t affine_sample_ref_scratch(const SamplerShape& s) {
  Carver c;
  AffineRefScratch(s, &c);
  return c.used();
}

void affine_sample_forward_ref(const SamplerShape& s, const SamplerOptions& o,
                               const float* input, const float* theta,
                               float* output, Scratch scratch) {
  Carver c(scratch);
  const AffineRefScratch w(s, &c);
  if (!c.enough()) return;
  affine_grid_forward_ref(grid_batch(s), s.ho, s.wo, o.align_corners, theta, w.grid);
  grid_sample_forward_ref(s, o, input, w.grid, output);
}

void affine_sample_backward_ref(const SamplerShape& s, const SamplerOptions& o,
                                const float* grad_output, const float* input,
                                const float* theta, float* grad_input,
                                float* grad_theta, Scratch scratch) {
  Carver c(scratch);
  const AffineRefScratch w(s, &c);
  if (!c.enough()) return;
  affine_grid_forward_ref(grid_batch(s), s.ho, s.wo, o.align_corners, theta, w.grid);
  grid_sample_backward_ref(s, o, grad_output, input, w.grid, grad_input,
                           grad_theta ? w.grad_grid : nullptr, Scratch{});
  if (grad_theta)
    affine_grid_backward_ref(grid_batch(s), s.ho, s.wo, o.align_corners, w.grad_grid,
                             grad_theta);
}

}  // namespace stn
