// MaxPoolGrad's reference: TF's CPU algorithm step for step. A pass over the
// input in input order updates every window the element lies in (its max
// and argmax, the first element of a window always taken, later ones when
// greater); then grad_input is zeroed and each output's dy is added at its
// argmax, in output order.
#include <algorithm>
#include <vector>

#include "max_pool_grad.h"

namespace stn {

bool pool_shape(int64_t n, int64_t h, int64_t w, int64_t c, int64_t kh, int64_t kw, int64_t sh,
                int64_t sw, bool same, PoolShape* out) {
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || kh > ((int64_t{1} << 31) - 1) / kw) return false;
  PoolShape s{n, h, w, c, kh, kw, sh, sw, 0, 0, 0, 0};
  if (same) {
    s.out_h = (h + sh - 1) / sh;
    s.out_w = (w + sw - 1) / sw;
    s.pad_top = std::max<int64_t>((s.out_h - 1) * sh + kh - h, 0) / 2;
    s.pad_left = std::max<int64_t>((s.out_w - 1) * sw + kw - w, 0) / 2;
  } else {
    s.out_h = (h - kh + sh) / sh;  // C++ division, as TF's
    s.out_w = (w - kw + sw) / sw;
    if (s.out_h < 0 || s.out_w < 0) return false;
  }
  *out = s;
  return true;
}

void max_pool_grad_ref(const PoolShape& s, const float* input, const float* dy, float* grad_input) {
  const int64_t outputs = s.out_h * s.out_w * s.c;
  for (int64_t b = 0; b < s.n; ++b) {
    std::vector<float> max(outputs);
    std::vector<int64_t> argmax(outputs, -1);
    const float* x = input + b * s.h * s.w * s.c;
    for (int64_t h = 0; h < s.h; ++h) {
      for (int64_t w = 0; w < s.w; ++w) {
        // The outputs whose windows hold (h, w).
        const int64_t hp = h + s.pad_top, wp = w + s.pad_left;
        const int64_t oh0 = hp < s.kh ? 0 : (hp - s.kh) / s.sh + 1;
        const int64_t oh1 = std::min(hp / s.sh + 1, s.out_h);
        const int64_t ow0 = wp < s.kw ? 0 : (wp - s.kw) / s.sw + 1;
        const int64_t ow1 = std::min(wp / s.sw + 1, s.out_w);
        for (int64_t oh = oh0; oh < oh1; ++oh)
          for (int64_t ow = ow0; ow < ow1; ++ow)
            for (int64_t d = 0; d < s.c; ++d) {
              const int64_t o = (oh * s.out_w + ow) * s.c + d, i = (h * s.w + w) * s.c + d;
              if (max[o] < x[i] || argmax[o] == -1) {
                max[o] = x[i];
                argmax[o] = i;
              }
            }
      }
    }
    float* g = grad_input + b * s.h * s.w * s.c;
    std::fill(g, g + s.h * s.w * s.c, 0.0f);
    const float* d = dy + b * outputs;
    for (int64_t o = 0; o < outputs; ++o)
      if (argmax[o] >= 0) g[argmax[o]] += d[o];
  }
}

}  // namespace stn
