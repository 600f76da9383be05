import * as tf from '@tensorflow/tfjs-core';

import {AffineGrid3d, AffineGrid3dAttrs} from '../kernel_names';
import {booleanOption, checkBatch, checkGridSize, checkOptions, fail, toFloat32Tensor} from '../validate';
import type {AffineGridOptions} from './affine_grid';

/** The axes of a volume output's shape, as checkGridSize names them. */
export const VOLUME_SIZE_AXES = ['N', 'Do', 'Ho', 'Wo', 'C'] as const;

/**
 * The sampling grid of the 3-D affine transforms `theta`: PyTorch's 5-D
 * `F.affine_grid` in channels-last layout. Output voxel (k, i, j) gets
 * theta[n] · (x_j, y_i, z_k, 1), where x, y and z run over [-1, 1] as
 * `alignCorners` says. Differentiable with respect to `theta`.
 *
 * @param theta [N, 3, 4] float32: each maps output to source coordinates
 *     (rows give x, y, z).
 * @param size [N, Do, Ho, Wo, C]: the NDHWC shape of the output to be sampled.
 * @param options `alignCorners` (false).
 * @returns [N, Do, Ho, Wo, 3] float32, ready for gridSample3d.
 * @throws Error naming the argument when a shape, dtype or option is wrong.
 * @example
 * const identity = tf.tensor3d([[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]]);
 * const grid = affineGrid3d(identity, [1, 16, 16, 16, 1]);  // gridSample3d(volume, grid) equals volume
 */
export function affineGrid3d(theta: tf.Tensor|tf.TensorLike, size: readonly number[],
    options?: AffineGridOptions): tf.Tensor5D {
  const op = 'affineGrid3d';
  const opts = checkOptions(op, options, ['alignCorners']);
  const alignCorners = booleanOption(op, 'options.alignCorners', opts.alignCorners, false);
  checkGridSize(op, size, VOLUME_SIZE_AXES);
  return tf.tidy(() => {
    const $theta = toFloat32Tensor(theta, op, 'theta', 3, '[N,3,4]');
    if ($theta.shape[1] !== 3 || $theta.shape[2] !== 4) fail(op, 'theta', 'of shape [N,3,4]', $theta);
    checkBatch(op, 'theta', $theta, size);
    const attrs: AffineGrid3dAttrs = {size: [...size], alignCorners};
    return tf.engine().runKernel(AffineGrid3d, {theta: $theta}, attrs) as tf.Tensor5D;
  });
}
