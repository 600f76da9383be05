// The fused affineSample against gridSample(input, affineGrid(theta)) on each
// backend: forward bit for bit, gradients to float rounding; theta's gradient
// against central finite differences; argument errors.
import * as tf from '@tensorflow/tfjs-node';
import {afterEach, beforeAll, describe, expect, test, vi} from 'vitest';

import {affineGrid, affineSample, AffineSampleGrad, gridSample, SAMPLER_KERNELS} from '../lib';
import {BACKEND_NAMES, expectBitwise, expectClose, MODES, quotedList, randomArray, rng, SAMPLER_CASES,
  spyNativeKernel, useBackend, weightedSum} from './helpers';

// [N, H, W, C] input, [Ho, Wo] output: C across the pixel/channel row kernels,
// rows shorter and longer than a vector and than the fused kernel's chunk (256).
const SHAPES: [number[], number, number][] = [
  [[2, 5, 7, 1], 4, 6],
  [[1, 9, 8, 3], 17, 33],
  [[3, 6, 5, 8], 5, 4],
  [[1, 4, 300, 2], 3, 300],
  [[2, 7, 6, 64], 6, 9],
];

function randomTheta(random: () => number, n: number): Float32Array {
  const theta = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    const a = (random() * 2 - 1) * 0.6, s = 0.7 + 0.6 * random();
    theta.set([s * Math.cos(a), -s * Math.sin(a), random() * 0.6 - 0.3,
      s * Math.sin(a), s * Math.cos(a), random() * 0.6 - 0.3], i * 6);
  }
  return theta;
}

describe.each(BACKEND_NAMES)('affineSample on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterEach(() => vi.restoreAllMocks());

  describe.each(SAMPLER_CASES)('$mode, $paddingMode, alignCorners $alignCorners', (options) => {
    test.each(SHAPES)('input %j to %i×%i equals gridSample(affineGrid)', (shape, ho, wo) => {
      const random = rng(shape.reduce((a, b) => a * 31 + b, ho * 7 + wo));
      const [n, , , c] = shape;
      const size = [n, ho, wo, c];
      const x = tf.tensor4d(randomArray(random, shape.reduce((a, b) => a * b)), shape as any);
      const theta = tf.tensor3d(randomTheta(random, n), [n, 2, 3]);
      const dy = tf.tensor4d(randomArray(random, n * ho * wo * c), [n, ho, wo, c]);
      const fused = (a: tf.Tensor, t: tf.Tensor) => affineSample(a, t, size, options);
      const unfused = (a: tf.Tensor, t: tf.Tensor) =>
        gridSample(a, affineGrid(t, size, {alignCorners: options.alignCorners}), options);

      expectBitwise(fused(x, theta).dataSync() as Float32Array,
          unfused(x, theta).dataSync() as Float32Array, 'forward');
      const [fx, ft] = tf.grads(fused)([x, theta], dy);
      const [ux, ut] = tf.grads(unfused)([x, theta], dy);
      expectClose(fx.dataSync(), ux.dataSync(), {rtol: 1e-5, atol: 1e-5}, 'dInput');
      expectClose(ft.dataSync(), ut.dataSync(), {rtol: 1e-4, atol: 1e-4}, 'dTheta');
      // Theta alone: the theta-only backward, the same values.
      const only = tf.grad((t: tf.Tensor) => fused(x, t))(theta, dy);
      expectBitwise(only.dataSync() as Float32Array, ft.dataSync() as Float32Array, 'dTheta only');
    });
  });

  test('dTheta matches central finite differences (bilinear, zeros and border)', () => {
    const random = rng(99);
    const shape = [2, 9, 11, 3];
    const size = [2, 7, 8, 3];
    const input = randomArray(random, 2 * 9 * 11 * 3);
    // Source points >= 0.099 px from every integer coordinate (checked offline):
    // away from the bilinear kinks and the clipping points, for eps = 1e-3.
    const theta = Float32Array.from([0.97, 0.222, 0.092, -0.222, 0.97, 0.114,
      0.976, -0.001, -0.097, 0.001, 0.976, -0.086]);
    const weights = randomArray(random, 2 * 7 * 8 * 3);
    const x = tf.tensor4d(input, shape as any);
    for (const paddingMode of ['zeros', 'border'] as const) {
      const loss = (t: Float32Array) =>
        weightedSum(affineSample(x, tf.tensor3d(t, [2, 2, 3]), size, {paddingMode}), weights);
      const grad = tf.grad((t: tf.Tensor) => affineSample(x, t, size, {paddingMode}))(
          tf.tensor3d(theta, [2, 2, 3]), tf.tensor4d(weights, size as any)).dataSync();
      const eps = 1e-3;
      for (let k = 0; k < theta.length; k++) {
        const plus = Float32Array.from(theta), minus = Float32Array.from(theta);
        plus[k] += eps;
        minus[k] -= eps;
        const numeric = (loss(plus) - loss(minus)) / (plus[k] - minus[k]);
        expect(Math.abs(grad[k] - numeric), `${paddingMode} theta[${k}]: analytic ${grad[k]}, ` +
            `numeric ${numeric}`).toBeLessThanOrEqual(2e-3 * Math.max(1, Math.abs(numeric)));
      }
    }
  });

  test('one native backward pass; the theta-only path skips the input gradient', () => {
    const x = tf.randomUniform([2, 5, 6, 3]);
    const theta = tf.tensor3d(randomTheta(rng(3), 2), [2, 2, 3]);
    const backward = spyNativeKernel('affineSampleBackward', AffineSampleGrad);
    const loss = (a: tf.Tensor, t: tf.Tensor) => tf.sum(affineSample(a, t, [2, 4, 4, 3]));
    tf.grad((t: tf.Tensor) => loss(x, t))(theta);
    expect(backward.count()).toBe(1);
    expect(backward.gradients(0)).toEqual([false, true]);
    tf.grads(loss)([x, theta]);
    expect(backward.count()).toBe(2);
    expect(backward.gradients(1)).toEqual([true, true]);
  });

  test('errors name the argument', () => {
    const x = tf.zeros([2, 4, 4, 3]);
    const theta = tf.zeros([2, 2, 3]);
    expect(() => affineSample(x, tf.zeros([2, 3, 3]), [2, 4, 4, 3]))
        .toThrow('affineSample: theta must be of shape [N,2,3], but got a float32 tensor of shape [2,3,3]');
    expect(() => affineSample(x, tf.zeros([3, 2, 3]), [2, 4, 4, 3]))
        .toThrow("affineSample: theta must have the input's batch size N or 1, but input has 2");
    expect(() => affineSample(x, theta, [2, 4, 4, 1]))
        .toThrow("affineSample: size must be [N, Ho, Wo, C] with input's N and C");
    expect(() => affineSample(x, theta, [2, 4, 4]))
        .toThrow('affineSample: size must be an array of 4 non-negative integers [N, Ho, Wo, C], but got [');
    expect(() => affineSample(x, theta, [2, 4, 4, 3], {mode: 'cubic' as any}))
        .toThrow(`affineSample: options.mode must be one of ${quotedList(MODES)}, but got 'cubic'`);
    expect(() => affineSample(tf.zeros([2, 4, 4]), theta, [2, 4, 4, 3]))
        .toThrow('affineSample: input must be a 4-D float32 tensor [N,H,W,C]');
  });
});

describe.each(BACKEND_NAMES)('SAMPLER_KERNELS on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  test('are the kernels of ours that an image STN step runs, every one of them', async () => {
    const random = rng(7);
    const x = tf.tensor4d(randomArray(random, 2 * 6 * 6), [2, 6, 6, 1]);
    const theta = tf.tensor3d(randomTheta(random, 2), [2, 2, 3]);
    const info = await tf.profile(() => tf.grads((input: tf.Tensor, t: tf.Tensor) => tf.add(
        affineSample(input as tf.Tensor4D, t as tf.Tensor3D, [2, 4, 4, 1]).sum(),
        gridSample(input as tf.Tensor4D, affineGrid(t as tf.Tensor3D, [2, 4, 4, 1])).sum()))([x, theta]));
    const ours = new Set(info.kernels.map((k) => k.name).filter((name) => name.startsWith('Stn')));
    expect([...ours].sort()).toEqual([...SAMPLER_KERNELS].sort());
    tf.dispose([x, theta, ...info.result as tf.Tensor[]]);
  });
});
