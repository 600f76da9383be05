// The fuzz cases of the 2-D samplers: gridSample (every mode, bicubic too),
// the fused affineSample and flowWarp, with their contracts
// (sampler_bounds.h).
#pragma once

#include "../affine_coords.h"
#include "../flow_coords.h"
#include "../flow_warp.h"
#include "../grid_sampler_rows.h"
#include "fuzz_case.h"
#include "sampler_bounds.h"

namespace stn_fuzz {

using stn::Interpolation;
using stn::Padding;
using stn::SamplerOptions;
using stn::SamplerShape;

inline int64_t input_count(const SamplerShape& s) { return s.n * s.h * s.w * s.c; }
inline int64_t grid_count(const SamplerShape& s) { return stn::grid_batch(s) * s.ho * s.wo * 2; }
inline int64_t output_count(const SamplerShape& s) { return s.n * s.ho * s.wo * s.c; }

inline std::string describe(const SamplerShape& s, const SamplerOptions& o) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "[n=%lld h=%lld w=%lld c=%lld ho=%lld wo=%lld %s %s %s%s]",
                (long long)s.n, (long long)s.h, (long long)s.w, (long long)s.c, (long long)s.ho,
                (long long)s.wo, stn::name_of(o.mode), stn::name_of(o.padding),
                o.align_corners ? "align" : "noalign", s.shared ? " shared" : "");
  return buf;
}

// A random NHWC shape: small, or one of the shapes that reach the edge cases
// (1x1 images and outputs, single rows and columns, up- and downsampling,
// batch-parallel backwards, C = 300, widths around the vector widths, a
// zero-size dim). Caps N*Ho*Wo*C at max_elements, shrinking C, then Ho.
inline SamplerShape planar_shape(Bytes& b, int64_t max_elements) {
  SamplerShape s;
  const uint8_t kind = b.u8();
  s.n = pick(b.u8(), 1, 3);
  s.h = pick(b.u8(), 1, 12);
  s.w = pick(b.u8(), 1, 12);
  s.ho = pick(b.u8(), 1, 12);
  s.wo = pick(b.u8(), 1, 12);
  const uint8_t c_byte = b.u8();
  s.c = c_byte < 128 ? pick(c_byte, 1, 4) : pick(c_byte, 1, 300);
  switch (kind % 16) {
    case 0: s.h = s.w = 1; break;
    case 1: s.ho = s.wo = 1; break;
    case 2: s.h = 1; break;
    case 3: s.w = 1; break;
    case 4:
      s.ho = pick(b.u8(), 24, 64);
      s.wo = pick(b.u8(), 24, 64);
      break;
    case 5:
      s.h = pick(b.u8(), 24, 80);
      s.w = pick(b.u8(), 24, 80);
      break;
    case 6: s.n = pick(b.u8(), 8, 11); break;
    case 7: s.c = 300; break;
    case 8:  // a zero-size dimension (the input's too: the native doors accept it)
      switch (b.u8() % 6) {
        case 0: s.n = 0; break;
        case 1: s.c = 0; break;
        case 2: s.ho = 0; break;
        case 3: s.wo = 0; break;
        case 4: s.h = 0; break;
        default: s.w = 0; break;
      }
      break;
    case 9: {  // output widths around the vector widths (8, 16 lanes)
      static const int64_t widths[] = {7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33};
      s.wo = widths[b.u8() % std::size(widths)];
      break;
    }
    default: break;
  }
  while (s.n * s.ho * s.wo * std::max<int64_t>(s.c, 1) > max_elements && s.c > 1)
    s.c = std::max<int64_t>(1, s.c / 2);
  while (s.n * s.ho * s.wo > max_elements && s.ho > 1) s.ho /= 2;
  return s;
}

inline SamplerOptions planar_options(uint8_t opt) {
  SamplerOptions o;
  o.mode = static_cast<Interpolation>(opt % stn::value_count<Interpolation>());
  o.padding = static_cast<Padding>((opt >> 2) % stn::value_count<Padding>());
  o.align_corners = (opt >> 5) & 1;
  return o;
}

// gridSample's contract for a grid (stored, or the one a fused path
// computes): grad_input within grad_input_bound (another summation order);
// grad_grid bit for bit up to kPixelPathMaxChannels channels, beyond within
// grad_grid_gamma() times grad_grid_magnitude (the row kernels regroup the
// channel sum into per-tap dot products). `scale` multiplies the grid
// gradient into the kernel's (a flow's); a scaled one adds its own rounding.
inline double grad_grid_gamma(const SamplerShape& s, const SamplerOptions& o) {
  // The reference's sequential sum of taps*C products and the per-tap dot
  // products (C terms, then one per tap) are each within (taps C + 8) u of
  // the exact value relative to the magnitude: twice that apart; a shared
  // grid adds its sum over the batch.
  const double taps = o.mode == Interpolation::Bicubic ? 16.0 : 4.0;
  return 2.02 * (taps * double(s.c) + 8.0 + (s.shared ? double(s.n) : 0.0)) *
         std::ldexp(1.0, -24);
}

inline Bounds planar_bounds(const SamplerShape& s, const SamplerOptions& o, const Case& c,
                            const float* grid, const Results& ref, float scale_x = 1,
                            float scale_y = 1) {
  Bounds b;
  b.grad_input = stn_test::grad_input_bound(s, o, grid, c.grad_output.data());
  if (s.c <= stn::kPixelPathMaxChannels) return b;
  const std::vector<double> mag =
      stn_test::grad_grid_magnitude(s, o, c.input.data(), grid, c.grad_output.data());
  const double gamma = grad_grid_gamma(s, o);
  const bool scaled = scale_x != 1 || scale_y != 1;
  b.grad_transform.resize(mag.size());
  for (size_t i = 0; i < mag.size(); ++i) {
    // Non-finite inputs: any non-finite result.
    if (!std::isfinite(mag[i]) || mag[i] > double(std::numeric_limits<float>::max())) {
      b.grad_transform[i] = HUGE_VAL;
      continue;
    }
    const double scale = std::fabs(double(i % 2 ? scale_y : scale_x));
    b.grad_transform[i] = gamma * mag[i] * scale +
                          (scaled ? two_ulps(ref.grad_transform[int64_t(i)]) : 0.0);
  }
  return b;
}

// theta's gradient bound: each entry sums grid-gradient entries times the
// base coordinates (x, y, 1); both sides sum them in double from grid
// gradients within `gamma` * magnitude of each other (equal when C <= 4 and
// the theta is not shared), plus each side's final rounding to float.
inline std::vector<double> grad_theta_bound(const SamplerShape& s, const SamplerOptions& o,
                                            const std::vector<double>& magnitude, double gamma,
                                            const Buffer& want) {
  std::vector<double> bound(size_t(stn::grid_batch(s) * 6), 0.0);
  for (int64_t t = 0; t < stn::grid_batch(s); ++t)
    for (int64_t i = 0; i < s.ho; ++i) {
      const double y = std::fabs(stn::affine_base_coord(i, s.ho, o.align_corners));
      for (int64_t j = 0; j < s.wo; ++j) {
        const double x = std::fabs(stn::affine_base_coord(j, s.wo, o.align_corners));
        for (int r = 0; r < 2; ++r) {
          const double m = magnitude[size_t(((t * s.ho + i) * s.wo + j) * 2 + r)];
          bound[size_t(6 * t + 3 * r)] += m * x;
          bound[size_t(6 * t + 3 * r + 1)] += m * y;
          bound[size_t(6 * t + 3 * r + 2)] += m;
        }
      }
    }
  for (size_t i = 0; i < bound.size(); ++i) bound[i] = gamma * bound[i] + two_ulps(want[int64_t(i)]);
  return bound;
}

inline Case grid_sample_case(Bytes& b, int64_t max_elements) {
  SamplerShape s = planar_shape(b, max_elements);
  const uint8_t opt = b.u8();
  const SamplerOptions o = planar_options(opt);
  s.shared = (opt >> 6) & 1;  // one grid for the whole batch
  const uint8_t value_kind = b.u8();
  std::mt19937_64 rng(b.u32());
  Case c("gridSample", "grad_input", "grad_grid", input_count(s), grid_count(s), output_count(s));
  c.name = "gridSample " + describe(s, o);
  fill_values(&c.input, &c.grad_output, value_kind, rng);
  auto coordinate = [&](int64_t i) { return grid_value(b, rng, i % 2 ? s.h : s.w, o.align_corners); };
  if (smooth_kind(value_kind)) {
    std::vector<float> theta(size_t(stn::grid_batch(s) * 6));
    near_identity(theta.data(), int64_t(theta.size()), 2, rng);
    stn::affine_grid_forward_ref(stn::grid_batch(s), s.ho, s.wo, o.align_corners, theta.data(),
                                 c.transform.data());
    plant(b, c.transform.data(), c.transform.size(), coordinate);
  } else {
    for (int64_t i = 0; i < c.transform.size(); ++i) c.transform[i] = coordinate(i);
  }
  c.forward = either([s, o](auto k, const Case& c, float* out) {
    stn::call_grid_sample_forward<decltype(k)>(s, o, c.input.data(), c.transform.data(), out);
  });
  c.backward = either([s, o](auto k, const Case& c, float* gi, float* gg) {
    stn::call_grid_sample_backward<decltype(k)>(s, o, c.grad_output.data(), c.input.data(),
                                                c.transform.data(), gi, gg);
  });
  c.bounds = [s, o](const Case& c, const Results& ref) {
    return planar_bounds(s, o, c, c.transform.data(), ref);
  };
  return c;
}

// The fused affine sampler; its contract is gridSample's on the reference's
// affine grid, grad_theta bounded from that grid's gradient.
inline Case affine_sample_case(Bytes& b, int64_t max_elements) {
  SamplerShape s = planar_shape(b, max_elements);
  const uint8_t opt = b.u8();
  const SamplerOptions o = planar_options(opt);
  s.shared = (opt >> 6) & 1;
  const uint8_t value_kind = b.u8();
  std::mt19937_64 rng(b.u32());
  Case c("affineSample", "grad_input", "grad_theta", input_count(s), stn::grid_batch(s) * 6,
         output_count(s));
  c.name = "affineSample " + describe(s, o);
  fill_values(&c.input, &c.grad_output, value_kind, rng);
  for (int64_t i = 0; i < c.transform.size(); ++i)
    c.transform[i] = theta_value(b, rng, i % 6 == 0 || i % 6 == 4);
  c.forward = either([s, o](auto k, const Case& c, float* out) {
    stn::call_affine_sample_forward<decltype(k)>(s, o, c.input.data(), c.transform.data(), out);
  });
  c.backward = either([s, o](auto k, const Case& c, float* gi, float* gt) {
    stn::call_affine_sample_backward<decltype(k)>(s, o, c.grad_output.data(), c.input.data(),
                                                  c.transform.data(), gi, gt);
  });
  c.bounds = [s, o](const Case& c, const Results& ref) {
    Buffer grid(grid_count(s));
    stn::affine_grid_forward_ref(stn::grid_batch(s), s.ho, s.wo, o.align_corners,
                                 c.transform.data(), grid.data());
    Bounds b;
    b.grad_input = stn_test::grad_input_bound(s, o, grid.data(), c.grad_output.data());
    const bool bitwise = s.c <= stn::kPixelPathMaxChannels && !s.shared;
    b.grad_transform = grad_theta_bound(
        s, o, stn_test::grad_grid_magnitude(s, o, c.input.data(), grid.data(), c.grad_output.data()),
        bitwise ? 1e-12 : grad_grid_gamma(s, o), ref.grad_transform);
    return b;
  };
  return c;
}

// A displacement in pixels from `index` along an axis of `size`: the pixel
// positions of axis_value (on, between and next to pixel centres, far
// outside, non-finite), minus the index.
inline float flow_value(Bytes& b, std::mt19937_64& rng, int64_t size, int64_t index) {
  return axis_value(b, rng, size, [index](double u) { return float(u - double(index)); });
}

// flowWarp: gridSample (align_corners) of VoxelMorph's grid, which the
// fused path computes point by point; grad_flow is grad_grid times
// flow_grid_scale. Every mode; the flow's batch is N.
inline Case flow_warp_case(Bytes& b, int64_t max_elements) {
  SamplerShape s = planar_shape(b, max_elements);
  SamplerOptions o = planar_options(b.u8());
  o.align_corners = true;
  const uint8_t value_kind = b.u8();
  std::mt19937_64 rng(b.u32());
  Case c("flowWarp", "grad_input", "grad_flow", input_count(s), grid_count(s), output_count(s));
  c.name = "flowWarp " + describe(s, o);
  fill_values(&c.input, &c.grad_output, value_kind, rng);
  auto displacement = [&](int64_t i) {
    const int64_t p = i / 2;
    return i % 2 ? flow_value(b, rng, s.h, p / s.wo % s.ho) : flow_value(b, rng, s.w, p % s.wo);
  };
  if (smooth_kind(value_kind)) {
    std::uniform_real_distribution<float> small(-1.0f, 1.0f);
    for (int64_t i = 0; i < c.transform.size(); ++i) c.transform[i] = small(rng);
    plant(b, c.transform.data(), c.transform.size(), displacement);
  } else {
    for (int64_t i = 0; i < c.transform.size(); ++i) c.transform[i] = displacement(i);
  }
  c.forward = either([s, o](auto k, const Case& c, float* out) {
    stn::call_flow_warp_forward<decltype(k)>(s, o, c.input.data(), c.transform.data(), out);
  });
  c.backward = either([s, o](auto k, const Case& c, float* gi, float* gf) {
    stn::call_flow_warp_backward<decltype(k)>(s, o, c.grad_output.data(), c.input.data(),
                                              c.transform.data(), gi, gf);
  });
  c.bounds = [s, o](const Case& c, const Results& ref) {
    Buffer grid(c.transform.size());
    for (int64_t p = 0; p < grid.size() / 2; ++p) {
      grid[2 * p] = stn::flow_grid_coord(p % s.wo, c.transform[2 * p], s.w);
      grid[2 * p + 1] = stn::flow_grid_coord(p / s.wo % s.ho, c.transform[2 * p + 1], s.h);
    }
    return planar_bounds(s, o, c, grid.data(), ref, stn::flow_grid_scale(s.w),
                         stn::flow_grid_scale(s.h));
  };
  return c;
}

}  // namespace stn_fuzz
