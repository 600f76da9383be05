// NOTE [grid sampler fuzzer]
//
// One fuzz case = one byte string. decode() turns it into a sampler case
// (shape, options, input, grid or theta, grad_output) of gridSample or of the
// fused affineSample, with its own grid (theta) per batch item or one shared
// by the batch; check_case() runs the scalar reference and every fast path (the threaded kernels with each ISA the
// dispatch can force on this CPU: base, avx2, avx512) at 1-4 threads:
//   - forward: the reference bit for bit (NaNs compared as NaN: a vector path
//     may propagate another NaN payload);
//   - grad_grid: the reference bit for bit up to kPixelPathMaxChannels
//     channels; beyond, within grad_grid_magnitude() (sampler_bounds.h)
//     times a summation bound (the row kernels regroup the channel sum into
//     per-tap dot products, see grid_sampler_simd.inl);
//   - grad_input: within grad_input_bound() (sampler_bounds.h) of the
//     reference (another summation order);
//   - affineSample's grad_theta: within grad_theta_bound();
//   - every output bit for bit across ISAs, thread counts and repeated runs;
//   - the grid-only and input-only backward calls: bit for bit the combined
//     call.
// Every buffer is a separate heap block of exactly its element count (no
// slack), so under AddressSanitizer any read or write outside a tensor is a
// report. Two drivers share this file: fuzz_grid_sampler.cc (a deterministic
// random driver, run by ctest and by `npm run fuzz` without clang) and
// fuzz_grid_sampler_libfuzzer.cc (libFuzzer, clang only).
//
// The byte layout is forgiving: reading past the end yields zeros, so every
// byte string is a valid case, which libFuzzer needs. Grid values come from
// the bytes (a selector byte, then a payload) while they last, then from a
// PRNG seeded by the header; input and grad_output always come from the PRNG.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../affine_coords.h"
#include "../coordinates.h"
#include "../grid_sampler.h"
#include "../grid_sampler_rows.h"
#include "../kernel_calls.h"
#include "sampler_bounds.h"

namespace stn_fuzz {

using stn::Interpolation;
using stn::Padding;
using stn::SamplerOptions;
using stn::SamplerShape;

// A heap array of exactly `count` floats (new float[0] is a valid, unique,
// zero-byte block: any access to it is an ASan report).
class Buffer {
 public:
  explicit Buffer(int64_t count)
      : count_(count), data_(new float[static_cast<size_t>(count)]) {}
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  int64_t size() const { return count_; }
  float& operator[](int64_t i) { return data_[static_cast<size_t>(i)]; }
  float operator[](int64_t i) const { return data_[static_cast<size_t>(i)]; }
  void fill(float v) { std::fill(data_.get(), data_.get() + count_, v); }

 private:
  int64_t count_;
  std::unique_ptr<float[]> data_;
};

inline int64_t input_count(const SamplerShape& s) { return s.n * s.h * s.w * s.c; }
inline int64_t grid_count(const SamplerShape& s) { return stn::grid_batch(s) * s.ho * s.wo * 2; }
inline int64_t theta_count(const SamplerShape& s) { return stn::grid_batch(s) * 6; }
inline int64_t output_count(const SamplerShape& s) { return s.n * s.ho * s.wo * s.c; }

// Reads the fuzz bytes; zeros once they run out.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
  uint32_t u32() { return u16() | (static_cast<uint32_t>(u16()) << 16); }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// A case drives gridSample (a grid) or the fused affineSample (a theta;
// `grid` then holds its affine grid, from the reference, for the bounds).
struct Case {
  SamplerShape shape;
  SamplerOptions options;
  bool affine;
  Buffer input, grid, theta, grad_output;
  Case(const SamplerShape& s, const SamplerOptions& o, bool affine_sample)
      : shape(s), options(o), affine(affine_sample), input(input_count(s)),
        grid(grid_count(s)), theta(affine_sample ? theta_count(s) : 0),
        grad_output(output_count(s)) {}
  // Elements of the transform's gradient: the grid's, or theta's.
  int64_t transform_count() const { return affine ? theta_count(shape) : grid_count(shape); }
};

// Scratch of exactly `bytes`, as both front doors allocate it.
using stn::ScratchMemory;

// One implementation of the kernels: the scalar reference or a fast path.
// backward's last pointer is the transform's gradient (grid or theta).
// `activate`, when set, is called before its kernels run (here: forcing an
// ISA in the dispatch).
struct Kernels {
  std::string name;
  std::function<void(const Case&, float*)> forward;
  std::function<void(const Case&, float*, float*)> backward;
  std::function<void()> activate;
};

// The kernels as addon.cc calls them, scratch sized by their own functions.
inline Kernels make_kernels(std::string name, bool reference, std::function<void()> activate) {
  Kernels k{std::move(name), nullptr, nullptr, std::move(activate)};
  k.forward = [reference](const Case& c, float* out) {
    const SamplerShape& s = c.shape;
    if (!c.affine) {
      (reference ? stn::grid_sample_forward_ref : stn::grid_sample_forward)(
          s, c.options, c.input.data(), c.grid.data(), out);
      return;
    }
    const ScratchMemory m(reference ? stn::affine_sample_ref_scratch(s)
                                    : stn::affine_sample_forward_scratch(s));
    (reference ? stn::affine_sample_forward_ref : stn::affine_sample_forward)(
        s, c.options, c.input.data(), c.theta.data(), out, m.get());
  };
  k.backward = [reference](const Case& c, float* gi, float* gt) {
    const SamplerShape& s = c.shape;
    if (!c.affine) {
      const ScratchMemory m(reference ? 0 : stn::grid_sample_backward_scratch(s, gi != nullptr));
      (reference ? stn::grid_sample_backward_ref : stn::grid_sample_backward)(
          s, c.options, c.grad_output.data(), c.input.data(), c.grid.data(), gi, gt, m.get());
      return;
    }
    const ScratchMemory m(reference ? stn::affine_sample_ref_scratch(s)
                                    : stn::affine_sample_backward_scratch(s, gi != nullptr,
                                                                          gt != nullptr));
    (reference ? stn::affine_sample_backward_ref : stn::affine_sample_backward)(
        s, c.options, c.grad_output.data(), c.input.data(), c.theta.data(), gi, gt, m.get());
  };
  return k;
}

// Every fast path the library exposes: the threaded kernels with each ISA
// the dispatch can force on this CPU (Base up to best_isa()). A new ISA in
// the Isa enum is picked up here without a change.
inline std::vector<Kernels> sampler_paths() {
  std::vector<Kernels> paths;
  for (stn::Isa isa : stn::all_values<stn::Isa>()) {
    if (isa > stn::best_isa()) break;
    paths.push_back(make_kernels(std::string("threaded/") + stn::name_of(isa), false,
                                 [isa] { stn::set_isa(isa); }));
  }
  return paths;
}

// Normalised coordinate of pixel position u along `size`, the inverse of
// coord::unnormalize, rounded to float (so it lands on or next to u).
inline float normalised(double u, int64_t size, bool align_corners) {
  if (align_corners) return size > 1 ? float(2 * u / double(size - 1) - 1) : 0.0f;
  return float((2 * u + 1) / double(size) - 1);
}

// One grid coordinate along an axis of `size` pixels. Selector values pick an
// adversarial value; the rest are uniform in [-1.5, 1.5].
inline float grid_value(Bytes& b, std::mt19937_64& rng, int64_t size,
                        bool align_corners) {
  const float inf = std::numeric_limits<float>::infinity();
  const float fmax = std::numeric_limits<float>::max();
  uint8_t sel;
  uint32_t payload;
  if (!b.empty()) {
    sel = b.u8();
    payload = b.u32();
  } else {
    const uint64_t r = rng();
    sel = static_cast<uint8_t>(r);
    payload = static_cast<uint32_t>(r >> 32);
  }
  const int64_t span = size + 4;  // pixel positions in [-2, size + 1]
  const double k = double(int64_t(payload % uint32_t(span)) - 2);
  switch (sel) {
    case 0: return std::nanf("");
    case 1: return -std::nanf("");
    case 2: return inf;
    case 3: return -inf;
    case 4: return 1e30f;
    case 5: return -1e30f;
    case 6: return fmax;
    case 7: return -fmax;
    case 8: return -0.0f;
    case 9: return 0.0f;
    case 10: return 1.0f;
    case 11: return -1.0f;
    case 12: return std::nextafter(1.0f, 2.0f);
    case 13: return std::nextafter(-1.0f, -2.0f);
    case 14: return std::numeric_limits<float>::denorm_min();
    case 15: return 16777216.0f;   // 2^24: the last float with unit spacing
    case 16: return -16777217.0f;  // rounds to -2^24
    case 17: return float(int32_t(payload % 41) - 20);  // integral, beyond the image
    case 18: return float(int32_t(payload % 81) - 40) / 2;  // half-integral
    case 19: {  // any bit pattern: NaN payloads, denormals, huge values
      float v;
      std::memcpy(&v, &payload, sizeof v);
      return v;
    }
    default: break;
  }
  if (sel < 40) return normalised(k, size, align_corners);        // a pixel centre
  if (sel < 56) return normalised(k + 0.5, size, align_corners);  // between two
  if (sel < 64) {  // a neighbour of a pixel centre or of a cell edge
    const float v = normalised(k + (payload & 1 ? 0.5 : 0.0), size, align_corners);
    return std::nextafter(v, (payload & 2) ? inf : -inf);
  }
  return float(-1.5 + 3.0 * double(payload) / 4294967295.0);
}

// Entry k (row-major 2x3) of a theta: mostly a random similarity near the
// identity (|rotation| <= 0.5, scale 0.5-2, shift <= 1); selector values give
// adversarial entries (non-finite, huge, zero, a degenerate or mirrored map).
inline float theta_value(Bytes& b, std::mt19937_64& rng, int64_t k) {
  const uint8_t sel = b.empty() ? static_cast<uint8_t>(rng()) : b.u8();
  const float identity = (k == 0 || k == 4) ? 1.0f : 0.0f;
  std::uniform_real_distribution<float> near(-0.5f, 0.5f);
  switch (sel) {
    case 0: return std::nanf("");
    case 1: return std::numeric_limits<float>::infinity();
    case 2: return -std::numeric_limits<float>::infinity();
    case 3: return 1e30f;
    case 4: return -std::numeric_limits<float>::max();
    case 5: return 0.0f;
    case 6: return -identity;
    case 7: return 16777216.0f;
    default: break;
  }
  if (sel < 24) return identity * 2.0f + near(rng);  // zoomed out
  return identity + near(rng);
}

// Decodes a case. max_pixels caps Ho*Wo*C*N (keeps sanitizer runs short).
inline Case decode(const uint8_t* data, size_t size, int64_t max_elements) {
  Bytes b(data, size);
  auto pick = [&](uint8_t v, int64_t lo, int64_t hi) {
    return lo + int64_t(v) % (hi - lo + 1);
  };
  SamplerShape s;
  const uint8_t shape_kind = b.u8();
  s.n = pick(b.u8(), 1, 3);
  s.h = pick(b.u8(), 1, 12);
  s.w = pick(b.u8(), 1, 12);
  s.ho = pick(b.u8(), 1, 12);
  s.wo = pick(b.u8(), 1, 12);
  const uint8_t c_byte = b.u8();
  s.c = c_byte < 128 ? pick(c_byte, 1, 4) : pick(c_byte, 1, 300);
  switch (shape_kind % 16) {
    case 0: s.h = s.w = 1; break;          // a 1x1 image
    case 1: s.ho = s.wo = 1; break;        // a 1x1 output
    case 2: s.h = 1; break;                // a single row
    case 3: s.w = 1; break;                // a single column
    case 4:                                // output much larger: upsampling
      s.ho = pick(b.u8(), 24, 64);
      s.wo = pick(b.u8(), 24, 64);
      break;
    case 5:                                // input much larger
      s.h = pick(b.u8(), 24, 80);
      s.w = pick(b.u8(), 24, 80);
      break;
    case 6: s.n = pick(b.u8(), 8, 11); break;  // batch-parallel backward
    case 7: s.c = 300; break;
    case 9: {  // output widths around the vector widths (8, 16 lanes)
      static const int64_t widths[] = {7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33};
      s.wo = widths[b.u8() % std::size(widths)];
      break;
    }
    case 8:  // zero-size dimensions (the addon then passes null gradients)
      switch (b.u8() % 4) {
        case 0: s.n = 0; break;
        case 1: s.c = 0; break;
        case 2: s.ho = 0; break;
        default: s.wo = 0; break;
      }
      break;
    default: break;
  }
  // Cap the work, shrinking C then the output.
  while (s.n * s.ho * s.wo * std::max<int64_t>(s.c, 1) > max_elements && s.c > 1)
    s.c = std::max<int64_t>(1, s.c / 2);
  while (s.n * s.ho * s.wo > max_elements && s.ho > 1) s.ho /= 2;

  SamplerOptions o;
  const uint8_t opt = b.u8();
  o.mode = static_cast<Interpolation>(opt % stn::value_count<Interpolation>());
  o.padding = static_cast<Padding>((opt >> 2) % stn::value_count<Padding>());
  o.align_corners = (opt >> 5) & 1;
  s.shared = (opt >> 6) & 1;        // one grid (theta) for the whole batch
  const bool affine = (opt >> 7) & 1;  // the fused affine sampler
  const uint8_t value_kind = b.u8();
  const uint64_t seed = b.u32();

  Case c(s, o, affine);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  // Input: uniform, or (1 in 8) with some non-finite and huge values.
  const bool special_input = value_kind % 8 == 0;
  for (int64_t i = 0; i < c.input.size(); ++i) {
    float v = u(rng);
    if (special_input) {
      switch (rng() % 16) {
        case 0: v = std::nanf(""); break;
        case 1: v = std::numeric_limits<float>::infinity(); break;
        case 2: v = -1e30f; break;
        default: break;
      }
    }
    c.input[i] = v;
  }
  for (int64_t i = 0; i < c.grad_output.size(); ++i) c.grad_output[i] = u(rng);
  if (affine) {
    for (int64_t i = 0; i < c.theta.size(); ++i) c.theta[i] = theta_value(b, rng, i % 6);
    stn::affine_grid_forward_ref(stn::grid_batch(s), s.ho, s.wo, o.align_corners,
                                 c.theta.data(), c.grid.data());
    return c;
  }
  for (int64_t p = 0; p < c.grid.size() / 2; ++p) {
    c.grid[2 * p] = grid_value(b, rng, s.w, o.align_corners);
    c.grid[2 * p + 1] = grid_value(b, rng, s.h, o.align_corners);
  }
  return c;
}

struct Stats {
  int64_t cases = 0;
  int64_t path_runs = 0;
  int64_t failures = 0;
  // Largest grad_input deviation from the reference, as a fraction of its
  // bound (sampler_bounds.h): how close the fast paths come to it.
  double max_grad_input_error = 0;
  // The same for grad_grid above kPixelPathMaxChannels, in units of
  // u * |mult| * sum_k |gx_k| sum_c |v_kc * dy_c|.
  double max_grad_grid_error = 0;
  // grad_theta's, as a fraction of its bound (grad_theta_bound).
  double max_grad_theta_error = 0;
};

inline Stats& stats() {
  static Stats s;
  return s;
}

inline std::string describe(const SamplerShape& s, const SamplerOptions& o) {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "[n=%lld h=%lld w=%lld c=%lld ho=%lld wo=%lld %s %s %s%s]",
                (long long)s.n, (long long)s.h, (long long)s.w, (long long)s.c,
                (long long)s.ho, (long long)s.wo, stn::name_of(o.mode),
                stn::name_of(o.padding), o.align_corners ? "align" : "noalign",
                s.shared ? " shared" : "");
  return buf;
}

// Prints a failure and, unless STN_FUZZ_KEEP_GOING is set, aborts (libFuzzer
// then saves the input as a crash file).
inline void fail(const std::string& what) {
  ++stats().failures;
  std::fprintf(stderr, "FUZZ FAILURE %s\n", what.c_str());
  if (!std::getenv("STN_FUZZ_KEEP_GOING")) std::abort();
}

inline bool same(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0;
}

inline std::string show(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g (0x%08x)", v, bits);
  return buf;
}

inline void expect_same(const std::string& what, const Buffer& got,
                        const Buffer& want) {
  for (int64_t i = 0; i < want.size(); ++i)
    if (!same(got[i], want[i])) {
      fail(what + ": index " + std::to_string(i) + " is " + show(got[i]) +
           ", expected " + show(want[i]));
      return;
    }
}

// A kernel's results; null gradients where the addon would pass null.
// grad_transform is the grid's gradient, or theta's.
struct Results {
  Buffer output, grad_input, grad_transform;
  explicit Results(const Case& c)
      : output(output_count(c.shape)), grad_input(input_count(c.shape)),
        grad_transform(c.transform_count()) {
    // Pre-filled with NaN: a value a kernel forgot to write shows.
    output.fill(std::nanf(""));
    grad_input.fill(std::nanf(""));
    grad_transform.fill(std::nanf(""));
  }
};

// Calls the kernels exactly as addon.cc does for these sizes.
inline void run(const Case& c, const Kernels& k, Results* r, bool want_input = true,
                bool want_transform = true) {
  const SamplerShape& s = c.shape;
  if (output_count(s) > 0) k.forward(c, r->output.data());
  float* gi = want_input && input_count(s) > 0 ? r->grad_input.data() : nullptr;
  float* gt = want_transform && c.transform_count() > 0 ? r->grad_transform.data() : nullptr;
  if (gi || gt) k.backward(c, gi, gt);
}

// theta's gradient bound: each entry sums grid-gradient entries times the
// base coordinates (x, y, 1); both sides sum them in double from grid
// gradients within `gamma` * magnitude of each other (equal when C <= 4 and
// the theta is not shared), plus each side's final rounding to float.
inline std::vector<double> grad_theta_bound(const Case& c, const std::vector<double>& magnitude,
                                            double gamma) {
  const SamplerShape& s = c.shape;
  std::vector<double> bound(size_t(theta_count(s)), 0.0);
  for (int64_t t = 0; t < stn::grid_batch(s); ++t) {
    for (int64_t i = 0; i < s.ho; ++i) {
      const double y = std::fabs(stn::affine_base_coord(i, s.ho, c.options.align_corners));
      for (int64_t j = 0; j < s.wo; ++j) {
        const double x = std::fabs(stn::affine_base_coord(j, s.wo, c.options.align_corners));
        for (int r = 0; r < 2; ++r) {
          const double m = magnitude[size_t(((t * s.ho + i) * s.wo + j) * 2 + r)];
          bound[size_t(6 * t + 3 * r)] += m * x;
          bound[size_t(6 * t + 3 * r + 1)] += m * y;
          bound[size_t(6 * t + 3 * r + 2)] += m;
        }
      }
    }
  }
  for (double& v : bound) v = gamma * v;
  return bound;
}

// |got - want| <= bound[i] + 2 ulp(want) (non-finite bounds skip the entry).
inline void expect_within(const std::string& what, const Buffer& got, const Buffer& want,
                          const std::vector<double>& bound, double* worst) {
  for (int64_t i = 0; i < got.size(); ++i) {
    if (same(got[i], want[i])) continue;
    if (!std::isfinite(want[i])) {
      fail(what + ": index " + std::to_string(i) + " is " + show(got[i]) + ", reference " +
           show(want[i]));
      return;
    }
    const double limit = bound[size_t(i)] +
                         2 * std::ldexp(1.0, std::ilogb(std::fabs(double(want[i])) + 1e-300) - 23);
    if (!std::isfinite(limit)) continue;
    const double err = std::fabs(double(got[i]) - double(want[i]));
    if (!(err <= limit)) {
      fail(what + ": index " + std::to_string(i) + " is " + show(got[i]) + ", reference " +
           show(want[i]) + ", bound " + std::to_string(limit));
      return;
    }
    if (limit > 0) *worst = std::max(*worst, err / limit);
  }
}

// Runs one case through the reference and every path at 1-4 threads.
inline void check_case(const Case& c) {
  const SamplerShape& s = c.shape;
  const std::string name = std::string(c.affine ? "affineSample " : "gridSample ") +
                           describe(s, c.options);
  Results ref(c);
  run(c, make_kernels("reference", true, nullptr), &ref);
  // When a gradient is all-zero-size or the output empty, nothing is written;
  // the fast paths must not write either (their buffers stay NaN too).
  // grad_input: within sampler_bounds.h's bound (another summation order).
  const std::vector<double> bound = stn_test::grad_input_bound(
      s, c.options, c.grid.data(), c.grad_output.data());
  const double u = std::ldexp(1.0, -24);
  // grad_grid: bitwise up to kPixelPathMaxChannels unless shared. Beyond, the
  // reference's sequential sum of taps*C products and the per-tap dot
  // products (C terms, then one per tap) are each within (taps C + 8) u of
  // the exact value relative to the magnitude (sums plus the products'
  // roundings): twice that apart; a shared grid adds its sum over the batch.
  // theta's: from those, in grad_theta_bound.
  const bool grad_grid_bitwise = s.c <= stn::kPixelPathMaxChannels;
  const std::vector<double> magnitude =
      grad_grid_bitwise && !c.affine
          ? std::vector<double>()
          : stn_test::grad_grid_magnitude(s, c.options, c.input.data(), c.grid.data(),
                                          c.grad_output.data());
  const double taps = c.options.mode == Interpolation::Bicubic ? 16.0 : 4.0;
  const double grad_grid_gamma =
      2.02 * (taps * double(s.c) + 8.0 + (s.shared ? double(s.n) : 0.0)) * u;
  const std::vector<double> theta_bound =
      c.affine ? grad_theta_bound(c, magnitude,
                                  grad_grid_bitwise && !s.shared ? 1e-12 : grad_grid_gamma)
               : std::vector<double>();

  const stn::Isa isa_before = stn::get_isa();
  std::unique_ptr<Results> first_path;  // the first path at threads=1
  std::string first_path_name;
  for (const Kernels& path : sampler_paths()) {
    if (path.activate) path.activate();
    std::unique_ptr<Results> first;
    for (int threads = 1; threads <= 4; ++threads) {
      stn::set_num_threads(threads);
      const std::string at = path.name + " threads=" + std::to_string(threads) +
                             " " + name;
      Results fast(c);
      run(c, path, &fast);
      ++stats().path_runs;
      expect_same(at + " output", fast.output, ref.output);
      if (c.affine) {
        expect_within(at + " grad_theta", fast.grad_transform, ref.grad_transform, theta_bound,
                      &stats().max_grad_theta_error);
      } else if (grad_grid_bitwise) {
        expect_same(at + " grad_grid", fast.grad_transform, ref.grad_transform);
      } else {
        for (int64_t i = 0; i < fast.grad_transform.size(); ++i) {
          const double got = fast.grad_transform[i], want = ref.grad_transform[i];
          const double mag = magnitude[size_t(i)];
          if (!std::isfinite(mag) || mag > double(std::numeric_limits<float>::max()) ||
              same(float(got), float(want)))
            continue;  // non-finite inputs: any non-finite result; or equal
          const double err = std::fabs(got - want);
          if (!(err <= grad_grid_gamma * mag)) {
            fail(at + " grad_grid: index " + std::to_string(i) + " is " +
                 show(float(got)) + ", reference " + show(float(want)) +
                 ", bound " + std::to_string(grad_grid_gamma * mag));
            break;
          }
          if (mag > 0)
            stats().max_grad_grid_error =
                std::max(stats().max_grad_grid_error, err / (u * mag));
        }
      }
      for (int64_t i = 0; i < fast.grad_input.size(); ++i) {
        const double got = fast.grad_input[i], want = ref.grad_input[i];
        const double limit = bound[size_t(i)];
        if (!std::isfinite(limit) || same(float(got), float(want))) continue;
        const double err = std::fabs(got - want);
        if (!(err <= limit)) {
          fail(at + " grad_input: index " + std::to_string(i) + " is " +
               show(float(got)) + ", reference " + show(float(want)) +
               ", bound " + std::to_string(limit));
          break;
        }
        if (limit > 0)
          stats().max_grad_input_error = std::max(stats().max_grad_input_error, err / limit);
      }
      if (threads == 1) {
        if (!first_path) {
          first_path = std::make_unique<Results>(c);
          run(c, path, first_path.get());
          first_path_name = path.name;
        } else {
          const std::string vs = " vs " + first_path_name;
          expect_same(at + " output" + vs, fast.output, first_path->output);
          expect_same(at + " grad_input" + vs, fast.grad_input, first_path->grad_input);
          expect_same(at + " grad_transform" + vs, fast.grad_transform,
                      first_path->grad_transform);
        }
      }
      if (!first) {
        first = std::make_unique<Results>(c);
        run(c, path, first.get());  // a second run
        expect_same(at + " output, second run", first->output, fast.output);
        expect_same(at + " grad_input, second run", first->grad_input, fast.grad_input);
        expect_same(at + " grad_transform, second run", first->grad_transform,
                    fast.grad_transform);
      } else {
        expect_same(at + " grad_input vs threads=1", fast.grad_input, first->grad_input);
        expect_same(at + " grad_transform vs threads=1", fast.grad_transform,
                    first->grad_transform);
      }
      if (threads == 1 || threads == 3) {
        Results transform_only(c), input_only(c);
        run(c, path, &transform_only, false, true);
        run(c, path, &input_only, true, false);
        expect_same(at + " transform-only gradient", transform_only.grad_transform,
                    fast.grad_transform);
        expect_same(at + " input-only grad_input", input_only.grad_input, fast.grad_input);
      }
    }
  }
  stn::set_isa(isa_before);
  stn::set_num_threads(0);
  ++stats().cases;
}

}  // namespace stn_fuzz
