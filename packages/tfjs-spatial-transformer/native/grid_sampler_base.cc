// The row kernels of grid_sampler_simd.inl, volume_sampler_simd.inl and
// image_transform_simd.inl, portable: the project's baseline flags only (SSE2
// on x86-64); the only build on other architectures.
#define STN_ISA base
#include "grid_sampler_simd.inl"
#include "volume_sampler_simd.inl"
#include "image_transform_simd.inl"
#include "isa_kernels.inl"
