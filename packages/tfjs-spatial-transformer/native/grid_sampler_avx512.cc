// The row kernels of grid_sampler_simd.inl, volume_sampler_simd.inl and
// image_transform_simd.inl, compiled with -mavx512f -mavx512bw -mavx512dq
// -mavx512vl; used only when the CPU has all four.
// Elsewhere than x86-64 this file is empty (dispatch.cc never selects it).
#if defined(__x86_64__) || defined(_M_X64)
#define STN_ISA avx512
#define STN_ISA_AVX512
#include "grid_sampler_simd.inl"
#include "volume_sampler_simd.inl"
#include "image_transform_simd.inl"
#include "isa_kernels.inl"
#endif
