// FlatAdam is tfjs's Adam in fewer ops: the same weights bit for bit over many
// steps, the same saved slots, and either optimizer's state resumes in the other.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {AdamState, TrainOptimizer} from '../src/train/adam_state';
import {FlatAdam} from '../src/train/flat_adam';
import {useBackend} from './helpers';

beforeAll(() => useBackend('tensorflow'));

const SHAPES = [[5, 5, 1, 8], [8], [64, 10], [10], [3, 3, 8, 4]];

/** Variables (the same values for the same seed) and a loss of them whose gradients change each step. */
function problem(seed: number) {
  const variables = SHAPES.map((shape, i) => tf.variable(tf.randomNormal(shape, 0, 1, 'float32', seed + i)));
  const step = (adam: TrainOptimizer, k: number) => tf.tidy(() => {
    const {grads} = tf.variableGrads(() => tf.addN(variables.map((v, i) =>
      tf.sum(tf.sin(tf.mul(v, 0.5 + 0.1 * ((i + k) % 7)))))) as tf.Scalar, variables);
    adam.applyGradients(grads);
  });
  const values = () => variables.flatMap((v) => Array.from(v.dataSync()));
  return {variables, step, values, dispose: () => tf.dispose(variables)};
}

/** `saved` with its slots named after `to`'s variables instead of `from`'s. */
function renamed(saved: Awaited<ReturnType<TrainOptimizer['save']>>, from: tf.Variable[], to: tf.Variable[]) {
  return {...saved, slots: saved.slots.map((slot) => {
    const i = from.findIndex((v) => slot.name.startsWith(`${v.name}/`));
    return i < 0 ? slot : {...slot, name: slot.name.replace(from[i].name, to[i].name)};
  })};
}

describe('FlatAdam', () => {
  test('the same weights as tf.train.adam, bit for bit, over 40 steps with a changing learning rate', () => {
    const a = problem(1), b = problem(1);
    const stock = new AdamState(tf.train.adam(0.01));
    const flat = new FlatAdam(b.variables, 0.01);
    for (let k = 0; k < 40; k++) {
      stock.learningRate = flat.learningRate = 0.01 * (1 - k / 50);
      a.step(stock, k);
      b.step(flat, k);
    }
    expect(b.values()).toEqual(a.values());
    expect(b.values()).not.toEqual(problem(1).values());
    stock.dispose();
    flat.dispose();
  });

  test('saves tfjs\'s slots and accumulators, and each resumes the other\'s state exactly', async () => {
    const a = problem(5), b = problem(5);
    const stock = new AdamState(tf.train.adam(0.02));
    const flat = new FlatAdam(b.variables, 0.02);
    for (let k = 0; k < 7; k++) {
      a.step(stock, k);
      b.step(flat, k);
    }
    const fromStock = await stock.save();
    expect(renamed(await flat.save(), b.variables, a.variables)).toEqual(fromStock);

    // tfjs's Adam state into a new FlatAdam, FlatAdam's into a new tfjs Adam; then both go on.
    const c = problem(5), d = problem(5);
    for (const [from, to] of [[a, c], [b, d]]) to.variables.forEach((v, i) => v.assign(from.variables[i]));
    const flatFromStock = new FlatAdam(c.variables, 0.02);
    await flatFromStock.restore(renamed(fromStock, a.variables, c.variables));
    const stockFromFlat = new AdamState(tf.train.adam(0.02));
    await stockFromFlat.restore(renamed(await flat.save(), b.variables, d.variables));
    for (let k = 7; k < 12; k++) {
      a.step(stock, k);
      c.step(flatFromStock, k);
      d.step(stockFromFlat, k);
    }
    expect(c.values()).toEqual(a.values());
    expect(d.values()).toEqual(a.values());
    for (const o of [stock, flat, flatFromStock, stockFromFlat]) o.dispose();
  });

  test('refuses slots that do not fit its variables, and a gradient it lacks', async () => {
    const p = problem(9);
    const flat = new FlatAdam(p.variables.slice(0, 2), 0.01);
    await expect(flat.restore({slots: [{name: 'iter', shape: [], dtype: 'int32', values: Int32Array.of(3)},
      {name: 'x/m', shape: [2], dtype: 'float32', values: new Float32Array(2)}], accBeta1: 0.5, accBeta2: 0.5}))
        .rejects.toThrow(/1 moment slots that do not fit the model's 2 variables \(200, 8 values\)/);
    expect(() => flat.applyGradients({})).toThrow(`FlatAdam: no gradient for the variable ${p.variables[0].name}`);
    const tensors = tf.memory().numTensors;
    p.step(flat, 0);
    expect(tf.memory().numTensors - tensors, 'the two flat moments').toBe(2);
    flat.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
