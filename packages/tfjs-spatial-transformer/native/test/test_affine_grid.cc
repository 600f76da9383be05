// Affine grid: threaded vs reference bit for bit, PyTorch's base grid values,
// a finite-difference check of the backward, identity grid + sampler, and
// zero-size shapes.
#include <cmath>
#include <random>

#include "../grid_sampler.h"
#include "check.h"

using namespace stn;
using namespace stn_test;

namespace {

std::string case_name(int64_t n, int64_t ho, int64_t wo, bool align) {
  return "[n=" + std::to_string(n) + " ho=" + std::to_string(ho) +
         " wo=" + std::to_string(wo) + (align ? " align]" : " noalign]");
}

void check_against_ref(int64_t n, int64_t ho, int64_t wo, bool align,
                       std::mt19937& rng) {
  const std::string name = case_name(n, ho, wo, align);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<float> theta(n * 6), grad_grid(n * ho * wo * 2);
  for (float& v : theta) v = u(rng);
  for (float& v : grad_grid) v = u(rng);
  auto grid_ref = nan_filled(n * ho * wo * 2), gtheta_ref = nan_filled(n * 6);
  affine_grid_forward_ref(n, ho, wo, align, theta.data(), grid_ref.data());
  affine_grid_backward_ref(n, ho, wo, align, grad_grid.data(), gtheta_ref.data());
  expect_finite(name + " ref grid", grid_ref);
  expect_finite(name + " ref grad_theta", gtheta_ref);
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    const std::string at = name + " threads=" + std::to_string(threads);
    auto grid = nan_filled(n * ho * wo * 2), gtheta = nan_filled(n * 6);
    affine_grid_forward(n, ho, wo, align, theta.data(), grid.data());
    affine_grid_backward(n, ho, wo, align, grad_grid.data(), gtheta.data());
    expect_same(at + " grid", grid, grid_ref);
    expect_same(at + " grad_theta", gtheta, gtheta_ref);
  }
  set_num_threads(0);
}

// The identity theta gives the base grid: PyTorch's _linspace_from_neg_one.
void check_base_grid() {
  struct Known {
    int64_t steps;
    bool align;
    std::vector<float> want;
  };
  const Known cases[] = {
      {1, true, {0.0f}},
      {1, false, {0.0f}},
      {2, true, {-1.0f, 1.0f}},
      {2, false, {-0.5f, 0.5f}},
      {5, true, {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f}},
      // float32: (-1 + 2/3) * 3 / 4 rounds to just below -0.25.
      {4, false, {-0.75f, -0x1.fffffep-3f, 0x1.fffffep-3f, 0.75f}},
      {3, false, {-2.0f / 3, 0.0f, 2.0f / 3}},
  };
  const float identity[6] = {1, 0, 0, 0, 1, 0};
  for (const Known& k : cases) {
    auto grid = nan_filled(k.steps * k.steps * 2);
    affine_grid_forward_ref(1, k.steps, k.steps, k.align, identity, grid.data());
    for (int64_t i = 0; i < k.steps; ++i) {
      for (int64_t j = 0; j < k.steps; ++j) {
        const float* g = &grid[(i * k.steps + j) * 2];
        if (!same_bits(g[0], k.want[j]) || !same_bits(g[1], k.want[i]))
          fail(case_name(1, k.steps, k.steps, k.align) + " base grid at (" +
               std::to_string(i) + "," + std::to_string(j) + ") is (" +
               show(g[0]) + ", " + show(g[1]) + ")");
      }
    }
  }
}

// grid is linear in theta, so a central difference of L = sum(grid * G)
// (accumulated in double) matches dL/dtheta up to float rounding.
void check_finite_difference(int64_t n, int64_t ho, int64_t wo, bool align,
                             std::mt19937& rng) {
  const std::string name = case_name(n, ho, wo, align) + " finite difference";
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> theta(n * 6), G(n * ho * wo * 2);
  for (float& v : theta) v = u(rng);
  for (float& v : G) v = u(rng);
  auto loss = [&](const std::vector<float>& th) {
    std::vector<float> grid(G.size());
    affine_grid_forward_ref(n, ho, wo, align, th.data(), grid.data());
    double sum = 0;
    for (size_t i = 0; i < G.size(); ++i) sum += double(grid[i]) * G[i];
    return sum;
  };
  auto grad = nan_filled(n * 6);
  affine_grid_backward(n, ho, wo, align, G.data(), grad.data());
  const float eps = 0.25f;
  for (size_t k = 0; k < theta.size(); ++k) {
    auto plus = theta, minus = theta;
    plus[k] += eps;
    minus[k] -= eps;
    const double fd = (loss(plus) - loss(minus)) / (double(plus[k]) - minus[k]);
    if (!(std::fabs(fd - grad[k]) <= 1e-4 * (1 + std::fabs(fd))))
      fail(name + ": theta index " + std::to_string(k) + " gradient " +
           show(grad[k]) + ", finite difference " + std::to_string(fd));
  }
}

// An identity affine grid makes the sampler reproduce its input.
void check_identity_sampling() {
  const SamplerShape s{2, 7, 9, 3, 7, 9};
  std::vector<float> input(s.n * s.h * s.w * s.c);
  for (size_t i = 0; i < input.size(); ++i) input[i] = float(i % 17) - 8.0f;
  const std::vector<float> theta = {1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0};
  for (bool align : {false, true}) {
    for (auto mode : all_values<Interpolation>()) {
      std::vector<float> grid(s.n * s.ho * s.wo * 2);
      affine_grid_forward(s.n, s.ho, s.wo, align, theta.data(), grid.data());
      auto out = nan_filled(input.size());
      grid_sample_forward(s, {mode, Padding::Zeros, align}, input.data(),
                          grid.data(), out.data());
      expect_near(case_name(s.n, s.ho, s.wo, align) + " identity sampling",
                  out, input, std::vector<double>(input.size(), 1e-5));
    }
  }
}

void check_zero_size() {
  const float theta[6] = {1, 2, 3, 4, 5, 6};
  for (bool align : {false, true}) {
    // An empty grid still defines a (zero) theta gradient.
    auto gtheta = nan_filled(6);
    affine_grid_backward(1, 0, 5, align, nullptr, gtheta.data());
    expect_same(case_name(1, 0, 5, align) + " grad_theta", gtheta,
                std::vector<float>(6, 0.0f));
    affine_grid_backward_ref(1, 4, 0, align, nullptr, gtheta.data());
    expect_same(case_name(1, 4, 0, align) + " ref grad_theta", gtheta,
                std::vector<float>(6, 0.0f));
    affine_grid_forward(0, 3, 3, align, theta, nullptr);
    affine_grid_forward(1, 0, 3, align, theta, nullptr);
  }
}

}  // namespace

int main() {
  std::mt19937 rng(777);
  int cases = 0;
  for (int64_t n : {1, 3})
    for (int64_t ho : {1, 2, 5, 33})
      for (int64_t wo : {1, 2, 7, 130})
        for (bool align : {false, true}) {
          check_against_ref(n, ho, wo, align, rng);
          ++cases;
        }
  check_against_ref(2, 150, 120, false, rng);  // past the parallel threshold
  check_against_ref(20, 40, 40, true, rng);
  for (bool align : {false, true}) {
    check_finite_difference(1, 5, 7, align, rng);
    check_finite_difference(3, 1, 4, align, rng);
    check_finite_difference(2, 13, 2, align, rng);
  }
  check_base_grid();
  check_identity_sampling();
  check_zero_size();
  return finish("affine_grid", cases + 10);
}
