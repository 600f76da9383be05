// gridSample's forward and both gradients, through tfjs on each backend, against
// the native scalar reference and against central finite differences.
import * as tf from '@tensorflow/tfjs-node';
import {afterEach, beforeAll, describe, expect, test, vi} from 'vitest';

import {gridSample, GridSampleGrad} from '../lib';
import {native, SamplerShape} from '../lib/native';
import {BACKEND_NAMES, expectBitwise, expectClose, gridAwayFromKinks, randomArray, rng,
  SAMPLER_CASES, spyNativeKernel, useBackend, weightedSum} from './helpers';

// [N, H, W, C, Ho, Wo]: 1×1 images, C = 1, 3, odd and large, outputs smaller and larger.
const SHAPES: SamplerShape[] = [
  [1, 1, 1, 1, 1, 1],
  [1, 1, 1, 7, 3, 2],
  [2, 5, 7, 3, 4, 6],
  [1, 6, 4, 5, 9, 3],
  [3, 4, 5, 1, 2, 2],
  [1, 3, 3, 64, 5, 4],
  [2, 4, 3, 300, 2, 3],
];

function problem(shape: SamplerShape, seed: number) {
  const [n, h, w, c, ho, wo] = shape;
  const random = rng(seed);
  const grid = randomArray(random, n * ho * wo * 2, -1.6, 1.6);
  // Points on the border, the centre and outside, in every case.
  grid.set([-1, 1, 0, 0, 1, -1].slice(0, grid.length));
  return {
    input: randomArray(random, n * h * w * c),
    grid,
    weights: randomArray(random, n * ho * wo * c),
  };
}

describe.each(BACKEND_NAMES)('gridSample on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterEach(() => vi.restoreAllMocks());

  test('one native backward pass per gradient; the grid-only path skips the input gradient', () => {
    const x = tf.randomUniform([2, 5, 6, 3]);
    const g = tf.randomUniform([2, 4, 4, 2], -1, 1);
    const backward = spyNativeKernel('gridSampleBackward', GridSampleGrad);
    const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(gridSample(a, b));

    tf.grad((b: tf.Tensor) => loss(x, b))(g);
    expect(backward.count()).toBe(1);
    expect(backward.gradients(0)).toEqual([false, true]);

    tf.grads(loss)([x, g]);
    expect(backward.count()).toBe(2);
    expect(backward.gradients(1)).toEqual([true, true]);
  });

  describe.each(SAMPLER_CASES)('$mode, $paddingMode, alignCorners $alignCorners', (options) => {
    const mode = native.Interpolation[options.mode];
    const padding = native.Padding[options.paddingMode];

    test.each(SHAPES.map((s, i) => [s, i]))('matches the scalar reference on %j', (shape, seed) => {
      const [n, h, w, c, ho, wo] = shape as SamplerShape;
      const {input, grid, weights} = problem(shape as SamplerShape, seed as number);
      const x = tf.tensor4d(input, [n, h, w, c]);
      const g = tf.tensor4d(grid, [n, ho, wo, 2]);
      const loss = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(gridSample(a, b, options), tf.tensor(weights, [n, ho, wo, c])));

      const output = new Float32Array(n * ho * wo * c).fill(NaN);
      native.reference.gridSampleForward(input, grid, output, [n, h, w, c, ho, wo], mode, padding,
          options.alignCorners);
      const gradInput = new Float32Array(input.length).fill(NaN);
      const gradGrid = new Float32Array(grid.length).fill(NaN);
      native.reference.gridSampleBackward(weights, input, grid, gradInput, gradGrid,
          [n, h, w, c, ho, wo], mode, padding, options.alignCorners);

      expectBitwise(gridSample(x, g, options).dataSync() as Float32Array, output, 'output');
      const [dx, dg] = tf.grads(loss)([x, g]);
      expectClose(dx.dataSync(), gradInput, {rtol: 1e-5, atol: 1e-6}, 'input gradient');
      // Bitwise for C <= 4; above, the kernel sums channels in fixed vector lanes (README, Performance).
      if (c <= 4) expectBitwise(dg.dataSync() as Float32Array, gradGrid, 'grid gradient');
      else expectClose(dg.dataSync(), gradGrid, {rtol: 1e-5, atol: 5e-7 * c}, 'grid gradient');
      // Each gradient alone (the grid-only and input-only paths) equals the joint one.
      expectBitwise(tf.grad((b: tf.Tensor) => loss(x, b))(g).dataSync() as Float32Array,
          dg.dataSync() as Float32Array, 'grid gradient alone');
      expectBitwise(tf.grad((a: tf.Tensor) => loss(a, g))(x).dataSync() as Float32Array,
          dx.dataSync() as Float32Array, 'input gradient alone');
      tf.dispose([x, g, dx, dg]);
    });

    test('gradients match central finite differences', () => {
      const [n, h, w, c, ho, wo] = [2, 4, 5, 3, 3, 4];
      const random = rng(7);
      const input = randomArray(random, n * h * w * c);
      const grid = gridAwayFromKinks(random, n, ho, wo, h, w, options.alignCorners);
      const weights = randomArray(random, n * ho * wo * c);
      const loss = (a: Float32Array, b: Float32Array) => tf.tidy(() => weightedSum(
          gridSample(tf.tensor4d(a, [n, h, w, c]), tf.tensor4d(b, [n, ho, wo, 2]), options),
          weights));
      const [dx, dg] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(gridSample(a, b, options), tf.tensor(weights, [n, ho, wo, c]))))(
          [tf.tensor4d(input, [n, h, w, c]), tf.tensor4d(grid, [n, ho, wo, 2])]);

      const central = (values: Float32Array, i: number, step: number, f: () => number) => {
        // Divide by the float32 values actually stored, not by 2·step.
        const saved = values[i];
        values[i] = saved + step;
        const [high, plus] = [values[i], f()];
        values[i] = saved - step;
        const [low, minus] = [values[i], f()];
        values[i] = saved;
        return (plus - minus) / (high - low);
      };
      // The grid: every coordinate, a step of 0.02 px.
      const gridGrad = dg.dataSync();
      for (let i = 0; i < grid.length; i++) {
        const side = i % 2 === 0 ? w : h;
        const step = 0.04 / (options.alignCorners ? Math.max(side - 1, 1) : side);
        const numeric = central(grid, i, step, () => loss(input, grid));
        expect(Math.abs(gridGrad[i] - numeric), `grid gradient ${i}: ${gridGrad[i]} vs ${numeric}`)
            .toBeLessThanOrEqual(2e-3 * Math.max(1, Math.abs(numeric)));
      }
      // The input: the loss is linear in it, so any step is exact; a spread of elements.
      const inputGrad = dx.dataSync();
      for (let i = 0; i < input.length; i += 7) {
        const numeric = central(input, i, 0.25, () => loss(input, grid));
        expect(Math.abs(inputGrad[i] - numeric), `input gradient ${i}: ${inputGrad[i]} vs ${numeric}`)
            .toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(numeric)));
      }
      tf.dispose([dx, dg]);
    });
  });
});
