// Deterministic random driver of the kernel fuzzer (fuzz_sampler.h):
// random byte strings from a seeded PRNG, decoded and checked exactly as the
// libFuzzer target does, so it runs where clang is not installed. ctest runs
// a short, fixed setting; `npm run fuzz` a long one.
//
// Usage: fuzz_grid_sampler [--iterations N] [--seconds S] [--seed K]
//                          [--max-elements E]
// Stops at whichever of N iterations or S seconds comes first. The
// environment variables STN_FUZZ_ITERATIONS, STN_FUZZ_SECONDS and
// STN_FUZZ_SEED set the defaults (how scripts set them under ctest).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "fuzz_sampler.h"

int main(int argc, char** argv) {
  auto env = [](const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
  };
  int64_t iterations = std::strtoll(env("STN_FUZZ_ITERATIONS", "300"), nullptr, 10);
  double seconds = std::strtod(env("STN_FUZZ_SECONDS", "1e9"), nullptr);
  uint64_t seed = std::strtoull(env("STN_FUZZ_SEED", "1"), nullptr, 10);
  int64_t max_elements = 1 << 15;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--iterations") iterations = std::strtoll(value, nullptr, 10);
    else if (flag == "--seconds") seconds = std::strtod(value, nullptr);
    else if (flag == "--seed") seed = std::strtoull(value, nullptr, 10);
    else if (flag == "--max-elements") max_elements = std::strtoll(value, nullptr, 10);
    else {
      std::fprintf(stderr, "fuzz_grid_sampler: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
        .count();
  };
  std::string isa_list, kernel_list;
  for (stn::Isa isa : stn_fuzz::isas())
    isa_list += std::string(isa_list.empty() ? "" : ", ") + stn::name_of(isa);
  for (const auto& k : stn_fuzz::kernels())
    kernel_list += std::string(kernel_list.empty() ? "" : ", ") + k.name;
  std::printf("fuzz_grid_sampler: seed %llu, kernels: %s; threaded paths: %s\n",
              (unsigned long long)seed, kernel_list.c_str(), isa_list.c_str());

  int64_t i = 0;
  for (; i < iterations && elapsed() < seconds; ++i) {
    // Case i depends only on (seed, i): a failure is reproduced with
    // --seed K --iterations i+1 (the message names i).
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + uint64_t(i));
    std::vector<uint8_t> bytes(16 + rng() % 1024);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    const stn_fuzz::Case c =
        stn_fuzz::decode(bytes.data(), bytes.size(), max_elements);
    const int64_t failures = stn_fuzz::stats().failures;
    stn_fuzz::check_case(c);
    if (stn_fuzz::stats().failures != failures)
      std::fprintf(stderr, "  (case %lld of seed %llu)\n", (long long)i,
                   (unsigned long long)seed);
  }
  const auto& st = stn_fuzz::stats();
  std::string by_kernel, worst;
  for (const auto& [name, n] : st.cases_by_kernel)
    by_kernel += (by_kernel.empty() ? "" : ", ") + name + " " + std::to_string(n);
  char buf[64];
  for (const auto& [name, w] : st.worst) {
    std::snprintf(buf, sizeof buf, " %.3f", w);
    worst += (worst.empty() ? "" : ",") + std::string(" ") + name + buf;
  }
  std::printf(
      "fuzz_grid_sampler: %lld cases (%s), %lld path runs (x forward + 3 backward), %.1f s, "
      "%lld failures; largest deviation from the reference, as a fraction of its bound:%s\n",
      (long long)st.cases, by_kernel.c_str(), (long long)st.path_runs, elapsed(),
      (long long)st.failures, worst.empty() ? " none" : worst.c_str());
  return st.failures ? 1 : 0;
}
