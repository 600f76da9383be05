import * as tf from '@tensorflow/tfjs-core';

import {GridSample3d, GridSampleAttrs} from '../kernel_names';
import {checkSharedBatch, fail, oneOf, toFloat32Tensor} from '../validate';
import {PaddingMode, VOLUME_INTERPOLATION_MODES, VolumeInterpolationMode} from '../vocabulary';
import {samplerAttrs} from './grid_sample';

export interface GridSample3dOptions {
  /** How a source point is read: 'bilinear' (default; trilinear, PyTorch's name) or 'nearest' (round half to even). */
  mode?: VolumeInterpolationMode;
  /** What lies outside the input: 'zeros' (default), 'border' (clamp) or 'reflection'. */
  paddingMode?: PaddingMode;
  /** true: -1 and 1 are the centres of the corner voxels; false (default): their outer faces. */
  alignCorners?: boolean;
}

/** Checks the volume sampler's options (modes: VOLUME_INTERPOLATION_MODES) and fills in the defaults. */
export function volumeSamplerAttrs(op: string, options: unknown): GridSampleAttrs {
  const attrs = samplerAttrs(op, options);
  oneOf(op, 'options.mode', attrs.mode, VOLUME_INTERPOLATION_MODES, 'bilinear');
  return attrs;
}

/**
 * Samples the volumes `input` at the points of `grid`: PyTorch's 5-D
 * `F.grid_sample`, value for value, in channels-last (NDHWC) layout.
 * Differentiable with respect to both `input` and `grid`; when only the
 * grid's gradient is needed, the input's is not computed.
 *
 * @param input [N, D, H, W, C] float32 (D, H, W >= 1).
 * @param grid [N, Do, Ho, Wo, 3] float32: (x, y, z) source positions in
 *     normalised [-1, 1] coordinates, x along the width, z along the depth.
 *     NaN/±Inf sample nothing (0, and zero gradients). A grid of batch size 1
 *     serves every volume of the batch (never copied); its gradient is then
 *     the sum over the batch.
 * @param options `mode` ('bilinear'), `paddingMode` ('zeros'), `alignCorners` (false).
 * @returns [N, Do, Ho, Wo, C] float32.
 * @throws Error naming the argument when a shape, dtype or option is wrong
 *     (also for mode 'bicubic', which PyTorch does not have for volumes).
 * @example
 * const theta = tf.tensor3d([[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]]);
 * const grid = affineGrid3d(theta, [1, 32, 32, 32, 1]);
 * const out = gridSample3d(volume, grid, {paddingMode: 'border'});
 */
export function gridSample3d(input: tf.Tensor|tf.TensorLike, grid: tf.Tensor|tf.TensorLike,
    options?: GridSample3dOptions): tf.Tensor5D {
  const op = 'gridSample3d';
  const attrs = volumeSamplerAttrs(op, options);
  return tf.tidy(() => {
    const $input = toFloat32Tensor(input, op, 'input', 5, '[N,D,H,W,C]');
    const $grid = toFloat32Tensor(grid, op, 'grid', 5, '[N,Do,Ho,Wo,3]');
    const [, d, h, w] = $input.shape;
    if (d === 0 || h === 0 || w === 0) fail(op, 'input', 'non-empty in D, H and W', $input);
    if ($grid.shape[4] !== 3) fail(op, 'grid', 'of shape [N,Do,Ho,Wo,3] (x, y, z last)', $grid);
    checkSharedBatch(op, 'grid', $grid, $input);
    return tf.engine().runKernel(GridSample3d, {input: $input, grid: $grid}, attrs) as tf.Tensor5D;
  });
}
