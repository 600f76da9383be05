// RotateWithOffset (tfjs's tf.image.rotateWithOffset): the threaded kernel
// against the scalar reference, bit for bit (forward and grad_images), at 1
// and 2 threads, batch 1 and 3, C = 1, 3, 4 and 5, square and non-square
// images, on rotations that reach every branch: random angles and centres
// (inside and far outside), NaN and infinite cos, sin or centre, huge
// finite centres; outputs pre-filled with NaN. Hand-computed values pin the
// rounding (JavaScript's Math.round: ties toward +infinity) and a quarter
// turn. Run under ASan/UBSan too (scripts/sanitize.sh): no read outside the
// image, no undefined float-to-int conversion, on any rotation.
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../rotate_with_offset.h"
#include "../rotate_with_offset_coords.h"
#include "check.h"

using namespace stn;
using namespace stn_test;

namespace {

int cases = 0;

Rotation rotation_for(std::mt19937& rng, const RotateShape& s, int kind) {
  std::uniform_real_distribution<double> u(0, 1);
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  const double a = 7 * (u(rng) - 0.5);
  const double w = static_cast<double>(s.w), h = static_cast<double>(s.h);
  switch (kind % 8) {
    case 0: return {std::cos(a), std::sin(a), w * u(rng), h * u(rng)};
    case 1: return {std::cos(a), std::sin(a), w * 0.5, h * 0.5};
    case 2: return {std::cos(a), std::sin(a), w * (4 * u(rng) - 2), h * (4 * u(rng) - 2)};  // far off
    case 3: return {nan, nan, w * 0.5, h * 0.5};  // Math.cos(NaN), Math.sin(Infinity)
    case 4: return {1, 0, inf, h * 0.5};
    case 5: return {std::cos(a), std::sin(a), -inf, nan};
    case 6: return {std::cos(a), std::sin(a), 1e300, -1e300};
    default: return {0, 1, w * 0.5, h * 0.5};  // a quarter turn: many ties
  }
}

void check_against_reference(int64_t n, int64_t h, int64_t w, int64_t c, int kind) {
  std::mt19937 rng(static_cast<unsigned>(kind * 131 + n * 7 + c * 3 + h));
  std::uniform_real_distribution<float> u(-2, 2);
  const RotateShape s{n, h, w, c};
  const Rotation r = rotation_for(rng, s, kind);
  std::vector<float> images(n * h * w * c), dy(images.size()), fill(c);
  for (float& v : images) v = u(rng);
  for (float& v : dy) v = u(rng);
  for (float& v : fill) v = u(rng);
  const std::string name = "n" + std::to_string(n) + " " + std::to_string(h) + "x" + std::to_string(w) + " c" +
                           std::to_string(c) + " kind" + std::to_string(kind);
  const float nan = std::nanf("");
  std::vector<float> ref_out(images.size(), nan), ref_gi(images.size(), nan);
  call_rotate_with_offset_forward<ReferenceKernels>(s, r, fill.data(), images.data(), ref_out.data());
  call_rotate_with_offset_backward<ReferenceKernels>(s, r, dy.data(), ref_gi.data());
  ++cases;
  for (size_t i = 0; i < ref_out.size(); ++i)
    if (std::isnan(ref_out[i]) || std::isnan(ref_gi[i])) {
      fail(name + ": the reference left a NaN at " + std::to_string(i));
      break;
    }
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    std::vector<float> out(images.size(), nan), gi(images.size(), nan);
    call_rotate_with_offset_forward<FastKernels>(s, r, fill.data(), images.data(), out.data());
    call_rotate_with_offset_backward<FastKernels>(s, r, dy.data(), gi.data());
    const std::string at = name + " " + std::to_string(threads) + "t";
    expect_same(at + " output", out, ref_out);
    expect_same(at + " grad_images", gi, ref_gi);
  }
  set_num_threads(0);
}

void expect_index(const std::string& what, double v, int64_t len, int64_t want) {
  ++cases;
  int64_t got = -7;
  const bool inside = rotate_coord::round_index(v, len, &got);
  if (want < 0 ? inside : !inside || got != want)
    fail(what + ": round_index gave " + (inside ? std::to_string(got) : "outside") + ", expected " +
         (want < 0 ? "outside" : std::to_string(want)));
}

// Math.round by hand, at the ties and next to them, and the image's edges.
void check_rounding() {
  const double below_half = std::nextafter(0.5, 0.0), inf = std::numeric_limits<double>::infinity();
  expect_index("-0.5 rounds to 0 (Math.round: -0), inside", -0.5, 4, 0);
  expect_index("just below -0.5 is outside", std::nextafter(-0.5, -1.0), 4, -1);
  expect_index("2.5 rounds up", 2.5, 4, 3);
  expect_index("1.5 rounds up", 1.5, 4, 2);
  expect_index("the largest double below 0.5 rounds to 0", below_half, 4, 0);
  expect_index("just below len - 0.5 is the last pixel", std::nextafter(3.5, 0.0), 4, 3);
  expect_index("len - 0.5 rounds to len: outside", 3.5, 4, -1);
  expect_index("NaN is outside", std::nan(""), 4, -1);
  expect_index("+Infinity is outside", inf, 4, -1);
  expect_index("-Infinity is outside", -inf, 4, -1);
  expect_index("a huge value is outside", 1e300, 4, -1);
  expect_index("an empty axis has no pixel", 0.0, 0, -1);
}

// A quarter turn (cos 0, sin 1) of a 3 x 3 image about (1.5, 1.5): output
// (x, y) reads (3 - y, x), the fill where 3 - y = 3.
void check_quarter_turn() {
  const RotateShape s{1, 3, 3, 1};
  const float image[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  const float fill = -1;
  float out[9];
  rotate_with_offset_forward_ref(s, {0, 1, 1.5, 1.5}, &fill, image, out);
  const std::vector<float> want = {-1, -1, -1, 2, 5, 8, 1, 4, 7};
  ++cases;
  expect_same("quarter turn", std::vector<float>(out, out + 9), want);
}

}  // namespace

int main() {
  check_rounding();
  check_quarter_turn();
  for (int kind = 0; kind < 8; ++kind)
    for (int64_t n : {1, 3})
      for (int64_t c : {1, 3, 4, 5}) {
        check_against_reference(n, 9, 9, c, kind);
        check_against_reference(n, 7, 13, c, kind);
        check_against_reference(n, 1, 5, c, kind);
      }
  check_against_reference(2, 64, 48, 3, 0);  // enough work for both threads
  check_against_reference(0, 4, 4, 3, 0);    // empty batch
  check_against_reference(2, 0, 4, 3, 0);    // empty image
  return finish("test_rotate_with_offset", cases);
}
