// useFusedReluGrad: on 'tensorflow' the ReLU gradient is one TF ReluGrad op,
// with tfjs's own values (and so the same training curve, bit for bit); on
// 'cpu' tfjs's formula; restore() puts tfjs's gradient back.
import * as tf from '@tensorflow/tfjs-node';
import {afterEach, describe, expect, test} from 'vitest';

import {StnReluGrad, useFusedReluGrad} from '../lib';
import {BACKEND_NAMES, expectSameTrainingCurve, randomArray, rng, trainingCurve, useBackend} from './helpers';

let restore: (() => void)|null = null;
afterEach(() => {
  restore?.();
  restore = null;
});

/** Values with exact zeros of both signs among the positives and negatives. */
function inputs(seed: number, n = 64): {x: tf.Tensor1D, dy: tf.Tensor1D} {
  const x = randomArray(rng(seed), n, -2, 2);
  x[0] = 0;
  x[1] = -0;
  const dy = randomArray(rng(seed + 1), n, -3, 3);
  return {x: tf.tensor1d(x), dy: tf.tensor1d(dy)};
}

/** The gradient of relu at x for dy, and the kernels it ran. */
async function reluGradient(x: tf.Tensor, dy: tf.Tensor): Promise<{values: Float32Array, kernels: string[]}> {
  let values: Float32Array = new Float32Array();
  const info = await tf.profile(() => {
    values = tf.grad((t: tf.Tensor) => tf.relu(t))(x, dy).dataSync() as Float32Array;
  });
  return {values, kernels: info.kernels.map((k) => k.name)};
}

const init = (seed: number) => tf.initializers.glorotUniform({seed});

/** A small conv + dense classifier with two ReLU layers. */
const reluClassifier = () => [
  tf.layers.conv2d({inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu',
    kernelInitializer: init(1)}),
  tf.layers.maxPooling2d({poolSize: 2}),
  tf.layers.flatten(),
  tf.layers.dense({units: 16, activation: 'relu', kernelInitializer: init(2)}),
  tf.layers.dense({units: 3, kernelInitializer: init(3)}),
];

describe('useFusedReluGrad', () => {
  test("on 'tensorflow': one StnReluGrad kernel, tfjs's values, even the signs of zeros", async () => {
    await useBackend('tensorflow');
    const {x, dy} = inputs(1);
    const stock = await reluGradient(x, dy);
    expect(stock.kernels).toContain('Step');
    restore = useFusedReluGrad();
    const fused = await reluGradient(x, dy);
    expect(fused.kernels).toContain(StnReluGrad);
    expect(fused.kernels).not.toContain('Step');
    expect(Array.from(fused.values).map(Object.is.bind(null, 0))).toEqual(Array.from(stock.values).map(
        Object.is.bind(null, 0)));
    expect(fused.values).toEqual(stock.values);
  });

  test('at x = NaN the fused gradient is 0 where tfjs gives NaN (documented)', async () => {
    await useBackend('tensorflow');
    const x = tf.tensor1d([NaN, 1]), dy = tf.tensor1d([2, 3]);
    expect(Array.from((await reluGradient(x, dy)).values)).toEqual([NaN, 3]);
    restore = useFusedReluGrad();
    expect(Array.from((await reluGradient(x, dy)).values)).toEqual([0, 3]);
  });

  test.each(BACKEND_NAMES)('on %s: the same training curve and weights, bit for bit', async (backend) => {
    await useBackend(backend);
    const stock = await trainingCurve(reluClassifier, 8);
    restore = useFusedReluGrad();
    // Two ReLU layers, 8 steps: 16 fused gradients on 'tensorflow', none elsewhere.
    expectSameTrainingCurve(await trainingCurve(reluClassifier, 8), stock, StnReluGrad,
        backend === 'tensorflow' ? 16 : 0);
  });

  test("'cpu' keeps tfjs's formula; restore() puts tfjs's own gradient back; calls do not stack", async () => {
    await useBackend('cpu');
    const stock = tf.getGradient(tf.Relu);
    const {x, dy} = inputs(2);
    restore = useFusedReluGrad();
    expect(useFusedReluGrad).not.toThrow();
    expect((await reluGradient(x, dy)).kernels).toContain('Step');
    restore();
    restore = null;
    expect(tf.getGradient(tf.Relu)).toBe(stock);
    await useBackend('tensorflow');
    expect((await reluGradient(x, dy)).kernels).toContain('Step');
  });
});
