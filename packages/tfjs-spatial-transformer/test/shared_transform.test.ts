// One transform for the whole batch: a grid, theta or layer parameters of
// batch size 1 serve every image of a batch of N, as the same transform tiled
// N times would (never materialised: the kernels read the one copy), and the
// gradient is the tiled one's summed over the batch.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {affineSample, gridSample} from '../lib';
import {sampleTransform, TRANSFORM_TABLE, TRANSFORMS} from '../lib/layers/transforms';
import {BACKEND_NAMES, expectBitwise, expectClose, randomArray, rng, SAMPLER_CASES,
  useBackend} from './helpers';

const [N, H, W, C, HO, WO] = [3, 6, 7, 2, 5, 4];

/** f32 values of the gradient of sum(weights * f(x, t)) with respect to x and t. */
function grads(f: (x: tf.Tensor, t: tf.Tensor) => tf.Tensor, x: tf.Tensor, t: tf.Tensor,
    weights: tf.Tensor): Float32Array[] {
  return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), weights)))([x, t])
      .map((g) => g.dataSync() as Float32Array);
}

/** The batch-1 tensor's copies, summed over the batch: what its gradient must be. */
const summed = (g: Float32Array, n: number) => tf.tidy(() =>
  tf.sum(tf.tensor(g, [n, g.length / n]), 0).dataSync() as Float32Array);

describe.each(BACKEND_NAMES)('one transform for the whole batch on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  describe.each(SAMPLER_CASES)('$mode, $paddingMode, alignCorners $alignCorners', (options) => {
    test('gridSample with a grid of batch 1 equals the grid tiled; its gradient is the sum', () => {
      const random = rng(1);
      const x = tf.tensor4d(randomArray(random, N * H * W * C), [N, H, W, C]);
      const grid = tf.tensor4d(randomArray(random, HO * WO * 2, -1.2, 1.2), [1, HO, WO, 2]);
      const tiled = tf.tile(grid, [N, 1, 1, 1]);
      const weights = tf.tensor(randomArray(random, N * HO * WO * C), [N, HO, WO, C]);
      expectBitwise(gridSample(x, grid, options).dataSync() as Float32Array,
          gridSample(x, tiled, options).dataSync() as Float32Array, 'output');
      const f = (a: tf.Tensor, b: tf.Tensor) => gridSample(a, b, options);
      const [dx, dGrid] = grads(f, x, grid, weights);
      const [dxTiled, dTiled] = grads(f, x, tiled, weights);
      expect(dGrid.length).toBe(HO * WO * 2);
      expectClose(dx, dxTiled, {rtol: 1e-5, atol: 1e-6}, 'input gradient');
      expectClose(dGrid, summed(dTiled, N), {rtol: 1e-5, atol: 1e-5}, 'grid gradient');
      // The grid gradient alone (the usual STN case) is the same.
      expectBitwise(tf.grad((b: tf.Tensor) => tf.sum(tf.mul(f(x, b), weights)))(grid).dataSync() as Float32Array,
          dGrid, 'grid gradient alone');
    });

    test('affineSample with a theta of batch 1 equals theta tiled; its gradient is the sum', () => {
      const random = rng(2);
      const x = tf.tensor4d(randomArray(random, N * H * W * C), [N, H, W, C]);
      const theta = tf.tensor3d([[[0.9, -0.3, 0.1], [0.25, 1.1, -0.2]]]);
      const tiled = tf.tile(theta, [N, 1, 1]);
      const size = [N, HO, WO, C];
      const weights = tf.tensor(randomArray(random, N * HO * WO * C), size);
      expectBitwise(affineSample(x, theta, size, options).dataSync() as Float32Array,
          affineSample(x, tiled, size, options).dataSync() as Float32Array, 'output');
      const f = (a: tf.Tensor, b: tf.Tensor) => affineSample(a, b, size, options);
      const [dx, dTheta] = grads(f, x, theta, weights);
      const [dxTiled, dTiled] = grads(f, x, tiled, weights);
      expect(dTheta.length).toBe(6);
      expectClose(dx, dxTiled, {rtol: 1e-5, atol: 1e-6}, 'input gradient');
      expectClose(dTheta, summed(dTiled, N), {rtol: 1e-4, atol: 1e-4}, 'theta gradient');
    });
  });

  test.each(TRANSFORMS)("the layer's %s transform with parameters of batch 1", (transform) => {
    const random = rng(3);
    const controlPoints = transform === 'tps' ? [-1, -1, 1, -1, -1, 1, 1, 1] : [];
    const identity = TRANSFORM_TABLE[transform].identity(controlPoints);
    const params = tf.tensor2d([identity.map((v) => v + 0.05 * (random() - 0.5))]);
    const tiled = tf.tile(params, [N, 1]);
    const x = tf.tensor4d(randomArray(random, N * H * W * C), [N, H, W, C]);
    const size = [N, HO, WO, C];
    const sampler = {mode: 'bilinear', paddingMode: 'border', alignCorners: false} as const;
    const f = (a: tf.Tensor, p: tf.Tensor) =>
      sampleTransform(transform, a as tf.Tensor4D, p as tf.Tensor2D, size, sampler, controlPoints);
    expectBitwise(f(x, params).dataSync() as Float32Array, f(x, tiled).dataSync() as Float32Array, 'output');
    const weights = tf.tensor(randomArray(random, N * HO * WO * C), size);
    const [, dParams] = grads(f, x, params, weights);
    const [, dTiled] = grads(f, x, tiled, weights);
    expectClose(dParams, summed(dTiled, N), {rtol: 1e-4, atol: 1e-4}, 'parameter gradient');
  });
});
