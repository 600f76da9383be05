// The four transform families of the SpatialTransformer layer: how many
// parameters the localisation net regresses, their identity values, and how a
// batch of them resamples the input. Affine and attention use the fused
// affineSample (the grid is never stored, and a training step is faster than
// with affineGrid + gridSample: README, SpatialTransformer layer); projective
// and TPS build their grid, then gridSample.
import * as tf from '@tensorflow/tfjs-core';

import {affineGrid} from '../ops/affine_grid';
import {affineSample} from '../ops/affine_sample';
import {attentionTheta} from '../ops/attention_grid';
import {gridSample, GridSampleOptions} from '../ops/grid_sample';
import {projectiveGrid} from '../ops/projective_grid';
import {tpsGrid} from '../ops/tps_grid';

export const TRANSFORMS = ['affine', 'attention', 'projective', 'tps'] as const;
export type TransformName = typeof TRANSFORMS[number];

export interface Transform {
  /** The identity's parameters; their count is what the regression layer outputs. */
  identity(controlPoints: readonly number[]): number[];
  /** [N, P] parameters → [N, Ho, Wo, 2] grid. */
  grid(params: tf.Tensor2D, size: number[], alignCorners: boolean,
      controlPoints: readonly number[]): tf.Tensor4D;
  /** The fused sampler, where there is one: input resampled without storing the grid. */
  fusedSample?(input: tf.Tensor4D, params: tf.Tensor2D, size: number[],
      sampler: Required<GridSampleOptions>): tf.Tensor4D;
}

const affineTheta = (params: tf.Tensor2D, n: number) => tf.reshape(params, [n, 2, 3]) as tf.Tensor3D;

export const TRANSFORM_TABLE: Record<TransformName, Transform> = {
  affine: {
    identity: () => [1, 0, 0, 0, 1, 0],
    grid: (params, size, alignCorners) => affineGrid(affineTheta(params, size[0]), size, {alignCorners}),
    fusedSample: (input, params, size, sampler) =>
      affineSample(input, affineTheta(params, size[0]), size, sampler),
  },
  attention: {
    identity: () => [1, 0, 0],
    grid: (params, size, alignCorners) => affineGrid(attentionTheta(params), size, {alignCorners}),
    fusedSample: (input, params, size, sampler) => affineSample(input, attentionTheta(params), size, sampler),
  },
  projective: {
    identity: () => [1, 0, 0, 0, 1, 0, 0, 0],
    grid: (params, size, alignCorners) => projectiveGrid(params, size, {alignCorners}),
  },
  tps: {
    identity: (controlPoints) => [...controlPoints],
    grid: (params, size, alignCorners, controlPoints) => {
      const pairs: number[][] = [];
      for (let i = 0; i < controlPoints.length; i += 2) pairs.push([controlPoints[i], controlPoints[i + 1]]);
      return tpsGrid(tf.reshape(params, [size[0], pairs.length, 2]), size, {controlPoints: pairs, alignCorners});
    },
  },
};

/** Input [N, H, W, C] resampled by `transform`'s [N, P] parameters to `size` [N, Ho, Wo, C]. */
export function sampleTransform(transform: TransformName, input: tf.Tensor4D, params: tf.Tensor2D,
    size: number[], sampler: Required<GridSampleOptions>, controlPoints: readonly number[]): tf.Tensor4D {
  const t = TRANSFORM_TABLE[transform];
  if (t.fusedSample !== undefined) return t.fusedSample(input, params, size, sampler);
  return gridSample(input, t.grid(params, size, sampler.alignCorners, controlPoints), sampler);
}
