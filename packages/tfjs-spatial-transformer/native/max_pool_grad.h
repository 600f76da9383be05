// TensorFlow's MaxPoolGrad: the input's gradient of a 2-D max pool (NHWC,
// VALID or SAME padding), for tfjs's maxPool on tfjs-node (the library's
// useFastMaxPoolGrad). Plain C++, no N-API.
//
// Semantics are TF's CPU kernel (maxpooling_op.cc), checked against the op
// itself: each output's window is read row by row, left to right; its first
// element is the argmax, and a later element replaces it only when greater
// (ties, and NaNs after the first element, keep the earlier one). The
// gradient is zero plus, in output order, each output's dy added at its
// argmax (overlapping windows sum). The max itself is recomputed from the
// input: TF's op takes the forward's output but does not read it.
#pragma once

#include <cstdint>

namespace stn {

struct PoolShape {
  int64_t n, h, w, c;         // input and grad_input [N,H,W,C]
  int64_t kh, kw, sh, sw;     // window and strides, each >= 1
  int64_t out_h, out_w;       // dy [N,out_h,out_w,C]
  int64_t pad_top, pad_left;  // SAME's padding before the first row and column
};

// TF's windowed output size and padding for input [N,H,W,C], a kh x kw window
// and strides (sh, sw), VALID or SAME; false when a window or stride is < 1,
// the window has 2^31 elements or more, or VALID's output would be negative
// (TF's error).
bool pool_shape(int64_t n, int64_t h, int64_t w, int64_t c, int64_t kh, int64_t kw, int64_t sh,
                int64_t sw, bool same, PoolShape* out);

// grad_input [N,H,W,C] (overwritten) from input [N,H,W,C] and dy
// [N,out_h,out_w,C]. The reference is TF's algorithm (a pass over the
// input in input order keeping each output's argmax, then the scatter); the
// kernel finds each output's argmax on its own, a block of channels at a
// time, one batch item per task.
void max_pool_grad_ref(const PoolShape& s, const float* input, const float* dy, float* grad_input);
void max_pool_grad(const PoolShape& s, const float* input, const float* dy, float* grad_input);

}  // namespace stn
