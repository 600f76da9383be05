// `tfjs-spatial-transformer/composite`: a sampler and an affine grid generator
// written with stock tfjs ops only, the baseline the native kernels are
// compared with (`npm run bench`, the stn app's `--sampler composite`).
//
// The bilinear sampler reads the 4 neighbours of each source point with
// tf.gather. The neighbour indices and validity masks are computed in JS from
// a copy of the coordinates, off the tape (tfjs cannot differentiate through
// gather indices); the interpolation weights are computed with tfjs ops from
// the coordinates themselves, so autodiff carries the gradient to the grid.
// Same formulas as PyTorch (and the native kernel) for bilinear with 'zeros'
// or 'border' padding.
import './peers';  // first: the app's tfjs must be there
import * as tf from '@tensorflow/tfjs-core';

import {baseCoords} from './base_grid';

export type CompositePadding = 'zeros'|'border';

/** Normalised → pixel, in PyTorch's order of operations. */
function unnormalise(coord: tf.Tensor, size: number, alignCorners: boolean): tf.Tensor {
  return alignCorners ? tf.mul(tf.div(tf.add(coord, 1), 2), size - 1) :
      tf.div(tf.sub(tf.mul(tf.add(coord, 1), size), 1), 2);
}

/**
 * Bilinear grid sampling with stock tfjs ops: the values of
 * gridSample(input, grid, {mode: 'bilinear', paddingMode, alignCorners}).
 * Differentiable with respect to the grid (and, through gather, the input).
 *
 * @param input [N, H, W, C] float32.
 * @param grid [N, Ho, Wo, 2] float32, (x, y) in [-1, 1].
 * @throws Error for a padding mode other than 'zeros' or 'border'.
 */
export function compositeGridSample(input: tf.Tensor4D, grid: tf.Tensor4D,
    paddingMode: CompositePadding = 'zeros', alignCorners = false): tf.Tensor4D {
  if (paddingMode !== 'zeros' && paddingMode !== 'border') {
    throw new Error(`compositeGridSample: paddingMode must be 'zeros' or 'border', but got '${paddingMode}'`);
  }
  const [n, h, w, c] = input.shape;
  const [, ho, wo] = grid.shape;
  return tf.tidy(() => {
    const [gx, gy] = tf.split(grid, 2, 3);
    let ix = unnormalise(gx, w, alignCorners), iy = unnormalise(gy, h, alignCorners);
    if (paddingMode === 'border') {
      ix = tf.clipByValue(ix, 0, w - 1);
      iy = tf.clipByValue(iy, 0, h - 1);
    }
    // Off the tape: corner indices and masks from a copy of the coordinates.
    const xs = ix.dataSync(), ys = iy.dataSync();
    const points = xs.length;
    const x0 = new Float32Array(points), y0 = new Float32Array(points);
    const index = [0, 1, 2, 3].map(() => new Int32Array(points));
    const mask = [0, 1, 2, 3].map(() => new Float32Array(points));
    for (let p = 0; p < points; p++) {
      const x = xs[p], y = ys[p];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;  // samples nothing
      const fx = Math.floor(x), fy = Math.floor(y);
      x0[p] = fx;
      y0[p] = fy;
      const base = Math.floor(p / (ho * wo)) * h * w;
      for (let k = 0; k < 4; k++) {
        const cx = fx + (k & 1), cy = fy + (k >> 1);
        if (cx >= 0 && cx < w && cy >= 0 && cy < h) {
          index[k][p] = base + cy * w + cx;
          mask[k][p] = 1;
        }
      }
    }
    // On the tape: the interpolation weights, from the coordinates.
    const shape = [points, 1];
    const wx1 = tf.reshape(tf.sub(ix, tf.tensor(x0, ix.shape)), shape);
    const wy1 = tf.reshape(tf.sub(iy, tf.tensor(y0, iy.shape)), shape);
    const wx0 = tf.sub(1, wx1), wy0 = tf.sub(1, wy1);
    const weights = [tf.mul(wx0, wy0), tf.mul(wx1, wy0), tf.mul(wx0, wy1), tf.mul(wx1, wy1)];
    const flat = tf.reshape(input, [n * h * w, c]);
    let out: tf.Tensor = tf.zeros([points, c]);
    for (let k = 0; k < 4; k++) {
      const values = tf.gather(flat, tf.tensor1d(index[k], 'int32'));
      out = tf.add(out, tf.mul(values, tf.mul(weights[k], tf.tensor(mask[k], shape))));
    }
    return tf.reshape(out, [n, ho, wo, c]) as tf.Tensor4D;
  });
}

/** The (x, y, 1) of every output pixel, [Ho·Wo, 3], as affineGrid places them. */
function homogeneousBase(ho: number, wo: number, alignCorners: boolean): tf.Tensor2D {
  const xy = baseCoords(ho, wo, alignCorners);
  const out = new Float32Array(ho * wo * 3);
  for (let p = 0; p < ho * wo; p++) out.set([xy[2 * p], xy[2 * p + 1], 1], p * 3);
  return tf.tensor2d(out, [ho * wo, 3]);
}

/** affineGrid(theta, [N, Ho, Wo, C], {alignCorners}) with stock tfjs ops (a batched matMul). */
export function compositeAffineGrid(theta: tf.Tensor3D, ho: number, wo: number,
    alignCorners = false): tf.Tensor4D {
  return tf.tidy(() => {
    const n = theta.shape[0];
    const base = tf.tile(tf.expandDims(homogeneousBase(ho, wo, alignCorners), 0), [n, 1, 1]) as tf.Tensor3D;
    return tf.reshape(tf.matMul(base, theta, false, true), [n, ho, wo, 2]) as tf.Tensor4D;
  });
}
