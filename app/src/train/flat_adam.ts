// Adam with all of a model's variables in one flat update: the gradients are
// concatenated, the moments are two flat variables, and the update is split
// back into the variables, so a step is ~60 small TF ops instead of tfjs's
// ~14 per variable (228 for the ST-CNN's 16). The arithmetic is tfjs's
// AdamOptimizer's, op for op in the same order and in float32 (its
// bias-correction accumulators included), so the weights are the same bits
// (tested), and save()/restore() use tfjs's slot layout: a checkpoint of
// either optimizer resumes in the other.
import * as tf from '@tensorflow/tfjs-node';

import {SavedAdam, SavedSlot, TrainOptimizer} from './adam_state';

export class FlatAdam implements TrainOptimizer {
  learningRate: number;
  private readonly sizes: number[];
  private readonly epsilon: number;
  private moments: {m: tf.Variable, v: tf.Variable}|null = null;
  private iterations = 0;
  /** beta1^t and beta2^t as tfjs keeps them: float32 scalars multiplied by beta each step. */
  private accBeta1: number;
  private accBeta2: number;

  constructor(private readonly variables: tf.Variable[], learningRate: number, private readonly beta1 = 0.9,
      private readonly beta2 = 0.999) {
    this.learningRate = learningRate;
    this.sizes = variables.map((v) => v.size);
    this.epsilon = tf.backend().epsilon();  // as tf.train.adam takes it
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
  }

  /**
   * One Adam step.
   * @throws Error naming the variable when `grads` lacks one.
   */
  applyGradients(grads: tf.NamedTensorMap): void {
    const missing = this.variables.find((v) => grads[v.name] === undefined);
    if (missing !== undefined) throw new Error(`FlatAdam: no gradient for the variable ${missing.name}`);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.moments ??= tf.tidy(() => ({m: tf.variable(tf.zeros([total]), false),
      v: tf.variable(tf.zeros([total]), false)}));
    const {m, v} = this.moments;
    tf.tidy(() => {
      const g = tf.concat(this.variables.map((x) => tf.reshape(grads[x.name], [-1])));
      const newM = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
      const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      const correctedM = tf.div(newM, Math.fround(1 - this.accBeta1));
      const correctedV = tf.div(newV, Math.fround(1 - this.accBeta2));
      m.assign(newM);
      v.assign(newV);
      const step = tf.mul(tf.div(correctedM, tf.add(tf.sqrt(correctedV), this.epsilon)), -this.learningRate);
      const parts = tf.split(step, this.sizes);
      this.variables.forEach((x, i) => x.assign(tf.add(tf.reshape(parts[i], x.shape), x)));
    });
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
    this.iterations++;
  }

  /** tfjs's slots: the iteration count, then every variable's first moments, then the second. */
  async save(): Promise<SavedAdam> {
    const slots: SavedSlot[] = [{name: 'iter', shape: [], dtype: 'int32',
      values: Int32Array.of(this.iterations)}];
    if (this.moments !== null) {
      for (const [suffix, flat] of [['m', this.moments.m], ['v', this.moments.v]] as const) {
        const values = await flat.data() as Float32Array;
        let offset = 0;
        this.variables.forEach((x, i) => {
          slots.push({name: `${x.name}/${suffix}`, shape: x.shape, dtype: 'float32',
            values: values.slice(offset, offset + this.sizes[i])});
          offset += this.sizes[i];
        });
      }
    }
    return {slots, accBeta1: this.accBeta1, accBeta2: this.accBeta2};
  }

  /**
   * Restores a state saved by this class or by tfjs's Adam (AdamState).
   * @throws Error when the slots do not match the variables.
   */
  async restore(saved: SavedAdam): Promise<void> {
    const [iter, ...moments] = saved.slots;
    const n = this.variables.length;
    if (iter?.name !== 'iter' || (moments.length !== 0 && moments.length !== 2 * n) ||
        moments.some((s, i) => s.values.length !== this.sizes[i % n])) {
      throw new Error(`FlatAdam: the saved optimizer has ${moments.length} moment slots that do not fit ` +
          `the model's ${n} variables (${this.sizes.join(', ')} values)`);
    }
    this.iterations = iter.values[0];
    this.accBeta1 = saved.accBeta1;
    this.accBeta2 = saved.accBeta2;
    if (this.moments !== null) tf.dispose([this.moments.m, this.moments.v]);
    this.moments = null;
    if (moments.length === 0) return;
    const flat = (part: SavedSlot[]) => {
      const out = new Float32Array(this.sizes.reduce((a, b) => a + b, 0));
      let offset = 0;
      for (const slot of part) {
        out.set(slot.values, offset);
        offset += slot.values.length;
      }
      return tf.tidy(() => tf.variable(tf.tensor1d(out), false));
    };
    this.moments = {m: flat(moments.slice(0, n)), v: flat(moments.slice(n))};
  }

  dispose(): void {
    if (this.moments !== null) tf.dispose([this.moments.m, this.moments.v]);
    this.moments = null;
  }
}
