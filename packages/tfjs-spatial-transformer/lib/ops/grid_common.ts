// The base coordinates the grid generators share: affineGrid's own, so every
// generator samples the same points.
import * as tf from '@tensorflow/tfjs-core';

import {affineGrid} from './affine_grid';

const IDENTITY_THETA = [[[1, 0, 0], [0, 1, 0]]];

/**
 * The base coordinates (x_j, y_i) of an Ho × Wo output, [1, Ho, Wo, 2]: the
 * identity theta's affineGrid, so they equal affineGrid's (PyTorch's linspace)
 * bit for bit. A constant: nothing is differentiated through it.
 */
export function baseGrid(ho: number, wo: number, alignCorners: boolean): tf.Tensor4D {
  return tf.tidy(() => affineGrid(tf.tensor3d(IDENTITY_THETA), [1, ho, wo, 1], {alignCorners}));
}
