// NOTE [threaded volume sampler]
//
// Work goes in spans of consecutive output points of one item that cross row
// ends (spans.h), as grid_sampler.cc does for 2-D; a computed grid (affine or
// flow) is filled into a buffer of kChunk points first, its indices stepped
// point to point (PointIndex). Forward tasks are whole output rows of one
// item, up to kSpanPoints points. Where the dispatch has them (AVX2/AVX-512,
// C <= kPixelPathMaxChannels, zeros or border padding; the backward trilinear
// only), the vector rows of volume_sampler_simd.inl take a span at a time.
//
// Elsewhere each point's in-bounds corners are gathered once
// (volume_coords.h: the same positions and weights as the reference), then
// each corner is applied to all C channels in a loop the compiler
// vectorises (the forward sums 16 channels at a time in registers); the
// per-channel order of operations is the reference's, so
// the forward equals it bit for bit (the vector rows' too), and grad_input's
// scatter adds the same products in the same order on both paths. grad_grid
// equals it bit for bit up to kPixelPathMaxChannels channels; beyond, each
// corner's channels are summed first (lanes.h's dot, the same bits on every
// ISA), as the 2-D channel rows do: within rounding of the reference.
//
// grad_input is a scatter-add, made deterministic as the 2-D sampler's is
// (grid_sampler.cc): each item's rows are split into `blocks` blocks chosen
// from the shape alone; block 0 adds into grad_input, the others into scratch
// slices (zeroed lazily, over the depth planes they touch), which are then
// added in block order. The same bits for any thread count and run; they can
// differ from the reference's single sequential sum by rounding only.
// A shared grid's gradient is a second pass: one task per grid row, adding
// every item's contribution in batch order (the reference's order).
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "affine_coords.h"
#include "flow_coords.h"
#include "flow_warp.h"
#include "grid_sampler_rows.h"
#include "lanes.h"
#include "spans.h"
#include "volume_coords.h"
#include "volume_sampler.h"

namespace stn {
namespace {

using coord::TrilinearCell;

// Tasks per backward call to aim for when the batch alone is too small.
constexpr int64_t kTargetTasks = 8;
// Upper bound of the backward's scratch (partial grad_input) memory.
constexpr int64_t kScratchBytes = int64_t{256} << 20;
// Elements per task when the partial sums are added.
constexpr int64_t kReduceChunk = int64_t{1} << 14;

int64_t item_size(const VolumeShape& s) { return s.d * s.h * s.w * s.c; }
int64_t plane_size(const VolumeShape& s) { return s.h * s.w * s.c; }
int64_t rows_per_item(const VolumeShape& s) { return s.od * s.ho; }

// The in-bounds corners of a source point, in the reference's order.
struct Taps {
  int count = 0;
  int corner[8];
  int64_t offset[8];
  float weight[8];
};

void gather_taps(const VolumeShape& s, const TrilinearCell& cell, Taps* t) {
  // Offsets are linear in the corner: base + dx*C + dy*W*C + dz*H*W*C (the
  // base itself may lie outside when a corner does).
  const int64_t sx = s.c, sy = s.w * s.c, sz = s.h * s.w * s.c;
  const int64_t base = ((cell.z0 * s.h + cell.y0) * s.w + cell.x0) * s.c;
  const bool interior = cell.x0 >= 0 && cell.x0 + 1 < s.w && cell.y0 >= 0 && cell.y0 + 1 < s.h &&
                        cell.z0 >= 0 && cell.z0 + 1 < s.d;
  t->count = 0;
  for (int k = 0; k < 8; ++k) {
    if (!interior && !cell.in_bounds(k, s)) continue;
    t->corner[t->count] = k;
    t->offset[t->count] = base + (k & 1) * sx + (k >> 1 & 1) * sy + (k >> 2) * sz;
    t->weight[t->count] = cell.weight(k);
    ++t->count;
  }
}

void forward_point(const VolumeShape& s, const SamplerOptions& o, const float* inp,
                   const float* g, float* out) {
  std::fill(out, out + s.c, 0.0f);
  float ix, iy, iz;
  if (!coord::volume_source(s, o, g, &ix, &iy, &iz)) return;
  if (o.mode == Interpolation::Nearest) {
    int64_t at;
    if (coord::nearest_voxel(s, ix, iy, iz, &at)) std::copy(inp + at, inp + at + s.c, out);
    return;
  }
  TrilinearCell cell;
  if (!coord::trilinear_cell(s, ix, iy, iz, &cell)) return;
  Taps t;
  gather_taps(s, cell, &t);
  if (s.c == 1) {  // one sum in a register, the reference's order
    float res = 0;
    for (int i = 0; i < t.count; ++i) res += inp[t.offset[i]] * t.weight[i];
    out[0] = res;
    return;
  }
  // 16 channels at a time, their sums in registers (adding into out corner
  // by corner made each add wait for the previous corner's store); the
  // rest into out. Either way 0 + v0 * w0 + v1 * w1 + ..., left to right.
  int64_t c0 = 0;
  for (; c0 + 16 <= s.c; c0 += 16) {
    lanes::Lanes16 sum = {};
    for (int i = 0; i < t.count; ++i) sum += lanes::load16(inp + t.offset[i] + c0) * t.weight[i];
    std::memcpy(out + c0, &sum, sizeof sum);
  }
  for (int i = 0; i < t.count; ++i) {
    const float* v = inp + t.offset[i];
    const float w = t.weight[i];
    for (int64_t c = c0; c < s.c; ++c) out[c] += v[c] * w;
  }
}

// The depth planes [begin, end) of a scratch slice zeroed so far (the row
// kernels' ZeroedRows, whose rows are planes here).
using ZeroedPlanes = ZeroedRows;

// Zeroes planes [lo, hi) of `slice` that are not yet, keeping one range.
void cover(const VolumeShape& s, float* slice, ZeroedPlanes* z, int64_t lo, int64_t hi) {
  const int64_t plane = plane_size(s);
  auto zero = [&](int64_t a, int64_t b) {
    std::fill(slice + a * plane, slice + b * plane, 0.0f);
  };
  if (z->begin == z->end) {
    zero(lo, hi);
    *z = {lo, hi};
    return;
  }
  if (lo < z->begin) {
    zero(lo, z->begin);
    z->begin = lo;
  }
  if (hi > z->end) {
    zero(z->end, hi);
    z->end = hi;
  }
}

// One point's gradients: adds into ginp (when not null; `zeroed` when ginp
// is a lazily zeroed slice) and writes its grid gradient to gg (when not
// null).
void backward_point(const VolumeShape& s, const SamplerOptions& o, const float* inp,
                    const float* g, const float* gout, float* ginp, ZeroedPlanes* zeroed,
                    float* gg) {
  float pos[3], mult[3];
  float gi[3] = {0, 0, 0};
  const bool finite = coord::volume_source_set_grad(s, o, g, pos, mult);
  if (finite && o.mode == Interpolation::Nearest) {
    int64_t at;
    if (ginp && coord::nearest_voxel(s, pos[0], pos[1], pos[2], &at)) {
      if (zeroed) {
        const int64_t z = at / plane_size(s);
        cover(s, ginp, zeroed, z, z + 1);
      }
      for (int64_t c = 0; c < s.c; ++c) ginp[at + c] += gout[c];
    }
  }
  TrilinearCell cell;
  if (finite && o.mode == Interpolation::Bilinear &&
      coord::trilinear_cell(s, pos[0], pos[1], pos[2], &cell)) {
    Taps t;
    gather_taps(s, cell, &t);
    if (ginp && t.count > 0) {
      if (zeroed)
        cover(s, ginp, zeroed, std::max<int64_t>(cell.z0, 0), std::min(cell.z0 + 2, s.d));
      for (int i = 0; i < t.count; ++i) {
        float* dst = ginp + t.offset[i];
        const float w = t.weight[i];
        for (int64_t c = 0; c < s.c; ++c) dst[c] += w * gout[c];
      }
    }
    if (gg && s.c <= kPixelPathMaxChannels) {
      // The reference's terms and order, channel by channel.
      for (int64_t c = 0; c < s.c; ++c) {
        const float go = gout[c];
        for (int i = 0; i < t.count; ++i) {
          const int k = t.corner[i];
          const float v = inp[t.offset[i] + c];
          const float gx = v * cell.part(k, 1) * cell.part(k, 2) * go;
          const float gy = v * cell.part(k, 0) * cell.part(k, 2) * go;
          const float gz = v * cell.part(k, 0) * cell.part(k, 1) * go;
          gi[0] = (k & 1) ? gi[0] + gx : gi[0] - gx;
          gi[1] = (k >> 1 & 1) ? gi[1] + gy : gi[1] - gy;
          gi[2] = (k >> 2) ? gi[2] + gz : gi[2] - gz;
        }
      }
    } else if (gg) {
      // More channels: each corner's dot product over them first (lanes.h),
      // as the 2-D channel rows do.
      for (int i = 0; i < t.count; ++i) {
        const int k = t.corner[i];
        const float d = lanes::dot(inp + t.offset[i], gout, s.c);
        const float gx = cell.part(k, 1) * cell.part(k, 2) * d;
        const float gy = cell.part(k, 0) * cell.part(k, 2) * d;
        const float gz = cell.part(k, 0) * cell.part(k, 1) * d;
        gi[0] = (k & 1) ? gi[0] + gx : gi[0] - gx;
        gi[1] = (k >> 1 & 1) ? gi[1] + gy : gi[1] - gy;
        gi[2] = (k >> 2) ? gi[2] + gz : gi[2] - gz;
      }
    }
  }
  if (!gg) return;
  if (!finite || o.mode != Interpolation::Bilinear) mult[0] = mult[1] = mult[2] = 0;
  for (int a = 0; a < 3; ++a) gg[a] = mult[a] * gi[a];
}

// The (x, y, z) output indices of consecutive flat output points of one
// item, stepped without a division per point (the divisions were most of a
// computed grid point's cost).
struct PointIndex {
  int64_t j, i, k;
  PointIndex(const VolumeShape& s, int64_t p)
      : j(p % s.wo), i(p / s.wo % s.ho), k(p / (s.wo * s.ho) % s.od) {}
  void next(const VolumeShape& s) {
    if (++j < s.wo) return;
    j = 0;
    if (++i < s.ho) return;
    i = 0;
    ++k;
  }
};

// Where output points [p, p + n) (of all N * Do * Ho * Wo; a span of one
// item, n <= kPoints) find their grid points, and where their grid
// gradients go: a stored grid [N or 1,Do,Ho,Wo,3] ...
struct StoredVolumeGrid {
  static constexpr int64_t kPoints = INT64_MAX;  // a span's points are contiguous
  const float* grid;
  float* grad_grid;  // null: not wanted here (or summed by shared_grid_grad)
  int64_t points_per_item;
  bool shared;
  const float* points(int64_t p, int64_t, float*) const {
    return grid + (shared ? p % points_per_item : p) * 3;
  }
  float* grad_target(int64_t p, float*) const { return grad_grid ? grad_grid + p * 3 : nullptr; }
  void take_grads(int64_t, int64_t, const float*) const {}
};

// ... or a displacement field [N,Do,Ho,Wo,3] (flow_warp.h), the grid points
// computed on the fly into buf, the gradient scaled into grad_flow.
struct VolumeFlow {
  static constexpr int64_t kPoints = kChunk;
  const float* flow;
  float* grad_flow;
  VolumeShape s;
  const float* points(int64_t p, int64_t n, float* buf) const {
    const float* f = flow + p * 3;
    if (s.w > 1 && s.h > 1 && s.d > 1 && s.wo <= (int64_t{1} << 24)) {
      for_row_pieces(p, n, s.wo, [&](int64_t r, int64_t x0, int64_t j0, int64_t count) {
        const float fixed[3] = {0.0f, static_cast<float>(r % s.ho), static_cast<float>(r / s.ho % s.od)};
        const float size_minus_1[3] = {static_cast<float>(s.w - 1), static_cast<float>(s.h - 1),
                                       static_cast<float>(s.d - 1)};
        flow_row<3>(f + 3 * j0, static_cast<int32_t>(x0), static_cast<int32_t>(count), fixed, size_minus_1,
                    buf + 3 * j0);
      });
      return buf;
    }
    PointIndex at(s, p);
    for (int64_t q = 0; q < n; ++q, at.next(s)) {
      buf[3 * q] = flow_grid_coord(at.j, f[3 * q], s.w);
      buf[3 * q + 1] = flow_grid_coord(at.i, f[3 * q + 1], s.h);
      buf[3 * q + 2] = flow_grid_coord(at.k, f[3 * q + 2], s.d);
    }
    return buf;
  }
  float* grad_target(int64_t, float* buf) const { return grad_flow ? buf : nullptr; }
  void take_grads(int64_t p, int64_t n, const float* g) const {
    if (!grad_flow) return;
    const float scale[3] = {flow_grid_scale(s.w), flow_grid_scale(s.h), flow_grid_scale(s.d)};
    for (int64_t e = 0; e < 3 * n; ++e) grad_flow[p * 3 + e] = g[e] * scale[e % 3];
  }
};

// ... or the affine grid of theta [N or 1,3,4], computed on the fly from the
// base coordinates; its gradient goes to row_partials [N*Do*Ho,12] (null: not
// wanted), in affine_grid_3d_backward's order within each row.
struct AffineVolumeGrid {
  static constexpr int64_t kPoints = kChunk;
  const float* theta;
  double* row_partials;
  VolumeShape s;
  const float* xs;  // affine_base_coord(j, wo), j < wo; likewise ys, zs
  const float* ys;
  const float* zs;
  const float* points(int64_t p, int64_t n, float* buf) const {
    const float* t = theta + (s.shared ? 0 : 12 * (p / (s.od * s.ho * s.wo)));
    PointIndex at(s, p);
    for (int64_t q = 0; q < n; ++q, at.next(s)) affine_point_3d(t, xs[at.j], ys[at.i], zs[at.k], buf + 3 * q);
    return buf;
  }
  float* grad_target(int64_t, float* buf) const { return row_partials ? buf : nullptr; }
  void take_grads(int64_t p, int64_t n, const float* g) const {
    if (!row_partials) return;
    double* acc = row_partials + 12 * (p / s.wo);
    PointIndex at(s, p);
    for (int64_t q = 0; q < n; ++q, g += 3) {
      const double x = xs[at.j], y = ys[at.i], z = zs[at.k];
      for (int a = 0; a < 3; ++a) {
        const double ga = g[a];
        acc[4 * a] += ga * x;
        acc[4 * a + 1] += ga * y;
        acc[4 * a + 2] += ga * z;
        acc[4 * a + 3] += ga;
      }
      at.next(s);
      if (at.j == 0) acc += 12;  // the next output row
    }
  }
};

// The scratch of the fused affine sampler, laid out in one block: grad_input's
// block slices (floats), theta's row partials (doubles), the base
// coordinates (floats). Sizing only when `base` is null.
struct AffineVolumeScratch {
  float* slices = nullptr;
  double* partials = nullptr;
  float* xs = nullptr;
  float* ys = nullptr;
  float* zs = nullptr;
  size_t bytes = 0;
  AffineVolumeScratch(const VolumeShape& s, bool grad_input, bool grad_theta, void* base) {
    const size_t slice_bytes = grid_sample_3d_backward_scratch(s, grad_input);
    const size_t partial_at = (slice_bytes + sizeof(double) - 1) / sizeof(double) * sizeof(double);
    const size_t partial_bytes =
        grad_theta ? static_cast<size_t>(s.n * s.od * s.ho * 12) * sizeof(double) : 0;
    const size_t coords_at = partial_at + partial_bytes;
    bytes = coords_at + static_cast<size_t>(s.wo + s.ho + s.od) * sizeof(float);
    if (!base) return;
    char* b = static_cast<char*>(base);
    slices = reinterpret_cast<float*>(b);
    if (grad_theta) partials = reinterpret_cast<double*>(b + partial_at);
    xs = reinterpret_cast<float*>(b + coords_at);
    ys = xs + s.wo;
    zs = ys + s.ho;
  }
  void fill_base(const VolumeShape& s, bool align) const {
    for (int64_t j = 0; j < s.wo; ++j) xs[j] = affine_base_coord(j, s.wo, align);
    for (int64_t i = 0; i < s.ho; ++i) ys[i] = affine_base_coord(i, s.ho, align);
    for (int64_t k = 0; k < s.od; ++k) zs[k] = affine_base_coord(k, s.od, align);
  }
};

// Row blocks per item for the grad_input scatter, from the shape only (as
// grid_sampler.cc's blocks_per_item).
int64_t blocks_per_item(const VolumeShape& s) {
  const int64_t item = item_size(s), rows = rows_per_item(s);
  if (s.n == 0 || s.n >= kTargetTasks || item == 0 || rows < 2) return 1;
  const int64_t wanted = std::min((kTargetTasks + s.n - 1) / s.n, rows);
  const int64_t item_bytes = item * static_cast<int64_t>(sizeof(float));
  return std::max<int64_t>(1, std::min(wanted, 1 + kScratchBytes / (s.n * item_bytes)));
}

int threads(const VolumeShape& s) {
  return threads_for(s.n * rows_per_item(s) * s.wo * std::max<int64_t>(s.c, 1));
}

// A shared grid's gradient: per grid point, the sum over n of each item's.
void shared_grid_grad(const VolumeShape& s, const SamplerOptions& o,
                      const float* grad_output, const float* input, const float* grid,
                      float* grad_grid) {
  const int64_t rows = rows_per_item(s), points = rows * s.wo;
#pragma omp parallel for num_threads(threads(s)) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t x = 0; x < s.wo; ++x) {
      const int64_t q = r * s.wo + x;
      float* acc = grad_grid + q * 3;
      acc[0] = acc[1] = acc[2] = 0;
      for (int64_t n = 0; n < s.n; ++n) {
        float gg[3];
        backward_point(s, o, input + n * item_size(s), grid + q * 3,
                       grad_output + (n * points + q) * s.c, nullptr, nullptr, gg);
        for (int a = 0; a < 3; ++a) acc[a] += gg[a];
      }
    }
  }
}

template <class Source>
void forward_impl(const VolumeShape& s, const SamplerOptions& o, const float* input,
                  const Source& src, float* output) {
  const int64_t rows = rows_per_item(s);
  const auto row = isa_kernels().volume_rows(o, s).forward;
  const int64_t step = rows_per_span(s.wo);
  const int64_t per_item = (rows + step - 1) / step;
#pragma omp parallel for num_threads(threads(s)) schedule(static)
  for (int64_t t = 0; t < s.n * per_item; ++t) {
    float buf[3 * kChunk];
    const int64_t n = t / per_item, r0 = n * rows + t % per_item * step;
    const float* inp = input + n * item_size(s);
    for_point_spans(r0 * s.wo, std::min(n * rows + rows, r0 + step) * s.wo, Source::kPoints,
                    [&](int64_t p, int64_t count) {
      const float* points = src.points(p, count, buf);
      if (row) {
        row(s, inp, points, output + p * s.c, count);
        return;
      }
      for (int64_t q = 0; q < count; ++q) forward_point(s, o, inp, points + 3 * q, output + (p + q) * s.c);
    });
  }
}

// grad_input (when not null; the block scheme of the NOTE, `slices` the
// scratch) and the source's per-point gradient.
template <class Source>
void backward_impl(const VolumeShape& s, const SamplerOptions& o, const float* grad_output,
                   const float* input, const Source& src, float* grad_input, float* slices) {
  const int64_t rows = rows_per_item(s), item = item_size(s);
  const auto row = isa_kernels().volume_rows(o, s).backward;
  // Rows [r0, r1) of item n.
  auto run_rows = [&](int64_t n, int64_t r0, int64_t r1, float* ginp, ZeroedPlanes* z) {
    float buf[3 * kChunk], gbuf[3 * kChunk];
    const float* inp = input + n * item;
    for_point_spans((n * rows + r0) * s.wo, (n * rows + r1) * s.wo, Source::kPoints,
                    [&](int64_t p, int64_t count) {
      const float* points = src.points(p, count, buf);
      float* gg = src.grad_target(p, gbuf);
      if (row) {
        row(s, grad_output + p * s.c, inp, points, ginp, z, gg, count);
      } else {
        for (int64_t q = 0; q < count; ++q)
          backward_point(s, o, inp, points + 3 * q, grad_output + (p + q) * s.c, ginp, z,
                         gg ? gg + 3 * q : nullptr);
      }
      if (gg) src.take_grads(p, count, gg);
    });
  };

  if (!grad_input) {
#pragma omp parallel for num_threads(threads(s)) schedule(static)
    for (int64_t t = 0; t < s.n * rows; ++t) run_rows(t / rows, t % rows, t % rows + 1, nullptr, nullptr);
    return;
  }

  const int64_t blocks = blocks_per_item(s);
  auto slice_index = [&](int64_t n, int64_t b) { return n * (blocks - 1) + b - 1; };
  ZeroedPlanes zeroed[kTargetTasks];
  const int64_t tasks = s.n * blocks;
#pragma omp parallel for num_threads(threads(s)) schedule(dynamic, 1)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t n = t / blocks, b = t % blocks;
    float* dst = grad_input + n * item;
    ZeroedPlanes* z = nullptr;
    if (b == 0) {
      std::fill(dst, dst + item, 0.0f);
    } else {
      dst = slices + slice_index(n, b) * item;
      z = &zeroed[slice_index(n, b)];
    }
    run_rows(n, rows * b / blocks, rows * (b + 1) / blocks, dst, z);
  }
  if (blocks == 1) return;
  const int64_t chunks = (item + kReduceChunk - 1) / kReduceChunk;
  const int64_t plane = plane_size(s);
#pragma omp parallel for num_threads(threads(s)) collapse(2) schedule(static)
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t k = 0; k < chunks; ++k) {
      float* dst = grad_input + n * item;
      const int64_t begin = k * kReduceChunk, end = std::min(item, begin + kReduceChunk);
      for (int64_t b = 1; b < blocks; ++b) {
        const int64_t i = slice_index(n, b);
        const float* src = slices + i * item;
        const int64_t lo = std::max(begin, zeroed[i].begin * plane);
        const int64_t hi = std::min(end, zeroed[i].end * plane);
        for (int64_t e = lo; e < hi; ++e) dst[e] += src[e];
      }
    }
  }
}

}  // namespace

void grid_sample_3d_forward(const VolumeShape& s, const SamplerOptions& o,
                            const float* input, const float* grid, float* output) {
  forward_impl(s, o, input, StoredVolumeGrid{grid, nullptr, rows_per_item(s) * s.wo, s.shared},
               output);
}

size_t grid_sample_3d_backward_scratch(const VolumeShape& s, bool grad_input) {
  const int64_t blocks = grad_input ? blocks_per_item(s) : 1;
  return static_cast<size_t>(s.n * (blocks - 1) * item_size(s)) * sizeof(float);
}

void grid_sample_3d_backward(const VolumeShape& s, const SamplerOptions& o,
                             const float* grad_output, const float* input,
                             const float* grid, float* grad_input, float* grad_grid,
                             Scratch scratch) {
  if (scratch.bytes < grid_sample_3d_backward_scratch(s, grad_input != nullptr)) return;
  float* per_point_grad = s.shared ? nullptr : grad_grid;
  if (grad_input || per_point_grad)
    backward_impl(s, o, grad_output, input,
                  StoredVolumeGrid{grid, per_point_grad, rows_per_item(s) * s.wo, s.shared},
                  grad_input, static_cast<float*>(scratch.data));
  if (s.shared && grad_grid) shared_grid_grad(s, o, grad_output, input, grid, grad_grid);
}

// Displacement fields: align_corners is true by definition (flow_warp.h).
void flow_warp_3d_forward(const VolumeShape& s, const SamplerOptions& o, const float* input,
                          const float* flow, float* output) {
  forward_impl(s, {o.mode, o.padding, true}, input, VolumeFlow{flow, nullptr, s}, output);
}

size_t flow_warp_3d_backward_scratch(const VolumeShape& s, bool grad_input) {
  return grid_sample_3d_backward_scratch(s, grad_input);
}

void flow_warp_3d_backward(const VolumeShape& s, const SamplerOptions& o,
                           const float* grad_output, const float* input, const float* flow,
                           float* grad_input, float* grad_flow, Scratch scratch) {
  if (scratch.bytes < grid_sample_3d_backward_scratch(s, grad_input != nullptr)) return;
  backward_impl(s, {o.mode, o.padding, true}, grad_output, input, VolumeFlow{flow, grad_flow, s},
                grad_input, static_cast<float*>(scratch.data));
}

size_t affine_sample_3d_forward_scratch(const VolumeShape& s) {
  return AffineVolumeScratch(s, false, false, nullptr).bytes;
}

size_t affine_sample_3d_backward_scratch(const VolumeShape& s, bool grad_input, bool grad_theta) {
  return AffineVolumeScratch(s, grad_input, grad_theta, nullptr).bytes;
}

void affine_sample_3d_forward(const VolumeShape& s, const SamplerOptions& o, const float* input,
                              const float* theta, float* output, Scratch scratch) {
  const AffineVolumeScratch w(s, false, false, scratch.data);
  if (scratch.bytes < w.bytes) return;
  w.fill_base(s, o.align_corners);
  forward_impl(s, o, input, AffineVolumeGrid{theta, nullptr, s, w.xs, w.ys, w.zs}, output);
}

void affine_sample_3d_backward(const VolumeShape& s, const SamplerOptions& o,
                               const float* grad_output, const float* input, const float* theta,
                               float* grad_input, float* grad_theta, Scratch scratch) {
  const AffineVolumeScratch w(s, grad_input != nullptr, grad_theta != nullptr, scratch.data);
  if (scratch.bytes < w.bytes) return;
  w.fill_base(s, o.align_corners);
  const int64_t rows = s.n * s.od * s.ho;
  if (w.partials) std::fill(w.partials, w.partials + rows * 12, 0.0);
  backward_impl(s, o, grad_output, input, AffineVolumeGrid{theta, w.partials, s, w.xs, w.ys, w.zs},
                grad_input, w.slices);
  if (!grad_theta) return;
  // Each theta's rows in order (a shared theta: every item's rows in turn).
  const int64_t thetas = grid_batch(s), rows_each = rows / std::max<int64_t>(thetas, 1);
  for (int64_t t = 0; t < thetas; ++t) {
    double acc[12] = {};
    for (int64_t i = 0; i < rows_each; ++i)
      for (int e = 0; e < 12; ++e) acc[e] += w.partials[(t * rows_each + i) * 12 + e];
    for (int e = 0; e < 12; ++e) grad_theta[12 * t + e] = static_cast<float>(acc[e]);
  }
}

}  // namespace stn
