// The threaded grid sampler against the scalar reference: forward and
// grad_grid bit for bit, grad_input within rounding (and bit-identical across
// thread counts and runs), over shapes, modes, paddings, special grid values
// and 1-3 threads; plus a few hand-computed values.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "../grid_sampler.h"
#include "check.h"
#include "sampler_bounds.h"

using namespace stn;
using namespace stn_test;

namespace {

// grid_sampler_rows.h's kPixelPathMaxChannels: grad_grid is exact up to it.
constexpr int64_t kPixelChannels = 4;

std::string case_name(const SamplerShape& s, const SamplerOptions& o,
                      const char* grid_kind) {
  return "[n=" + std::to_string(s.n) + " h=" + std::to_string(s.h) +
         " w=" + std::to_string(s.w) + " c=" + std::to_string(s.c) +
         " ho=" + std::to_string(s.ho) + " wo=" + std::to_string(s.wo) + " " +
         name_of(o.mode) + " " + name_of(o.padding) +
         (o.align_corners ? " align" : " noalign") + (s.shared ? " shared" : "") +
         " grid=" + grid_kind + "]";
}

struct Tensors {
  std::vector<float> input, grid, grad_output;
};

// Grid values: uniform in [-1.3, 1.3]; "special", a mix with non-finite,
// huge, signed-zero, integral and half-integral values; or "smooth", the
// affine grid of a near-identity theta (whole vectors of neighbouring points,
// as real warps have: the kernels' interior fast paths).
enum class GridKind { Uniform, Special, Smooth };
const char* kind_name(GridKind k) {
  return k == GridKind::Uniform ? "uniform" : k == GridKind::Special ? "special" : "smooth";
}

Tensors make_tensors(const SamplerShape& s, GridKind kind, std::mt19937& rng) {
  const bool special = kind == GridKind::Special;
  std::uniform_real_distribution<float> u(-1.0f, 1.0f), g(-1.3f, 1.3f);
  Tensors t;
  t.input.resize(s.n * s.h * s.w * s.c);
  t.grid.resize(grid_batch(s) * s.ho * s.wo * 2);
  t.grad_output.resize(s.n * s.ho * s.wo * s.c);
  for (float& v : t.input) v = u(rng);
  for (float& v : t.grad_output) v = u(rng);
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {std::nanf(""), inf, -inf, 1e30f, -1e30f, -0.0f,
                            0.0f, -1.0f, 1.0f, 2.0f, -2.0f, 0.5f, -0.5f,
                            1.5f, 3e38f, -3e38f};
  std::uniform_int_distribution<int> pick(0, 2 * int(std::size(specials)) - 1);
  for (float& v : t.grid) {
    const int k = pick(rng);
    v = special && k < int(std::size(specials)) ? specials[k] : g(rng);
  }
  if (kind == GridKind::Smooth) {
    std::uniform_real_distribution<float> r(-0.3f, 0.3f);
    std::vector<float> theta;
    for (int64_t n = 0; n < grid_batch(s); ++n) {
      const float a = r(rng), k = 0.9f + r(rng) / 3;
      const float tn[6] = {k * std::cos(a), -k * std::sin(a), r(rng) / 3,
                           k * std::sin(a), k * std::cos(a), r(rng) / 3};
      theta.insert(theta.end(), tn, tn + 6);
    }
    affine_grid_forward_ref(grid_batch(s), s.ho, s.wo, false, theta.data(), t.grid.data());
  }
  return t;
}

struct Result {
  std::vector<float> output, grad_input, grad_grid;
};

Result run_ref(const SamplerShape& s, const SamplerOptions& o, const Tensors& t) {
  Result r{nan_filled(s.n * s.ho * s.wo * s.c), nan_filled(s.n * s.h * s.w * s.c),
           nan_filled(grid_batch(s) * s.ho * s.wo * 2)};
  grid_sample_forward_ref(s, o, t.input.data(), t.grid.data(), r.output.data());
  grid_sample_backward_ref(s, o, t.grad_output.data(), t.input.data(),
                           t.grid.data(), r.grad_input.data(),
                           r.grad_grid.data(), Scratch{});
  return r;
}

Result run_fast(const SamplerShape& s, const SamplerOptions& o,
                const Tensors& t) {
  Result r{nan_filled(s.n * s.ho * s.wo * s.c), nan_filled(s.n * s.h * s.w * s.c),
           nan_filled(grid_batch(s) * s.ho * s.wo * 2)};
  grid_sample_forward(s, o, t.input.data(), t.grid.data(), r.output.data());
  with_scratch(grid_sample_backward_scratch(s, true), grid_sample_backward, s, o,
               t.grad_output.data(), t.input.data(), t.grid.data(), r.grad_input.data(),
               r.grad_grid.data());
  return r;
}

std::vector<double> grad_input_tolerance(const SamplerShape& s,
                                         const SamplerOptions& o, const Tensors& t) {
  std::vector<double> tol = grad_input_bound(s, o, t.grid.data(), t.grad_output.data());
  for (double& v : tol) v += 1e-30;
  return tol;
}

void check_case(const SamplerShape& s, const SamplerOptions& o, GridKind kind,
                std::mt19937& rng) {
  const std::string name = case_name(s, o, kind_name(kind));
  const Tensors t = make_tensors(s, kind, rng);
  const Result ref = run_ref(s, o, t);
  const auto tol = grad_input_tolerance(s, o, t);
  expect_finite(name + " ref output", ref.output);
  expect_finite(name + " ref grad_input", ref.grad_input);
  expect_finite(name + " ref grad_grid", ref.grad_grid);

  // Non-finite grid points sample nothing.
  for (int64_t p = 0; p < s.n * s.ho * s.wo; ++p) {
    const int64_t gp = s.shared ? p % (s.ho * s.wo) : p;
    if (std::isfinite(t.grid[2 * gp]) && std::isfinite(t.grid[2 * gp + 1]))
      continue;
    for (int64_t c = 0; c < s.c; ++c)
      if (ref.output[p * s.c + c] != 0.0f)
        fail(name + " non-finite grid point " + std::to_string(p) +
             " gives output " + show(ref.output[p * s.c + c]));
    if (ref.grad_grid[2 * gp] != 0.0f || ref.grad_grid[2 * gp + 1] != 0.0f)
      fail(name + " non-finite grid point " + std::to_string(p) +
           " gives a non-zero grid gradient");
  }

  // A shared grid is the grid tiled over the batch: the same output, and
  // the gradient of the tiled grid summed over the batch in batch order.
  if (s.shared) {
    SamplerShape tiled = s;
    tiled.shared = false;
    Tensors t2 = t;
    t2.grid.clear();
    for (int64_t n = 0; n < s.n; ++n) t2.grid.insert(t2.grid.end(), t.grid.begin(), t.grid.end());
    const Result r2 = run_ref(tiled, o, t2);
    expect_same(name + " ref output vs tiled", ref.output, r2.output);
    expect_same(name + " ref grad_input vs tiled", ref.grad_input, r2.grad_input);
    std::vector<float> sum(ref.grad_grid.size(), 0.0f);
    for (int64_t n = 0; n < s.n; ++n)
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += r2.grad_grid[n * sum.size() + i];
    expect_same(name + " ref grad_grid vs the tiled one summed", ref.grad_grid, sum);
  }

  // grad_grid: bit for bit up to kPixelChannels channels; beyond, the
  // per-tap dot products regroup the sum over channels: within
  // 2 (taps C + 8) u of the terms' magnitude.
  std::vector<double> grid_tol = grad_grid_magnitude(
      s, o, t.input.data(), t.grid.data(), t.grad_output.data());
  const double taps = o.mode == Interpolation::Bicubic ? 16 : 4;
  // (A shared grid's: plus the sum over the batch.)
  const double batch_sum = s.shared ? double(s.n) : 0.0;
  for (double& v : grid_tol) v = 2.02 * (taps * double(s.c) + 8 + batch_sum) * 6e-8 * v + 1e-30;

  Result first;
  for (Isa isa : all_values<Isa>()) {
    if (!set_isa(isa)) continue;
    for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    const std::string at = name + " isa=" + name_of(isa) + " threads=" +
                           std::to_string(threads);
    for (int run = 0; run < 2; ++run) {
      const Result fast = run_fast(s, o, t);
      expect_same(at + " output", fast.output, ref.output);
      if (s.c <= kPixelChannels)
        expect_same(at + " grad_grid", fast.grad_grid, ref.grad_grid);
      else
        expect_near(at + " grad_grid", fast.grad_grid, ref.grad_grid, grid_tol);
      expect_near(at + " grad_input", fast.grad_input, ref.grad_input, tol);
      if (first.output.empty()) {
        first = fast;
      } else {
        // Every ISA, thread count and run gives the same bits.
        expect_same(at + " grad_input across ISAs/threads/runs",
                    fast.grad_input, first.grad_input);
        expect_same(at + " grad_grid across ISAs/threads/runs",
                    fast.grad_grid, first.grad_grid);
      }
      if (run == 1) continue;

      // Each gradient alone equals the combined call.
      auto grid_only = nan_filled(grid_batch(s) * s.ho * s.wo * 2);
      with_scratch(grid_sample_backward_scratch(s, false), grid_sample_backward, s, o,
                   t.grad_output.data(), t.input.data(), t.grid.data(), nullptr,
                   grid_only.data());
      expect_same(at + " grid-only grad_grid", grid_only, fast.grad_grid);
      auto input_only = nan_filled(s.n * s.h * s.w * s.c);
      with_scratch(grid_sample_backward_scratch(s, true), grid_sample_backward, s, o,
                   t.grad_output.data(), t.input.data(), t.grid.data(), input_only.data(),
                   nullptr);
      expect_same(at + " input-only grad_input", input_only, fast.grad_input);
      auto ref_grid_only = nan_filled(grid_batch(s) * s.ho * s.wo * 2);
      grid_sample_backward_ref(s, o, t.grad_output.data(), t.input.data(),
                               t.grid.data(), nullptr, ref_grid_only.data(), Scratch{});
      expect_same(at + " ref grid-only grad_grid", ref_grid_only, ref.grad_grid);
    }
    }
  }
  set_isa(best_isa());
  set_num_threads(0);
}

// Hand-computed values on a 2x2 single-channel image [[1, 2], [3, 4]].
void check_known_values() {
  const SamplerShape s{1, 2, 2, 1, 1, 1};
  const std::vector<float> input = {1, 2, 3, 4};
  struct Known {
    SamplerOptions o;
    float gx, gy, want;
  };
  const Known cases[] = {
      {{Interpolation::Bilinear, Padding::Zeros, false}, 0.0f, 0.0f, 2.5f},
      {{Interpolation::Bilinear, Padding::Zeros, true}, -1.0f, -1.0f, 1.0f},
      {{Interpolation::Bilinear, Padding::Zeros, true}, 1.0f, 1.0f, 4.0f},
      {{Interpolation::Bilinear, Padding::Zeros, false}, -1.0f, -1.0f, 0.25f},
      {{Interpolation::Bilinear, Padding::Border, false}, -1.0f, -1.0f, 1.0f},
      {{Interpolation::Bilinear, Padding::Zeros, true}, 0.5f, -1.0f, 1.75f},
      {{Interpolation::Bilinear, Padding::Reflection, true}, 3.0f, -1.0f, 1.0f},
      {{Interpolation::Bilinear, Padding::Reflection, true}, 2.0f, -1.0f, 1.5f},
      // (0.5, 0.5) rounds half to even: pixel (0, 0).
      {{Interpolation::Nearest, Padding::Zeros, false}, 0.0f, 0.0f, 1.0f},
      {{Interpolation::Nearest, Padding::Zeros, true}, -0.5f, 0.5f, 3.0f},
      {{Interpolation::Nearest, Padding::Zeros, false}, 3.0f, 0.0f, 0.0f},
      {{Interpolation::Nearest, Padding::Border, false}, 3.0f, -3.0f, 2.0f},
      // Bicubic at the centre: t = 0.5 gives weights (-0.09375, 0.59375,
      // 0.59375, -0.09375); zeros reads 0 outside, border the edge rows.
      {{Interpolation::Bicubic, Padding::Zeros, false}, 0.0f, 0.0f, 3.525390625f},
      {{Interpolation::Bicubic, Padding::Border, false}, 0.0f, 0.0f, 2.5f},
      {{Interpolation::Bicubic, Padding::Reflection, false}, 0.0f, 0.0f, 2.5f},
      // At a pixel centre t = 0: weights (0, 1, 0, 0).
      {{Interpolation::Bicubic, Padding::Zeros, true}, -1.0f, -1.0f, 1.0f},
      {{Interpolation::Bicubic, Padding::Zeros, true}, 1.0f, -1.0f, 2.0f},
  };
  for (const Known& k : cases) {
    const std::vector<float> grid = {k.gx, k.gy};
    for (bool fast : {false, true}) {
      std::vector<float> out = nan_filled(1);
      (fast ? grid_sample_forward : grid_sample_forward_ref)(
          s, k.o, input.data(), grid.data(), out.data());
      if (out[0] != k.want)
        fail(case_name(s, k.o, "known") + " at (" + show(k.gx) + ", " +
             show(k.gy) + ") gives " + show(out[0]) + ", expected " +
             show(k.want) + (fast ? " (threaded)" : " (reference)"));
    }
  }
}

// Regression: bicubic with one channel and every tap inside set only the
// first tap column of its row-load layout, which AVX-512 (no row loads) then
// gathered all four of: stale stack values as offsets and masks (wrong
// outputs, reads outside the image; found by ASan). Garbage on the stack
// below this frame makes any such read show without a sanitizer.
__attribute__((noinline)) void poison_stack() {
  volatile unsigned char junk[1 << 16];
  for (size_t i = 0; i < sizeof junk; ++i) junk[i] = 0x5a;
}

void check_bicubic_interior_rows() {
  const SamplerShape s{1, 32, 32, 1, 8, 64};
  std::vector<float> input(s.h * s.w), grid(s.ho * s.wo * 2);
  for (size_t i = 0; i < input.size(); ++i) input[i] = float(i % 7) - 3;
  for (int64_t p = 0; p < s.ho * s.wo; ++p) {  // well inside: every tap in the image
    grid[2 * p] = -0.5f + float(p % s.wo) / float(s.wo);
    grid[2 * p + 1] = -0.5f + float(p / s.wo) / float(s.ho);
  }
  const SamplerOptions o{Interpolation::Bicubic, Padding::Zeros, false};
  std::vector<float> want = nan_filled(s.ho * s.wo);
  grid_sample_forward_ref(s, o, input.data(), grid.data(), want.data());
  set_num_threads(1);
  for (Isa isa : all_values<Isa>()) {
    if (!set_isa(isa)) continue;
    std::vector<float> out = nan_filled(want.size());
    poison_stack();
    grid_sample_forward(s, o, input.data(), grid.data(), out.data());
    expect_same(std::string("bicubic interior rows, isa=") + name_of(isa), out, want);
  }
  set_isa(best_isa());
  set_num_threads(0);
}

}  // namespace

int main() {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int64_t> small(1, 9);
  std::vector<SamplerShape> shapes;
  for (int round = 0; round < 2; ++round)
    for (int64_t c : {1, 2, 3, 4, 5, 15, 16, 17, 64, 300})
      for (int64_t n : {1, 2, 9})
        shapes.push_back({n, small(rng), small(rng), c, small(rng), small(rng)});
  shapes.push_back({1, 1, 1, 3, 4, 5});     // 1x1 image
  shapes.push_back({2, 1, 1, 1, 1, 1});
  shapes.push_back({1, 7, 5, 3, 1, 1});     // 1x1 output
  shapes.push_back({1, 12, 10, 64, 24, 20});  // past the parallel threshold
  shapes.push_back({2, 9, 11, 8, 33, 40});    // blocked backward, N < 8
  shapes.push_back({9, 6, 5, 40, 9, 8});      // batch-parallel backward
  // Rows of 7, 8, 9, 15, 16, 17, 33 pixels: below, at, above and multiples of
  // the AVX2 (8) and AVX-512 (16) pixel vectors.
  for (int64_t wo : {7, 8, 9, 15, 16, 17, 33})
    for (int64_t c : {1, 3})
      shapes.push_back({2, 6, 7, c, 3, wo});
  shapes.push_back({3, 28, 28, 1, 28, 28});   // S1-like, past the threshold
  shapes.push_back({1, 20, 24, 3, 40, 48});   // blocked, pixel rows
  // Items past kPrefetchMinItem floats: the pixel rows prefetch ahead.
  shapes.push_back({1, 150, 150, 3, 12, 150});
  shapes.push_back({2, 260, 260, 1, 6, 260});
  // Zero-size dimensions: nothing to read; outputs still fully written.
  shapes.push_back({0, 3, 3, 2, 4, 4});
  shapes.push_back({2, 0, 3, 2, 4, 4});
  shapes.push_back({2, 3, 0, 2, 4, 4});
  shapes.push_back({2, 3, 3, 0, 4, 4});
  shapes.push_back({2, 3, 3, 2, 0, 4});
  shapes.push_back({2, 3, 3, 2, 4, 0});
  // One grid for the whole batch (shared), in the row-parallel gradient pass
  // and the blocked grad_input.
  for (SamplerShape s : {SamplerShape{3, 5, 6, 1, 7, 9}, SamplerShape{2, 9, 11, 3, 33, 40},
                         SamplerShape{9, 6, 5, 40, 9, 8}, SamplerShape{3, 28, 28, 1, 28, 28},
                         SamplerShape{0, 3, 3, 2, 4, 4}}) {
    s.shared = true;
    shapes.push_back(s);
  }

  int cases = 0;
  for (const SamplerShape& s : shapes)
    for (auto mode : all_values<Interpolation>())
      for (auto padding : all_values<Padding>())
        for (bool align : {false, true})
          for (GridKind kind : {GridKind::Uniform, GridKind::Special, GridKind::Smooth}) {
            if (kind == GridKind::Smooth && (s.h < 8 || s.w < 8)) continue;
            check_case(s, {mode, padding, align}, kind, rng);
            ++cases;
          }
  check_known_values();
  check_bicubic_interior_rows();
  return finish("grid_sampler", cases + 1);
}
