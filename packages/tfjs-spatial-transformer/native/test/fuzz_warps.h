// The fuzz cases of tfjs's RotateWithOffset (rotate_with_offset.h) and
// TensorFlow's CropAndResize (crop_and_resize.h). Both kernels document
// every output bit for bit with their references (no bounds): the forward,
// grad_images; the forward, grad_image and grad_boxes.
//
// Rotations: cos and sin of quarter and half turns exactly, of k pi / 2 as
// Math.cos gives them (a hair off), of any or huge angles, dyadic pairs,
// NaN, +-Inf, huge; centres anywhere, on quarter pixels, far outside, and in
// half the cases where a pixel's source is a tie (-0.5, k + 0.5) or a
// pixel, exactly for the turns; a fill value per channel, NaN and Inf too. Crops: box edges on pixels, halfway,
// next to them, partly and wholly outside, flipped, degenerate, the whole
// image, NaN, +-Inf, huge; dyadic boxes on images and crops of 2^j + 1
// pixels (exact ties for 'nearest', exact lerps); crop sides of 1; box
// indices at the edges of [0, N) and, in 1 case of 8, outside it (the
// kernel documents those: extrapolation_value and no gradient, though its
// callers reject them first); extrapolation NaN and Inf. Zero-size dims
// wherever the native entry points accept them.
#pragma once

#include "../crop_and_resize.h"
#include "../rotate_with_offset.h"
#include "fuzz_case.h"

namespace stn_fuzz {

using stn::CropOptions;
using stn::CropShape;
using stn::RotateShape;
using stn::Rotation;

// A float64 value every rotation parameter must survive: hostile_value's
// (selectors 0-19), or (20-24) +-DBL_MAX, -1e300, and 2^51 + 0.5 and
// -2^53, where x - cx and back round; false for the other selectors.
inline bool hostile_double(const Draw& d, double* v) {
  float f;
  if (hostile_value(d, &f)) {
    *v = f;
    return true;
  }
  switch (d.sel) {
    case 20: *v = std::numeric_limits<double>::max(); return true;
    case 21: *v = -std::numeric_limits<double>::max(); return true;
    case 22: *v = -1e300; return true;
    case 23: *v = 2251799813685248.5; return true;  // 2^51 + 0.5
    case 24: *v = -9007199254740992.0; return true;  // -2^53
    default: return false;
  }
}
constexpr uint8_t kHostileDoubles = 25;

// cos and sin: a quarter or half turn exactly (1 case in 4); Math.cos,
// Math.sin of k pi/2 (cos(pi/2) = 6.1e-17: sources a hair off the ties); a
// dyadic pair (no rotation, but the kernel takes any pair: every product is
// exact, so quarter-pixel centres give exact ties); each of the two
// hostile; of a huge angle, or of any.
inline void angle_values(Bytes& b, std::mt19937_64& rng, double* cos, double* sin) {
  const double pi = 3.141592653589793;  // Math.PI
  const Draw d = draw(b, rng);
  const uint32_t p = d.payload;
  double angle;
  switch (d.sel % 8) {
    case 0:
    case 1: {
      static const double turns[4][2] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
      *cos = turns[p % 4][0];
      *sin = turns[p % 4][1];
      return;
    }
    case 2: angle = double(int(p % 9) - 4) * pi / 2; break;
    case 3: {
      static const double dyadic[] = {0, 0.25, 0.5, 0.75, 1, -0.25, -0.5, -0.75, -1, -0.0};
      *cos = dyadic[p % 10];
      *sin = dyadic[p / 10 % 10];
      return;
    }
    case 4: angle = double(p) * 1e20; break;
    case 5: {
      for (double* v : {cos, sin}) {
        const Draw e = draw(b, rng);
        hostile_double({uint8_t(e.sel % kHostileDoubles), e.payload}, v);
      }
      return;
    }
    default: angle = (double(p) / 4294967295.0 * 4 - 2) * pi; break;
  }
  *cos = std::cos(angle);
  *sin = std::sin(angle);
}

// A centre coordinate (tfjs's W * center_x or H * center_y) for an axis of
// `size` pixels: hostile; a quarter pixel in [-1, size + 1]; size * u for u
// in [0, 1], as tfjs computes it; or far outside (2^20 to 2^52, where
// x - cx is inexact).
inline double centre_value(Bytes& b, std::mt19937_64& rng, int64_t size) {
  const Draw d = draw(b, rng);
  double v;
  if (hostile_double(d, &v)) return v;
  if (d.sel < 128) return double(int64_t(d.payload % uint32_t(4 * size + 9)) - 4) / 4;
  if (d.sel < 224) return double(size) * (double(d.payload) / 4294967295.0);
  return (d.payload & 1 ? 1 : -1) *
         std::ldexp(1 + double(d.payload >> 1 & 0xff) / 256, 20 + int(d.payload >> 9) % 33);
}

// Moves the centre so that a random output pixel (x0, y0) reads source
// (tx, ty), each a tie (-0.5, k + 0.5, or W - 0.5, which rounds outside)
// or a pixel: exact for quarter and half turns (the centre is then a
// quarter pixel), a near tie for other angles. The identity has no such
// centre (det = 0): left as drawn.
inline void centre_on_tie(std::mt19937_64& rng, const RotateShape& s, Rotation* r) {
  const double a = 1 - r->cos, b = r->sin, det = a * a + b * b;
  if (!(det > 0 && std::isfinite(det)) || s.h == 0 || s.w == 0) return;
  auto target = [&rng](int64_t size) {
    const uint64_t v = rng();
    const double k = double(v / 4 % uint64_t(size));
    switch (v % 4) {
      case 0: return -0.5;
      case 1: return double(size) - 0.5;
      case 2: return k + 0.5;
      default: return k;
    }
  };
  const double x0 = double(rng() % uint64_t(s.w)), y0 = double(rng() % uint64_t(s.h));
  const double tx = target(s.w), ty = target(s.h);
  // tx = (x0 - cx) cos - (y0 - cy) sin + cx, ty likewise, solved for (cx, cy).
  const double r1 = tx - x0 * r->cos + y0 * r->sin, r2 = ty - x0 * r->sin - y0 * r->cos;
  r->cx = (a * r1 - b * r2) / det;
  r->cy = (b * r1 + a * r2) / det;
}

inline std::string describe(const RotateShape& s, const Rotation& r) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "[n=%lld h=%lld w=%lld c=%lld cos=%.17g sin=%.17g cx=%.17g cy=%.17g]",
                (long long)s.n, (long long)s.h, (long long)s.w, (long long)s.c, r.cos, r.sin, r.cx,
                r.cy);
  return buf;
}

inline Case rotate_with_offset_case(Bytes& b, int64_t max_elements) {
  RotateShape s;
  const uint8_t kind = b.u8();
  s.n = pick(b.u8(), 1, 3);
  s.h = pick(b.u8(), 1, 12);
  s.w = pick(b.u8(), 1, 12);
  const uint8_t c_byte = b.u8();
  s.c = c_byte < 160 ? pick(c_byte, 1, 4) : pick(c_byte, 1, 300);
  switch (kind % 10) {
    case 0: s.h = s.w = 1; break;
    case 1: (b.u8() & 1 ? s.h : s.w) = 1; break;  // a single row or column
    case 2:
      s.h = pick(b.u8(), 24, 64);
      s.w = pick(b.u8(), 24, 64);
      break;
    case 3: s.n = pick(b.u8(), 4, 9); break;
    case 4:
      switch (b.u8() % 4) {
        case 0: s.n = 0; break;
        case 1: s.h = 0; break;
        case 2: s.w = 0; break;
        default: s.c = 0; break;
      }
      break;
    default: break;
  }
  while (s.n * s.h * s.w * s.c > max_elements && s.c > 1) s.c = std::max<int64_t>(1, s.c / 2);
  std::mt19937_64 rng(b.u32());
  Rotation r;
  angle_values(b, rng, &r.cos, &r.sin);
  r.cx = centre_value(b, rng, s.w);
  r.cy = centre_value(b, rng, s.h);
  if (b.u8() % 2) centre_on_tie(rng, s, &r);
  // One exact-size block, as the addon's fill argument.
  auto fill = std::make_shared<Buffer>(s.c);
  for (int64_t i = 0; i < s.c; ++i) (*fill)[i] = fill_value(b.u8());
  const int64_t count = s.n * s.h * s.w * s.c;
  Case c("rotateWithOffset", "grad_images", "(no other gradient)", count, 0, count);
  c.name = "rotateWithOffset " + describe(s, r);
  fill_values(&c.input, &c.grad_output, b.u8(), rng);
  c.forward = either([s, r, fill](auto k, const Case& c, float* out) {
    stn::call_rotate_with_offset_forward<decltype(k)>(s, r, fill->data(), c.input.data(), out);
  });
  // The angle and centre are attributes: grad_images is the only gradient.
  c.backward = either([s, r](auto k, const Case& c, float* gi, float*) {
    if (gi) stn::call_rotate_with_offset_backward<decltype(k)>(s, r, c.grad_output.data(), gi);
  });
  c.bounds = [](const Case&, const Results&) { return Bounds{}; };
  return c;
}

// A box edge along an axis of `size` pixels (normalised: pixel u is
// u / (size - 1)), placed as axis_value places grid points: on pixels,
// halfway, next to them, just and far outside, hostile.
inline float box_value(Bytes& b, std::mt19937_64& rng, int64_t size) {
  return axis_value(b, rng, size,
                    [size](double u) { return float(size > 1 ? u / double(size - 1) : u); });
}

// A dyadic box edge, a multiple of 1/16 in [-0.75, 1.75], or hostile: on
// sides of 2^j + 1 pixels, with crops of 2^i + 1, every source is exact.
inline float dyadic_box_value(Bytes& b, std::mt19937_64& rng) {
  const Draw d = draw(b, rng);
  float v;
  if (hostile_value(d, &v)) return v;
  return float(int(d.payload % 41) - 12) / 16;
}

inline std::string describe(const CropShape& s, const CropOptions& o) {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "[n=%lld h=%lld w=%lld c=%lld boxes=%lld crop=%lldx%lld %s extrapolation=%g]",
                (long long)s.n, (long long)s.h, (long long)s.w, (long long)s.c, (long long)s.boxes,
                (long long)s.crop_h, (long long)s.crop_w, stn::name_of(o.method),
                double(o.extrapolation_value));
  return buf;
}

inline Case crop_and_resize_case(Bytes& b, int64_t max_elements) {
  CropShape s;
  const uint8_t kind = b.u8();
  s.n = pick(b.u8(), 1, 3);
  s.h = pick(b.u8(), 1, 12);
  s.w = pick(b.u8(), 1, 12);
  const uint8_t c_byte = b.u8();
  s.c = c_byte < 160 ? pick(c_byte, 1, 5) : pick(c_byte, 1, 300);
  s.boxes = pick(b.u8(), 1, 8);
  for (int64_t* side : {&s.crop_h, &s.crop_w}) {
    const uint8_t v = b.u8();
    *side = v < 64 ? 1 : pick(v, 1, 12);
  }
  const bool dyadic = kind % 10 == 5;
  switch (kind % 10) {
    case 0: s.h = s.w = 1; break;
    case 1: s.crop_h = s.crop_w = 1; break;
    case 2:
      s.crop_h = pick(b.u8(), 24, 64);
      s.crop_w = pick(b.u8(), 24, 64);
      break;
    case 3: s.boxes = pick(b.u8(), 9, 40); break;
    case 4:
      switch (b.u8() % 7) {
        case 0: s.n = 0; break;  // every box index outside [0, N)
        case 1: s.h = 0; break;
        case 2: s.w = 0; break;
        case 3: s.c = 0; break;
        case 4: s.boxes = 0; break;
        case 5: s.crop_h = 0; break;
        default: s.crop_w = 0; break;
      }
      break;
    case 5:
      for (int64_t* side : {&s.h, &s.w, &s.crop_h, &s.crop_w}) *side = (int64_t{1} << (b.u8() % 5)) + 1;
      break;
    default: break;
  }
  auto outputs = [&] { return s.boxes * s.crop_h * s.crop_w * s.c; };
  while (outputs() > max_elements && s.c > 1) s.c = std::max<int64_t>(1, s.c / 2);
  while (outputs() > max_elements && s.crop_h > 1) s.crop_h /= 2;
  CropOptions o;
  const uint8_t opt = b.u8();
  o.method = opt & 1 ? stn::Interpolation::Nearest : stn::Interpolation::Bilinear;
  o.extrapolation_value = fill_value(b.u8());
  const uint8_t index_kind = b.u8(), value_kind = b.u8();
  std::mt19937_64 rng(b.u32());

  Case c("cropAndResize", "grad_image", "grad_boxes", s.n * s.h * s.w * s.c,
         s.boxes * stn::kBoxParams, outputs());
  c.name = "cropAndResize " + describe(s, o);
  fill_values(&c.input, &c.grad_output, value_kind, rng);
  for (int64_t i = 0; i < s.boxes; ++i) {
    float* box = c.transform.data() + i * stn::kBoxParams;  // [y1, x1, y2, x2]
    for (int k = 0; k < 4; ++k)
      box[k] = dyadic ? dyadic_box_value(b, rng) : box_value(b, rng, k % 2 ? s.w : s.h);
    const uint32_t mode = uint32_t(rng());
    switch (mode % 8) {
      case 0:  // degenerate: a row, a column or a point
        if (mode & 8) box[2] = box[0];
        if (mode & 16) box[3] = box[1];
        break;
      case 1: {  // the whole image, or flipped
        const float a = mode & 8 ? 1.0f : 0.0f;
        box[0] = box[1] = a;
        box[2] = box[3] = 1 - a;
        break;
      }
      case 2:  // inside, in order
        for (int k = 0; k < 4; ++k) box[k] = float(rng() % 1000) / 999.0f;
        if (box[0] > box[2]) std::swap(box[0], box[2]);
        if (box[1] > box[3]) std::swap(box[1], box[3]);
        break;
      default: break;  // as drawn: flipped half the time, often partly outside
    }
  }
  // One exact-size block, as the addon's boxInd argument.
  std::shared_ptr<int32_t[]> box_ind(new int32_t[size_t(s.boxes)]);
  const bool outside = s.n == 0 || index_kind % 8 == 0;
  for (int64_t i = 0; i < s.boxes; ++i) {
    const uint64_t r = rng();
    const int32_t bad[4] = {-1, int32_t(s.n), std::numeric_limits<int32_t>::min(),
                            std::numeric_limits<int32_t>::max()};
    if (s.n == 0 || (outside && r % 4 == 0)) box_ind[size_t(i)] = bad[r / 4 % 4];
    else box_ind[size_t(i)] = int32_t(r % 3 == 0 ? 0 : r % 3 == 1 ? s.n - 1 : int64_t(r / 3 % uint64_t(s.n)));
  }
  c.forward = either([s, o, box_ind](auto k, const Case& c, float* out) {
    stn::call_crop_and_resize_forward<decltype(k)>(s, o, c.input.data(), c.transform.data(),
                                                   box_ind.get(), out);
  });
  c.backward = either([s, o, box_ind](auto k, const Case& c, float* gi, float* gb) {
    stn::call_crop_and_resize_backward<decltype(k)>(s, o, c.grad_output.data(), c.input.data(),
                                                    c.transform.data(), box_ind.get(), gi, gb);
  });
  c.bounds = [](const Case&, const Results&) { return Bounds{}; };
  return c;
}

}  // namespace stn_fuzz
