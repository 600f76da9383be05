// The fuzz cases of TensorFlow's MaxPoolGrad (max_pool_grad.h): grad_input
// bit for bit with the reference (TF's algorithm), no bounds. Windows and
// strides of 1-5 (overlapping, gapped, past the input under SAME), VALID and
// SAME, sides 1-12 (24-40 in 1 case in 8), 1-4 channels or up to 150 (more
// than one channel block), zero-size dims; inputs drawn from a few levels
// (ties in most windows) with zeros of both signs and, by the bytes, any
// hostile value (NaN, +-Inf, huge, denormal, any bit pattern). The kernel
// has no forward here (TensorFlow's MaxPool computes it): the case's output
// is empty.
#pragma once

#include "../max_pool_grad.h"
#include "fuzz_case.h"

namespace stn_fuzz {

inline std::string describe(const stn::PoolShape& s, bool same) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "[n=%lld h=%lld w=%lld c=%lld window %lldx%lld strides %lld,%lld %s]",
                (long long)s.n, (long long)s.h, (long long)s.w, (long long)s.c, (long long)s.kh,
                (long long)s.kw, (long long)s.sh, (long long)s.sw, same ? "SAME" : "VALID");
  return buf;
}

inline Case max_pool_grad_case(Bytes& b, int64_t max_elements) {
  const uint8_t kind = b.u8();
  int64_t n = pick(b.u8(), 1, 3), h = pick(b.u8(), 1, 12), w = pick(b.u8(), 1, 12);
  const uint8_t c_byte = b.u8();
  int64_t c = c_byte < 160 ? pick(c_byte, 1, 4) : pick(c_byte, 1, 150);
  if (kind % 8 == 1) {
    h = pick(b.u8(), 24, 40);
    w = pick(b.u8(), 24, 40);
  } else if (kind % 8 == 2) {
    switch (b.u8() % 4) {
      case 0: n = 0; break;
      case 1: h = 0; break;
      case 2: w = 0; break;
      default: c = 0; break;
    }
  }
  const int64_t kh = pick(b.u8(), 1, 5), kw = pick(b.u8(), 1, 5);
  const int64_t sh = pick(b.u8(), 1, 5), sw = pick(b.u8(), 1, 5);
  bool same = b.u8() & 1;
  while (n * h * w * c > max_elements && c > 1) c = std::max<int64_t>(1, c / 2);
  stn::PoolShape s{};
  // A VALID window that does not fit is TF's error (the op refuses it): SAME then.
  if (!stn::pool_shape(n, h, w, c, kh, kw, sh, sw, same, &s)) {
    same = true;
    stn::pool_shape(n, h, w, c, kh, kw, sh, sw, same, &s);
  }
  Case cs("maxPoolGrad", "grad_input", "(no other gradient)", n * h * w * c, 0, n * s.out_h * s.out_w * c);
  cs.name = "maxPoolGrad " + describe(s, same);
  std::mt19937_64 rng(b.u32());
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (int64_t i = 0; i < cs.input.size(); ++i) {
    const Draw d = draw(b, rng);
    float v;
    if (!hostile_value(d, &v)) v = d.sel % 4 == 0 ? -0.0f : float(int(d.payload % 5) - 2) * 0.75f;
    cs.input[i] = v;
  }
  for (int64_t i = 0; i < cs.grad_output.size(); ++i) cs.grad_output[i] = rng() % 8 ? u(rng) : -0.0f;
  cs.output_count = 0;
  cs.forward = [](bool, const Case&, float*) {};
  cs.backward = either([s](auto k, const Case& c, float* gi, float*) {
    if (gi) stn::call_max_pool_grad<decltype(k)>(s, c.input.data(), c.grad_output.data(), gi);
  });
  cs.bounds = [](const Case&, const Results&) { return Bounds{}; };
  return cs;
}

}  // namespace stn_fuzz
