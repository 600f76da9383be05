// Run-time choice of the row kernels' ISA: the best the CPU supports
// (__builtin_cpu_supports, which also checks that the OS saves the vector
// registers), or a lower one forced by the environment variable STN_ISA
// (base | avx2 | avx512, read once at load) or by set_isa(). Built without ISA
// flags, so it runs on any x86-64.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "grid_sampler.h"
#include "grid_sampler_rows.h"

namespace stn {
namespace {

Isa detect() {
#if (defined(__x86_64__) || defined(_M_X64)) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return Isa::Avx512;
  if (__builtin_cpu_supports("avx2")) return Isa::Avx2;
#endif
  return Isa::Base;
}

// The detected ISA, lowered by STN_ISA when set.
Isa initial() {
  const Isa best = detect();
  const char* env = std::getenv("STN_ISA");
  if (env == nullptr || *env == '\0') return best;
  Isa wanted;
  if (!parse_name(env, &wanted)) {
    std::string names;
    for (Isa i : all_values<Isa>()) names += std::string(names.empty() ? "" : ", ") + name_of(i);
    std::fprintf(stderr,
                 "tfjs-spatial-transformer: ignoring STN_ISA=%s (expected one "
                 "of %s)\n",
                 env, names.c_str());
    return best;
  }
  return wanted < best ? wanted : best;
}

std::atomic<Isa>& active() {
  static std::atomic<Isa> isa{initial()};
  return isa;
}

}  // namespace

Isa best_isa() {
  static const Isa best = detect();
  return best;
}

bool set_isa(Isa isa) {
  if (isa > best_isa()) return false;
  active().store(isa);
  return true;
}

Isa get_isa() { return active().load(); }

IsaKernels isa_kernels() {
  switch (get_isa()) {
#if defined(__x86_64__) || defined(_M_X64)
    case Isa::Avx512: return avx512::kernels();
    case Isa::Avx2: return avx2::kernels();
#endif
    default: return base::kernels();
  }
}

}  // namespace stn
