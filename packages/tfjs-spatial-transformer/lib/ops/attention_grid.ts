import * as tf from '@tensorflow/tfjs-core';

import {affineGrid, AffineGridOptions} from './affine_grid';
import {booleanOption, checkBatch, checkGridSize, checkOptions, fail, toFloat32Tensor} from '../validate';

export type AttentionGridOptions = AffineGridOptions;

// (s, tx, ty) · SPREAD = the row-major 2×3 theta [[s, 0, tx], [0, s, ty]].
const SPREAD = [
  [1, 0, 0, 0, 1, 0],
  [0, 0, 1, 0, 0, 0],
  [0, 0, 0, 0, 0, 1],
];

/**
 * The sampling grid of an attention transform: an isotropic scale `s` and a
 * translation (tx, ty), i.e. affineGrid with theta = [[s, 0, tx], [0, s, ty]]
 * (the paper's "attention" STN: crop and zoom). Differentiable with respect to
 * `params`.
 *
 * @param params [N, 3] float32: (s, tx, ty) per batch item; (1, 0, 0) is the identity.
 *     s < 1 zooms in, tx > 0 reads further right (the content moves left).
 * @param size [N, Ho, Wo, C]: the NHWC shape of the output to be sampled.
 * @param options `alignCorners` (false); use the same value as in gridSample.
 * @returns [N, Ho, Wo, 2] float32, ready for gridSample.
 * @throws Error naming the argument when a shape, dtype or option is wrong.
 * @example
 * const zoom = tf.tensor2d([[0.5, 0.25, -0.25]]);  // the upper-right quarter, magnified 2×
 * const out = gridSample(image, attentionGrid(zoom, [1, 28, 28, 1]));
 */
export function attentionGrid(params: tf.Tensor|tf.TensorLike, size: readonly number[],
    options?: AttentionGridOptions): tf.Tensor4D {
  const op = 'attentionGrid';
  const opts = checkOptions(op, options, ['alignCorners']);
  const alignCorners = booleanOption(op, 'options.alignCorners', opts.alignCorners, false);
  checkGridSize(op, size);
  return tf.tidy(() => {
    const $params = toFloat32Tensor(params, op, 'params', [2], '[N,3]');
    if ($params.shape[1] !== 3) fail(op, 'params', 'of shape [N,3] (s, tx, ty)', $params);
    checkBatch(op, 'params', $params, size);
    return affineGrid(attentionTheta($params as tf.Tensor2D), size, {alignCorners});
  });
}

/** (s, tx, ty) [N, 3] → theta [[s, 0, tx], [0, s, ty]] [N, 2, 3], differentiably. */
export function attentionTheta(params: tf.Tensor2D): tf.Tensor3D {
  return tf.reshape(tf.matMul(params, tf.tensor2d(SPREAD)), [params.shape[0], 2, 3]);
}
