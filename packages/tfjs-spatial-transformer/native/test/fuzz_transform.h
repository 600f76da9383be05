// The fuzz case of tf.image.transform (image_transform.h): projective
// transforms that hit pixels exactly, halfway (nearest's ties), just
// outside, k = 0, every fill mode's periods, non-finite and huge entries;
// every interpolation x fill mode, a transform per image or one shared.
#pragma once

#include "../image_transform.h"
#include "../image_transform_coords.h"
#include "fuzz_case.h"

namespace stn_fuzz {

using stn::Interpolation;
using stn::TransformOptions;
using stn::TransformShape;

inline std::string describe(const TransformShape& s, const TransformOptions& o) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "[n=%lld h=%lld w=%lld c=%lld ho=%lld wo=%lld %s %s fill=%g%s]",
                (long long)s.n, (long long)s.h, (long long)s.w, (long long)s.c, (long long)s.ho,
                (long long)s.wo, stn::name_of(o.interpolation), stn::name_of(o.fill_mode),
                double(o.fill_value), s.shared ? " shared" : "");
  return buf;
}

// Parameter k of [a0 a1 a2 b0 b1 b2 c0 c1], for an image of `size` pixels
// along k's axis and an output of `out` pixels: a hostile value, or the
// identity's entry, a mirror, a zoom, a shear; shifts landing on pixels,
// between them or next to them, inside and outside; projective terms that
// are 0, small, or make k exactly 0 at a pixel (-1/2^j).
inline float transform_value(Bytes& b, std::mt19937_64& rng, int k, int64_t size, int64_t out) {
  const Draw d = draw(b, rng);
  float v;
  if (hostile_value(d, &v)) return v;
  const float r = float(d.payload) / 4294967295.0f;  // in [0, 1]
  switch (k) {
    case 0:
    case 4:
      return d.sel < 128 ? 1.0f : d.sel < 150 ? -1.0f : d.sel < 180 ? (d.sel & 1 ? 2.0f : 0.5f)
                                                                   : 0.5f + r;
    case 1:
    case 3: return d.sel < 160 ? 0.0f : r - 0.5f;
    case 2:
    case 5: {
      Bytes none(nullptr, 0);  // a second draw, from the payload
      std::mt19937_64 sub(d.payload);
      return axis_value(none, sub, size + out, [out](double u) { return float(u - double(out)); });
    }
    default:
      if (d.sel < 160) return 0.0f;
      if (d.sel < 200) return (r - 0.5f) * 0.2f / float(out + 1);
      if (d.sel < 230) return -std::ldexp(1.0f, -int(d.payload % 4));
      return 2 * r - 1;
  }
}

// grad_transforms' bound: both paths add the same double terms (one pixel's
// 8 products of dL/dx', dL/dy' with x, y, 1, through 1/k and the source
// point), the reference in one running sum, the kernel per output row and
// then the rows: within 2 m 2^-53 sum |terms| for m pixels, plus the final
// roundings. sum |terms| is bounded from |dy|, |weights| and |pixels|.
inline std::vector<double> grad_transforms_bound(const TransformShape& s, const TransformOptions& o,
                                                 const Case& c, const Buffer& want) {
  const int64_t tn = stn::transform_batch(s);
  std::vector<double> mag(size_t(tn * stn::kTransformParams), 0.0), points(size_t(tn), 0.0);
  const float f = o.fill_value;
  for (int64_t n = 0; n < s.n; ++n) {
    const int64_t t = s.shared ? 0 : n;
    const float* tr = c.transform.data() + t * stn::kTransformParams;
    const float* img = c.input.data() + n * s.h * s.w * s.c;
    for (int64_t y = 0; y < s.ho; ++y)
      for (int64_t x = 0; x < s.wo; ++x) {
        stn::transform_coord::TransformPoint p;
        if (!stn::transform_coord::transform_point(tr, x, y, s, o, &p)) continue;
        const float* g = c.grad_output.data() + ((n * s.ho + y) * s.wo + x) * s.c;
        auto v = [&](int64_t yy, int64_t xx, int64_t ch) {
          return std::fabs(double(stn::transform_coord::read(img, s, yy, xx, ch, f)));
        };
        double gx = 0, gy = 0;
        for (int64_t ch = 0; ch < s.c; ++ch) {
          const double v00 = v(p.y0, p.x0, ch), v01 = v(p.y0, p.x0 + 1, ch),
                       v10 = v(p.y0 + 1, p.x0, ch), v11 = v(p.y0 + 1, p.x0 + 1, ch);
          gx += std::fabs(g[ch]) * (std::fabs(p.wy0) * (v01 + v00) + std::fabs(p.wy1) * (v11 + v10));
          gy += std::fabs(g[ch]) * (std::fabs(p.wx0) * (v10 + v00) + std::fabs(p.wx1) * (v11 + v01));
        }
        const double inv_k = 1.0 / std::fabs(double(p.k));
        const double dx = gx * std::fabs(p.slope_x) * inv_k, dy = gy * std::fabs(p.slope_y) * inv_k;
        const double dk = dx * std::fabs(p.sx) + dy * std::fabs(p.sy);
        const double terms[8] = {dx * x, dx * y, dx, dy * x, dy * y, dy, dk * x, dk * y};
        for (int k = 0; k < 8; ++k) mag[size_t(t * 8 + k)] += terms[k];
        points[size_t(t)] += 1;
      }
  }
  for (size_t i = 0; i < mag.size(); ++i)
    mag[i] = 2.02 * points[i / 8] * std::ldexp(1.0, -53) * mag[i] + two_ulps(want[int64_t(i)]);
  return mag;
}

inline Case image_transform_case(Bytes& b, int64_t max_elements) {
  TransformShape s;
  const uint8_t kind = b.u8();
  s.n = pick(b.u8(), 1, 3);
  s.h = pick(b.u8(), 1, 12);
  s.w = pick(b.u8(), 1, 12);
  s.ho = pick(b.u8(), 1, 12);
  s.wo = pick(b.u8(), 1, 12);
  const uint8_t c_byte = b.u8();
  s.c = c_byte < 160 ? pick(c_byte, 1, 4) : pick(c_byte, 1, 300);
  switch (kind % 10) {
    case 0: s.h = s.w = 1; break;
    case 1: s.ho = s.wo = 1; break;
    case 2:
      s.ho = pick(b.u8(), 24, 64);
      s.wo = pick(b.u8(), 24, 64);
      break;
    case 3: s.n = pick(b.u8(), 4, 9); break;
    case 4:
      switch (b.u8() % 6) {
        case 0: s.n = 0; break;
        case 1: s.c = 0; break;
        case 2: s.ho = 0; break;
        case 3: s.wo = 0; break;
        case 4: s.h = 0; break;
        default: s.w = 0; break;
      }
      break;
    default: break;
  }
  while (s.n * s.ho * s.wo * std::max<int64_t>(s.c, 1) > max_elements && s.c > 1)
    s.c = std::max<int64_t>(1, s.c / 2);
  while (s.n * s.ho * s.wo > max_elements && s.ho > 1) s.ho /= 2;
  const uint8_t opt = b.u8();
  TransformOptions o;
  o.interpolation = opt & 1 ? Interpolation::Nearest : Interpolation::Bilinear;
  o.fill_mode = static_cast<stn::FillMode>((opt >> 1) % stn::value_count<stn::FillMode>());
  s.shared = (opt >> 4) & 1;  // one transform for the whole batch
  o.fill_value = fill_value(b.u8());
  const uint8_t value_kind = b.u8();
  std::mt19937_64 rng(b.u32());
  const int64_t tn = stn::transform_batch(s);
  Case c("transform", "grad_images", "grad_transforms", s.n * s.h * s.w * s.c,
         tn * stn::kTransformParams, s.n * s.ho * s.wo * s.c);
  c.name = "transform " + describe(s, o);
  fill_values(&c.input, &c.grad_output, value_kind, rng);
  for (int64_t i = 0; i < c.transform.size(); ++i) {
    const int k = int(i % stn::kTransformParams);
    const bool y_axis = k == 3 || k == 4 || k == 5 || k == 7;
    c.transform[i] = transform_value(b, rng, k, y_axis ? s.h : s.w, y_axis ? s.ho : s.wo);
  }
  c.forward = either([s, o](auto k, const Case& c, float* out) {
    stn::call_image_transform_forward<decltype(k)>(s, o, c.input.data(), c.transform.data(), out);
  });
  c.backward = either([s, o](auto k, const Case& c, float* gi, float* gt) {
    stn::call_image_transform_backward<decltype(k)>(s, o, c.grad_output.data(), c.input.data(),
                                                    c.transform.data(), gi, gt);
  });
  // grad_images bit for bit (the reference's scatter order); nearest gives
  // the transforms zeros, bit for bit.
  c.bounds = [s, o](const Case& c, const Results& ref) {
    Bounds b;
    if (o.interpolation == Interpolation::Bilinear)
      b.grad_transform = grad_transforms_bound(s, o, c, ref.grad_transform);
    return b;
  };
  return c;
}

}  // namespace stn_fuzz
