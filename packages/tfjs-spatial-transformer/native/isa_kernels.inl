// One ISA's table of kernels (grid_sampler_rows.h's IsaKernels), included
// last by each per-ISA unit (grid_sampler_{base,avx2,avx512}.cc) after the
// three .inl files whose select functions it lists. With those functions it
// is all the unit exports, in the ISA's namespace (test/check_isa_symbols.cmake).

namespace stn {
namespace STN_ISA {

// A function rather than a constant: a global would gain an exported ODR
// indicator under ASan (__odr_asan.*), outside the ISA's namespace.
IsaKernels kernels() { return {&select_rows, &select_volume_rows, &select_transform_row}; }

}  // namespace STN_ISA
}  // namespace stn
