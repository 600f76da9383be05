// Threaded MaxPoolGrad: each output's window scanned on its own, a block of
// channels at a time (their running max and argmax in two small arrays the
// compiler keeps in vector registers), and its dy added at the argmax by
// one select-and-add per window element, contiguous in the channels.
//
// Bitwise: grad_input equals the reference's (TF's). Every element gets the
// same additions in the same (output) order; the window elements that are
// not the argmax get + 0.0f, which changes nothing: a sum that starts at +0
// and adds finite or infinite floats or NaNs is never -0. One task per batch
// item (items share nothing), so any thread count gives the same bits.
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "grid_sampler.h"  // threads_for
#include "max_pool_grad.h"

namespace stn {

namespace {

constexpr int64_t kChannelBlock = 64;

// The loops below are written without branches (masks from comparisons,
// selects by bits) so that the compiler vectorises them over the channels.

// Window element p with values v: where v is greater than the running max,
// it becomes the max and p the argmax (NaNs never are greater).
inline void take_greater(float* __restrict best, int32_t* __restrict at, const float* __restrict v,
                         int32_t p, int64_t cb) {
  for (int64_t k = 0; k < cb; ++k) {
    const int32_t greater = -static_cast<int32_t>(best[k] < v[k]);
    best[k] = v[k] > best[k] ? v[k] : best[k];
    at[k] = (p & greater) | (at[k] & ~greater);
  }
}

// Window element p's gradient: dy where p is the argmax, else + 0.0f.
inline void add_at_argmax(float* __restrict out, const int32_t* __restrict at, const float* __restrict g,
                          int32_t p, int64_t cb) {
  for (int64_t k = 0; k < cb; ++k) {
    const uint32_t mask = -static_cast<uint32_t>(at[k] == p);
    uint32_t bits;
    std::memcpy(&bits, g + k, sizeof bits);
    bits &= mask;
    float add;
    std::memcpy(&add, &bits, sizeof add);
    out[k] += add;
  }
}

// Output (oh, ow)'s window [h0,h1) x [w0,w1) of item x (grad gx): argmax of
// channels [c0, c0 + cb), then dy g added there.
inline void window_grad(const PoolShape& s, const float* x, const float* g, float* gx,
                        int64_t h0, int64_t h1, int64_t w0, int64_t w1, int64_t c0, int64_t cb) {
  float best[kChannelBlock];
  int32_t at[kChannelBlock] = {};  // the argmax's position in the window, row-major
  std::memcpy(best, x + (h0 * s.w + w0) * s.c + c0, cb * sizeof(float));
  int32_t p = 0;
  for (int64_t h = h0; h < h1; ++h)
    for (int64_t w = w0; w < w1; ++w, ++p)
      if (p > 0) take_greater(best, at, x + (h * s.w + w) * s.c + c0, p, cb);
  p = 0;
  for (int64_t h = h0; h < h1; ++h)
    for (int64_t w = w0; w < w1; ++w, ++p) add_at_argmax(gx + (h * s.w + w) * s.c + c0, at, g + c0, p, cb);
}

}  // namespace

void max_pool_grad(const PoolShape& s, const float* input, const float* dy, float* grad_input) {
  const int64_t item = s.h * s.w * s.c;
  const int nt = threads_for(s.n * item);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t n = 0; n < s.n; ++n) {
    const float* x = input + n * item;
    float* gx = grad_input + n * item;
    std::fill(gx, gx + item, 0.0f);
    for (int64_t oh = 0; oh < s.out_h; ++oh) {
      const int64_t top = oh * s.sh - s.pad_top;
      const int64_t h0 = std::max<int64_t>(top, 0), h1 = std::min(top + s.kh, s.h);
      for (int64_t ow = 0; ow < s.out_w; ++ow) {
        const int64_t left = ow * s.sw - s.pad_left;
        const int64_t w0 = std::max<int64_t>(left, 0), w1 = std::min(left + s.kw, s.w);
        if (h0 >= h1 || w0 >= w1) continue;  // TF's padding leaves no empty window; never trusted
        const float* g = dy + ((n * s.out_h + oh) * s.out_w + ow) * s.c;
        for (int64_t c0 = 0; c0 < s.c; c0 += kChannelBlock)
          window_grad(s, x, g, gx, h0, h1, w0, w1, c0, std::min(kChannelBlock, s.c - c0));
      }
    }
  }
}

}  // namespace stn
