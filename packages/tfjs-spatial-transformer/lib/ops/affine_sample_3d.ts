import * as tf from '@tensorflow/tfjs-core';

import {AffineSample3d, AffineSampleAttrs} from '../kernel_names';
import {checkGridSize, checkSharedBatch, fail, toFloat32Tensor} from '../validate';
import {VOLUME_SIZE_AXES} from './affine_grid_3d';
import {GridSample3dOptions, volumeSamplerAttrs} from './grid_sample_3d';

/**
 * Samples the volumes `input` on the affine grid of `theta`: the values of
 * `gridSample3d(input, affineGrid3d(theta, size, {alignCorners}), options)`,
 * in one native kernel that computes each grid point when it needs it and
 * never stores the grid. The forward equals the two-op composition bit for
 * bit; the gradients equal it to float rounding. Differentiable with respect
 * to `input` and `theta`; when only theta's gradient is needed, the input's is
 * not computed.
 *
 * @param input [N, D, H, W, C] float32 (D, H, W >= 1).
 * @param theta [N, 3, 4] float32 (rows give x, y, z, as in affineGrid3d); a
 *     theta of batch size 1 transforms every volume (its gradient: the sum).
 * @param size [N, Do, Ho, Wo, C]: the output's NDHWC shape (N and C as input's).
 * @param options `mode` ('bilinear'), `paddingMode` ('zeros'), `alignCorners` (false).
 * @returns [N, Do, Ho, Wo, C] float32.
 * @throws Error naming the argument when a shape, dtype or option is wrong.
 * @example
 * const theta = tf.tensor3d([[[0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 0.5, 0]]]);  // zoom in 2×
 * const out = affineSample3d(volume, theta, [1, 32, 32, 32, 1], {paddingMode: 'border'});
 */
export function affineSample3d(input: tf.Tensor|tf.TensorLike, theta: tf.Tensor|tf.TensorLike,
    size: readonly number[], options?: GridSample3dOptions): tf.Tensor5D {
  const op = 'affineSample3d';
  const attrs = volumeSamplerAttrs(op, options);
  checkGridSize(op, size, VOLUME_SIZE_AXES);
  return tf.tidy(() => {
    const $input = toFloat32Tensor(input, op, 'input', 5, '[N,D,H,W,C]');
    const $theta = toFloat32Tensor(theta, op, 'theta', 3, '[N,3,4]');
    const [n, d, h, w, c] = $input.shape;
    if (d === 0 || h === 0 || w === 0) fail(op, 'input', 'non-empty in D, H and W', $input);
    if ($theta.shape[1] !== 3 || $theta.shape[2] !== 4) fail(op, 'theta', 'of shape [N,3,4]', $theta);
    checkSharedBatch(op, 'theta', $theta, $input);
    if (size[0] !== n || size[4] !== c) {
      throw new Error(`${op}: size must be [N, Do, Ho, Wo, C] with input's N and C, but input has ` +
          `shape [${$input.shape}] and size is [${size}]`);
    }
    const fullAttrs: AffineSampleAttrs = {...attrs, size: [...size]};
    return tf.engine().runKernel(AffineSample3d, {input: $input, theta: $theta}, fullAttrs) as tf.Tensor5D;
  });
}
