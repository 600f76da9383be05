// Index arithmetic past 2^32 elements: the sampler on inputs of 6.4e9 floats
// (24 GiB of address space) mapped with MAP_NORESERVE, of which only the few
// pages the grid reads are ever touched. Forward and grad_grid, reference and
// threaded, at hand-computed values. (grad_input is not run here: it zeroes
// the whole input-sized gradient. Its scatter uses the same int64 tap offsets
// as the grad_grid gather checked here.) Exits 77 (ctest: skipped) when the
// address space cannot be reserved.
#include <sys/mman.h>

#include <cstdio>
#include <string>
#include <vector>

#include "../grid_sampler.h"
#include "check.h"

using namespace stn;
using namespace stn_test;

namespace {

struct Mapping {
  float* data = nullptr;
  size_t bytes = 0;
  explicit Mapping(int64_t count) : bytes(size_t(count) * sizeof(float)) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED) data = static_cast<float*>(p);
  }
  ~Mapping() {
    if (data) munmap(data, bytes);
  }
};

// Normalised coordinate of pixel position u (align_corners = false); exact
// for the power-of-two sizes used here.
float at_pixel(double u, int64_t size) { return float((2 * u + 1) / double(size) - 1); }

int cases = 0;

// input [n,h,w,c]; a 2x2 block [[1,2],[3,4]] (channel k adds 10k) at rows
// h-2..h-1, columns w-2..w-1 of the last batch item, and 7 at pixel (0,0) of
// item 0 (when n > 1). Grid (item n-1): the block's centre (bilinear 2.5), its
// last pixel (nearest 4); item 0 samples (0,0) twice (when n > 1).
bool run_shape(int64_t n, int64_t h, int64_t w, int64_t c) {
  const SamplerShape s{n, h, w, c, 1, 2};
  const int64_t count = n * h * w * c;
  Mapping input(count);
  if (!input.data) {
    std::printf("large_index: SKIPPED, cannot reserve %.1f GiB of address space\n",
                double(input.bytes) / double(1 << 30));
    return false;
  }
  const int64_t last = (n - 1) * h * w * c;
  auto pixel = [&](int64_t item, int64_t y, int64_t x) {
    return input.data + item + (y * w + x) * c;
  };
  for (int64_t k = 0; k < c; ++k) {
    pixel(last, h - 2, w - 2)[k] = 1 + 10 * k;
    pixel(last, h - 2, w - 1)[k] = 2 + 10 * k;
    pixel(last, h - 1, w - 2)[k] = 3 + 10 * k;
    pixel(last, h - 1, w - 1)[k] = 4 + 10 * k;
    pixel(0, 0, 0)[k] = 7 + 10 * k;
  }
  std::vector<float> grid(size_t(n) * 2 * 2, 0.0f);
  float* g = grid.data() + (n - 1) * 4;
  g[0] = at_pixel(double(w) - 1.5, w);
  g[1] = at_pixel(double(h) - 1.5, h);
  g[2] = at_pixel(double(w) - 1, w);
  g[3] = at_pixel(double(h) - 1, h);
  if (n > 1) {
    grid[0] = grid[2] = at_pixel(0, w);
    grid[1] = grid[3] = at_pixel(0, h);
  }
  const std::vector<float> grad_output(size_t(n) * 2 * c, 1.0f);

  const std::string shape = "[n=" + std::to_string(n) + " h=" + std::to_string(h) +
                            " w=" + std::to_string(w) + " c=" + std::to_string(c) + "]";
  for (bool fast : {false, true}) {
    const std::string name = shape + (fast ? " threaded" : " reference");
    for (auto mode : {Interpolation::Bilinear, Interpolation::Nearest}) {
      const SamplerOptions o{mode, Padding::Zeros, false};
      const bool bilinear = mode == Interpolation::Bilinear;
      std::vector<float> out = nan_filled(n * 2 * c);
      (fast ? grid_sample_forward : grid_sample_forward_ref)(
          s, o, input.data, grid.data(), out.data());
      std::vector<float> want(out.size(), 0.0f);
      for (int64_t k = 0; k < c; ++k) {
        if (n > 1) want[k] = want[c + k] = 7 + 10 * k;  // item 0, both points
        want[(n - 1) * 2 * c + k] = (bilinear ? 2.5f : 1.0f) + 10 * k;
        want[(n - 1) * 2 * c + c + k] = 4 + 10 * k;
      }
      // Nearest rounds the block's centre (half-integral) to even: w - 2.
      expect_same(name + (bilinear ? " bilinear" : " nearest") + " output", out, want);
      ++cases;
      if (!bilinear) continue;
      std::vector<float> gg = nan_filled(n * 2 * 2);
      (fast ? grid_sample_backward : grid_sample_backward_ref)(
          s, o, grad_output.data(), input.data, grid.data(), nullptr, gg.data(), Scratch{});
      // At the block's centre: d/dix = sum_k ((2-1) + (4-3)) / 2 * W/2,
      // d/diy = sum_k ((3-1) + (4-2)) / 2 * H/2. At a pixel centre (integral
      // coordinates) the one-sided gradient reads the zeros outside: -v * W/2.
      std::vector<float> want_gg(gg.size(), 0.0f);
      const float cf = float(c);
      float* wg = want_gg.data() + (n - 1) * 4;
      wg[0] = cf * float(w) / 2;
      wg[1] = cf * 2 * float(h) / 2;
      float sum4 = 0;
      for (int64_t k = 0; k < c; ++k) sum4 += 4 + 10 * k;
      wg[2] = -sum4 * float(w) / 2;
      wg[3] = -sum4 * float(h) / 2;
      float sum7 = 0;
      for (int64_t k = 0; k < c; ++k) sum7 += 7 + 10 * k;
      // Pixel (0,0) of item 0: its neighbours east and south are 0.
      if (n > 1) {
        want_gg[0] = want_gg[2] = -sum7 * float(w) / 2;
        want_gg[1] = want_gg[3] = -sum7 * float(h) / 2;
      }
      expect_same(name + " grad_grid", gg, want_gg);
      ++cases;
    }
  }
  return true;
}

}  // namespace

int main() {
  // Batch offset past 2^32: item 2 starts at 2^32 (N*H*W = 3 * 2^31).
  if (!run_shape(3, 32768, 65536, 1)) return 77;
  // Pixel offset * C past 2^32 inside one item: (y*W + x)*C up to 6.4e9.
  if (!run_shape(1, 65536, 32768, 3)) return 77;
  return finish("large_index", cases);
}
