import * as tf from '@tensorflow/tfjs-core';

import {baseGrid} from '../base_grid';
import {LruCache, tpsMatrix, tpsSolve} from './tps_basis';
import {booleanOption, checkBatch, checkGridSize, checkOptions, fail, toFloat32Tensor} from '../validate';

export interface TpsGridOptions {
  /**
   * The K control points (x, y) in normalised output coordinates, K >= 3, not
   * all on one line; default tpsControlPoints(4, 4), a regular 4×4 grid over [-1, 1]².
   */
  controlPoints?: readonly (readonly number[])[];
  /** Must match the `alignCorners` given to gridSample; default false. */
  alignCorners?: boolean;
}

/**
 * A regular rows × cols grid of control points spanning [-1, 1]² (row-major,
 * x fastest): the default of tpsGrid and of the 'tps' SpatialTransformer is (4, 4).
 * @throws Error unless rows and cols are integers >= 2.
 * @example
 * tpsControlPoints(2, 2);  // [[-1, -1], [1, -1], [-1, 1], [1, 1]]
 */
export function tpsControlPoints(rows = 4, cols = 4): number[][] {
  for (const [name, v] of [['rows', rows], ['cols', cols]] as const) {
    if (!Number.isInteger(v) || v < 2) fail('tpsControlPoints', name, 'an integer >= 2', v);
  }
  const points: number[][] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) points.push([-1 + (2 * j) / (cols - 1), -1 + (2 * i) / (rows - 1)]);
  }
  return points;
}

const DEFAULT_CONTROL_POINTS = tpsControlPoints(4, 4).flat();

/** Checks options.controlPoints and returns them flat: (x0, y0, x1, y1, …). */
export function controlPointsOption(op: string, name: string, value: unknown): number[] {
  if (value === undefined) return DEFAULT_CONTROL_POINTS;
  const expected = 'an array of at least 3 [x, y] pairs of finite numbers';
  if (!Array.isArray(value) || value.length < 3) fail(op, name, expected, value);
  for (const p of value) {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      fail(op, name, expected, value);
    }
  }
  return (value as number[][]).flat();
}

// M matrices by control points, output size and alignCorners; plain arrays,
// not tensors, so they belong to no backend.
const cache = new LruCache<Float32Array>(32);
const solved = new LruCache<Float64Array>(32);

function solve(op: string, name: string, c: number[]): Float64Array {
  const key = c.join(',');
  let inverse = solved.get(key);
  if (inverse === undefined) {
    const result = tpsSolve(c);
    if (result === null) {
      throw new Error(`${op}: ${name} must hold at least 3 distinct points, not all on one line, ` +
          `but got ${c.length / 2} points that leave the spline undefined (a singular system)`);
    }
    inverse = result;
    solved.set(key, inverse);
  }
  return inverse;
}

/** Checks the control points (throws naming `name` when they admit no spline), before any kernel. */
export function checkControlPoints(op: string, name: string, c: number[]): void {
  solve(op, name, c);
}

function matrix(op: string, c: number[], ho: number, wo: number, alignCorners: boolean): Float32Array {
  const key = `${ho}x${wo}:${alignCorners}:${c.join(',')}`;
  let m = cache.get(key);
  if (m === undefined) {
    const inverse = solve(op, 'options.controlPoints', c);
    const base = tf.tidy(() => baseGrid(ho, wo, alignCorners).dataSync());
    m = tpsMatrix(c, inverse, base);
    cache.set(key, m);
  }
  return m;
}

/**
 * The sampling grid of a thin-plate spline: the smooth warp that takes each
 * control point c_k (in output coordinates) to the source position
 * `points[n, k]`, with the kernel U(r) = r² log r² and an affine part. With
 * `points` equal to the control points it is the identity grid (affineGrid's
 * base coordinates). The spline's system is solved once per control-point set,
 * output size and alignCorners (in float64, cached); each call is then one
 * matrix product, differentiable with respect to `points`.
 *
 * @param points [N, K, 2] float32: the source position (x, y) of each control point.
 * @param size [N, Ho, Wo, C]: the NHWC shape of the output to be sampled.
 * @param options `controlPoints` (a regular 4×4 grid over [-1, 1]², K = 16),
 *     `alignCorners` (false).
 * @returns [N, Ho, Wo, 2] float32, ready for gridSample.
 * @throws Error naming the argument when a shape, dtype or option is wrong, or
 *     when the control points admit no spline (fewer than 3 distinct, or collinear).
 * @example
 * const rest = tf.tensor3d([tpsControlPoints(4, 4)]);   // [1, 16, 2]
 * const bent = tf.add(rest, tf.randomNormal([1, 16, 2], 0, 0.05));
 * const out = gridSample(image, tpsGrid(bent, [1, 28, 28, 1]));
 */
export function tpsGrid(points: tf.Tensor|tf.TensorLike, size: readonly number[],
    options?: TpsGridOptions): tf.Tensor4D {
  const op = 'tpsGrid';
  const opts = checkOptions(op, options, ['controlPoints', 'alignCorners']);
  const alignCorners = booleanOption(op, 'options.alignCorners', opts.alignCorners, false);
  const c = controlPointsOption(op, 'options.controlPoints', opts.controlPoints);
  const k = c.length / 2;
  checkGridSize(op, size);
  return tf.tidy(() => {
    const $points = toFloat32Tensor(points, op, 'points', [3], '[N,K,2]');
    if ($points.shape[1] !== k || $points.shape[2] !== 2) {
      fail(op, 'points', `of shape [N,${k},2] (one (x, y) per control point)`, $points);
    }
    checkBatch(op, 'points', $points, size);
    const [n, ho, wo] = size;
    const m = tf.tensor2d(matrix(op, c, ho, wo, alignCorners), [ho * wo, k]);
    // [K, N·2]: every batch item's points side by side, so one product serves the batch.
    const q = tf.reshape(tf.transpose($points, [1, 0, 2]), [k, n * 2]);
    const grid = tf.reshape(tf.matMul(m, q), [ho * wo, n, 2]);
    return tf.reshape(tf.transpose(grid, [1, 0, 2]), [n, ho, wo, 2]) as tf.Tensor4D;
  });
}
