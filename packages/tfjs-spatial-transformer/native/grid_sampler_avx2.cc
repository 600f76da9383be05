// The row kernels of grid_sampler_simd.inl, volume_sampler_simd.inl and
// image_transform_simd.inl, compiled with -mavx2 (CMakeLists.txt,
// binding.gyp); used only when the CPU has AVX2.
// Elsewhere than x86-64 this file is empty (dispatch.cc never selects it).
#if defined(__x86_64__) || defined(_M_X64)
#define STN_ISA avx2
#define STN_ISA_AVX2
#include "grid_sampler_simd.inl"
#include "volume_sampler_simd.inl"
#include "image_transform_simd.inl"
#include "isa_kernels.inl"
#endif
