// The volume sampler and the 3-D affine grid: threaded vs reference on every
// ISA the CPU has (forward bit for bit; grad_grid bit for bit up to
// kPixelPathMaxChannels channels, beyond within volume_bounds.h's bound;
// grad_input within rounding; grad_input and grad_grid the same bits for
// every ISA and 1-4 threads), hand-computed values, central finite differences of both
// gradients, one grid for the whole batch, hostile coordinates, zero sizes.
#include <cmath>
#include <random>

#include "../volume_sampler.h"
#include "check.h"
#include "volume_bounds.h"

using namespace stn;
using namespace stn_test;

namespace {

int cases = 0;

std::string describe(const VolumeShape& s, const SamplerOptions& o) {
  return std::string("[") + name_of(o.mode) + " " + name_of(o.padding) +
         (o.align_corners ? " align" : " noalign") + " n=" + std::to_string(s.n) +
         " d=" + std::to_string(s.d) + " h=" + std::to_string(s.h) + " w=" + std::to_string(s.w) +
         " c=" + std::to_string(s.c) + " -> " + std::to_string(s.od) + "x" +
         std::to_string(s.ho) + "x" + std::to_string(s.wo) + (s.shared ? " shared]" : "]");
}

int64_t input_count(const VolumeShape& s) { return s.n * s.d * s.h * s.w * s.c; }
int64_t grid_count(const VolumeShape& s) { return grid_batch(s) * s.od * s.ho * s.wo * 3; }
int64_t output_count(const VolumeShape& s) { return s.n * s.od * s.ho * s.wo * s.c; }

std::vector<float> uniform(std::mt19937& rng, int64_t count, float lo, float hi) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(count));
  for (float& x : v) x = u(rng);
  return v;
}

// A few grid coordinates PyTorch treats specially, and hostile ones.
void plant_specials(std::vector<float>& grid, bool hostile) {
  const float special[] = {-1.0f, 1.0f, 0.0f, 1.5f, -2.2f, 3.0f};
  const float bad[] = {NAN, INFINITY, -INFINITY, 3e38f, -3e38f, 1e20f};
  for (size_t i = 0; i < grid.size(); i += 7) grid[i] = special[(i / 7) % 6];
  if (hostile)
    for (size_t i = 3; i < grid.size(); i += 11) grid[i] = bad[(i / 11) % 6];
}

// |a - b| bound for grad_input's regrouped sums: a few ulps of the sum of
// the absolute contributions, bounded by the reference's absolute values.
std::vector<double> scatter_tolerance(const std::vector<float>& want) {
  std::vector<double> tol(want.size());
  for (size_t i = 0; i < want.size(); ++i) tol[i] = 1e-5 * (1 + std::fabs(want[i]));
  return tol;
}

void check_against_ref(const VolumeShape& s, const SamplerOptions& o, std::mt19937& rng,
                       bool hostile) {
  ++cases;
  const std::string name = describe(s, o) + (hostile ? " hostile" : "");
  const auto input = uniform(rng, input_count(s), -1, 1);
  auto grid = uniform(rng, grid_count(s), -1.3f, 1.3f);
  plant_specials(grid, hostile);
  const auto gout = uniform(rng, output_count(s), -1, 1);

  auto out_ref = nan_filled(output_count(s));
  grid_sample_3d_forward_ref(s, o, input.data(), grid.data(), out_ref.data());
  auto gin_ref = nan_filled(input_count(s)), gg_ref = nan_filled(grid_count(s));
  grid_sample_3d_backward_ref(s, o, gout.data(), input.data(), grid.data(), gin_ref.data(),
                              gg_ref.data());
  expect_finite(name + " ref output", out_ref);
  expect_finite(name + " ref grad_input", gin_ref);
  expect_finite(name + " ref grad_grid", gg_ref);

  // grad_grid: bit for bit up to kPixelPathMaxChannels channels, beyond
  // per-corner dot products (volume_bounds.h).
  const std::vector<double> grid_tol =
      volume_grad_grid_bound(s, o, input.data(), grid.data(), gout.data());
  std::vector<float> gin_first, gg_first;
  for (Isa isa : all_values<Isa>()) {
  if (!set_isa(isa)) continue;
  for (int threads : {1, 2, 3, 4}) {
    set_num_threads(threads);
    const std::string at = name + " isa=" + name_of(isa) + " threads=" + std::to_string(threads);
    auto out = nan_filled(output_count(s));
    grid_sample_3d_forward(s, o, input.data(), grid.data(), out.data());
    expect_same(at + " output", out, out_ref);
    auto gin = nan_filled(input_count(s)), gg = nan_filled(grid_count(s));
    with_scratch(grid_sample_3d_backward_scratch(s, true), grid_sample_3d_backward, s, o,
                 gout.data(), input.data(), grid.data(), gin.data(), gg.data());
    if (s.c <= kPixelPathMaxChannels) expect_same(at + " grad_grid", gg, gg_ref);
    else expect_near(at + " grad_grid", gg, gg_ref, grid_tol);
    expect_near(at + " grad_input", gin, gin_ref, scatter_tolerance(gin_ref));
    if (gin_first.empty()) {
      gin_first = gin;
      gg_first = gg;
    } else {
      expect_same(at + " grad_input vs the first run", gin, gin_first);
      expect_same(at + " grad_grid vs the first run", gg, gg_first);
    }
    // Each gradient alone gives the same bits as both together.
    auto gg_only = nan_filled(grid_count(s)), gin_only = nan_filled(input_count(s));
    with_scratch(grid_sample_3d_backward_scratch(s, false), grid_sample_3d_backward, s, o,
                 gout.data(), input.data(), grid.data(), nullptr, gg_only.data());
    expect_same(at + " grad_grid alone", gg_only, gg);
    with_scratch(grid_sample_3d_backward_scratch(s, true), grid_sample_3d_backward, s, o,
                 gout.data(), input.data(), grid.data(), gin_only.data(), nullptr);
    expect_same(at + " grad_input alone", gin_only, gin);
  }
  }
  set_isa(best_isa());
  set_num_threads(0);
}

// Hand-computed: a 2x2x2 volume with voxel (z,y,x) = 1 + x + 2y + 4z (C = 1),
// sampled at its centre (trilinear: the mean, 4.5) and near a corner.
void check_known_values() {
  ++cases;
  const VolumeShape s{1, 2, 2, 2, 1, 1, 1, 3};
  std::vector<float> input(8);
  for (int k = 0; k < 8; ++k) input[k] = float(1 + k);
  // align_corners: -1/1 are voxel centres. (0,0,0) is the centre; (1,1,1)
  // the last voxel; (-1,-1,0.5) lies between voxels 0 and 4 at 3/4.
  const std::vector<float> grid = {0, 0, 0, 1, 1, 1, -1, -1, 0.5f};
  const SamplerOptions tri{Interpolation::Bilinear, Padding::Zeros, true};
  auto out = nan_filled(3);
  grid_sample_3d_forward_ref(s, tri, input.data(), grid.data(), out.data());
  expect_same("known trilinear", out, {4.5f, 8.0f, 4.0f});
  const SamplerOptions near{Interpolation::Nearest, Padding::Zeros, true};
  grid_sample_3d_forward_ref(s, near, input.data(), grid.data(), out.data());
  // Nearest rounds half to even: 0 -> 0.5 rounds to 0 on each axis.
  expect_same("known nearest", out, {1.0f, 8.0f, 5.0f});
}

// Central differences of L = sum(gout * output) (in double) against the
// reference's gradients, at coordinates kept away from the kinks.
void check_finite_difference(const SamplerOptions& o, bool shared, std::mt19937& rng) {
  ++cases;
  const VolumeShape s{2, 3, 4, 5, 2, 2, 3, 2, shared};
  const std::string name = describe(s, o) + " finite difference";
  const auto input = uniform(rng, input_count(s), -1, 1);
  auto grid = uniform(rng, grid_count(s), -0.9f, 0.9f);
  const auto gout = uniform(rng, output_count(s), -1, 1);
  const int64_t sizes[3] = {s.w, s.h, s.d};
  // Move each coordinate off the integer source positions (the kinks).
  for (size_t i = 0; i < grid.size(); ++i) {
    const int64_t size = sizes[i % 3];
    const float u = o.align_corners ? (grid[i] + 1) / 2 * (size - 1) : ((grid[i] + 1) * size - 1) / 2;
    const float frac = u - std::floor(u);
    if (frac < 0.1f || frac > 0.9f) grid[i] += (o.align_corners ? 0.3f * 2 / (size - 1) : 0.3f * 2 / size);
  }
  auto loss = [&](const std::vector<float>& in, const std::vector<float>& g) {
    std::vector<float> out(output_count(s));
    grid_sample_3d_forward_ref(s, o, in.data(), g.data(), out.data());
    double sum = 0;
    for (size_t i = 0; i < out.size(); ++i) sum += double(out[i]) * gout[i];
    return sum;
  };
  auto gin = nan_filled(input_count(s)), gg = nan_filled(grid_count(s));
  grid_sample_3d_backward_ref(s, o, gout.data(), input.data(), grid.data(), gin.data(), gg.data());
  const float eps = 1e-3f;
  for (size_t k = 0; k < input.size(); ++k) {
    auto plus = input, minus = input;
    plus[k] += 0.25f;
    minus[k] -= 0.25f;  // linear in the input: any step is exact up to rounding
    const double fd = (loss(plus, grid) - loss(minus, grid)) / (double(plus[k]) - minus[k]);
    if (!(std::fabs(fd - gin[k]) <= 1e-4 * (1 + std::fabs(fd))))
      fail(name + ": input index " + std::to_string(k) + " gradient " + show(gin[k]) +
           ", finite difference " + std::to_string(fd));
  }
  for (size_t k = 0; k < grid.size(); ++k) {
    auto plus = grid, minus = grid;
    plus[k] += eps;
    minus[k] -= eps;
    const double fd = (loss(input, plus) - loss(input, minus)) / (double(plus[k]) - minus[k]);
    if (!(std::fabs(fd - gg[k]) <= 2e-2 * (1 + std::fabs(fd))))
      fail(name + ": grid index " + std::to_string(k) + " gradient " + show(gg[k]) +
           ", finite difference " + std::to_string(fd));
  }
}

// A shared grid equals the grid tiled over the batch; its gradient is the
// sum of the tiled gradient's items.
void check_shared(const SamplerOptions& o, std::mt19937& rng) {
  ++cases;
  VolumeShape s{3, 4, 3, 5, 2, 3, 2, 4, true};
  VolumeShape tiled = s;
  tiled.shared = false;
  const std::string name = describe(s, o);
  const auto input = uniform(rng, input_count(s), -1, 1);
  const auto grid = uniform(rng, grid_count(s), -1.2f, 1.2f);
  std::vector<float> grid_tiled;
  for (int64_t n = 0; n < s.n; ++n) grid_tiled.insert(grid_tiled.end(), grid.begin(), grid.end());
  const auto gout = uniform(rng, output_count(s), -1, 1);
  auto out = nan_filled(output_count(s)), out_tiled = nan_filled(output_count(s));
  grid_sample_3d_forward(s, o, input.data(), grid.data(), out.data());
  grid_sample_3d_forward_ref(tiled, o, input.data(), grid_tiled.data(), out_tiled.data());
  expect_same(name + " output vs tiled", out, out_tiled);
  auto gg = nan_filled(grid_count(s)), gg_tiled = nan_filled(grid_count(tiled));
  with_scratch(grid_sample_3d_backward_scratch(s, false), grid_sample_3d_backward, s, o,
               gout.data(), input.data(), grid.data(), nullptr, gg.data());
  grid_sample_3d_backward_ref(tiled, o, gout.data(), input.data(), grid_tiled.data(), nullptr,
                              gg_tiled.data());
  std::vector<float> summed(grid.size(), 0.0f);
  for (int64_t n = 0; n < s.n; ++n)
    for (size_t i = 0; i < grid.size(); ++i) summed[i] += gg_tiled[n * grid.size() + i];
  expect_same(name + " grad_grid vs the tiled sum", gg, summed);
}

void check_affine_grid(int64_t n, int64_t od, int64_t ho, int64_t wo, bool align,
                       std::mt19937& rng) {
  ++cases;
  const std::string name = "affine_grid_3d [n=" + std::to_string(n) + " " + std::to_string(od) +
                           "x" + std::to_string(ho) + "x" + std::to_string(wo) +
                           (align ? " align]" : "]");
  const auto theta = uniform(rng, n * 12, -2, 2);
  const auto G = uniform(rng, n * od * ho * wo * 3, -1, 1);
  auto grid_ref = nan_filled(G.size()), gt_ref = nan_filled(n * 12);
  affine_grid_3d_forward_ref(n, od, ho, wo, align, theta.data(), grid_ref.data());
  affine_grid_3d_backward_ref(n, od, ho, wo, align, G.data(), gt_ref.data());
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    auto grid = nan_filled(G.size()), gt = nan_filled(n * 12);
    affine_grid_3d_forward(n, od, ho, wo, align, theta.data(), grid.data());
    affine_grid_3d_backward(n, od, ho, wo, align, G.data(), gt.data());
    expect_same(name + " grid", grid, grid_ref);
    expect_same(name + " grad_theta", gt, gt_ref);
  }
  set_num_threads(0);
  // The grid is linear in theta: a central difference is exact up to rounding.
  auto loss = [&](const std::vector<float>& th) {
    std::vector<float> grid(G.size());
    affine_grid_3d_forward_ref(n, od, ho, wo, align, th.data(), grid.data());
    double sum = 0;
    for (size_t i = 0; i < G.size(); ++i) sum += double(grid[i]) * G[i];
    return sum;
  };
  for (size_t k = 0; k < theta.size(); ++k) {
    auto plus = theta, minus = theta;
    plus[k] += 0.25f;
    minus[k] -= 0.25f;
    const double fd = (loss(plus) - loss(minus)) / (double(plus[k]) - minus[k]);
    if (!(std::fabs(fd - gt_ref[k]) <= 1e-4 * (1 + std::fabs(fd))))
      fail(name + ": theta index " + std::to_string(k) + " gradient " + show(gt_ref[k]) +
           ", finite difference " + std::to_string(fd));
  }
}

// The fused affine sampler against the unfused composition: forward bit for
// bit, both gradients within rounding, the same bits for 1-4 threads.
void check_affine_sample(const VolumeShape& s, const SamplerOptions& o, std::mt19937& rng) {
  ++cases;
  const std::string name = describe(s, o) + " affine_sample_3d";
  const auto input = uniform(rng, input_count(s), -1, 1);
  auto theta = uniform(rng, grid_batch(s) * 12, -1.2f, 1.2f);
  if (theta.size() > 12) theta[13] = NAN;  // the second theta is hostile
  const auto gout = uniform(rng, output_count(s), -1, 1);
  const size_t ref_bytes = affine_sample_3d_ref_scratch(s);
  auto out_ref = nan_filled(output_count(s)), gin_ref = nan_filled(input_count(s)),
       gt_ref = nan_filled(grid_batch(s) * 12);
  with_scratch(ref_bytes, affine_sample_3d_forward_ref, s, o, input.data(), theta.data(), out_ref.data());
  with_scratch(ref_bytes, affine_sample_3d_backward_ref, s, o, gout.data(), input.data(), theta.data(),
               gin_ref.data(), gt_ref.data());
  std::vector<float> gin_first, gt_first;
  for (Isa isa : all_values<Isa>()) {
  if (!set_isa(isa)) continue;
  for (int threads : {1, 2, 3, 4}) {
    set_num_threads(threads);
    const std::string at = name + " isa=" + name_of(isa) + " threads=" + std::to_string(threads);
    auto out = nan_filled(output_count(s)), gin = nan_filled(input_count(s)),
         gt = nan_filled(grid_batch(s) * 12);
    with_scratch(affine_sample_3d_forward_scratch(s), affine_sample_3d_forward, s, o, input.data(),
                 theta.data(), out.data());
    expect_same(at + " output", out, out_ref);
    with_scratch(affine_sample_3d_backward_scratch(s, true, true), affine_sample_3d_backward, s, o,
                 gout.data(), input.data(), theta.data(), gin.data(), gt.data());
    expect_near(at + " grad_input", gin, gin_ref, scatter_tolerance(gin_ref));
    expect_near(at + " grad_theta", gt, gt_ref, scatter_tolerance(gt_ref));
    if (gin_first.empty()) {
      gin_first = gin;
      gt_first = gt;
    } else {
      expect_same(at + " grad_input vs the first run", gin, gin_first);
      expect_same(at + " grad_theta vs the first run", gt, gt_first);
    }
    auto gt_only = nan_filled(grid_batch(s) * 12);
    with_scratch(affine_sample_3d_backward_scratch(s, false, true), affine_sample_3d_backward, s, o,
                 gout.data(), input.data(), theta.data(), nullptr, gt_only.data());
    expect_same(at + " grad_theta alone", gt_only, gt);
  }
  }
  set_isa(best_isa());
  set_num_threads(0);
}

// The identity theta: the base grid, and sampling it reproduces the input.
void check_identity() {
  ++cases;
  const VolumeShape s{1, 3, 4, 5, 2, 3, 4, 5};
  const float identity[12] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
  std::vector<float> input(input_count(s));
  for (size_t i = 0; i < input.size(); ++i) input[i] = float(i % 13) - 6;
  for (bool align : {false, true}) {
    std::vector<float> grid(grid_count(s));
    affine_grid_3d_forward(1, s.od, s.ho, s.wo, align, identity, grid.data());
    for (auto mode : {Interpolation::Bilinear, Interpolation::Nearest}) {
      auto out = nan_filled(output_count(s));
      grid_sample_3d_forward(s, {mode, Padding::Zeros, align}, input.data(), grid.data(),
                             out.data());
      expect_near(std::string("identity ") + name_of(mode) + (align ? " align" : ""), out, input,
                  std::vector<double>(input.size(), 1e-5));
    }
  }
}

void check_zero_size() {
  ++cases;
  const SamplerOptions o{Interpolation::Bilinear, Padding::Border, false};
  const VolumeShape empty_out{1, 2, 2, 2, 3, 0, 2, 2};
  grid_sample_3d_forward(empty_out, o, nullptr, nullptr, nullptr);
  const VolumeShape no_channels{2, 2, 2, 2, 0, 2, 2, 2};
  std::vector<float> grid(grid_count(no_channels), 0.5f), gg = nan_filled(grid_count(no_channels));
  grid_sample_3d_backward(no_channels, o, nullptr, nullptr, grid.data(), nullptr, gg.data(),
                          Scratch{});
  expect_same("no channels grad_grid", gg, std::vector<float>(gg.size(), 0.0f));
  const float theta[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  auto gt = nan_filled(12);
  affine_grid_3d_backward(1, 0, 3, 3, false, nullptr, gt.data());
  expect_same("empty grid grad_theta", gt, std::vector<float>(12, 0.0f));
  affine_grid_3d_forward(0, 3, 3, 3, false, theta, nullptr);
}

}  // namespace

int main() {
  std::mt19937 rng(1313);
  const VolumeShape shapes[] = {
      {2, 3, 4, 5, 1, 2, 3, 4},       // C = 1
      {1, 1, 1, 1, 3, 2, 2, 2},       // a single voxel
      {1, 5, 6, 7, 16, 4, 5, 6},      // C = 16, N = 1: several blocks
      {3, 4, 3, 2, 5, 3, 3, 3, true}, // one grid for the batch
      {2, 24, 20, 18, 2, 20, 18, 16}, // past the parallel threshold
      // The vector rows (C <= 4): spans of 7, 8, 16, 33 and 2430 points (two
      // tasks per item), around the vector widths 8 and 16, with tails.
      {1, 4, 5, 6, 4, 1, 1, 7},
      {1, 4, 5, 6, 1, 1, 1, 8},
      {1, 4, 5, 6, 2, 1, 2, 8},
      {2, 4, 5, 6, 3, 1, 3, 11},
      {1, 7, 6, 5, 1, 9, 9, 30},
  };
  for (const VolumeShape& s : shapes)
    for (auto mode : {Interpolation::Bilinear, Interpolation::Nearest})
      for (Padding padding : all_values<Padding>())
        for (bool align : {false, true})
          for (bool hostile : {false, true}) check_against_ref(s, {mode, padding, align}, rng, hostile);
  check_known_values();
  for (Padding padding : all_values<Padding>())
    for (bool align : {false, true}) {
      for (bool shared : {false, true})
        check_finite_difference({Interpolation::Bilinear, padding, align}, shared, rng);
      for (auto mode : {Interpolation::Bilinear, Interpolation::Nearest})
        check_shared({mode, padding, align}, rng);
    }
  for (bool align : {false, true}) {
    check_affine_grid(1, 1, 1, 1, align, rng);
    check_affine_grid(2, 3, 4, 5, align, rng);
    check_affine_grid(3, 9, 17, 33, align, rng);
    check_affine_grid(1, 40, 30, 20, align, rng);  // past the parallel threshold
  }
  for (const VolumeShape& s : shapes)
    for (auto mode : {Interpolation::Bilinear, Interpolation::Nearest})
      for (Padding padding : all_values<Padding>())
        check_affine_sample(s, {mode, padding, padding == Padding::Border}, rng);
  check_identity();
  check_zero_size();
  return finish("volume_sampler", cases);
}
