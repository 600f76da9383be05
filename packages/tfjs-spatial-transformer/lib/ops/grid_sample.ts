import * as tf from '@tensorflow/tfjs-core';

import {GridSample, GridSampleAttrs} from '../kernel_names';
import {booleanOption, checkOptions, checkSharedBatch, fail, oneOf, toFloat32Tensor} from '../validate';
import {INTERPOLATION_MODES, InterpolationMode, PADDING_MODES, PaddingMode} from '../vocabulary';

export interface GridSampleOptions {
  /**
   * How a source point is read: 'bilinear' (default), 'nearest' (round half to
   * even) or 'bicubic' (PyTorch's bicubic convolution, A = -0.75, 4×4 taps, the
   * padding applied to each tap).
   */
  mode?: InterpolationMode;
  /** What lies outside the input: 'zeros' (default), 'border' (clamp) or 'reflection'. */
  paddingMode?: PaddingMode;
  /** true: -1 and 1 are the centres of the corner pixels; false (default): their outer edges. */
  alignCorners?: boolean;
}

const OPTIONS = ['mode', 'paddingMode', 'alignCorners'] as const;

/** Checks the options and fills in the defaults. */
export function samplerAttrs(op: string, options: unknown): GridSampleAttrs {
  const opts = checkOptions(op, options, OPTIONS);
  return {
    mode: oneOf(op, 'options.mode', opts.mode, INTERPOLATION_MODES, 'bilinear'),
    paddingMode: oneOf(op, 'options.paddingMode', opts.paddingMode, PADDING_MODES, 'zeros'),
    alignCorners: booleanOption(op, 'options.alignCorners', opts.alignCorners, false),
  };
}

/**
 * Samples `input` at the points of `grid`: PyTorch's `F.grid_sample`, value for
 * value, in tfjs's NHWC layout. Differentiable with respect to both `input`
 * and `grid`; when only the grid's gradient is needed, the input's is not
 * computed.
 *
 * @param input [N, H, W, C] float32 (H, W >= 1).
 * @param grid [N, Ho, Wo, 2] float32: (x, y) source positions in normalised
 *     [-1, 1] coordinates, x along the width. NaN/±Inf sample nothing (0, and
 *     zero gradients). A grid of batch size 1 serves every image of the batch
 *     (never copied); its gradient is then the sum over the batch.
 * @param options `mode` ('bilinear'), `paddingMode` ('zeros'), `alignCorners` (false).
 * @returns [N, Ho, Wo, C] float32.
 * @throws Error naming the argument when a shape, dtype or option is wrong.
 * @example
 * const theta = tf.tensor3d([[[1, 0, 0], [0, 1, 0]]]);
 * const grid = affineGrid(theta, [1, 28, 28, 1]);
 * const out = gridSample(image, grid, {paddingMode: 'border'});
 */
export function gridSample(input: tf.Tensor|tf.TensorLike, grid: tf.Tensor|tf.TensorLike,
    options?: GridSampleOptions): tf.Tensor4D {
  const op = 'gridSample';
  const attrs = samplerAttrs(op, options);
  return tf.tidy(() => {
    const $input = toFloat32Tensor(input, op, 'input', 4, '[N,H,W,C]');
    const $grid = toFloat32Tensor(grid, op, 'grid', 4, '[N,Ho,Wo,2]');
    const [, h, w] = $input.shape;
    if (h === 0 || w === 0) fail(op, 'input', 'non-empty in H and W', $input);
    if ($grid.shape[3] !== 2) fail(op, 'grid', 'of shape [N,Ho,Wo,2] (x, y last)', $grid);
    checkSharedBatch(op, 'grid', $grid, $input);
    return tf.engine().runKernel(GridSample, {input: $input, grid: $grid}, attrs) as tf.Tensor4D;
  });
}
