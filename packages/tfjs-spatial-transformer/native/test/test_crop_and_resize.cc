// CropAndResize: the threaded kernels against the scalar reference, bit for
// bit (output, grad_image, grad_boxes), bilinear and nearest, C = 1, 2, 3, 4
// and 5 (every specialisation), crop sizes with a side of 1, more boxes than
// images and fewer, repeated indices, at 1 and 2 threads, on boxes that
// reach every branch: inside, partly and wholly outside, flipped, NaN, +-Inf
// and huge finite edges; outputs pre-filled with NaN. Hand-computed values
// pin TensorFlow's rules (the lerp order, round half away from zero, the
// crop-size-1 centre, the boxes gradient's image-size scaling). Run under
// ASan/UBSan too (scripts/sanitize.sh): no read outside the image, no
// undefined float-to-int conversion, on any box.
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../crop_and_resize.h"
#include "check.h"

using namespace stn;
using namespace stn_test;

namespace {

int cases = 0;

const Interpolation kMethods[] = {Interpolation::Bilinear, Interpolation::Nearest};

std::vector<float> boxes_for(std::mt19937& rng, int64_t count, int kind) {
  std::uniform_real_distribution<float> u(0, 1);
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  std::vector<float> boxes;
  for (int64_t i = 0; i < count; ++i) {
    float box[4];
    auto set = [&box](float y1, float x1, float y2, float x2) {
      box[0] = y1, box[1] = x1, box[2] = y2, box[3] = x2;
    };
    switch ((kind + i) % 7) {
      case 0: set(0.1f * u(rng), 0.2f * u(rng), 0.6f + 0.4f * u(rng), 0.7f + 0.3f * u(rng)); break;
      case 1: set(-0.5f + u(rng), -0.5f + u(rng), 0.5f + u(rng), 0.5f + u(rng)); break;  // partly outside
      case 2: set(0.9f * u(rng) + 0.1f, u(rng), 0.1f * u(rng), u(rng)); break;           // flipped y
      case 3: set(1.5f, 2, 3, 4); break;                                                 // wholly outside
      case 4: set(nan, 0.2f, 0.8f, nan); break;
      case 5: set(-inf, 0.1f, inf, 0.9f); break;
      default: set(-3e38f, 3e38f, 1e30f, -1e20f); break;
    }
    boxes.insert(boxes.end(), box, box + 4);
  }
  return boxes;
}

void check_against_reference(int64_t n, int64_t h, int64_t w, int64_t c, int64_t count, int64_t crop_h,
                             int64_t crop_w, int kind) {
  std::mt19937 rng(static_cast<unsigned>(kind * 131 + n * 7 + c * 3 + crop_h));
  std::uniform_real_distribution<float> u(-2, 2);
  const CropShape s{n, h, w, c, count, crop_h, crop_w};
  std::vector<float> image(n * h * w * c), dy(count * crop_h * crop_w * c);
  for (float& v : image) v = u(rng);
  for (float& v : dy) v = u(rng);
  const std::vector<float> boxes = boxes_for(rng, count, kind);
  std::vector<int32_t> box_ind(count);
  for (int64_t b = 0; b < count; ++b) box_ind[b] = static_cast<int32_t>((b * 5 + kind) % n);  // repeats when count > n
  for (Interpolation method : kMethods) {
    const CropOptions o{method, 0.375f};
    ++cases;
    const std::string name = std::string(name_of(method)) + " n" + std::to_string(n) + " c" + std::to_string(c) +
                             " boxes" + std::to_string(count) + " crop" + std::to_string(crop_h) + "x" +
                             std::to_string(crop_w) + " kind" + std::to_string(kind);
    std::vector<float> ref_out = nan_filled(dy.size()), ref_gi = nan_filled(image.size()),
                       ref_gb = nan_filled(boxes.size());
    call_crop_and_resize_forward<ReferenceKernels>(s, o, image.data(), boxes.data(), box_ind.data(), ref_out.data());
    call_crop_and_resize_backward<ReferenceKernels>(s, o, dy.data(), image.data(), boxes.data(), box_ind.data(),
                                                    ref_gi.data(), ref_gb.data());
    expect_finite(name + " reference output", ref_out);
    expect_finite(name + " reference grad_image", ref_gi);
    expect_finite(name + " reference grad_boxes", ref_gb);
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      std::vector<float> out = nan_filled(dy.size()), gi = nan_filled(image.size()), gb = nan_filled(boxes.size());
      call_crop_and_resize_forward<FastKernels>(s, o, image.data(), boxes.data(), box_ind.data(), out.data());
      call_crop_and_resize_backward<FastKernels>(s, o, dy.data(), image.data(), boxes.data(), box_ind.data(),
                                                 gi.data(), gb.data());
      const std::string at = name + " " + std::to_string(threads) + "t";
      expect_same(at + " output", out, ref_out);
      expect_same(at + " grad_image", gi, ref_gi);
      expect_same(at + " grad_boxes", gb, ref_gb);
      // Each gradient alone equals its part of the pass computing both.
      std::vector<float> gi_only = nan_filled(image.size()), gb_only = nan_filled(boxes.size());
      call_crop_and_resize_backward<FastKernels>(s, o, dy.data(), image.data(), boxes.data(), box_ind.data(),
                                                 gi_only.data(), nullptr);
      call_crop_and_resize_backward<FastKernels>(s, o, dy.data(), image.data(), boxes.data(), box_ind.data(),
                                                 nullptr, gb_only.data());
      expect_same(at + " grad_image alone", gi_only, ref_gi);
      expect_same(at + " grad_boxes alone", gb_only, ref_gb);
    }
    set_num_threads(0);
  }
}

void expect_value(const std::string& what, float got, float want) {
  ++cases;
  if (!(std::fabs(got - want) <= 1e-5f * (1 + std::fabs(want))))
    fail(what + ": " + show(got) + ", expected " + show(want));
}

// TensorFlow's rules by hand on a 1 x 3 x 4 x 1 image whose pixel (y, x) is 10 y + x.
void check_known_values() {
  const CropShape s1{1, 3, 4, 1, 1, 1, 1};  // a 1 x 1 crop: the box centre
  std::vector<float> image(12);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 4; ++x) image[y * 4 + x] = 10.0f * y + x;
  const int32_t index = 0;
  auto one = [&](Interpolation m, std::vector<float> box) {
    float out = std::nanf("");
    crop_and_resize_forward_ref(s1, {m, -7}, image.data(), box.data(), &index, &out);
    return out;
  };
  // Centre (0.5 * (0.25 + 0.5) * 2, 0.5 * (0 + 0.5) * 3) = (0.75, 0.75).
  expect_value("a 1 x 1 crop samples the box centre", one(Interpolation::Bilinear, {0.25f, 0, 0.5f, 0.5f}), 8.25f);
  expect_value("nearest rounds half away from zero", one(Interpolation::Nearest, {0.5f, 0.5f, 0.5f, 0.5f}), 12);
  expect_value("outside is the extrapolation value", one(Interpolation::Bilinear, {1.2f, 0, 1.2f, 1}), -7);
  expect_value("NaN is outside", one(Interpolation::Bilinear, {std::nanf(""), 0, 0.5f, 1}), -7);
  // A 2 x 2 crop of box [0, 0, 1, 1] is the image's corners; its boxes
  // gradient for dy = 1 at the (1, 1) corner only: d/dy2 = (H-1) * (pixel
  // (2,3) - pixel (1,3)) = 2 * 10, d/dx2 = (W-1) * (pixel (2,3) - (2,2)) = 3.
  const CropShape s2{1, 3, 4, 1, 1, 2, 2};
  const float box[4] = {0, 0, 1, 1};
  float out[4], dy[4] = {0, 0, 0, 1}, gb[4], gi[12];
  crop_and_resize_forward_ref(s2, {Interpolation::Bilinear, 0}, image.data(), box, &index, out);
  expect_value("corner (1, 1)", out[3], 23);
  crop_and_resize_backward_ref(s2, {Interpolation::Bilinear, 0}, dy, image.data(), box, &index, gi, gb);
  expect_value("d/dy1 at the far corner is 0", gb[0], 0);
  expect_value("d/dx1 at the far corner is 0", gb[1], 0);
  // in_y = 2 exactly: floor = ceil = 2, so the one-sided difference is 0.
  expect_value("d/dy2 at an integer source is TF's 0", gb[2], 0);
  expect_value("grad_image scatters to the corner", gi[11], 1);
  // An interior point: box [0, 0, 0.75, 0.5], 2 x 2 crop, dy at (1, 1):
  // in = (1.5, 1.5), d out / d in_y = 10, d in_y / d y2 = (H-1) * 1 = 2.
  const float box2[4] = {0, 0, 0.75f, 0.5f};
  crop_and_resize_backward_ref(s2, {Interpolation::Bilinear, 0}, dy, image.data(), box2, &index, gi, gb);
  expect_value("d/dy2 scales by H - 1", gb[2], 20);
  expect_value("d/dx2 scales by W - 1", gb[3], 3);
  expect_value("d/dy1 is 0 at the last row", gb[0], 0);
}

// The header's rule for a box index outside [0, N) (callers reject it
// first): extrapolation_value, no gradient; a valid box beside it is
// unaffected. Reference and threaded alike.
template <class K>
void check_index_outside(const char* kernels) {
  const CropShape s{2, 3, 4, 1, 5, 2, 2};
  std::vector<float> image(24), boxes, dy(20, 1.0f);
  for (int i = 0; i < 24; ++i) image[i] = float(i);
  for (int b = 0; b < 5; ++b) boxes.insert(boxes.end(), {0, 0, 1, 1});
  const int32_t box_ind[5] = {-1, 2, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), 1};
  const CropOptions o{Interpolation::Bilinear, -7};
  std::vector<float> out = nan_filled(20), gi = nan_filled(24), gb = nan_filled(20);
  call_crop_and_resize_forward<K>(s, o, image.data(), boxes.data(), box_ind, out.data());
  call_crop_and_resize_backward<K>(s, o, dy.data(), image.data(), boxes.data(), box_ind, gi.data(), gb.data());
  const std::string at = std::string(kernels) + " box index outside [0, N): ";
  for (int i = 0; i < 16; ++i) expect_value(at + "extrapolation_value", out[i], -7);
  expect_value(at + "the valid box's corner", out[19], 23);  // image 1's pixel (2, 3)
  for (int i = 0; i < 12; ++i) expect_value(at + "no grad_image in image 0", gi[i], 0);
  expect_value(at + "the valid box's grad_image", gi[23], 1);
  for (int i = 0; i < 16; ++i) expect_value(at + "no grad_boxes", gb[i], 0);
}

}  // namespace

int main() {
  check_known_values();
  check_index_outside<ReferenceKernels>("reference");
  check_index_outside<FastKernels>("threaded");
  for (int kind = 0; kind < 7; ++kind) {
    check_against_reference(3, 5, 6, 1, 7, 4, 7, kind);   // more boxes than images
    check_against_reference(4, 6, 4, 3, 2, 7, 5, kind);   // fewer
    check_against_reference(2, 4, 5, 5, 3, 1, 3, kind);   // crop height 1
    check_against_reference(2, 5, 5, 4, 3, 3, 1, kind);   // crop width 1
    check_against_reference(1, 1, 1, 2, 2, 3, 3, kind);   // a 1 x 1 image
    // Large enough for threads (threads_for): more boxes than images, and
    // many boxes of one image (grad_image in bands of rows).
    check_against_reference(3, 20, 24, 3, 7, 30, 30, kind);
    check_against_reference(1, 16, 16, 3, 9, 25, 25, kind);
    check_against_reference(2, 17, 13, 1, 4, 70, 65, kind);
  }
  // Empty outputs still define both gradients (zeros).
  const CropShape empty{2, 3, 3, 1, 0, 2, 2};
  std::vector<float> gi(18, 1.0f), image(18, 1.0f);
  call_crop_and_resize_backward<FastKernels>(empty, {Interpolation::Bilinear, 0}, nullptr, image.data(), nullptr,
                                             nullptr, gi.data(), nullptr);
  for (float v : gi)
    if (v != 0) fail("no boxes: grad_image must be zeros");
  return finish("crop_and_resize", cases);
}
