// The thread count shared by the threaded kernels. Results never depend on it
// (see grid_sampler.cc), only speed does.
#include <omp.h>

#include <algorithm>
#include <atomic>

#include "grid_sampler.h"

namespace stn {
namespace {
std::atomic<int> g_num_threads{0};  // 0: the default
// Below this many output elements a kernel runs on the calling thread.
constexpr int64_t kMinParallelWork = int64_t{1} << 14;
}  // namespace

void set_num_threads(int n) { g_num_threads.store(n < 1 ? 0 : n); }

int get_num_threads() {
  const int n = g_num_threads.load();
  return n > 0 ? n : std::max(1, omp_get_num_procs());
}

int threads_for(int64_t work) {
  return work < kMinParallelWork ? 1 : get_num_threads();
}

}  // namespace stn
