// NOTE [volume row kernels]
//
// The vector forward rows of the volume sampler (volume_sampler.cc), written
// once with grid_sampler_simd.inl's `V` and included right after it by the
// same per-ISA units (grid_sampler_{base,avx2,avx512}.cc): the same unnamed
// namespace, so the same "Linkage" rules (only select_volume_forward, in the
// ISA's namespace, has external linkage).
//
// Trilinear and nearest, zeros or border padding, 1 <= C <=
// kPixelPathMaxChannels, AVX2 or AVX-512; elsewhere select_volume_forward
// returns null and volume_sampler.cc runs its scalar path. kWidth points per
// step: the grid's (x, y, z) triples deinterleaved (V::deinterleave3), each
// axis's source position by the 2-D rows' source_index (coordinates.h's float
// operations), then volume_coords.h's cell in vector registers: floor, the
// near_image test, per-axis distances d0 = pos - f, d1 = (f + 1) - pos (f is
// the floor, so (float)(int64)f == f and f + 1 is exact for sizes < 2^24),
// corner k's weight (part_x * part_y) * part_z, corners in the reference's
// order (k = x + 2y + 4z, tnw .. bse), each read with a masked gather. The
// sum is the reference's 0 + v0*w0 + v1*w1 + ..., left to right.
//
// Bitwise: an out-of-bounds corner, which the reference skips, reads 0 here
// and adds 0 * w = +0 (w >= 0: a product of distances that are >= 0 and
// finite). That changes nothing: the sum starts at +0 and x + y is -0 only
// when both are -0, so the running sum is never -0, and s + (+0) == s for
// every other s, NaN and infinities included. Far and non-finite points give
// +0, as the reference's zero fill. So the output equals the reference bit
// for bit on every ISA (no FMA: -ffp-contract=off, no FMA intrinsics).

namespace stn {
namespace STN_ISA {
namespace {

#if defined(STN_ISA_AVX2) || defined(STN_ISA_AVX512)

// ((z * H + y) * W + x) * C: the element offsets of voxels (x, y, z) =
// (i[0], i[1], i[2]) in the batch item.
inline V::I voxel_offset(const VolumeShape& s, const V::I i[3]) {
  const V::I zy = V::addi(V::muli(i[2], V::set1i(int32_t(s.h))), i[1]);
  return V::muli(V::addi(V::muli(zy, V::set1i(int32_t(s.w))), i[0]), V::set1i(int32_t(s.c)));
}

template <Interpolation kMode, Padding kPadding, bool kAlign>
struct VolumeRows {
  static constexpr int kW = V::kWidth;

  static void forward_full(const VolumeShape& s, const float* inp, const float* grid,
                           float* out, int64_t count) {
    const V::F zero = V::zero(), one = V::set1(1.0f), minus_one = V::set1(-1.0f);
    const V::F size[3] = {V::set1(float(s.w)), V::set1(float(s.h)), V::set1(float(s.d))};
    // Element steps along x, y, z in the batch item.
    const int64_t step[3] = {s.c, s.w * s.c, s.h * s.w * s.c};
    for (int64_t x = 0; x + kW <= count; x += kW) {
      V::F g[3], pos[3], unused;
      V::deinterleave3(grid + 3 * x, &g[0], &g[1], &g[2]);
      V::M finite[3];
      pos[0] = source_index<kPadding, kAlign, false>(g[0], s.w, &finite[0], &unused);
      pos[1] = source_index<kPadding, kAlign, false>(g[1], s.h, &finite[1], &unused);
      pos[2] = source_index<kPadding, kAlign, false>(g[2], s.d, &finite[2], &unused);
      const V::M all_finite = V::mand(finite[0], V::mand(finite[1], finite[2]));
      float* o = out + x * s.c;
      if constexpr (kMode == Interpolation::Bilinear) {
        // trilinear_cell: near_image on every axis, else the point is far.
        V::F f[3];
        V::M near = all_finite;
        for (int a = 0; a < 3; ++a) {
          f[a] = V::floor(pos[a]);
          near = V::mand(near, V::mand(V::ge(f[a], minus_one), V::le(f[a], size[a])));
        }
        // Per axis: side 0 (f) and side 1 (f + 1) in bounds; distances
        // d[a][0] = pos - f, d[a][1] = (f + 1) - pos; the low corner's offset
        // (far lanes convert garbage, but they are masked everywhere).
        V::M in[3][2];
        V::F d[3][2];
        V::I low[3];
        for (int a = 0; a < 3; ++a) {
          in[a][0] = V::mand(V::ge(f[a], zero), V::lt(f[a], size[a]));
          in[a][1] = V::mand(V::ge(f[a], minus_one), V::lt(f[a], V::sub(size[a], one)));
          d[a][0] = V::sub(pos[a], f[a]);
          d[a][1] = V::sub(V::add(f[a], one), pos[a]);
          low[a] = V::to_int(V::select(near, f[a], zero));
        }
        const V::I base = voxel_offset(s, low);
        V::I offset[8];
        V::M mask[8];
        V::F weight[8];
        for (int k = 0; k < 8; ++k) {
          const int bx = k & 1, by = k >> 1 & 1, bz = k >> 2;
          offset[k] = V::addi(base, V::set1i(int32_t(bx * step[0] + by * step[1] + bz * step[2])));
          mask[k] = V::mand(near, V::mand(in[0][bx], V::mand(in[1][by], in[2][bz])));
          // TrilinearCell::weight: the distance to the far side, per axis.
          weight[k] = V::mul(V::mul(d[0][1 - bx], d[1][1 - by]), d[2][1 - bz]);
        }
        for (int64_t c = 0; c < s.c; ++c) {
          V::F r = zero;
          for (int k = 0; k < 8; ++k)
            r = V::add(r, V::mul(V::gather(mask[k], inp + c, offset[k]), weight[k]));
          put_lanes(s, o, c, V::select(near, r, zero));
        }
      } else {
        // nearest_voxel: round half to even, then in bounds on every axis.
        V::M in = all_finite;
        V::F r[3];
        for (int a = 0; a < 3; ++a) {
          r[a] = V::nearbyint(pos[a]);
          in = V::mand(in, V::mand(V::ge(r[a], zero), V::lt(r[a], size[a])));
        }
        V::I voxel[3];
        for (int a = 0; a < 3; ++a) voxel[a] = V::to_int(V::select(in, r[a], zero));
        const V::I at = voxel_offset(s, voxel);
        for (int64_t c = 0; c < s.c; ++c) put_lanes(s, o, c, V::gather(in, inp + c, at));
      }
    }
  }
};

// The rows apply: few channels, a padding computed in vector registers, and
// offsets (also of the masked corners one voxel outside) and coordinates
// that fit int32 and float exactly.
bool volume_rows_apply(const SamplerOptions& o, const VolumeShape& s) {
  const int64_t kIntMax = 0x7fffffff, kExact = int64_t{1} << 24;
  if (s.c < 1 || s.c > kPixelPathMaxChannels || o.padding == Padding::Reflection) return false;
  if (s.d >= kExact || s.h >= kExact || s.w >= kExact) return false;
  const int64_t plane = (s.h + 1) * (s.w + 1);  // < 2^48: no overflow
  return plane < kIntMax && plane * (s.d + 1) * s.c < kIntMax;
}

template <Interpolation kMode, Padding kPadding>
VolumeForwardRow volume_rows_align(bool align) {
  return align ? &InVectors<VolumeRows<kMode, kPadding, true>, VolumeShape, 3>::forward
               : &InVectors<VolumeRows<kMode, kPadding, false>, VolumeShape, 3>::forward;
}

template <Interpolation kMode>
VolumeForwardRow volume_rows_padding(const SamplerOptions& o) {
  return o.padding == Padding::Border ? volume_rows_align<kMode, Padding::Border>(o.align_corners)
                                      : volume_rows_align<kMode, Padding::Zeros>(o.align_corners);
}

#endif  // STN_ISA_AVX2 || STN_ISA_AVX512

}  // namespace

VolumeForwardRow select_volume_forward(const SamplerOptions& o, const VolumeShape& s) {
#if defined(STN_ISA_AVX2) || defined(STN_ISA_AVX512)
  if (volume_rows_apply(o, s)) {
    if (o.mode == Interpolation::Bilinear) return volume_rows_padding<Interpolation::Bilinear>(o);
    if (o.mode == Interpolation::Nearest) return volume_rows_padding<Interpolation::Nearest>(o);
  }
#endif
  (void)o;
  (void)s;
  return nullptr;
}

}  // namespace STN_ISA
}  // namespace stn
