// The thin-plate spline's linear map from control-point positions to grid
// points, solved once per (control points, output size, alignCorners) in
// float64 and cached.
//
// NOTE [TPS as one matrix product]
// The spline f(p) = a0 + a1·x + a2·y + Σ_k w_k U(|p − c_k|²), U(r²) = r² log r²
// (0 at r = 0), interpolates the source positions q_k at the control points
// c_k: f(c_k) = q_k, with Σ w_k = Σ w_k x_k = Σ w_k y_k = 0. In block form
//   L · [w; a] = [q; 0],  L = [[U(|c_i − c_j|²), P], [Pᵀ, 0]],  P_k = (1, x_k, y_k),
// a (K+3)×(K+3) system that depends on the control points only. For the grid
// points p, with B_p = (U(|p − c_1|²), …, U(|p − c_K|²), 1, x_p, y_p),
//   grid = B · L⁻¹[:, :K] · q = M · q,   M: [Ho·Wo, K].
// So each batch is one matrix product with a constant M, differentiable by
// tfjs's autodiff. f reproduces affine maps exactly, so q = c gives the identity.

/** U(r²) = r² log r², 0 at r = 0. */
function radialBasis(r2: number): number {
  return r2 === 0 ? 0 : r2 * Math.log(r2);
}

/** Inverts the n×n row-major matrix `a` (Gauss-Jordan, partial pivoting); null if singular. */
function invert(a: Float64Array, n: number): Float64Array|null {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(m[r * n + col]) > Math.abs(m[pivot * n + col])) pivot = r;
    }
    if (!(Math.abs(m[pivot * n + col]) > 1e-10 * scale)) return null;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) {
        [m[col * n + c], m[pivot * n + c]] = [m[pivot * n + c], m[col * n + c]];
        [inv[col * n + c], inv[pivot * n + c]] = [inv[pivot * n + c], inv[col * n + c]];
      }
    }
    const d = m[col * n + col];
    for (let c = 0; c < n; c++) {
      m[col * n + c] /= d;
      inv[col * n + c] /= d;
    }
    for (let r = 0; r < n; r++) {
      const f = m[r * n + col];
      if (r === col || f === 0) continue;
      for (let c = 0; c < n; c++) {
        m[r * n + c] -= f * m[col * n + c];
        inv[r * n + c] -= f * inv[col * n + c];
      }
    }
  }
  return inv;
}

/**
 * L⁻¹[:, :K] of the control points `c` (K (x, y) pairs, flat), [(K+3), K]
 * row-major; null when the system is singular (fewer than 3 distinct points,
 * or all on one line).
 */
export function tpsSolve(c: readonly number[]): Float64Array|null {
  const k = c.length / 2;
  const n = k + 3;
  const l = new Float64Array(n * n);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const dx = c[2 * i] - c[2 * j], dy = c[2 * i + 1] - c[2 * j + 1];
      l[i * n + j] = radialBasis(dx * dx + dy * dy);
    }
    const p = [1, c[2 * i], c[2 * i + 1]];
    for (let t = 0; t < 3; t++) {
      l[i * n + k + t] = p[t];
      l[(k + t) * n + i] = p[t];
    }
  }
  const inv = invert(l, n);
  if (inv === null) return null;
  const out = new Float64Array(n * k);
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) out[r * k + j] = inv[r * n + j];
  return out;
}

/**
 * M = B · L⁻¹[:, :K] ([P, K] row-major, float32) for the grid points `base`
 * (P (x, y) pairs, flat), the control points `c` and their `solved` system (tpsSolve).
 */
export function tpsMatrix(c: readonly number[], solved: Float64Array,
    base: ArrayLike<number>): Float32Array {
  const k = c.length / 2;
  const points = base.length / 2;
  const out = new Float32Array(points * k);
  const b = new Float64Array(k + 3);
  for (let p = 0; p < points; p++) {
    const x = base[2 * p], y = base[2 * p + 1];
    for (let i = 0; i < k; i++) {
      const dx = x - c[2 * i], dy = y - c[2 * i + 1];
      b[i] = radialBasis(dx * dx + dy * dy);
    }
    b[k] = 1;
    b[k + 1] = x;
    b[k + 2] = y;
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let r = 0; r < k + 3; r++) sum += b[r] * solved[r * k + j];
      out[p * k + j] = sum;
    }
  }
  return out;
}

/** A bounded cache: the least recently used entry goes first. */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(readonly capacity: number) {}

  get(key: string): V|undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
