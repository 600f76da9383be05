// NOTE [threaded grid sampler]
//
// Row kernels: forward_row / backward_row process one output row of one batch
// item. They are templated on interpolation, padding and align_corners, so
// their inner loops have no mode branches; select() maps the runtime options
// to an instantiation, and is where vector (AVX2/AVX-512) rows will slot in.
// Each output pixel's in-bounds neighbours (Taps) are computed once, with the
// coordinate helpers shared with the reference, and reused across the
// contiguous NHWC channels.
//
// Bitwise reproducibility: forward and grad_grid perform, per element, the
// same float operations in the same order as grid_sampler_ref.cc, so they
// equal the reference bit for bit. grad_input is a scatter-add: each batch
// item's output rows are split into `blocks` blocks chosen from the shape
// alone (never the thread count); block 0 scatters into grad_input, the
// others into scratch slices, which are then added in block order. No
// atomics, no races, and the same bits for any thread count and run; it can
// differ from the reference's single sequential sum by rounding only. A
// scratch slice is zeroed lazily, over the span of input rows its block
// touches, and only that span is added: for the usual smooth grids the
// scratch traffic is about one image, not one per block.
#include <omp.h>

#include <algorithm>
#include <memory>
#include <new>

#include "coordinates.h"
#include "grid_sampler.h"

namespace stn {
namespace {

using coord::in_bounds;

// Below this many output elements a kernel runs on the calling thread.
constexpr int64_t kMinParallelWork = int64_t{1} << 14;
// Tasks per backward call to aim for when the batch alone is too small.
constexpr int64_t kTargetTasks = 8;
// Upper bound of the backward's scratch (partial grad_input) memory.
constexpr int64_t kScratchBytes = int64_t{256} << 20;
// Elements per task when the partial sums are added.
constexpr int64_t kReduceChunk = int64_t{1} << 14;

int threads_for(int64_t work) {
  return work < kMinParallelWork ? 1 : get_num_threads();
}

// In-bounds bilinear neighbours of one source point, in PyTorch's order
// (nw, ne, sw, se); out-of-bounds neighbours are left out, as PyTorch skips
// them. gx/gy are d(weight)/d(ix), d(weight)/d(iy).
struct Taps {
  int count = 0;
  int64_t y_min, y_max;  // input rows of the taps, when count > 0
  int64_t offset[4];  // of the neighbour's pixel in the batch item
  float weight[4];
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
  switch (t.count) {
    case 0:
      std::fill(out, out + nc, 0.0f);
      return;
    case 1: {
      const float* p0 = inp + t.offset[0];
      const float w0 = t.weight[0];
      for (int64_t c = 0; c < nc; ++c) out[c] = 0.0f + p0[c] * w0;
      return;
    }
    case 2: {
      const float* p0 = inp + t.offset[0];
      const float* p1 = inp + t.offset[1];
      const float w0 = t.weight[0], w1 = t.weight[1];
      for (int64_t c = 0; c < nc; ++c) out[c] = (0.0f + p0[c] * w0) + p1[c] * w1;
      return;
    }
    case 3: {
      const float* p0 = inp + t.offset[0];
      const float* p1 = inp + t.offset[1];
      const float* p2 = inp + t.offset[2];
      const float w0 = t.weight[0], w1 = t.weight[1], w2 = t.weight[2];
      for (int64_t c = 0; c < nc; ++c)
        out[c] = ((0.0f + p0[c] * w0) + p1[c] * w1) + p2[c] * w2;
      return;
    }
    default: {
      const float* p0 = inp + t.offset[0];
      const float* p1 = inp + t.offset[1];
      const float* p2 = inp + t.offset[2];
      const float* p3 = inp + t.offset[3];
      const float w0 = t.weight[0], w1 = t.weight[1], w2 = t.weight[2],
                  w3 = t.weight[3];
      for (int64_t c = 0; c < nc; ++c)
        out[c] = (((0.0f + p0[c] * w0) + p1[c] * w1) + p2[c] * w2) + p3[c] * w3;
      return;
    }
  }
}

// The contiguous span of input rows of a lazily zeroed scratch slice that
// has been zeroed so far.
struct ZeroedRows {
  int64_t begin = 0, end = 0;

  // Zeroes rows [lo, hi] where not zeroed yet; row_size = W * C.
  void cover(float* slice, int64_t row_size, int64_t lo, int64_t hi) {
    if (begin == end) begin = end = lo;
    if (lo < begin) {
      std::fill(slice + lo * row_size, slice + begin * row_size, 0.0f);
      begin = lo;
    }
    if (hi >= end) {
      std::fill(slice + end * row_size, slice + (hi + 1) * row_size, 0.0f);
      end = hi + 1;
    }
  }
};

template <Interpolation kMode, Padding kPadding, bool kAlign>
struct RowKernel {
  // One output row: grid_row [Wo,2] -> out_row [Wo,C]; inp is the batch item.
  static void forward(const SamplerShape& s, const float* inp,
                      const float* grid_row, float* out_row) {
    for (int64_t x = 0; x < s.wo; ++x) {
      const float* g = grid_row + 2 * x;
      float* out = out_row + x * s.c;
      float ix, iy;
      if (!coord::source_index(g[0], s.w, kPadding, kAlign, &ix) ||
          !coord::source_index(g[1], s.h, kPadding, kAlign, &iy)) {
        std::fill(out, out + s.c, 0.0f);
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
          std::copy(src, src + s.c, out);
        } else {
          std::fill(out, out + s.c, 0.0f);
        }
      }
    }
  }

  // One output row's gradients: scatter-adds into ginp (the batch item's
  // grad_input, or a scratch slice zeroed lazily when `zeroed` is given) and
  // writes ggrid_row [Wo,2]; ginp and ggrid_row may be null.
  static void backward(const SamplerShape& s, const float* gout_row,
                       const float* inp, const float* grid_row, float* ginp,
                       ZeroedRows* zeroed, float* ggrid_row) {
    const int64_t nc = s.c;
    for (int64_t x = 0; x < s.wo; ++x) {
      const float* g = grid_row + 2 * x;
      const float* gout = gout_row + x * nc;
      float ix, iy, mult_x, mult_y;
      if (!coord::source_index_set_grad(g[0], s.w, kPadding, kAlign, &ix,
                                        &mult_x) ||
          !coord::source_index_set_grad(g[1], s.h, kPadding, kAlign, &iy,
                                        &mult_y)) {
        if (ggrid_row) ggrid_row[2 * x] = ggrid_row[2 * x + 1] = 0.0f;
        continue;
      }
      if constexpr (kMode == Interpolation::Bilinear) {
        Taps t;
        bilinear_taps(ix, iy, s, &t);
        if (ginp && t.count > 0) {
          if (zeroed) zeroed->cover(ginp, s.w * nc, t.y_min, t.y_max);
          for (int k = 0; k < t.count; ++k) {
            float* dst = ginp + t.offset[k];
            const float w = t.weight[k];
            for (int64_t c = 0; c < nc; ++c) dst[c] += w * gout[c];
          }
        }
        if (ggrid_row) {
          // Sequential over channels: the reference's summation order.
          float gix = 0, giy = 0;
          for (int64_t c = 0; c < nc; ++c) {
            const float go = gout[c];
            for (int k = 0; k < t.count; ++k) {
              const float v = inp[t.offset[k] + c];
              gix += v * t.gx[k] * go;
              giy += v * t.gy[k] * go;
            }
          }
          ggrid_row[2 * x] = mult_x * gix;
          ggrid_row[2 * x + 1] = mult_y * giy;
        }
      } else {
        int64_t xn, yn;
        if (ginp && coord::nearest_pixel(ix, iy, s.w, s.h, &xn, &yn)) {
          if (zeroed) zeroed->cover(ginp, s.w * nc, yn, yn);
          float* dst = ginp + (yn * s.w + xn) * nc;
          for (int64_t c = 0; c < nc; ++c) dst[c] += gout[c];
        }
        if (ggrid_row) ggrid_row[2 * x] = ggrid_row[2 * x + 1] = 0.0f;
      }
    }
  }
};

struct RowKernels {
  decltype(&RowKernel<Interpolation::Bilinear, Padding::Zeros,
                      false>::forward) forward;
  decltype(&RowKernel<Interpolation::Bilinear, Padding::Zeros,
                      false>::backward) backward;
};

template <Interpolation kMode, Padding kPadding>
RowKernels select_align(bool align_corners) {
  if (align_corners)
    return {&RowKernel<kMode, kPadding, true>::forward,
            &RowKernel<kMode, kPadding, true>::backward};
  return {&RowKernel<kMode, kPadding, false>::forward,
          &RowKernel<kMode, kPadding, false>::backward};
}

template <Interpolation kMode>
RowKernels select_padding(Padding padding, bool align_corners) {
  switch (padding) {
    case Padding::Border:
      return select_align<kMode, Padding::Border>(align_corners);
    case Padding::Reflection:
      return select_align<kMode, Padding::Reflection>(align_corners);
    default:
      return select_align<kMode, Padding::Zeros>(align_corners);
  }
}

RowKernels select(const SamplerOptions& o) {
  return o.mode == Interpolation::Nearest
             ? select_padding<Interpolation::Nearest>(o.padding,
                                                      o.align_corners)
             : select_padding<Interpolation::Bilinear>(o.padding,
                                                       o.align_corners);
}

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

}  // namespace

void grid_sample_forward(const SamplerShape& s, const SamplerOptions& o,
                         const float* input, const float* grid, float* output) {
  const auto row = select(o).forward;
  const int64_t rows = s.n * s.ho;
  const int64_t item = s.h * s.w * s.c;
  const int nt = threads_for(rows * s.wo * std::max<int64_t>(s.c, 1));
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t r = 0; r < rows; ++r)
    row(s, input + (r / s.ho) * item, grid + r * s.wo * 2,
        output + r * s.wo * s.c);
}

void grid_sample_backward(const SamplerShape& s, const SamplerOptions& o,
                          const float* grad_output, const float* input,
                          const float* grid, float* grad_input,
                          float* grad_grid) {
  const auto row = select(o).backward;
  const int64_t rows = s.n * s.ho;
  const int64_t item = s.h * s.w * s.c;
  const int nt = threads_for(rows * s.wo * std::max<int64_t>(s.c, 1));
  auto run_row = [&](int64_t r, float* ginp, ZeroedRows* zeroed) {
    row(s, grad_output + r * s.wo * s.c, input + (r / s.ho) * item,
        grid + r * s.wo * 2, ginp, zeroed,
        grad_grid ? grad_grid + r * s.wo * 2 : nullptr);
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

}  // namespace stn
