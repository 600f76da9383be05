// A tiny test harness: failures are counted and the first few are printed
// with the case name and the failing index; main returns finish().
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../grid_sampler.h"
#include "../kernel_calls.h"

namespace stn_test {

inline int& failures() {
  static int count = 0;
  return count;
}

inline void fail(const std::string& what) {
  if (++failures() <= 25) std::fprintf(stderr, "FAIL %s\n", what.c_str());
}

inline bool same_bits(float a, float b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

inline std::string show(float v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// Bitwise equality of two arrays; reports the first differing index.
inline bool expect_same(const std::string& what, const std::vector<float>& got,
                        const std::vector<float>& want) {
  for (size_t i = 0; i < want.size(); ++i) {
    if (!same_bits(got[i], want[i])) {
      fail(what + ": index " + std::to_string(i) + " is " + show(got[i]) +
           ", expected " + show(want[i]) + " bit for bit");
      return false;
    }
  }
  return true;
}

// |got - want| <= tol[i] (tol is per element).
inline bool expect_near(const std::string& what, const std::vector<float>& got,
                        const std::vector<float>& want,
                        const std::vector<double>& tol) {
  for (size_t i = 0; i < want.size(); ++i) {
    const double d = std::fabs(double(got[i]) - double(want[i]));
    if (!(d <= tol[i])) {
      fail(what + ": index " + std::to_string(i) + " is " + show(got[i]) +
           ", expected " + show(want[i]) + " within " + show(float(tol[i])));
      return false;
    }
  }
  return true;
}

inline bool expect_finite(const std::string& what, const std::vector<float>& v) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      fail(what + ": index " + std::to_string(i) + " is " + show(v[i]) +
           ", expected a finite value");
      return false;
    }
  }
  return true;
}

inline std::vector<float> nan_filled(int64_t count) {
  return std::vector<float>(static_cast<size_t>(count), std::nanf(""));
}

// Calls kernel(args..., scratch) with `bytes` of scratch.
template <class Kernel, class... Args>
void with_scratch(size_t bytes, Kernel kernel, Args... args) {
  const stn::ScratchMemory scratch(bytes);  // as both front doors allocate it
  kernel(args..., scratch.get());
}

inline int finish(const char* suite, int cases) {
  if (failures()) {
    std::printf("%s: %d failure(s) in %d cases\n", suite, failures(), cases);
    return 1;
  }
  std::printf("%s: %d cases passed\n", suite, cases);
  return 0;
}

}  // namespace stn_test
