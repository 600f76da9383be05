import * as tf from '@tensorflow/tfjs-core';

import {AffineGrid, AffineGridAttrs} from '../kernel_names';
import {booleanOption, checkBatch, checkGridSize, checkOptions, fail, toFloat32Tensor} from '../validate';

export interface AffineGridOptions {
  /** Must match the `alignCorners` given to gridSample; default false. */
  alignCorners?: boolean;
}

/**
 * The sampling grid of the affine transforms `theta`: PyTorch's `F.affine_grid`
 * in NHWC. Output pixel (i, j) gets theta[n] · (x_j, y_i, 1), where x and y run
 * over [-1, 1] as `alignCorners` says. Differentiable with respect to `theta`.
 *
 * @param theta [N, 2, 3] float32: each maps output to source coordinates.
 * @param size [N, Ho, Wo, C]: the NHWC shape of the output to be sampled.
 * @param options `alignCorners` (false).
 * @returns [N, Ho, Wo, 2] float32, ready for gridSample.
 * @throws Error naming the argument when a shape, dtype or option is wrong.
 * @example
 * const identity = tf.tensor3d([[[1, 0, 0], [0, 1, 0]]]);
 * const grid = affineGrid(identity, [1, 28, 28, 1]);  // gridSample(image, grid) equals image
 */
export function affineGrid(theta: tf.Tensor|tf.TensorLike, size: readonly number[],
    options?: AffineGridOptions): tf.Tensor4D {
  const op = 'affineGrid';
  const opts = checkOptions(op, options, ['alignCorners']);
  const alignCorners = booleanOption(op, 'options.alignCorners', opts.alignCorners, false);
  checkGridSize(op, size);
  return tf.tidy(() => {
    const $theta = toFloat32Tensor(theta, op, 'theta', 3, '[N,2,3]');
    if ($theta.shape[1] !== 2 || $theta.shape[2] !== 3) fail(op, 'theta', 'of shape [N,2,3]', $theta);
    checkBatch(op, 'theta', $theta, size);
    const attrs: AffineGridAttrs = {size: [...size], alignCorners};
    return tf.engine().runKernel(AffineGrid, {theta: $theta}, attrs) as tf.Tensor4D;
  });
}
