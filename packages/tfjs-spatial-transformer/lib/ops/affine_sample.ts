import * as tf from '@tensorflow/tfjs-core';

import {AffineSample, AffineSampleAttrs} from '../kernel_names';
import {checkGridSize, checkSharedBatch, fail, toFloat32Tensor} from '../validate';
import {GridSampleOptions, samplerAttrs} from './grid_sample';

/**
 * Samples `input` on the affine grid of `theta`: the values of
 * `gridSample(input, affineGrid(theta, size, {alignCorners}), options)`, in
 * one native kernel that computes each grid point when it needs it and never
 * stores the grid. The forward equals the two-op composition bit for bit; the
 * gradients equal it to float rounding. Differentiable with respect to
 * `input` and `theta`; when only theta's gradient is needed (an STN whose
 * image is data), the input's is not computed.
 *
 * @param input [N, H, W, C] float32 (H, W >= 1).
 * @param theta [N, 2, 3] float32: each maps output to source coordinates,
 *     row 0 giving x, row 1 giving y (as in affineGrid). A theta of batch size
 *     1 transforms every image of the batch (its gradient: the sum over it).
 * @param size [N, Ho, Wo, C]: the output's NHWC shape (N and C as input's).
 * @param options `mode` ('bilinear'), `paddingMode` ('zeros'), `alignCorners`
 *     (false; used both for the grid and for the sampling, as when the same
 *     value is given to affineGrid and gridSample).
 * @returns [N, Ho, Wo, C] float32.
 * @throws Error naming the argument when a shape, dtype or option is wrong.
 * @example
 * const theta = tf.tensor3d([[[0.5, 0, 0], [0, 0.5, 0]]]);     // zoom in 2×
 * const out = affineSample(image, theta, [1, 28, 28, 1], {paddingMode: 'border'});
 */
export function affineSample(input: tf.Tensor|tf.TensorLike, theta: tf.Tensor|tf.TensorLike,
    size: readonly number[], options?: GridSampleOptions): tf.Tensor4D {
  const op = 'affineSample';
  const attrs = samplerAttrs(op, options);
  checkGridSize(op, size);
  return tf.tidy(() => {
    const $input = toFloat32Tensor(input, op, 'input', 4, '[N,H,W,C]');
    const $theta = toFloat32Tensor(theta, op, 'theta', 3, '[N,2,3]');
    const [n, h, w, c] = $input.shape;
    if (h === 0 || w === 0) fail(op, 'input', 'non-empty in H and W', $input);
    if ($theta.shape[1] !== 2 || $theta.shape[2] !== 3) fail(op, 'theta', 'of shape [N,2,3]', $theta);
    checkSharedBatch(op, 'theta', $theta, $input);
    if (size[0] !== n || size[3] !== c) {
      throw new Error(`${op}: size must be [N, Ho, Wo, C] with input's N and C, but input has ` +
          `shape [${$input.shape}] and size is [${size}]`);
    }
    const fullAttrs: AffineSampleAttrs = {...attrs, size: [...size]};
    return tf.engine().runKernel(AffineSample, {input: $input, theta: $theta}, fullAttrs) as tf.Tensor4D;
  });
}
