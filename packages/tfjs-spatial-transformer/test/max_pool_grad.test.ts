// useFastMaxPoolGrad: on 'tensorflow' the max-pool gradient is our op, with
// TensorFlow's MaxPoolGrad's values bit for bit (the oracle is the op itself,
// the stock gradient), ties, NaNs, infinities and overlapping windows
// included; the same training curve; elsewhere tfjs's gradient; restore()
// puts tfjs's gradient back; the op names a bad argument.
import * as tf from '@tensorflow/tfjs-node';
import {afterEach, describe, expect, test} from 'vitest';

import {getNumThreads, setNumThreads, StnMaxPoolGrad, useFastMaxPoolGrad} from '../lib';
import {BACKEND_NAMES, expectSameTrainingCurve, randomArray, rng, trainingCurve, useBackend} from './helpers';

let restore: (() => void)|null = null;
afterEach(() => {
  restore?.();
  restore = null;
});

interface PoolCase {
  shape: [number, number, number, number];
  filterSize: number|[number, number];
  strides: number|[number, number];
  pad: 'valid'|'same'|0;
}

const CASES: PoolCase[] = [
  {shape: [4, 28, 28, 16], filterSize: 2, strides: 2, pad: 'valid'},  // the app's classifier pool
  {shape: [3, 17, 17, 8], filterSize: 2, strides: 2, pad: 'valid'},   // an odd side: the last row in no window
  {shape: [2, 9, 7, 70], filterSize: 3, strides: 2, pad: 'same'},     // overlapping, padded, two channel blocks
  {shape: [2, 8, 11, 3], filterSize: [3, 2], strides: [1, 3], pad: 'valid'},
  {shape: [1, 5, 6, 1], filterSize: [1, 2], strides: [3, 2], pad: 'same'},  // gaps between windows
  {shape: [2, 3, 3, 5], filterSize: 5, strides: 1, pad: 'same'},     // windows past the input
  {shape: [2, 6, 6, 4], filterSize: 2, strides: 2, pad: 0},           // a zero pad is VALID
];

const label = (c: PoolCase) =>
  `${c.shape.join('x')} window ${c.filterSize} strides ${c.strides} pad ${c.pad}`;

/** Values full of ties (a few levels, zeros of both signs), with NaN and infinities when `specials`. */
function poolInput(seed: number, shape: number[], specials: boolean): tf.Tensor4D {
  const random = rng(seed);
  const values = Float32Array.from({length: shape.reduce((a, b) => a * b)}, () => {
    const pick = Math.floor(random() * 16);
    if (specials && pick === 0) return NaN;
    if (specials && pick === 1) return random() < 0.5 ? Infinity : -Infinity;
    if (pick === 2) return -0;
    return (Math.floor(random() * 5) - 2) * 0.75;
  });
  return tf.tensor4d(values, shape as [number, number, number, number]);
}

/** The gradient of maxPool at x for dy, and the kernels that ran. */
async function poolGradient(c: PoolCase, x: tf.Tensor4D, dy: tf.Tensor): Promise<{values: Float32Array, kernels: string[]}> {
  let values: Float32Array = new Float32Array();
  const info = await tf.profile(() => {
    const pool = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, c.filterSize, c.strides, c.pad);
    values = tf.grad(pool)(x, dy).dataSync() as Float32Array;
  });
  return {values, kernels: info.kernels.map((k) => k.name)};
}

function dyFor(c: PoolCase, x: tf.Tensor4D, seed: number): tf.Tensor {
  const shape = tf.maxPool(x, c.filterSize, c.strides, c.pad).shape;
  return tf.tensor(randomArray(rng(seed), shape.reduce((a, b) => a * b), -2, 2), shape);
}

const init = (seed: number) => tf.initializers.glorotUniform({seed});

/** A small conv + max-pool + dense classifier: two pools, one of them overlapping and padded. */
const poolingClassifier = () => [
  tf.layers.conv2d({inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu',
    kernelInitializer: init(1)}),
  tf.layers.maxPooling2d({poolSize: 2}),
  tf.layers.conv2d({filters: 6, kernelSize: 2, activation: 'relu', kernelInitializer: init(2)}),
  tf.layers.maxPooling2d({poolSize: 3, strides: 1, padding: 'same'}),
  tf.layers.flatten(),
  tf.layers.dense({units: 3, kernelInitializer: init(3)}),
];

describe('useFastMaxPoolGrad', () => {
  test.each(CASES.flatMap((c) => [false, true].map((specials) => [label(c), specials, c] as const)))(
      "on 'tensorflow', %s (specials %s): our op, TensorFlow's MaxPoolGrad's values bit for bit",
      async (_, specials, c) => {
        await useBackend('tensorflow');
        const x = poolInput(c.shape[1] * 31 + c.shape[3] + (specials ? 7 : 0), c.shape, specials);
        const dy = dyFor(c, x, 3);
        const stock = await poolGradient(c, x, dy);
        expect(stock.kernels).toContain('MaxPoolGrad');
        restore = useFastMaxPoolGrad();
        const fast = await poolGradient(c, x, dy);
        expect(fast.kernels).toContain(StnMaxPoolGrad);
        expect(fast.kernels).not.toContain('MaxPoolGrad');
        expect(fast.values.some((v) => v !== 0)).toBe(true);
        expect(new Uint32Array(fast.values.buffer)).toEqual(new Uint32Array(stock.values.buffer));
      });

  test('the same bits at 1 and 2 threads', async () => {
    await useBackend('tensorflow');
    const c = CASES[0];
    const x = poolInput(11, c.shape, true), dy = dyFor(c, x, 12);
    restore = useFastMaxPoolGrad();
    const threads = getNumThreads();
    try {
      setNumThreads(1);
      const one = (await poolGradient(c, x, dy)).values;
      setNumThreads(2);
      const two = (await poolGradient(c, x, dy)).values;
      expect(new Uint32Array(two.buffer)).toEqual(new Uint32Array(one.buffer));
    } finally {
      setNumThreads(threads);
    }
  });

  test.each(BACKEND_NAMES)('on %s: the same training curve and weights, bit for bit', async (backend) => {
    await useBackend(backend);
    const stock = await trainingCurve(poolingClassifier, 8);
    restore = useFastMaxPoolGrad();
    // Two pools, 8 steps: 16 of our gradients on 'tensorflow', none elsewhere.
    expectSameTrainingCurve(await trainingCurve(poolingClassifier, 8), stock, StnMaxPoolGrad,
        backend === 'tensorflow' ? 16 : 0);
  });

  test("'cpu' keeps tfjs's gradient; restore() puts tfjs's own gradient back; calls do not stack", async () => {
    await useBackend('cpu');
    const stock = tf.getGradient(tf.MaxPool);
    const c = CASES[1];
    const x = poolInput(4, c.shape, false), dy = dyFor(c, x, 5);
    restore = useFastMaxPoolGrad();
    expect(useFastMaxPoolGrad).not.toThrow();
    expect((await poolGradient(c, x, dy)).kernels).toContain('MaxPoolGrad');
    restore();
    restore = null;
    expect(tf.getGradient(tf.MaxPool)).toBe(stock);
    await useBackend('tensorflow');
    expect((await poolGradient(c, x, dy)).kernels).toContain('MaxPoolGrad');
  });

  test('the op names a bad argument', async () => {
    await useBackend('tensorflow');
    restore = useFastMaxPoolGrad();  // registers the kernel
    const x = tf.zeros([1, 4, 4, 2]);
    const run = (dy: tf.Tensor, window: number[]) =>
      () => tf.engine().runKernel(StnMaxPoolGrad, {x, dy}, {window, samePadding: false});
    expect(run(tf.zeros([1, 3, 2, 2]), [2, 2, 2, 2])).toThrow(
        /StnMaxPoolGradAbi2: dy must have shape \[1,2,2,2\] \(the pool's output\) but has shape \[1,3,2,2\]/);
    expect(run(tf.zeros([1, 2, 2, 2]), [0, 2, 2, 2])).toThrow(/StnMaxPoolGradAbi2: window \[0,2,2,2\] must be/);
    expect(run(tf.zeros([1, 2, 2, 2]), [6, 6, 1, 1])).toThrow(/StnMaxPoolGradAbi2: window \[6,6,1,1\] must be/);
    expect(run(tf.zeros([1, 2, 2, 2]), [2.5, 2, 2, 2])).toThrow(/StnMaxPoolGrad: window \[2.5,2,2,2\] is not int32/);
  });
});
