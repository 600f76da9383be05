// The four transform families of the SpatialTransformer layer: how many
// parameters the localisation net regresses, their identity values, and the
// grid generator that turns a batch of them into a sampling grid.
import * as tf from '@tensorflow/tfjs-node';

import {affineGrid} from '../ops/affine_grid';
import {attentionGrid} from '../ops/attention_grid';
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
}

export const TRANSFORM_TABLE: Record<TransformName, Transform> = {
  affine: {
    identity: () => [1, 0, 0, 0, 1, 0],
    grid: (params, size, alignCorners) =>
      affineGrid(tf.reshape(params, [size[0], 2, 3]), size, {alignCorners}),
  },
  attention: {
    identity: () => [1, 0, 0],
    grid: (params, size, alignCorners) => attentionGrid(params, size, {alignCorners}),
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
