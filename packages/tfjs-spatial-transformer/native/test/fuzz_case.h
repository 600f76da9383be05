// The kernel-independent half of the fuzzers (NOTE in fuzz_sampler.h): the
// fuzz bytes, exact-size buffers, hostile coordinate values, a case (its
// tensors, its kernels as the front doors call them, its contract) and
// check_case(), which runs the scalar reference and every fast path.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../grid_sampler.h"
#include "../kernel_calls.h"

namespace stn_fuzz {

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

inline int64_t pick(uint8_t v, int64_t lo, int64_t hi) { return lo + int64_t(v) % (hi - lo + 1); }

// A selector byte and a payload: from the bytes while they last, then from
// the PRNG seeded by the case's header.
struct Draw {
  uint8_t sel;
  uint32_t payload;
};
inline Draw draw(Bytes& b, std::mt19937_64& rng) {
  if (!b.empty()) {
    const uint8_t sel = b.u8();
    return {sel, b.u32()};
  }
  const uint64_t r = rng();
  return {static_cast<uint8_t>(r), static_cast<uint32_t>(r >> 32)};
}

// Selectors 0-19: a value every coordinate must survive (NaN, +-Inf, huge,
// -0, +-1 and their neighbours, 2^24, integers and halves far outside, any
// bit pattern); nullopt-like `false` for the rest.
inline bool hostile_value(const Draw& d, float* v) {
  const float inf = std::numeric_limits<float>::infinity();
  const float fmax = std::numeric_limits<float>::max();
  switch (d.sel) {
    case 0: *v = std::nanf(""); return true;
    case 1: *v = -std::nanf(""); return true;
    case 2: *v = inf; return true;
    case 3: *v = -inf; return true;
    case 4: *v = 1e30f; return true;
    case 5: *v = -1e30f; return true;
    case 6: *v = fmax; return true;
    case 7: *v = -fmax; return true;
    case 8: *v = -0.0f; return true;
    case 9: *v = 0.0f; return true;
    case 10: *v = 1.0f; return true;
    case 11: *v = -1.0f; return true;
    case 12: *v = std::nextafter(1.0f, 2.0f); return true;
    case 13: *v = std::nextafter(-1.0f, -2.0f); return true;
    case 14: *v = std::numeric_limits<float>::denorm_min(); return true;
    case 15: *v = 16777216.0f; return true;   // 2^24: the last float with unit spacing
    case 16: *v = -16777217.0f; return true;  // rounds to -2^24
    case 17: *v = float(int32_t(d.payload % 41) - 20); return true;  // integral, far outside
    case 18: *v = float(int32_t(d.payload % 81) - 40) / 2; return true;  // half-integral
    case 19: std::memcpy(v, &d.payload, sizeof *v); return true;  // any bit pattern
    default: return false;
  }
}

// A fill or extrapolation value: mostly finite; 1 in 16 NaN, 1 in 16 +Inf.
inline float fill_value(uint8_t v) {
  if (v % 16 == 0) return std::nanf("");
  if (v % 16 == 1) return std::numeric_limits<float>::infinity();
  return float(int(v) - 128) / 32.0f;
}

// A position along an axis of `size` pixels, in pixels: hostile, or a pixel
// centre in [-2, size + 1], or halfway between two, or a float neighbour of
// either (points just inside and just outside), or uniform around the axis.
// `to_coord` maps pixels to the kernel's coordinate (normalised, a flow).
template <class ToCoord>
float axis_value(Bytes& b, std::mt19937_64& rng, int64_t size, ToCoord to_coord) {
  const Draw d = draw(b, rng);
  float v;
  if (hostile_value(d, &v)) return v;
  const double k = double(int64_t(d.payload % uint32_t(size + 4)) - 2);
  if (d.sel < 40) return to_coord(k);
  if (d.sel < 56) return to_coord(k + 0.5);
  if (d.sel < 64) {
    const float c = to_coord(k + (d.payload & 1 ? 0.5 : 0.0));
    return std::nextafter(c, (d.payload & 2) ? HUGE_VALF : -HUGE_VALF);
  }
  return to_coord(-1.0 + (double(size) + 1.0) * double(d.payload) / 4294967295.0);
}

// A grid coordinate (normalised) along an axis of `size` pixels: the inverse
// of coord::unnormalize, rounded to float (so it lands on or next to a pixel).
inline float grid_value(Bytes& b, std::mt19937_64& rng, int64_t size, bool align_corners) {
  return axis_value(b, rng, size, [&](double u) {
    if (align_corners) return size > 1 ? float(2 * u / double(size - 1) - 1) : 0.0f;
    return float((2 * u + 1) / double(size) - 1);
  });
}

// An affine matrix entry: mostly a random similarity near the identity
// (identity entries near 1, or 2: zoomed out; others |.| <= 0.5);
// selector values give adversarial entries (non-finite, huge, zero, a
// degenerate or mirrored map).
inline float theta_value(Bytes& b, std::mt19937_64& rng, bool identity_entry) {
  const uint8_t sel = b.empty() ? static_cast<uint8_t>(rng()) : b.u8();
  const float identity = identity_entry ? 1.0f : 0.0f;
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
  if (sel < 24) return identity * 2.0f + near(rng);
  return identity + near(rng);
}

// 1 in 4 cases (by the value-kind byte) have a smooth transform, every tap
// inside the image for most points: the vector paths' interior fast paths
// (whole vectors of in-bounds points), with a few hostile points planted.
inline bool smooth_kind(uint8_t kind) { return (kind >> 3) % 4 == 0; }

// Near-identity affine matrices (rows x cols, row-major, the last column the
// shift), zoomed in to 0.8 so that the taps stay inside.
inline void near_identity(float* theta, int64_t count, int rows, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> r(-0.08f, 0.08f);
  for (int64_t i = 0; i < count; ++i) {
    const int row = int(i % (rows * (rows + 1))) / (rows + 1), col = int(i % (rows + 1));
    theta[i] = (row == col ? 0.8f : 0.0f) + r(rng);
  }
}

// Replaces a few coordinates (a stride from the bytes) with `value()`.
template <class Value>
void plant(Bytes& b, float* coords, int64_t count, Value value) {
  for (int64_t i = b.u8(); i < count; i += 17 + b.u8()) coords[i] = value(i);
}

// Input values: uniform in [-1, 1], or (1 in 8 cases) with some NaN, +Inf
// and -1e30 among them. grad_output: uniform.
inline void fill_values(Buffer* input, Buffer* grad_output, uint8_t kind, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t i = 0; i < input->size(); ++i) {
    float v = u(rng);
    if (kind % 8 == 0) {
      switch (rng() % 16) {
        case 0: v = std::nanf(""); break;
        case 1: v = std::numeric_limits<float>::infinity(); break;
        case 2: v = -1e30f; break;
        default: break;
      }
    }
    (*input)[i] = v;
  }
  for (int64_t i = 0; i < grad_output->size(); ++i) (*grad_output)[i] = u(rng);
}

// A kernel's results, pre-filled with NaN (a value a kernel forgot to write
// shows). grad_transform is the gradient of the grid, theta, flow,
// transforms or boxes (empty for a rotation, which has none).
struct Results {
  Buffer output, grad_input, grad_transform;
  Results(int64_t outputs, int64_t inputs, int64_t transforms)
      : output(outputs), grad_input(inputs), grad_transform(transforms) {
    output.fill(std::nanf(""));
    grad_input.fill(std::nanf(""));
    grad_transform.fill(std::nanf(""));
  }
};

// What the fast paths must match: per element bounds of |fast - reference|
// for each gradient (given the case and the reference's results), or bit
// for bit where a bound is empty. The forward is always bit for bit.
struct Bounds {
  std::vector<double> grad_input, grad_transform;
};

struct Case {
  std::string name;  // kernel, shape, options (in failure messages)
  const char* kernel;
  const char* grad_input_name;      // "grad_input", "grad_images"
  const char* grad_transform_name;  // "grad_grid", "grad_theta", "grad_flow", ...
  Buffer input, transform, grad_output;
  int64_t output_count;
  // The kernels as the front doors call them (kernel_calls.h: the empty-
  // tensor rule, scratch), the reference's (true) or the threaded ones.
  std::function<void(bool reference, const Case&, float* output)> forward;
  std::function<void(bool reference, const Case&, float* gi, float* gt)> backward;
  std::function<Bounds(const Case&, const Results& reference)> bounds;

  Case(const char* kernel_name, const char* gi_name, const char* gt_name, int64_t inputs,
       int64_t transforms, int64_t outputs)
      : kernel(kernel_name), grad_input_name(gi_name), grad_transform_name(gt_name),
        input(inputs), transform(transforms), grad_output(outputs), output_count(outputs) {}
  Results results() const { return Results(output_count, input.size(), transform.size()); }
};

// A kernel call through the reference or the threaded kernels:
// kernel_calls.h's call_* templates take the kernel set as a type.
template <class F>
auto either(F f) {
  return [f](bool reference, auto&&... args) {
    if (reference) f(stn::ReferenceKernels{}, args...);
    else f(stn::FastKernels{}, args...);
  };
}

struct Stats {
  int64_t cases = 0;
  int64_t path_runs = 0;
  int64_t failures = 0;
  std::map<std::string, int64_t> cases_by_kernel;
  // Largest deviation from the reference as a fraction of its bound, by
  // "kernel gradient": how close the fast paths come to the bounds.
  std::map<std::string, double> worst;
};

inline Stats& stats() {
  static Stats s;
  return s;
}

// Prints a failure and, unless STN_FUZZ_KEEP_GOING is set, aborts (libFuzzer
// then saves the input as a crash file).
inline void fail(const std::string& what) {
  ++stats().failures;
  std::fprintf(stderr, "FUZZ FAILURE %s\n", what.c_str());
  if (!std::getenv("STN_FUZZ_KEEP_GOING")) std::abort();
}

// NaNs compare as NaN: a vector path may propagate another NaN payload.
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

inline void expect_same(const std::string& what, const Buffer& got, const Buffer& want) {
  for (int64_t i = 0; i < want.size(); ++i)
    if (!same(got[i], want[i])) {
      fail(what + ": index " + std::to_string(i) + " is " + show(got[i]) + ", expected " +
           show(want[i]));
      return;
    }
}

// |got - want| <= bound[i] (a non-finite bound: any value), or bit for bit
// when `bound` is empty. Records the largest err / bound under `stat`.
inline void expect_within(const std::string& what, const Buffer& got, const Buffer& want,
                          const std::vector<double>& bound, const std::string& stat) {
  if (bound.empty()) return expect_same(what, got, want);
  double& worst = stats().worst[stat];
  for (int64_t i = 0; i < got.size(); ++i) {
    const double limit = bound[size_t(i)];
    if (same(got[i], want[i]) || !std::isfinite(limit)) continue;
    const double err = std::fabs(double(got[i]) - double(want[i]));
    if (!(err <= limit)) {
      fail(what + ": index " + std::to_string(i) + " is " + show(got[i]) + ", reference " +
           show(want[i]) + ", bound " + std::to_string(limit));
      return;
    }
    if (limit > 0) worst = std::max(worst, err / limit);
  }
}

// Twice the spacing of floats at |v| (the final rounding of two sums); 0 for
// a non-finite v (which the other side must then equal).
inline double two_ulps(float v) {
  if (!std::isfinite(v)) return 0;
  return 2 * std::ldexp(1.0, std::ilogb(std::fabs(double(v)) + 1e-300) - 23);
}

// Calls the kernels as the front doors do; the gradients not wanted are
// passed as null (a backward for one of them).
inline void run(const Case& c, bool reference, Results* r, bool want_input = true,
                bool want_transform = true) {
  c.forward(reference, c, r->output.data());
  float* gi = want_input ? r->grad_input.data() : nullptr;
  float* gt = want_transform ? r->grad_transform.data() : nullptr;
  if (gi || gt) c.backward(reference, c, gi, gt);
}

// The fast paths: the threaded kernels with each ISA the dispatch can force
// on this CPU (Base up to best_isa(); a new ISA in the Isa enum is picked up
// without a change). Kernels without vector rows ignore the ISA: they must
// give the same bits under each.
inline std::vector<stn::Isa> isas() {
  std::vector<stn::Isa> out;
  for (stn::Isa isa : stn::all_values<stn::Isa>())
    if (isa <= stn::best_isa()) out.push_back(isa);
  return out;
}

// Runs one case through the reference and every path at 1-4 threads:
// forward bit for bit, gradients as c.bounds says; every output bit for bit
// across ISAs, thread counts and a second run; each gradient alone bit for
// bit as with the other.
inline void check_case(const Case& c) {
  Results ref = c.results();
  run(c, true, &ref);
  const Bounds bounds = c.bounds(c, ref);
  const std::string gi_stat = std::string(c.kernel) + " " + c.grad_input_name;
  const std::string gt_stat = std::string(c.kernel) + " " + c.grad_transform_name;

  const stn::Isa isa_before = stn::get_isa();
  std::unique_ptr<Results> first_path;  // the first ISA at threads=1
  std::string first_path_name;
  for (stn::Isa isa : isas()) {
    stn::set_isa(isa);
    const std::string path = std::string("threaded/") + stn::name_of(isa);
    std::unique_ptr<Results> first;
    for (int threads = 1; threads <= 4; ++threads) {
      stn::set_num_threads(threads);
      const std::string at = path + " threads=" + std::to_string(threads) + " " + c.name + " ";
      Results fast = c.results();
      run(c, false, &fast);
      ++stats().path_runs;
      expect_same(at + "output", fast.output, ref.output);
      expect_within(at + c.grad_transform_name, fast.grad_transform, ref.grad_transform,
                    bounds.grad_transform, gt_stat);
      expect_within(at + c.grad_input_name, fast.grad_input, ref.grad_input, bounds.grad_input,
                    gi_stat);
      const std::string gi = at + c.grad_input_name, gt = at + c.grad_transform_name;
      if (threads == 1) {
        if (!first_path) {
          first_path = std::make_unique<Results>(c.results());
          run(c, false, first_path.get());
          first_path_name = path;
        } else {
          const std::string vs = " vs " + first_path_name;
          expect_same(at + "output" + vs, fast.output, first_path->output);
          expect_same(gi + vs, fast.grad_input, first_path->grad_input);
          expect_same(gt + vs, fast.grad_transform, first_path->grad_transform);
        }
      }
      if (!first) {
        first = std::make_unique<Results>(c.results());
        run(c, false, first.get());  // a second run
        expect_same(at + "output, second run", first->output, fast.output);
        expect_same(gi + ", second run", first->grad_input, fast.grad_input);
        expect_same(gt + ", second run", first->grad_transform, fast.grad_transform);
      } else {
        expect_same(gi + " vs threads=1", fast.grad_input, first->grad_input);
        expect_same(gt + " vs threads=1", fast.grad_transform, first->grad_transform);
      }
      if (threads == 1 || threads == 3) {
        Results transform_only = c.results(), input_only = c.results();
        run(c, false, &transform_only, false, true);
        run(c, false, &input_only, true, false);
        expect_same(gt + " alone", transform_only.grad_transform, fast.grad_transform);
        expect_same(gi + " alone", input_only.grad_input, fast.grad_input);
      }
    }
  }
  stn::set_isa(isa_before);
  stn::set_num_threads(0);
  ++stats().cases;
  ++stats().cases_by_kernel[c.kernel];
}

}  // namespace stn_fuzz
