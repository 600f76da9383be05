// The fuzz cases of the volume samplers: gridSample3d, the fused
// affineSample3d and flowWarp3d (bilinear, i.e. trilinear, and nearest),
// with their rounding bounds, computed in double from the reference's own
// cells (volume_coords.h), as sampler_bounds.h does for 2-D.
#pragma once

#include "../affine_coords.h"
#include "../flow_coords.h"
#include "../flow_warp.h"
#include "../grid_sampler_rows.h"
#include "../volume_coords.h"
#include "../volume_sampler.h"
#include "fuzz_case.h"
#include "volume_bounds.h"

namespace stn_fuzz {

using stn::Interpolation;
using stn::Padding;
using stn::VolumeShape;
using stn_test::volume_grad_grid_bound;
using stn_test::volume_grad_grid_gamma;
using stn_test::volume_grad_grid_magnitude;
using stn_test::volume_grad_input_bound;

inline int64_t input_count(const VolumeShape& s) { return s.n * s.d * s.h * s.w * s.c; }
inline int64_t grid_count(const VolumeShape& s) {
  return stn::grid_batch(s) * s.od * s.ho * s.wo * 3;
}
inline int64_t output_count(const VolumeShape& s) { return s.n * s.od * s.ho * s.wo * s.c; }

inline std::string describe(const VolumeShape& s, const stn::SamplerOptions& o) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "[n=%lld d=%lld h=%lld w=%lld c=%lld od=%lld ho=%lld wo=%lld %s %s %s%s]",
                (long long)s.n, (long long)s.d, (long long)s.h, (long long)s.w, (long long)s.c,
                (long long)s.od, (long long)s.ho, (long long)s.wo, stn::name_of(o.mode),
                stn::name_of(o.padding), o.align_corners ? "align" : "noalign",
                s.shared ? " shared" : "");
  return buf;
}

// A random NDHWC shape: small, or one voxel in or out, a flat axis, a larger
// volume, a batch of several items, many channels, a zero-size dim; capped
// as planar_shape.
inline VolumeShape volume_shape(Bytes& b, int64_t max_elements) {
  VolumeShape s;
  const uint8_t kind = b.u8();
  s.n = pick(b.u8(), 1, 3);
  s.d = pick(b.u8(), 1, 6);
  s.h = pick(b.u8(), 1, 6);
  s.w = pick(b.u8(), 1, 6);
  s.od = pick(b.u8(), 1, 6);
  s.ho = pick(b.u8(), 1, 6);
  s.wo = pick(b.u8(), 1, 6);
  const uint8_t c_byte = b.u8();
  s.c = c_byte < 160 ? pick(c_byte, 1, 4) : pick(c_byte, 1, 40);
  switch (kind % 12) {
    case 0: s.d = s.h = s.w = 1; break;
    case 1: s.od = s.ho = s.wo = 1; break;
    case 2: s.d = 1; break;
    case 3:  // past the parallel threshold with C = 16
      s.od = pick(b.u8(), 8, 12);
      s.ho = pick(b.u8(), 8, 12);
      s.wo = pick(b.u8(), 8, 12);
      s.c = 16;
      break;
    case 4:
      s.d = pick(b.u8(), 8, 16);
      s.h = pick(b.u8(), 8, 16);
      s.w = pick(b.u8(), 8, 16);
      break;
    case 5: s.n = pick(b.u8(), 4, 9); break;
    case 6:  // a zero-size dimension
      switch (b.u8() % 8) {
        case 0: s.n = 0; break;
        case 1: s.c = 0; break;
        case 2: s.od = 0; break;
        case 3: s.ho = 0; break;
        case 4: s.wo = 0; break;
        case 5: s.d = 0; break;
        case 6: s.h = 0; break;
        default: s.w = 0; break;
      }
      break;
    default: break;
  }
  while (s.n * s.od * s.ho * s.wo * std::max<int64_t>(s.c, 1) > max_elements && s.c > 1)
    s.c = std::max<int64_t>(1, s.c / 2);
  while (s.n * s.od * s.ho * s.wo > max_elements && s.od > 1) s.od /= 2;
  return s;
}

// Bilinear or nearest (no bicubic for volumes), a padding, alignCorners.
inline stn::SamplerOptions volume_options(uint8_t opt) {
  stn::SamplerOptions o;
  o.mode = opt & 1 ? Interpolation::Nearest : Interpolation::Bilinear;
  o.padding = static_cast<Padding>((opt >> 2) % stn::value_count<Padding>());
  o.align_corners = (opt >> 5) & 1;
  return o;
}

inline Case grid_sample_3d_case(Bytes& b, int64_t max_elements) {
  VolumeShape s = volume_shape(b, max_elements);
  const uint8_t opt = b.u8();
  const stn::SamplerOptions o = volume_options(opt);
  s.shared = (opt >> 6) & 1;
  const uint8_t value_kind = b.u8();
  std::mt19937_64 rng(b.u32());
  Case c("gridSample3d", "grad_input", "grad_grid", input_count(s), grid_count(s),
         output_count(s));
  c.name = "gridSample3d " + describe(s, o);
  fill_values(&c.input, &c.grad_output, value_kind, rng);
  const int64_t sizes[3] = {s.w, s.h, s.d};
  auto coordinate = [&](int64_t i) { return grid_value(b, rng, sizes[i % 3], o.align_corners); };
  if (smooth_kind(value_kind)) {
    std::vector<float> theta(size_t(stn::grid_batch(s) * 12));
    near_identity(theta.data(), int64_t(theta.size()), 3, rng);
    stn::affine_grid_3d_forward_ref(stn::grid_batch(s), s.od, s.ho, s.wo, o.align_corners,
                                    theta.data(), c.transform.data());
    plant(b, c.transform.data(), c.transform.size(), coordinate);
  } else {
    for (int64_t i = 0; i < c.transform.size(); ++i) c.transform[i] = coordinate(i);
  }
  c.forward = either([s, o](auto k, const Case& c, float* out) {
    stn::call_grid_sample_3d_forward<decltype(k)>(s, o, c.input.data(), c.transform.data(), out);
  });
  c.backward = either([s, o](auto k, const Case& c, float* gi, float* gg) {
    stn::call_grid_sample_3d_backward<decltype(k)>(s, o, c.grad_output.data(), c.input.data(),
                                                   c.transform.data(), gi, gg);
  });
  // grad_grid: bit for bit up to kPixelPathMaxChannels channels, beyond
  // within volume_grad_grid_bound (per-corner dot products); grad_input:
  // another summation order.
  c.bounds = [s, o](const Case& c, const Results&) {
    Bounds b;
    b.grad_input = volume_grad_input_bound(s, o, c.transform.data(), c.grad_output.data());
    if (s.c > stn::kPixelPathMaxChannels)
      b.grad_transform = volume_grad_grid_bound(s, o, c.input.data(), c.transform.data(),
                                                c.grad_output.data());
    return b;
  };
  return c;
}

// The fused sampler against the unfused composition: the same grid points,
// so grad_input as gridSample3d's on the reference's grid; grad_theta sums
// the same per-point grid gradients (a shared theta: the reference sums the
// batch in float first) in double, in another grouping.
inline Case affine_sample_3d_case(Bytes& b, int64_t max_elements) {
  VolumeShape s = volume_shape(b, max_elements);
  const uint8_t opt = b.u8();
  const stn::SamplerOptions o = volume_options(opt);
  s.shared = (opt >> 6) & 1;
  const uint8_t value_kind = b.u8();
  std::mt19937_64 rng(b.u32());
  Case c("affineSample3d", "grad_input", "grad_theta", input_count(s), stn::grid_batch(s) * 12,
         output_count(s));
  c.name = "affineSample3d " + describe(s, o);
  fill_values(&c.input, &c.grad_output, value_kind, rng);
  for (int64_t i = 0; i < c.transform.size(); ++i) c.transform[i] = theta_value(b, rng, i % 12 % 5 == 0);
  c.forward = either([s, o](auto k, const Case& c, float* out) {
    stn::call_affine_sample_3d_forward<decltype(k)>(s, o, c.input.data(), c.transform.data(), out);
  });
  c.backward = either([s, o](auto k, const Case& c, float* gi, float* gt) {
    stn::call_affine_sample_3d_backward<decltype(k)>(s, o, c.grad_output.data(), c.input.data(),
                                                     c.transform.data(), gi, gt);
  });
  c.bounds = [s, o](const Case& c, const Results& ref) {
    Buffer grid(grid_count(s));
    stn::affine_grid_3d_forward_ref(stn::grid_batch(s), s.od, s.ho, s.wo, o.align_corners,
                                    c.transform.data(), grid.data());
    Bounds b;
    b.grad_input = volume_grad_input_bound(s, o, grid.data(), c.grad_output.data());
    const std::vector<double> mag =
        volume_grad_grid_magnitude(s, o, c.input.data(), grid.data(), c.grad_output.data());
    const int64_t points = s.od * s.ho * s.wo;
    // The double sums of the grid gradients, a shared theta's float sum over
    // the batch, and beyond kPixelPathMaxChannels channels the per-point
    // regrouping (volume_grad_grid_gamma).
    const double gamma = 2.02 * double(points) * std::ldexp(1.0, -53) +
                         (s.shared ? 2.02 * double(s.n) * std::ldexp(1.0, -24) : 0.0) +
                         (s.c > stn::kPixelPathMaxChannels ? volume_grad_grid_gamma(s) : 0.0);
    b.grad_transform.assign(size_t(c.transform.size()), 0.0);
    for (int64_t t = 0; t < stn::grid_batch(s); ++t)
      for (int64_t p = 0; p < points; ++p) {
        const double base[4] = {
            std::fabs(stn::affine_base_coord(p % s.wo, s.wo, o.align_corners)),
            std::fabs(stn::affine_base_coord(p / s.wo % s.ho, s.ho, o.align_corners)),
            std::fabs(stn::affine_base_coord(p / (s.wo * s.ho), s.od, o.align_corners)), 1.0};
        for (int r = 0; r < 3; ++r)
          for (int k = 0; k < 4; ++k)
            b.grad_transform[size_t(12 * t + 4 * r + k)] += mag[size_t(3 * (t * points + p) + r)] * base[k];
      }
    for (size_t i = 0; i < b.grad_transform.size(); ++i)
      b.grad_transform[i] = gamma * b.grad_transform[i] + two_ulps(ref.grad_transform[int64_t(i)]);
    return b;
  };
  return c;
}

// flowWarp3d: gridSample3d (align_corners) of VoxelMorph's grid; grad_flow
// is grad_grid times flow_grid_scale, bit for bit up to
// kPixelPathMaxChannels channels (flow_warp.h), beyond within rounding.
inline Case flow_warp_3d_case(Bytes& b, int64_t max_elements) {
  VolumeShape s = volume_shape(b, max_elements);
  stn::SamplerOptions o = volume_options(b.u8());
  o.align_corners = true;
  const uint8_t value_kind = b.u8();
  std::mt19937_64 rng(b.u32());
  Case c("flowWarp3d", "grad_input", "grad_flow", input_count(s), grid_count(s), output_count(s));
  c.name = "flowWarp3d " + describe(s, o);
  fill_values(&c.input, &c.grad_output, value_kind, rng);
  const int64_t sizes[3] = {s.w, s.h, s.d};
  auto index = [s](int64_t p, int a) {
    return a == 0 ? p % s.wo : a == 1 ? p / s.wo % s.ho : p / (s.wo * s.ho) % s.od;
  };
  auto displacement = [&](int64_t i) {
    return flow_value(b, rng, sizes[i % 3], index(i / 3, int(i % 3)));
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
  c.bounds = [s, o, sizes, index](const Case& c, const Results& ref) {
    Buffer grid(c.transform.size());
    for (int64_t p = 0; p < grid.size() / 3; ++p)
      for (int a = 0; a < 3; ++a)
        grid[3 * p + a] = stn::flow_grid_coord(index(p, a), c.transform[3 * p + a], sizes[a]);
    Bounds b;
    b.grad_input = volume_grad_input_bound(s, o, grid.data(), c.grad_output.data());
    if (s.c <= stn::kPixelPathMaxChannels) return b;
    b.grad_transform = volume_grad_grid_bound(s, o, c.input.data(), grid.data(), c.grad_output.data());
    for (size_t i = 0; i < b.grad_transform.size(); ++i)
      b.grad_transform[i] = b.grad_transform[i] * std::fabs(stn::flow_grid_scale(sizes[i % 3])) +
                            two_ulps(ref.grad_transform[int64_t(i)]);
    return b;
  };
  return c;
}

}  // namespace stn_fuzz
