// The fused affine sampler against its unfused reference (affine_grid then
// grid_sample, scalar): forward bit for bit, grad_input and grad_theta within
// rounding, on every ISA and 1-3 threads, outputs pre-filled with NaN; a
// theta shared by the batch equals it tiled (gradient: summed).
#include <cmath>
#include <random>

#include "../grid_sampler.h"
#include "check.h"

using namespace stn;
using namespace stn_test;

namespace {

int check(const SamplerShape& s, const SamplerOptions& o, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f), a(-0.5f, 0.5f);
  std::vector<float> input(s.n * s.h * s.w * s.c), gout(s.n * s.ho * s.wo * s.c),
      theta(grid_batch(s) * 6);
  for (float& v : input) v = u(rng);
  for (float& v : gout) v = u(rng);
  for (int64_t i = 0; i < grid_batch(s); ++i) {
    const float r = a(rng), k = 1.0f + a(rng) / 2;
    const float t[6] = {k * std::cos(r), -k * std::sin(r), a(rng) / 2,
                        k * std::sin(r), k * std::cos(r), a(rng) / 2};
    std::copy(t, t + 6, theta.begin() + 6 * i);
  }
  const std::string name = "[n=" + std::to_string(s.n) + " h=" + std::to_string(s.h) +
                           " w=" + std::to_string(s.w) + " c=" + std::to_string(s.c) +
                           " ho=" + std::to_string(s.ho) + " wo=" + std::to_string(s.wo) +
                           " " + name_of(o.mode) + " " + name_of(o.padding) +
                           (o.align_corners ? " align" : " noalign") +
                           (s.shared ? " shared]" : "]");
  auto out_ref = nan_filled(s.n * s.ho * s.wo * s.c);
  auto gin_ref = nan_filled(s.n * s.h * s.w * s.c);
  auto gth_ref = nan_filled(grid_batch(s) * 6);
  const size_t ref_scratch = affine_sample_ref_scratch(s);
  with_scratch(ref_scratch, affine_sample_forward_ref, s, o, input.data(), theta.data(),
               out_ref.data());
  with_scratch(ref_scratch, affine_sample_backward_ref, s, o, gout.data(), input.data(),
               theta.data(), gin_ref.data(), gth_ref.data());
  if (s.shared) {
    // The same as the theta tiled over the batch; its gradient summed.
    SamplerShape tiled = s;
    tiled.shared = false;
    std::vector<float> tiled_theta;
    for (int64_t n = 0; n < s.n; ++n) tiled_theta.insert(tiled_theta.end(), theta.begin(), theta.end());
    auto out_t = nan_filled(out_ref.size()), gin_t = nan_filled(gin_ref.size());
    auto gth_t = nan_filled(s.n * 6);
    const size_t t_scratch = affine_sample_ref_scratch(tiled);
    with_scratch(t_scratch, affine_sample_forward_ref, tiled, o, input.data(), tiled_theta.data(),
                 out_t.data());
    with_scratch(t_scratch, affine_sample_backward_ref, tiled, o, gout.data(), input.data(),
                 tiled_theta.data(), gin_t.data(), gth_t.data());
    expect_same(name + " ref output vs tiled theta", out_ref, out_t);
    expect_same(name + " ref grad_input vs tiled theta", gin_ref, gin_t);
    std::vector<float> sum(6, 0.0f);
    std::vector<double> tol(6);
    for (int k = 0; k < 6; ++k) {
      for (int64_t n = 0; n < s.n; ++n) sum[k] += gth_t[6 * n + k];
      tol[k] = 1e-4 * (1 + std::fabs(sum[k])) * double(s.c);
    }
    expect_near(name + " ref grad_theta vs the tiled one summed", gth_ref, sum, tol);
  }
  // Loose bounds: rounding of regrouped sums (grad_theta sums Ho*Wo points).
  std::vector<double> tol_in(gin_ref.size()), tol_th(gth_ref.size());
  for (size_t i = 0; i < tol_in.size(); ++i) tol_in[i] = 1e-5 * (1 + std::fabs(gin_ref[i]));
  for (size_t i = 0; i < tol_th.size(); ++i)
    tol_th[i] = 1e-4 * (1 + std::fabs(gth_ref[i])) * double(s.c);
  for (Isa isa : all_values<Isa>()) {
    if (!set_isa(isa)) continue;
    for (int threads : {1, 2, 3}) {
      set_num_threads(threads);
      const std::string at = name + " isa=" + name_of(isa) + " threads=" + std::to_string(threads);
      auto out = nan_filled(out_ref.size()), gin = nan_filled(gin_ref.size()),
           gth = nan_filled(gth_ref.size()), gth_only = nan_filled(gth_ref.size());
      with_scratch(affine_sample_forward_scratch(s), affine_sample_forward, s, o, input.data(),
                   theta.data(), out.data());
      with_scratch(affine_sample_backward_scratch(s, true, true), affine_sample_backward, s, o,
                   gout.data(), input.data(), theta.data(), gin.data(), gth.data());
      with_scratch(affine_sample_backward_scratch(s, false, true), affine_sample_backward, s, o,
                   gout.data(), input.data(), theta.data(), nullptr, gth_only.data());
      expect_same(at + " output", out, out_ref);
      expect_near(at + " grad_input", gin, gin_ref, tol_in);
      expect_near(at + " grad_theta", gth, gth_ref, tol_th);
      expect_same(at + " theta-only grad_theta", gth_only, gth);
    }
  }
  set_isa(best_isa());
  set_num_threads(0);
  return 1;
}

}  // namespace

int main() {
  std::mt19937 rng(7);
  int cases = 0;
  const SamplerShape shapes[] = {
      {2, 9, 11, 1, 7, 19},  {1, 8, 8, 3, 17, 33}, {3, 6, 5, 8, 5, 4},
      {1, 5, 300, 2, 3, 300}, {2, 12, 10, 64, 24, 20}, {9, 28, 28, 1, 28, 28},
  };
  for (SamplerShape s : shapes)
    for (bool shared : {false, true})
    for (auto mode : all_values<Interpolation>())
      for (auto padding : all_values<Padding>())
        for (bool align : {false, true}) {
          s.shared = shared;
          cases += check(s, {mode, padding, align}, rng);
        }
  return finish("affine_sampler", cases);
}
