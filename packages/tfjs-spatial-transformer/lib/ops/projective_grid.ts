import * as tf from '@tensorflow/tfjs-core';

import {baseGrid} from '../base_grid';
import {booleanOption, checkBatch, checkGridSize, checkOptions, fail, toFloat32Tensor} from '../validate';

export interface ProjectiveGridOptions {
  /** Must match the `alignCorners` given to gridSample; default false. */
  alignCorners?: boolean;
  /**
   * The guard of the perspective divide: a point whose denominator has
   * |w| < epsilon is sent to PROJECTIVE_FAR instead of dividing; default 1e-6.
   * Must be at least FLOAT32_MIN_NORMAL (2^-126, about 1.2e-38): with 0 the
   * point at infinity (w = 0) would divide, putting ±Inf in the grid and NaN
   * in the gradient, and a smaller (denormal) guard is 0 where TensorFlow
   * flushes denormals to zero.
   */
  epsilon?: number;
}

/** The smallest normal float32, 2^-126: the least guard projectiveGrid accepts. */
const FLOAT32_MIN_NORMAL = 2 ** -126;

/**
 * Where projectiveGrid sends a point whose denominator is (nearly) zero: (-2, -2),
 * outside the image on both axes. It reads 0 with paddingMode 'zeros' (the edge
 * or a reflected pixel with 'border' / 'reflection'), and its gradient is 0.
 */
export const PROJECTIVE_FAR = -2;

/**
 * The sampling grid of the homographies `h` (perspective transforms). Output
 * pixel (i, j) at base coordinates (x, y) (affineGrid's) reads the source at
 * (u / w, v / w), where (u, v, w) = H[n] · (x, y, 1). The divide is guarded:
 * where |w| < `epsilon` (the point lies at or near infinity) the grid holds
 * (PROJECTIVE_FAR, PROJECTIVE_FAR) with a zero gradient, so values and gradients
 * are always finite. Differentiable with respect to `h`.
 *
 * @param h [N, 8] float32 (the first 8 entries of H row-major, h33 = 1) or
 *     [N, 3, 3] float32 (all of H). H = identity (or [1,0,0, 0,1,0, 0,0]) is the identity grid;
 *     a last row (0, 0, 1) is the affine transform of the first two rows.
 * @param size [N, Ho, Wo, C]: the NHWC shape of the output to be sampled.
 * @param options `alignCorners` (false); `epsilon` (1e-6), the guard of the divide.
 * @returns [N, Ho, Wo, 2] float32, ready for gridSample.
 * @throws Error naming the argument when a shape, dtype or option is wrong.
 * @example
 * const tilt = tf.tensor2d([[1, 0, 0, 0, 1, 0, 0.3, 0]]);  // a keystone: the right side shrinks
 * const out = gridSample(image, projectiveGrid(tilt, [1, 28, 28, 1]));
 */
export function projectiveGrid(h: tf.Tensor|tf.TensorLike, size: readonly number[],
    options?: ProjectiveGridOptions): tf.Tensor4D {
  const op = 'projectiveGrid';
  const opts = checkOptions(op, options, ['alignCorners', 'epsilon']);
  const alignCorners = booleanOption(op, 'options.alignCorners', opts.alignCorners, false);
  const epsilon = opts.epsilon === undefined ? 1e-6 : opts.epsilon;
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || !(epsilon >= FLOAT32_MIN_NORMAL)) {
    fail(op, 'options.epsilon', `a finite number >= ${FLOAT32_MIN_NORMAL} (the smallest normal float32)`,
        epsilon);
  }
  checkGridSize(op, size);
  return tf.tidy(() => {
    const $h = toFloat32Tensor(h, op, 'h', [2, 3], '[N,8] or [N,3,3]');
    const ok = $h.rank === 2 ? $h.shape[1] === 8 : $h.shape[1] === 3 && $h.shape[2] === 3;
    if (!ok) fail(op, 'h', 'of shape [N,8] or [N,3,3]', $h);
    checkBatch(op, 'h', $h, size);
    const [n, ho, wo] = size;
    // Empty: nothing to compute (tfjs-backend-cpu's split fails on empty tensors);
    // still connected to h, so its gradient is zeros rather than an error.
    if (n * ho * wo === 0) return tf.add(tf.zeros([n, ho, wo, 2]), tf.mul(tf.sum($h), 0)) as tf.Tensor4D;
    const h9 = $h.rank === 2 ? tf.concat([$h, tf.ones([n, 1])], 1) : tf.reshape($h, [n, 9]);
    const [h11, h12, h13, h21, h22, h23, h31, h32, h33] = tf.split(h9, 9, 1);
    const [x, y] = tf.split(tf.reshape(baseGrid(ho, wo, alignCorners), [1, ho * wo, 2]), 2, 2)
        .map((t) => tf.reshape(t, [1, ho * wo]));
    // Each row in affineGrid's order of operations: (a·x + b·y) + c.
    const row = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.add(tf.add(tf.mul(a, x), tf.mul(b, y)), c);
    const u = row(h11, h12, h13), v = row(h21, h22, h23), w = row(h31, h32, h33);  // [N, Ho·Wo]
    const finite = tf.greaterEqual(tf.abs(w), epsilon);
    const far = tf.fill(w.shape, PROJECTIVE_FAR);
    // Where the divide is unsafe, divide by 1 instead and discard the quotient:
    // where() passes no gradient to the discarded branch, so nothing is Inf or NaN.
    const wSafe = tf.where(finite, w, tf.onesLike(w));
    const gx = tf.where(finite, tf.div(u, wSafe), far);
    const gy = tf.where(finite, tf.div(v, wSafe), far);
    return tf.reshape(tf.stack([gx, gy], 2), [n, ho, wo, 2]) as tf.Tensor4D;
  });
}
