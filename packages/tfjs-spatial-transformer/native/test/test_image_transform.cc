// The projective image transform (tfjs's Transform): the threaded kernel
// against the scalar reference (forward and grad_images bit for bit,
// grad_transforms to double rounding), for every interpolation x fill mode,
// shared and per-image transforms, C = 1 to 5, on every ISA the CPU has (the
// vector rows: rows of several vectors and a tail) at 1 and 2 threads, on
// transforms that reach every branch: affine and projective, k = 0, NaN,
// +-Inf, huge finite values and points far outside; outputs pre-filled with
// NaN. Hand-computed values pin TensorFlow's rules (the wrap and reflect
// maps, the constant fill's blend, rounding half away from zero). Run under
// ASan/UBSan too (scripts/sanitize.sh): no read outside the image, no
// undefined float-to-int conversion, on any input.
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../image_transform.h"
#include "check.h"

using namespace stn;
using namespace stn_test;

namespace {

int cases = 0;

const Interpolation kInterpolations[] = {Interpolation::Bilinear, Interpolation::Nearest};
constexpr int kKinds = 10;  // of transforms_for

std::vector<float> transforms_for(std::mt19937& rng, int64_t count, int64_t h, int64_t w, int kind) {
  std::uniform_real_distribution<float> u(-1, 1);
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  std::vector<float> t;
  for (int64_t i = 0; i < count; ++i) {
    std::vector<float> row;
    switch ((kind + i) % kKinds) {
      case 0: row = {1 + 0.2f * u(rng), 0.3f * u(rng), w * u(rng), 0.3f * u(rng), 1 + 0.2f * u(rng), h * u(rng), 0, 0}; break;
      case 1: row = {1 + u(rng), u(rng), 3 * w * u(rng), u(rng), 1 + u(rng), 3 * h * u(rng), 0.2f * u(rng), 0.2f * u(rng)}; break;
      case 2: row = {0.9f, 0.1f, 0.3f, 0.2f, 1.1f, -0.1f, -0.5f, 0}; break;  // k = 0 at x = 2
      case 3: row = {1, 0, nan, 0, 1, 0, 0, 0}; break;
      case 4: row = {inf, 0, 0, 0, -inf, 0, 0, inf}; break;
      case 5: row = {3e38f, -3e38f, 1e30f, 1e20f, 1, -1e25f, 1e-30f, 0}; break;
      case 6: row = {40, 0, -1e9f, 0, -40, 7e8f, 0, 0}; break;  // far outside, every period
      // Mostly inside the image (the vector rows' lanes): near the identity,
      // shifts of half a pixel (nearest's ties) and a mild perspective.
      case 7: row = {1, 0, 0.5f, 0, 1, -0.5f, 0, 0}; break;
      case 8: row = {0.97f, 0.05f * u(rng), 0.5f + u(rng), -0.04f, 0.9f, 0.3f, 0.002f * u(rng), -0.001f}; break;
      default: row = {-1, 0, float(w - 1), 0, 1, 0.25f * u(rng), 0, 0}; break;  // a mirror
    }
    t.insert(t.end(), row.begin(), row.end());
  }
  return t;
}

void check_against_reference(int64_t n, int64_t h, int64_t w, int64_t c, int64_t ho, int64_t wo, bool shared,
                             int kind) {
  std::mt19937 rng(static_cast<unsigned>(kind * 131 + n * 7 + c));
  std::uniform_real_distribution<float> u(-2, 2);
  const TransformShape s{n, h, w, c, ho, wo, shared};
  std::vector<float> images(n * h * w * c), dy(n * ho * wo * c);
  for (float& v : images) v = u(rng);
  for (float& v : dy) v = u(rng);
  const std::vector<float> transforms = transforms_for(rng, transform_batch(s), h, w, kind);
  for (Interpolation interp : kInterpolations) {
    for (FillMode mode : all_values<FillMode>()) {
      const TransformOptions o{interp, mode, 0.375f};
      ++cases;
      const std::string name = std::string(name_of(interp)) + "/" + name_of(mode) + " n" + std::to_string(n) +
                               " c" + std::to_string(c) + (shared ? " shared" : "") + " kind" +
                               std::to_string(kind);
      const float nan = std::nanf("");
      std::vector<float> ref_out(dy.size(), nan), ref_gi(images.size(), nan), ref_gt(transforms.size(), nan);
      call_image_transform_forward<ReferenceKernels>(s, o, images.data(), transforms.data(), ref_out.data());
      call_image_transform_backward<ReferenceKernels>(s, o, dy.data(), images.data(), transforms.data(),
                                                      ref_gi.data(), ref_gt.data());
      for (float v : ref_out)
        if (std::isnan(v)) {
          fail(name + ": the reference left a NaN (finite inputs and fill give finite outputs)");
          break;
        }
      for (Isa isa : all_values<Isa>()) {
        if (!set_isa(isa)) continue;
        for (int threads : {1, 2}) {
          set_num_threads(threads);
          std::vector<float> out(dy.size(), nan), gi(images.size(), nan), gt(transforms.size(), nan);
          call_image_transform_forward<FastKernels>(s, o, images.data(), transforms.data(), out.data());
          call_image_transform_backward<FastKernels>(s, o, dy.data(), images.data(), transforms.data(),
                                                     gi.data(), gt.data());
          const std::string at = name + " isa=" + name_of(isa) + " " + std::to_string(threads) + "t";
          expect_same(at + " output", out, ref_out);
          expect_same(at + " grad_images", gi, ref_gi);
          std::vector<double> tol(gt.size());
          for (size_t i = 0; i < tol.size(); ++i) tol[i] = 1e-6 * (1 + std::fabs(double(ref_gt[i])));
          expect_near(at + " grad_transforms", gt, ref_gt, tol);
        }
      }
      set_isa(best_isa());
      set_num_threads(0);
    }
  }
}

// One output pixel of a 1 x 1 output from a 1-row image [0, 10, 20, 30].
float pixel(Interpolation interp, FillMode mode, float source_x) {
  const TransformShape s{1, 1, 4, 1, 1, 1, false};
  const float image[4] = {0, 10, 20, 30};
  const float t[8] = {1, 0, source_x, 0, 1, 0, 0, 0};
  float out = std::nanf("");
  image_transform_forward_ref(s, {interp, mode, -5}, image, t, &out);
  return out;
}

void expect_value(const std::string& what, float got, float want) {
  ++cases;
  if (!(std::fabs(got - want) <= 1e-5f)) fail(what + ": " + show(got) + ", expected " + show(want));
}

// TensorFlow's rules by hand (image_ops.h), on a 1 x 4 image.
void check_known_values() {
  const auto B = Interpolation::Bilinear, N = Interpolation::Nearest;
  expect_value("constant blends the edge with the fill", pixel(B, FillMode::Constant, -0.25f), 0.75f * 0 + 0.25f * -5);
  expect_value("constant outside", pixel(B, FillMode::Constant, 7.5f), -5);
  expect_value("nearest fill clamps", pixel(B, FillMode::Nearest, 9), 30);
  expect_value("reflect repeats the edge pixel", pixel(N, FillMode::Reflect, -1), 0);
  expect_value("reflect beyond the right edge", pixel(N, FillMode::Reflect, 5), 20);
  expect_value("wrap, one period on", pixel(N, FillMode::Wrap, 5), 10);
  expect_value("wrap between the last pixel and the next period is clamped", pixel(B, FillMode::Wrap, 3.5f), 0);
  expect_value("round half away from zero", pixel(N, FillMode::Constant, 1.5f), 20);
  expect_value("round half away from zero, below 0", pixel(N, FillMode::Constant, -0.5f), -5);
  expect_value("NaN source samples the fill", pixel(B, FillMode::Nearest, std::nanf("")), -5);
  expect_value("an infinite source under 'nearest' is the edge pixel",
               pixel(N, FillMode::Nearest, std::numeric_limits<float>::infinity()), 30);
}

}  // namespace

int main() {
  check_known_values();
  for (int kind = 0; kind < kKinds; ++kind) {
    check_against_reference(3, 5, 6, 1, 4, 7, false, kind);
    check_against_reference(2, 6, 4, 3, 7, 5, true, kind);
    check_against_reference(1, 4, 5, 5, 3, 3, false, kind);
    // Rows of several vectors and a tail, for each specialised channel count
    // and the general one.
    for (int64_t c : {1, 2, 3, 4})
      check_against_reference(2, 11, 29, c, 5, 2 * 16 + 7, kind % 2 == 1, kind);
  }
  // An empty batch still defines grad_transforms (zeros).
  const TransformShape empty{0, 3, 3, 1, 2, 2, true};
  float gt[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  call_image_transform_backward<FastKernels>(empty, {Interpolation::Bilinear, FillMode::Constant, 0}, nullptr,
                                             nullptr, std::vector<float>(8).data(), nullptr, gt);
  for (float v : gt)
    if (v != 0) fail("an empty batch's grad_transforms must be zeros");
  return finish("image_transform", cases);
}
