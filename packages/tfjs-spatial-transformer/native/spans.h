// How the threaded samplers (grid_sampler.cc, volume_sampler.cc) hand points
// to their row kernels: tasks of whole output rows of one item, up to
// kSpanPoints points, walked in calls of consecutive points that cross row
// ends (narrow images pay no vector tail per row); a computed grid (affine,
// flow) is filled kChunk points at a time. Not for the ISA units (it defines
// functions: see grid_sampler_rows.h).
#pragma once

#include <algorithm>
#include <cstdint>

namespace stn {
namespace {

// Grid points computed (or gradients gathered) at a time on the stack.
constexpr int64_t kChunk = 256;
// Output points per task: whole output rows of one item, consecutive in
// memory.
constexpr int64_t kSpanPoints = 2048;

// Output rows per task for rows of `wo` points.
inline int64_t rows_per_span(int64_t wo) {
  return std::max<int64_t>(1, kSpanPoints / std::max<int64_t>(wo, 1));
}

// Calls call(p, count) over the flat output points [begin, end) in pieces of
// at most max_points (INT64_MAX: one call).
template <class Call>
inline void for_point_spans(int64_t begin, int64_t end, int64_t max_points, Call call) {
  for (int64_t p = begin, count; p < end; p += count) {
    count = std::min(max_points, end - p);
    call(p, count);
  }
}

// Calls f(r, x0, j, count) for each output row's piece of the `n` points
// from flat point p (p = r * wo + x0 over the whole batch; j: the piece's
// first point, counted from p).
template <class F>
void for_row_pieces(int64_t p, int64_t n, int64_t wo, F f) {
  int64_t r = p / wo, x0 = p % wo;
  for (int64_t j = 0; j < n; ++r, x0 = 0) {
    const int64_t count = std::min(n - j, wo - x0);
    f(r, x0, j, count);
    j += count;
  }
}

}  // namespace
}  // namespace stn
