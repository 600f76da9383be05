// NOTE [volume row kernels]
//
// The vector rows of the volume sampler (volume_sampler.cc), written once
// with grid_sampler_simd.inl's `V` and included right after it by the same
// per-ISA units (grid_sampler_{base,avx2,avx512}.cc): the same unnamed
// namespace, so the same "Linkage" rules (only select_volume_rows, in the
// ISA's namespace, has external linkage).
//
// Trilinear (forward and backward) and nearest (forward), zeros or border
// padding, 1 <= C <= kPixelPathMaxChannels, AVX2 or AVX-512; elsewhere
// select_volume_rows gives null and volume_sampler.cc runs its scalar path.
// kWidth points per step: the grid's (x, y, z) triples deinterleaved
// (V::deinterleave3), each axis's source position by the 2-D rows'
// source_index (coordinates.h's float operations), then volume_coords.h's
// cell in vector registers: floor, the near_image test, per-axis distances
// d0 = pos - f, d1 = (f + 1) - pos (f is the floor, so (float)(int64)f == f,
// and f + 1 is exact for sizes < 2^24), corner k's weight
// (part_x * part_y) * part_z, corners in the reference's order
// (k = x + 2y + 4z, tnw .. bse), each read with a masked gather. The forward
// sum is the reference's 0 + v0*w0 + v1*w1 + ..., left to right; grad_grid
// the reference's signed terms ((v * part) * part) * gout, channel by
// channel, corner by corner; grad_input's scatter is scalar, point by point
// (lanes may share voxels) with the scalar path's products and order.
//
// Bitwise: an out-of-bounds corner, which the reference skips, reads 0 here
// and adds 0 * w = +0 (w >= 0: a product of distances that are >= 0 and
// finite); in grad_grid its term is selected to +0. That changes nothing:
// each sum starts at +0, and a + b (a - b) is -0 only when a is -0 and b is
// -0 (+0), so a running sum is never -0, and s + (+0) == s - (+0) == s for
// every other s, NaN and infinities included. Far and non-finite points give
// +0, as the reference's zero fill. So the forward and grad_grid equal the
// reference bit for bit, and grad_input the scalar path's, on every ISA (no
// FMA: -ffp-contract=off, no FMA intrinsics).

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

// volume_coords.h's TrilinearCell of kWidth source points: `near` (finite,
// and near_image on every axis, else the point samples nothing), and per
// corner k its mask (in bounds), element offset and the distances.
struct VecTrilinear {
  V::M near, mask[8];
  V::I offset[8];
  V::I z0;  // the low corner's depth plane (garbage where not near)
  V::F d[3][2];  // d[a][0] = pos - f, d[a][1] = (f + 1) - pos
  V::F part(int k, int a) const { return d[a][(k >> a & 1) ? 0 : 1]; }
  V::F weight(int k) const { return V::mul(V::mul(part(k, 0), part(k, 1)), part(k, 2)); }
};

// Always inlined: GCC keeps it out of line, and the cell then goes through
// memory (+25% instructions in the V1 forward).
[[gnu::always_inline]] inline void vec_trilinear(const VolumeShape& s, const V::F pos[3],
                                                 V::M finite, VecTrilinear* cell) {
  const V::F zero = V::zero(), one = V::set1(1.0f), minus_one = V::set1(-1.0f);
  const V::F size[3] = {V::set1(float(s.w)), V::set1(float(s.h)), V::set1(float(s.d))};
  V::F f[3];
  cell->near = finite;
  for (int a = 0; a < 3; ++a) {
    f[a] = V::floor(pos[a]);
    cell->near = V::mand(cell->near, V::mand(V::ge(f[a], minus_one), V::le(f[a], size[a])));
  }
  // Per axis: side 0 (f) and side 1 (f + 1) in bounds, and the low corner
  // (far lanes convert garbage, but they are masked everywhere).
  V::M in[3][2];
  V::I low[3];
  for (int a = 0; a < 3; ++a) {
    in[a][0] = V::mand(V::ge(f[a], zero), V::lt(f[a], size[a]));
    in[a][1] = V::mand(V::ge(f[a], minus_one), V::lt(f[a], V::sub(size[a], one)));
    cell->d[a][0] = V::sub(pos[a], f[a]);
    cell->d[a][1] = V::sub(V::add(f[a], one), pos[a]);
    low[a] = V::to_int(V::select(cell->near, f[a], zero));
  }
  cell->z0 = low[2];
  const V::I base = voxel_offset(s, low);
  const int64_t step[3] = {s.c, s.w * s.c, s.h * s.w * s.c};
  for (int k = 0; k < 8; ++k) {
    const int bx = k & 1, by = k >> 1 & 1, bz = k >> 2;
    cell->offset[k] =
        V::addi(base, V::set1i(int32_t(bx * step[0] + by * step[1] + bz * step[2])));
    cell->mask[k] = V::mand(cell->near, V::mand(in[0][bx], V::mand(in[1][by], in[2][bz])));
  }
}

// The values of channel c's 8 corners (p = inp + c), 0 where out of bounds:
// at C = 1 each x-neighbour pair (k, k + 1) by gather_row_pair.
inline void corner_values(const VolumeShape& s, const VecTrilinear& cell, const float* p, V::F v[8]) {
  for (int k = 0; k < 8; k += 2) {
    if (s.c == 1) {
      gather_row_pair(cell.mask[k], cell.mask[k + 1], p, cell.offset[k], &v[k], &v[k + 1]);
    } else {
      v[k] = V::gather(cell.mask[k], p, cell.offset[k]);
      v[k + 1] = V::gather(cell.mask[k + 1], p, cell.offset[k + 1]);
    }
  }
}

template <Interpolation kMode, Padding kPadding, bool kAlign>
struct VolumeRows {
  static constexpr int kW = V::kWidth;

  // The source positions of the kWidth grid points at grid (and with kGrad,
  // d position / d grid in mult); the all-finite mask.
  template <bool kGrad>
  static V::M positions(const VolumeShape& s, const float* grid, V::F pos[3], V::F mult[3]) {
    V::F g[3];
    V::deinterleave3(grid, &g[0], &g[1], &g[2]);
    const int64_t size[3] = {s.w, s.h, s.d};
    V::M finite[3];
    for (int a = 0; a < 3; ++a)
      pos[a] = source_index<kPadding, kAlign, kGrad>(g[a], size[a], &finite[a], &mult[a]);
    return V::mand(finite[0], V::mand(finite[1], finite[2]));
  }

  static void forward_full(const VolumeShape& s, const float* inp, const float* grid,
                           float* out, int64_t count) {
    const V::F zero = V::zero();
    for (int64_t x = 0; x + kW <= count; x += kW) {
      V::F pos[3], unused[3];
      const V::M finite = positions<false>(s, grid + 3 * x, pos, unused);
      float* o = out + x * s.c;
      if constexpr (kMode == Interpolation::Bilinear) {
        VecTrilinear cell;
        vec_trilinear(s, pos, finite, &cell);
        V::F weight[8];
        for (int k = 0; k < 8; ++k) weight[k] = cell.weight(k);
        for (int64_t c = 0; c < s.c; ++c) {
          V::F v[8], r = zero;
          corner_values(s, cell, inp + c, v);
          for (int k = 0; k < 8; ++k) r = V::add(r, V::mul(v[k], weight[k]));
          put_lanes(s, o, c, V::select(cell.near, r, zero));
        }
      } else {
        // nearest_voxel: round half to even, then in bounds on every axis.
        const V::F size[3] = {V::set1(float(s.w)), V::set1(float(s.h)), V::set1(float(s.d))};
        V::M in = finite;
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

  // Trilinear only (nearest's backward is volume_sampler.cc's scalar path).
  static void backward_full(const VolumeShape& s, const float* gout, const float* inp,
                            const float* grid, float* ginp, ZeroedRows* zeroed, float* ggrid,
                            int64_t count) {
    const int64_t nc = s.c;
    const V::F zero = V::zero();
    const V::I gout_index = V::muli(V::lane_index(), V::set1i(int32_t(nc)));
    for (int64_t x = 0; x + kW <= count; x += kW) {
      V::F pos[3], mult[3];
      const V::M finite = positions<true>(s, grid + 3 * x, pos, mult);
      VecTrilinear cell;
      vec_trilinear(s, pos, finite, &cell);
      const float* go_px = gout + x * nc;
      if (ginp) scatter(s, cell, go_px, ginp, zeroed);
      if (!ggrid) continue;
      // The reference's terms and order, channel by channel; a skipped
      // corner adds or subtracts +0, which changes nothing (each sum starts
      // at +0 and is never -0, as in the forward).
      V::F gi[3] = {zero, zero, zero};
      for (int64_t c = 0; c < nc; ++c) {
        const V::F go = nc == 1 ? V::load(go_px) : V::gather(finite, go_px + c, gout_index);
        V::F values[8];
        corner_values(s, cell, inp + c, values);
        for (int k = 0; k < 8; ++k) {
          const V::F v = values[k];
          // d weight / d axis a: the other two factors, signed by the side.
          for (int a = 0; a < 3; ++a) {
            const V::F t = V::mul(V::mul(V::mul(v, cell.part(k, a == 0 ? 1 : 0)),
                                         cell.part(k, a == 2 ? 1 : 2)),
                                  go);
            const V::F term = V::select(cell.mask[k], t, zero);
            gi[a] = (k >> a & 1) ? V::add(gi[a], term) : V::sub(gi[a], term);
          }
        }
      }
      V::F g[3];
      for (int a = 0; a < 3; ++a) g[a] = V::select(finite, V::mul(mult[a], gi[a]), zero);
      V::interleave3(ggrid + 3 * x, g[0], g[1], g[2]);
    }
  }

  // grad_input += weight * gout at each in-bounds corner: scalar, lane by
  // lane in point order and, within a point, the corners in the reference's
  // order (lanes may share voxels), with the scalar path's products and
  // order. The zeroed planes are those of the lanes with any corner inside
  // (z0 and z0 + 1, clipped to the volume), covered once for the vector. A
  // lane whose 8 corners are all inside (the usual case) adds at fixed steps
  // from its low corner, testing no masks. STN_SCALAR_SCATTER: GCC would
  // add each x-pair as one 8-byte load and store, which the next lane's pair
  // overlaps by half (V1 backward 10% slower).
  STN_SCALAR_SCATTER static void scatter(const VolumeShape& s, const VecTrilinear& cell, const float* go_px,
                      float* ginp, ZeroedRows* zeroed) {
    const int64_t nc = s.c, row = s.w * nc, plane = s.h * row;
    alignas(64) int32_t offset[kW];
    alignas(64) float weight[8][kW];
    int mask[8], inside = ~0;
    V::M any = cell.mask[0];
    // One channel: the products weight * gout of every lane at once.
    const V::F go = nc == 1 ? V::load(go_px) : V::zero();
    for (int k = 0; k < 8; ++k) {
      V::store(weight[k], nc == 1 ? V::mul(cell.weight(k), go) : cell.weight(k));
      mask[k] = V::bits(cell.mask[k]);
      inside &= mask[k];
      any = V::mor(any, cell.mask[k]);
    }
    int lanes = V::bits(any);
    if (!lanes) return;
    if (zeroed) {
      const int64_t lo = V::min_lane(any, cell.z0), hi = int64_t{V::max_lane(any, cell.z0)} + 1;
      cover(zeroed, ginp, plane, lo > 0 ? lo : 0, hi < s.d ? hi : s.d - 1);
    }
    V::store_int(offset, cell.offset[0]);  // the low corner's, which may lie outside
    // Corners 2q and 2q + 1 (x-neighbours) of the lane whose low corner is
    // element `low`: elements low + step[q] and the next voxel.
    const int64_t step[4] = {0, row, plane, plane + row};
    for (; lanes; lanes &= lanes - 1) {
      const int j = __builtin_ctz(lanes);
      const int64_t low = offset[j];
      const bool all_inside = inside >> j & 1;
      if (nc == 1 && all_inside) {
        for (int q = 0; q < 4; ++q) {
          float* p = ginp + (low + step[q]);
          p[0] += weight[2 * q][j];
          p[1] += weight[2 * q + 1][j];
        }
        continue;
      }
      const float* g = go_px + j * nc;
      for (int k = 0; k < 8; ++k) {
        if (!all_inside && !(mask[k] >> j & 1)) continue;
        float* dst = ginp + (low + step[k >> 1] + (k & 1) * nc);
        const float w = weight[k][j];
        if (nc == 1) {
          dst[0] += w;
        } else {
          for (int64_t c = 0; c < nc; ++c) dst[c] += w * g[c];
        }
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

template <Interpolation kMode, Padding kPadding, bool kAlign>
VolumeRowKernels volume_rows_for() {
  using P = InVectors<VolumeRows<kMode, kPadding, kAlign>, VolumeShape, 3>;
  if constexpr (kMode == Interpolation::Bilinear) return {&P::forward, &P::backward};
  return {&P::forward, nullptr};
}

template <Interpolation kMode, Padding kPadding>
VolumeRowKernels volume_rows_align(bool align) {
  return align ? volume_rows_for<kMode, kPadding, true>()
               : volume_rows_for<kMode, kPadding, false>();
}

template <Interpolation kMode>
VolumeRowKernels volume_rows_padding(const SamplerOptions& o) {
  return o.padding == Padding::Border ? volume_rows_align<kMode, Padding::Border>(o.align_corners)
                                      : volume_rows_align<kMode, Padding::Zeros>(o.align_corners);
}

#endif  // STN_ISA_AVX2 || STN_ISA_AVX512

}  // namespace

VolumeRowKernels select_volume_rows(const SamplerOptions& o, const VolumeShape& s) {
#if defined(STN_ISA_AVX2) || defined(STN_ISA_AVX512)
  if (volume_rows_apply(o, s)) {
    if (o.mode == Interpolation::Bilinear) return volume_rows_padding<Interpolation::Bilinear>(o);
    if (o.mode == Interpolation::Nearest) return volume_rows_padding<Interpolation::Nearest>(o);
  }
#endif
  (void)o;
  (void)s;
  return {nullptr, nullptr};
}

}  // namespace STN_ISA
}  // namespace stn
