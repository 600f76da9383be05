// The four transform families of the SpatialTransformer layer: how many
// parameters the localisation net regresses, their identity values, and how a
// batch of them resamples the input. Affine and attention use the fused
// affineSample (the grid is never stored, and a training step is faster than
// with affineGrid + gridSample: docs/performance.md); projective and TPS
// build their grid, then gridSample.
import * as tf from '@tensorflow/tfjs-core';

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
  /**
   * Input [N, H, W, C] resampled by [B, P] parameters (B = N, or 1 for one
   * transform for the whole batch) to `size` [N, Ho, Wo, C].
   */
  resample(input: tf.Tensor4D, params: tf.Tensor2D, size: number[],
      sampler: Required<GridSampleOptions>, controlPoints: readonly number[]): tf.Tensor4D;
}

const affineTheta = (params: tf.Tensor2D) => tf.reshape(params, [params.shape[0], 2, 3]) as tf.Tensor3D;
/** The grid generators' size: the parameters' batch (N or 1), the output's Ho, Wo, C. */
const gridSize = (params: tf.Tensor2D, size: number[]) => [params.shape[0], size[1], size[2], size[3]];

export const TRANSFORM_TABLE: Record<TransformName, Transform> = {
  affine: {
    identity: () => [1, 0, 0, 0, 1, 0],
    resample: (input, params, size, sampler) => affineSample(input, affineTheta(params), size, sampler),
  },
  attention: {
    identity: () => [1, 0, 0],
    resample: (input, params, size, sampler) => affineSample(input, attentionTheta(params), size, sampler),
  },
  projective: {
    identity: () => [1, 0, 0, 0, 1, 0, 0, 0],
    resample: (input, params, size, sampler) => gridSample(input,
        projectiveGrid(params, gridSize(params, size), {alignCorners: sampler.alignCorners}), sampler),
  },
  tps: {
    identity: (controlPoints) => [...controlPoints],
    resample: (input, params, size, sampler, controlPoints) => {
      const pairs: number[][] = [];
      for (let i = 0; i < controlPoints.length; i += 2) pairs.push([controlPoints[i], controlPoints[i + 1]]);
      const points = tf.reshape(params, [params.shape[0], pairs.length, 2]);
      return gridSample(input, tpsGrid(points, gridSize(params, size),
          {controlPoints: pairs, alignCorners: sampler.alignCorners}), sampler);
    },
  },
};

/**
 * Input [N, H, W, C] resampled by `transform`'s [B, P] parameters (B = N, or
 * 1: one transform for every image, its gradient summed over the batch) to
 * `size` [N, Ho, Wo, C].
 */
export function sampleTransform(transform: TransformName, input: tf.Tensor4D, params: tf.Tensor2D,
    size: number[], sampler: Required<GridSampleOptions>, controlPoints: readonly number[]): tf.Tensor4D {
  return TRANSFORM_TABLE[transform].resample(input, params, size, sampler, controlPoints);
}
