// Displacement-field warps (2-D and volumes): the fused paths against the
// unfused references (forward bit for bit; grad_flow bit for bit up to 4
// channels, else within rounding; grad_input within rounding and the same
// bits for every ISA the CPU has and 1-4 threads), a whole-pixel shift, the zero flow, and central
// finite differences of grad_flow.
#include <cmath>
#include <random>

#include "../flow_warp.h"
#include "check.h"

using namespace stn;
using namespace stn_test;

namespace {

int cases = 0;

std::vector<float> uniform(std::mt19937& rng, int64_t count, float lo, float hi) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(count));
  for (float& x : v) x = u(rng);
  return v;
}

std::vector<double> tolerance(const std::vector<float>& want, double rel) {
  std::vector<double> tol(want.size());
  for (size_t i = 0; i < want.size(); ++i) tol[i] = rel * (1 + std::fabs(want[i]));
  return tol;
}

// The 2-D and 3-D entry points behind one interface, for the shared checks.
struct Flat {
  SamplerShape s;
  int64_t input() const { return s.n * s.h * s.w * s.c; }
  int64_t flow() const { return s.n * s.ho * s.wo * 2; }
  int64_t output() const { return s.n * s.ho * s.wo * s.c; }
  int64_t channels() const { return s.c; }
  size_t ref_scratch() const { return flow_warp_ref_scratch(s); }
  size_t scratch(bool gi) const { return flow_warp_backward_scratch(s, gi); }
  void forward_ref(const SamplerOptions& o, const float* in, const float* f, float* out) const {
    with_scratch(ref_scratch(), flow_warp_forward_ref, s, o, in, f, out);
  }
  void forward(const SamplerOptions& o, const float* in, const float* f, float* out) const {
    flow_warp_forward(s, o, in, f, out);
  }
  void backward_ref(const SamplerOptions& o, const float* go, const float* in, const float* f,
                    float* gi, float* gf) const {
    with_scratch(ref_scratch(), flow_warp_backward_ref, s, o, go, in, f, gi, gf);
  }
  void backward(const SamplerOptions& o, const float* go, const float* in, const float* f,
                float* gi, float* gf) const {
    with_scratch(scratch(gi != nullptr), flow_warp_backward, s, o, go, in, f, gi, gf);
  }
  std::string name() const {
    return "2-D [n=" + std::to_string(s.n) + " " + std::to_string(s.h) + "x" + std::to_string(s.w) +
           " c=" + std::to_string(s.c) + " -> " + std::to_string(s.ho) + "x" + std::to_string(s.wo) + "]";
  }
};

struct Volume {
  VolumeShape s;
  int64_t input() const { return s.n * s.d * s.h * s.w * s.c; }
  int64_t flow() const { return s.n * s.od * s.ho * s.wo * 3; }
  int64_t output() const { return s.n * s.od * s.ho * s.wo * s.c; }
  int64_t channels() const { return s.c; }
  size_t ref_scratch() const { return flow_warp_3d_ref_scratch(s); }
  size_t scratch(bool gi) const { return flow_warp_3d_backward_scratch(s, gi); }
  void forward_ref(const SamplerOptions& o, const float* in, const float* f, float* out) const {
    with_scratch(ref_scratch(), flow_warp_3d_forward_ref, s, o, in, f, out);
  }
  void forward(const SamplerOptions& o, const float* in, const float* f, float* out) const {
    flow_warp_3d_forward(s, o, in, f, out);
  }
  void backward_ref(const SamplerOptions& o, const float* go, const float* in, const float* f,
                    float* gi, float* gf) const {
    with_scratch(ref_scratch(), flow_warp_3d_backward_ref, s, o, go, in, f, gi, gf);
  }
  void backward(const SamplerOptions& o, const float* go, const float* in, const float* f,
                float* gi, float* gf) const {
    with_scratch(scratch(gi != nullptr), flow_warp_3d_backward, s, o, go, in, f, gi, gf);
  }
  std::string name() const {
    return "3-D [n=" + std::to_string(s.n) + " " + std::to_string(s.d) + "x" + std::to_string(s.h) +
           "x" + std::to_string(s.w) + " c=" + std::to_string(s.c) + " -> " + std::to_string(s.od) +
           "x" + std::to_string(s.ho) + "x" + std::to_string(s.wo) + "]";
  }
};

template <class K>
void check_against_ref(const K& k, const SamplerOptions& o, std::mt19937& rng) {
  ++cases;
  const std::string name = k.name() + " " + name_of(o.mode) + " " + name_of(o.padding);
  const auto input = uniform(rng, k.input(), -1, 1);
  auto flow = uniform(rng, k.flow(), -3, 3);
  const float hostile[] = {NAN, INFINITY, -INFINITY, 3e38f, 0.5f, -1.0f};
  for (size_t i = 5; i < flow.size(); i += 13) flow[i] = hostile[(i / 13) % 6];
  const auto gout = uniform(rng, k.output(), -1, 1);
  auto out_ref = nan_filled(k.output()), gi_ref = nan_filled(k.input()), gf_ref = nan_filled(k.flow());
  k.forward_ref(o, input.data(), flow.data(), out_ref.data());
  k.backward_ref(o, gout.data(), input.data(), flow.data(), gi_ref.data(), gf_ref.data());
  expect_finite(name + " ref output", out_ref);
  expect_finite(name + " ref grad_flow", gf_ref);
  std::vector<float> gi_first;
  for (Isa isa : all_values<Isa>()) {
  if (!set_isa(isa)) continue;
  for (int threads : {1, 2, 3, 4}) {
    set_num_threads(threads);
    const std::string at = name + " isa=" + name_of(isa) + " threads=" + std::to_string(threads);
    auto out = nan_filled(k.output()), gi = nan_filled(k.input()), gf = nan_filled(k.flow());
    k.forward(o, input.data(), flow.data(), out.data());
    expect_same(at + " output", out, out_ref);
    k.backward(o, gout.data(), input.data(), flow.data(), gi.data(), gf.data());
    if (k.channels() <= 4) expect_same(at + " grad_flow", gf, gf_ref);
    else expect_near(at + " grad_flow", gf, gf_ref, tolerance(gf_ref, 1e-5));
    expect_near(at + " grad_input", gi, gi_ref, tolerance(gi_ref, 1e-5));
    if (gi_first.empty()) gi_first = gi;
    else expect_same(at + " grad_input vs the first run", gi, gi_first);
    auto gf_only = nan_filled(k.flow());
    k.backward(o, gout.data(), input.data(), flow.data(), nullptr, gf_only.data());
    expect_same(at + " grad_flow alone", gf_only, gf);
  }
  }
  set_isa(best_isa());
  set_num_threads(0);
}

// Moving every pixel by whole pixels (nearest, any padding inside the image;
// bilinear within rounding) reads the shifted image; a zero flow reads the
// image itself.
void check_shift() {
  ++cases;
  const SamplerShape s{1, 5, 6, 2, 5, 6};
  std::vector<float> input(s.h * s.w * s.c);
  for (size_t i = 0; i < input.size(); ++i) input[i] = float(i) - 20;
  std::vector<float> flow(s.ho * s.wo * 2);
  for (size_t p = 0; p < flow.size() / 2; ++p) {
    flow[2 * p] = 1;    // dx: read one pixel to the right
    flow[2 * p + 1] = -2;  // dy: two rows up
  }
  std::vector<float> want(input.size(), 0.0f);
  for (int64_t i = 0; i < s.ho; ++i)
    for (int64_t j = 0; j < s.wo; ++j)
      for (int64_t c = 0; c < s.c; ++c) {
        const int64_t y = i - 2, x = j + 1;
        if (y >= 0 && x < s.w) want[(i * s.wo + j) * s.c + c] = input[(y * s.w + x) * s.c + c];
      }
  auto out = nan_filled(want.size());
  flow_warp_forward(s, {Interpolation::Nearest, Padding::Zeros, false}, input.data(), flow.data(),
                    out.data());
  expect_same("whole-pixel shift, nearest", out, want);
  flow_warp_forward(s, {Interpolation::Bilinear, Padding::Zeros, false}, input.data(), flow.data(),
                    out.data());
  expect_near("whole-pixel shift, bilinear", out, want, std::vector<double>(want.size(), 1e-4));
  std::fill(flow.begin(), flow.end(), 0.0f);
  flow_warp_forward(s, {Interpolation::Nearest, Padding::Border, false}, input.data(), flow.data(),
                    out.data());
  expect_same("zero flow, nearest", out, input);
}

// Central differences of L = sum(gout * output) in the flow (pixels).
void check_finite_difference(Padding padding, std::mt19937& rng) {
  ++cases;
  const VolumeShape s{1, 4, 5, 6, 2, 3, 4, 5};
  const Volume k{s};
  const SamplerOptions o{Interpolation::Bilinear, padding, false};
  const auto input = uniform(rng, k.input(), -1, 1);
  auto flow = uniform(rng, k.flow(), -1.5f, 1.5f);
  // Away from whole pixels (the trilinear kinks): fractions in [0.2, 0.8].
  for (float& f : flow) f = std::floor(f) + 0.2f + 0.6f * (f - std::floor(f));
  const auto gout = uniform(rng, k.output(), -1, 1);
  auto loss = [&](const std::vector<float>& fl) {
    std::vector<float> out(k.output());
    k.forward_ref(o, input.data(), fl.data(), out.data());
    double sum = 0;
    for (size_t i = 0; i < out.size(); ++i) sum += double(out[i]) * gout[i];
    return sum;
  };
  auto gf = nan_filled(k.flow());
  k.backward_ref(o, gout.data(), input.data(), flow.data(), nullptr, gf.data());
  for (size_t e = 0; e < flow.size(); ++e) {
    auto plus = flow, minus = flow;
    plus[e] += 1e-2f;
    minus[e] -= 1e-2f;
    const double fd = (loss(plus) - loss(minus)) / (double(plus[e]) - minus[e]);
    if (!(std::fabs(fd - gf[e]) <= 2e-3 * (1 + std::fabs(fd))))
      fail(k.name() + " " + name_of(padding) + ": flow index " + std::to_string(e) + " gradient " +
           show(gf[e]) + ", finite difference " + std::to_string(fd));
  }
}

}  // namespace

int main() {
  std::mt19937 rng(2525);
  const SamplerShape flats[] = {{2, 5, 7, 1, 5, 7}, {1, 6, 4, 3, 6, 4}, {1, 9, 8, 6, 7, 9},
                                {1, 1, 5, 2, 1, 5}, {2, 80, 90, 2, 80, 90}};
  for (const SamplerShape& s : flats)
    for (auto mode : all_values<Interpolation>())
      for (Padding padding : all_values<Padding>()) check_against_ref(Flat{s}, {mode, padding, false}, rng);
  const VolumeShape volumes[] = {{2, 3, 4, 5, 1, 3, 4, 5}, {1, 4, 3, 2, 6, 4, 3, 2},
                                 {1, 1, 3, 3, 2, 1, 3, 3}, {1, 24, 20, 18, 2, 24, 20, 18},
                                 {2, 5, 6, 7, 3, 4, 5, 13}};  // 260 points: a chunk and a tail
  for (const VolumeShape& s : volumes)
    for (auto mode : {Interpolation::Bilinear, Interpolation::Nearest})
      for (Padding padding : all_values<Padding>()) check_against_ref(Volume{s}, {mode, padding, false}, rng);
  check_shift();
  for (Padding padding : all_values<Padding>()) check_finite_difference(padding, rng);
  return finish("flow_warp", cases);
}
