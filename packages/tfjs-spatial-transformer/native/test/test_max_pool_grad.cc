// MaxPoolGrad (TF's op, for useFastMaxPoolGrad): the threaded kernel against
// the reference (TF's algorithm step for step), bit for bit, at 1 and 2
// threads, over VALID and SAME, overlapping and gapped windows, 1 to 70
// channels (more than one channel block), on inputs full of ties, zeros of
// both signs, NaNs and infinities; gradients pre-filled with NaN. Hand cases
// pin the tie and NaN rules and TF's output sizes and padding; the
// TensorFlow oracle is test/max_pool_grad.test.ts.
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../max_pool_grad.h"
#include "check.h"

using namespace stn;
using namespace stn_test;

namespace {

int cases = 0;

// Values from a few levels (ties in most windows), with zeros of both signs,
// NaNs and infinities mixed in when `specials`.
float value(std::mt19937& rng, bool specials) {
  const int pick = static_cast<int>(rng() % 16);
  const float inf = std::numeric_limits<float>::infinity();
  if (specials && pick == 0) return std::nanf("");
  if (specials && pick == 1) return rng() % 2 ? inf : -inf;
  if (pick == 2) return -0.0f;
  return static_cast<float>(static_cast<int>(rng() % 5) - 2) * 0.75f;
}

void check_against_reference(int64_t n, int64_t h, int64_t w, int64_t c, int64_t kh, int64_t kw, int64_t sh,
                             int64_t sw, bool same, bool specials) {
  const std::string name = "n" + std::to_string(n) + " " + std::to_string(h) + "x" + std::to_string(w) + " c" +
                           std::to_string(c) + " window " + std::to_string(kh) + "x" + std::to_string(kw) +
                           " strides " + std::to_string(sh) + "," + std::to_string(sw) + (same ? " SAME" : " VALID") +
                           (specials ? " specials" : "");
  PoolShape s{};
  if (!pool_shape(n, h, w, c, kh, kw, sh, sw, same, &s)) {
    fail(name + ": pool_shape refused it");
    return;
  }
  std::mt19937 rng(static_cast<unsigned>(h * 131 + w * 17 + c * 7 + kh * 5 + sw + same));
  std::uniform_real_distribution<float> u(-2, 2);
  std::vector<float> input(n * h * w * c), dy(n * s.out_h * s.out_w * c);
  for (float& v : input) v = value(rng, specials);
  for (float& v : dy) v = rng() % 8 == 0 ? -0.0f : u(rng);
  const float nan = std::nanf("");
  std::vector<float> want(input.size(), nan);
  call_max_pool_grad<ReferenceKernels>(s, input.data(), dy.data(), want.data());
  ++cases;
  for (size_t i = 0; i < want.size(); ++i)
    if (std::isnan(want[i])) {
      fail(name + ": the reference left a NaN at " + std::to_string(i));
      break;
    }
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    std::vector<float> got(input.size(), nan);
    call_max_pool_grad<FastKernels>(s, input.data(), dy.data(), got.data());
    expect_same(name + " " + std::to_string(threads) + "t", got, want);
  }
  set_num_threads(0);
}

void expect_grad(const std::string& what, const PoolShape& s, const std::vector<float>& input,
                 const std::vector<float>& dy, const std::vector<float>& want) {
  for (bool reference : {true, false}) {
    std::vector<float> got(input.size(), std::nanf(""));
    if (reference) call_max_pool_grad<ReferenceKernels>(s, input.data(), dy.data(), got.data());
    else call_max_pool_grad<FastKernels>(s, input.data(), dy.data(), got.data());
    ++cases;
    expect_same(what + (reference ? " (reference)" : " (kernel)"), got, want);
  }
}

// The tie and NaN rules, by hand: one 2x2 VALID window, one channel.
void check_rules() {
  PoolShape s{};
  pool_shape(1, 2, 2, 1, 2, 2, 2, 2, false, &s);
  const float nan = std::nanf("");
  expect_grad("a tie goes to the first", s, {1, 3, 3, 3}, {5}, {0, 5, 0, 0});
  expect_grad("a NaN first element is the argmax", s, {nan, 3, 4, 1}, {5}, {5, 0, 0, 0});
  expect_grad("a later NaN is never greater", s, {1, nan, 4, nan}, {5}, {0, 0, 5, 0});
  expect_grad("-inf everywhere: the first", s, {-INFINITY, -INFINITY, -INFINITY, -INFINITY}, {5}, {5, 0, 0, 0});
  expect_grad("a -0 dy adds to +0", s, {0, 1, 2, 3}, {-0.0f}, {0, 0, 0, 0});
  // Overlapping windows (3x1 input, window 2x1, stride 1): the middle is
  // both windows' argmax and gets both dys; rows of no window stay 0.
  pool_shape(1, 3, 1, 1, 2, 1, 1, 1, false, &s);
  expect_grad("overlapping windows sum", s, {1, 9, 2}, {0.5f, 0.25f}, {0, 0.75f, 0});
  pool_shape(1, 5, 1, 1, 2, 1, 2, 1, false, &s);
  expect_grad("VALID drops the last row", s, {1, 2, 3, 4, 5}, {1, 1}, {0, 1, 0, 1, 0});
}

void expect_shape(const std::string& what, int64_t h, int64_t k, int64_t stride, bool same, bool ok,
                  int64_t out = 0, int64_t pad = 0) {
  PoolShape s{};
  const bool got = pool_shape(1, h, h, 1, k, k, stride, stride, same, &s);
  ++cases;
  if (got != ok) fail(what + ": pool_shape " + (got ? "accepted" : "refused") + " it");
  else if (ok && (s.out_h != out || s.out_w != out || s.pad_top != pad || s.pad_left != pad))
    fail(what + ": output " + std::to_string(s.out_h) + " pad " + std::to_string(s.pad_top) + ", expected " +
         std::to_string(out) + " pad " + std::to_string(pad));
}

// TF's GetWindowedOutputSize, by hand.
void check_shapes() {
  expect_shape("VALID 5, window 2, stride 2", 5, 2, 2, false, true, 2, 0);
  expect_shape("SAME 5, window 2, stride 2", 5, 2, 2, true, true, 3, 0);
  expect_shape("SAME 4, window 3, stride 1: pad 1", 4, 3, 1, true, true, 4, 1);
  expect_shape("SAME 7, window 4, stride 1: pad 1 (3 split 1 + 2)", 7, 4, 1, true, true, 7, 1);
  expect_shape("VALID 1, window 4, stride 2: (1-4+2)/2 truncates to 0", 1, 4, 2, false, true, 0, 0);
  expect_shape("VALID 1, window 5, stride 2: negative", 1, 5, 2, false, false);
  expect_shape("window 0", 4, 0, 1, false, false);
  expect_shape("stride 0", 4, 2, 0, true, false);
  expect_shape("a window of 2^31 elements", 4, 46341, 1, true, false);
}

}  // namespace

int main() {
  check_rules();
  check_shapes();
  for (bool specials : {false, true})
    for (bool same : {false, true})
      for (int64_t c : {1, 3, 16, 70}) {
        check_against_reference(2, 28, 28, c, 2, 2, 2, 2, same, specials);  // the usual pool
        check_against_reference(1, 9, 7, c, 3, 3, 2, 2, same, specials);    // overlapping
        check_against_reference(3, 8, 11, c, 3, 2, 1, 3, same, specials);   // mixed
        check_against_reference(1, 5, 6, c, 1, 2, 3, 2, same, specials);    // gaps between windows
        check_against_reference(1, 3, 3, c, 5, 5, 1, 1, true, specials);    // window past the input
      }
  check_against_reference(0, 4, 4, 3, 2, 2, 2, 2, false, false);  // empty batch
  check_against_reference(2, 4, 4, 0, 2, 2, 2, 2, false, false);  // no channels
  return finish("test_max_pool_grad", cases);
}
