// The adapter over tfjs's AdamOptimizer's private fields: it refuses an
// optimizer without them, restores a saved state so that the next steps are
// bit for bit those of the original, and leaves no tensor behind.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {AdamState} from '../src/train/adam_state';
import {useBackend} from './helpers';

beforeAll(() => useBackend('tensorflow'));

/** Two variables and a loss of them whose gradients change from step to step. */
function problem(seed: number) {
  const a = tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', seed));
  const b = tf.variable(tf.randomNormal([4], 0, 1, 'float32', seed + 1));
  const step = (adam: AdamState) => tf.tidy(() => {
    const {grads} = tf.variableGrads(() => tf.sum(tf.square(tf.sin(tf.add(tf.matMul(a, tf.reshape(b, [4, 1])), 0.3)))),
        [a, b]);
    adam.applyGradients(grads);
  });
  const values = () => [...a.dataSync(), ...b.dataSync()];
  return {a, b, step, values, dispose: () => tf.dispose([a, b])};
}

describe('AdamState', () => {
  test('an optimizer without the private fields is refused, naming the field', () => {
    const adam = tf.train.adam(0.01);
    const fields = adam as unknown as Record<string, unknown>;
    expect(() => new AdamState({...fields, accBeta1: undefined} as unknown as tf.AdamOptimizer)).toThrow(
        /has no AdamOptimizer.accBeta1 \(a float32 scalar tf.Variable\), which stn train reads/);
    expect(() => new AdamState({...fields, accBeta2: 0.999} as unknown as tf.AdamOptimizer)).toThrow(
        /has no AdamOptimizer.accBeta2/);
    expect(() => new AdamState({...fields, learningRate: undefined} as unknown as tf.AdamOptimizer)).toThrow(
        /has no AdamOptimizer.learningRate \(a number\)/);
    adam.dispose();
  });

  test('the learning rate it sets is the one the next step uses', () => {
    const p = problem(3);
    const adam = new AdamState(tf.train.adam(0.01));
    adam.learningRate = 0;
    const before = p.values();
    p.step(adam);
    expect(p.values()).toEqual(before);
    adam.learningRate = 0.01;
    p.step(adam);
    expect(p.values()).not.toEqual(before);
    adam.optimizer.dispose();
    p.dispose();
  });

  test('save then restore continues bit for bit, and leaves only the optimizer\'s own tensors', async () => {
    const original = problem(1), copy = problem(1);
    const adam = new AdamState(tf.train.adam(0.01));
    for (let i = 0; i < 5; i++) original.step(adam);
    copy.a.assign(original.a);
    copy.b.assign(original.b);
    const saved = await adam.save();
    // The slots are named after the variables; the copy's have other names.
    const renamed = (state: typeof saved) => ({...state, slots: state.slots.map((slot) => ({...slot,
      name: slot.name.replace(original.a.name, copy.a.name).replace(original.b.name, copy.b.name)}))});
    expect(saved.slots.map((s) => s.name)).toEqual(['iter', `${original.a.name}/m`, `${original.b.name}/m`,
      `${original.a.name}/v`, `${original.b.name}/v`]);

    const fresh = tf.train.adam(0.01);
    const restored = new AdamState(fresh);
    const tensors = tf.memory().numTensors;
    await restored.restore(renamed(saved));
    expect(tf.memory().numTensors - tensors, 'the four moment variables, nothing else').toBe(4);
    // Restoring again replaces (and disposes) the moments it made.
    await restored.restore(renamed(saved));
    expect(tf.memory().numTensors - tensors).toBe(4);

    for (let i = 0; i < 3; i++) {
      original.step(adam);
      copy.step(restored);
    }
    expect(copy.values()).toEqual(original.values());
    expect(await restored.save()).toEqual(renamed(await adam.save()));
    adam.optimizer.dispose();
    fresh.dispose();
    original.dispose();
    copy.dispose();
  });
});
