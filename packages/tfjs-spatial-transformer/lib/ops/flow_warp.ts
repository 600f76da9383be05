import * as tf from '@tensorflow/tfjs-core';

import {FlowWarp, FlowWarp3d, FlowWarpAttrs} from '../kernel_names';
import {checkOptions, fail, oneOf, toFloat32Tensor} from '../validate';
import {INTERPOLATION_MODES, InterpolationMode, PADDING_MODES, PaddingMode, VOLUME_INTERPOLATION_MODES} from '../vocabulary';

export interface FlowWarpOptions {
  /** 'bilinear' (default), 'nearest' or 'bicubic' (images only; volumes: 'bilinear' or 'nearest'). */
  mode?: InterpolationMode;
  /** What lies outside the input: 'zeros' (default), 'border' or 'reflection' (about the edge pixels' centres). */
  paddingMode?: PaddingMode;
}

/**
 * Warps `input` by the dense displacement field `flow`, in pixels: output
 * pixel (i, j) reads the input at (j + dx, i + dy) (volumes: (j + dx, i + dy,
 * k + dz)). VoxelMorph's SpatialTransformer value for value: the grid
 * 2·((j + dx) / (W − 1) − 0.5) (likewise y, z) sampled as gridSample with
 * `alignCorners: true`, which it equals bit for bit; computed in one native
 * kernel that never stores the grid. Differentiable with respect to `input`
 * and `flow`; when only the flow's gradient is needed, the input's is not
 * computed. (TF-Addons' dense_image_warp reads at (j − flow[..,1], i −
 * flow[..,0]) with the edge pixels repeated: `flowWarp(image,
 * tf.neg(tf.reverse(flow, -1)), {paddingMode: 'border'})`.)
 *
 * @param input [N, H, W, C] or [N, D, H, W, C] float32 (spatial sizes >= 1).
 * @param flow [N, Ho, Wo, 2] holding (dx, dy), or [N, Do, Ho, Wo, 3] holding
 *     (dx, dy, dz): displacements in pixels (voxels), in the grid's component
 *     order. Along an axis of size 1 the displacement is ignored. NaN/±Inf
 *     sample nothing.
 * @param options `mode` ('bilinear'), `paddingMode` ('zeros').
 * @returns [N, Ho, Wo, C] or [N, Do, Ho, Wo, C] float32.
 * @throws Error naming the argument when a shape, dtype or option is wrong.
 * @example
 * const flow = tf.fill([1, 28, 28, 2], 1.5);            // read 1.5 px right and down
 * const moved = flowWarp(image, flow, {paddingMode: 'border'});
 */
export function flowWarp(input: tf.Tensor4D, flow: tf.Tensor|tf.TensorLike, options?: FlowWarpOptions): tf.Tensor4D;
export function flowWarp(input: tf.Tensor5D, flow: tf.Tensor|tf.TensorLike, options?: FlowWarpOptions): tf.Tensor5D;
export function flowWarp(input: tf.Tensor|tf.TensorLike, flow: tf.Tensor|tf.TensorLike,
    options?: FlowWarpOptions): tf.Tensor;
export function flowWarp(input: tf.Tensor|tf.TensorLike, flow: tf.Tensor|tf.TensorLike,
    options?: FlowWarpOptions): tf.Tensor {
  const op = 'flowWarp';
  const opts = checkOptions(op, options, ['mode', 'paddingMode']);
  const paddingMode = oneOf(op, 'options.paddingMode', opts.paddingMode, PADDING_MODES, 'zeros');
  return tf.tidy(() => {
    const $input = toFloat32Tensor(input, op, 'input', [4, 5], '[N,H,W,C] or [N,D,H,W,C]');
    const volume = $input.rank === 5;
    const mode = oneOf(op, 'options.mode', opts.mode, volume ? VOLUME_INTERPOLATION_MODES : INTERPOLATION_MODES,
        'bilinear');
    const axes = volume ? 3 : 2;
    const $flow = toFloat32Tensor(flow, op, 'flow', $input.rank, volume ? '[N,Do,Ho,Wo,3]' : '[N,Ho,Wo,2]');
    if ($input.shape.slice(1, -1).some((d) => d === 0)) fail(op, 'input', 'non-empty in its spatial dims', $input);
    if ($flow.shape[axes + 1] !== axes) {
      fail(op, 'flow', volume ? 'of shape [N,Do,Ho,Wo,3] (dx, dy, dz last)' : 'of shape [N,Ho,Wo,2] (dx, dy last)', $flow);
    }
    if ($flow.shape[0] !== $input.shape[0]) {
      throw new Error(`${op}: flow must have the input's batch size N, but input has ${$input.shape[0]} ` +
          `(shape [${$input.shape}]) and flow has ${$flow.shape[0]} (shape [${$flow.shape}])`);
    }
    const attrs: FlowWarpAttrs = {mode, paddingMode};
    return tf.engine().runKernel(volume ? FlowWarp3d : FlowWarp, {input: $input, flow: $flow}, attrs) as tf.Tensor;
  });
}
