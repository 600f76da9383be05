// The one place that reaches into tfjs's AdamOptimizer: its learning rate
// (read at every step, so a schedule sets it between epochs) and its
// bias-correction accumulators accBeta1/2, which an exact resume must restore
// as saved (tfjs's own setWeights recomputes them with pow, which is not
// bit-exact). The fields are private in tfjs's types, so the adapter checks
// at construction that they exist with the expected types: a tfjs upgrade that
// renames them fails here, loudly, instead of training on undefined.
import * as tf from '@tensorflow/tfjs-node';

interface AdamPrivates {
  learningRate: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** A slot tensor (the iteration count, a first or second moment) as saved: name, shape, values. */
export interface SavedSlot {
  name: string;
  shape: number[];
  dtype: 'float32'|'int32';
  values: Float32Array|Int32Array;
}

/** Everything an Adam optimizer carries from step to step. */
export interface SavedAdam {
  slots: SavedSlot[];
  accBeta1: number;
  accBeta2: number;
}

function isScalarVariable(value: unknown): value is tf.Variable {
  return value instanceof tf.Variable && value.rank === 0 && value.dtype === 'float32';
}

/** What the trainer needs of its optimizer: tfjs's Adam (AdamState) or FlatAdam, the same arithmetic. */
export interface TrainOptimizer {
  /** Read at every step, so a schedule sets it between epochs. */
  learningRate: number;
  applyGradients(grads: tf.NamedTensorMap): void;
  /** The state as plain values, in tfjs's Adam slot layout. */
  save(): Promise<SavedAdam>;
  restore(saved: SavedAdam): Promise<void>;
  dispose(): void;
}

export class AdamState implements TrainOptimizer {
  private readonly privates: AdamPrivates;

  /** @throws Error naming the field when tfjs's AdamOptimizer lacks a private field this app relies on. */
  constructor(readonly optimizer: tf.AdamOptimizer) {
    const privates = optimizer as unknown as Record<string, unknown>;
    const missing = (field: string, expected: string) => new Error(`this tfjs (${tf.version_core}) has no ` +
        `AdamOptimizer.${field} (${expected}), which stn train reads for its schedule and exact resume; ` +
        'use tfjs 4.22, or update app/src/train/adam_state.ts');
    if (typeof privates.learningRate !== 'number') throw missing('learningRate', 'a number');
    if (!isScalarVariable(privates.accBeta1)) throw missing('accBeta1', 'a float32 scalar tf.Variable');
    if (!isScalarVariable(privates.accBeta2)) throw missing('accBeta2', 'a float32 scalar tf.Variable');
    this.privates = privates as unknown as AdamPrivates;
  }

  get learningRate(): number {
    return this.privates.learningRate;
  }

  set learningRate(value: number) {
    this.privates.learningRate = value;
  }

  dispose(): void {
    this.optimizer.dispose();
  }

  /** One step: tfjs's Adam update of every variable named in `grads`. */
  applyGradients(grads: tf.NamedTensorMap): void {
    // AdamOptimizer declares a narrower parameter type than the Optimizer it overrides.
    (this.optimizer as tf.Optimizer).applyGradients(grads);
  }

  /** The optimizer's state as plain values (nothing left allocated). */
  async save(): Promise<SavedAdam> {
    const weights = await this.optimizer.getWeights();
    const slots: SavedSlot[] = [];
    for (const {name, tensor} of weights) {
      slots.push({name, shape: tensor.shape, dtype: tensor.dtype as 'float32'|'int32',
        values: await tensor.data() as Float32Array|Int32Array});
    }
    // getWeights() makes a fresh scalar for the iteration count; the moments are the optimizer's own.
    weights[0].tensor.dispose();
    return {slots, accBeta1: this.privates.accBeta1.dataSync()[0], accBeta2: this.privates.accBeta2.dataSync()[0]};
  }

  /**
   * Puts a saved state into the optimizer. The moment variables it had are
   * disposed; the tensors made here are disposed once setWeights has made its
   * variables of them, so restoring leaves exactly the optimizer's own tensors.
   */
  async restore(saved: SavedAdam): Promise<void> {
    const tensors = saved.slots.map((slot) => ({name: slot.name,
      tensor: tf.tensor(slot.values, slot.shape, slot.dtype)}));
    const old = await this.optimizer.getWeights();
    old[0].tensor.dispose();
    tf.dispose(old.slice(1).map((w) => w.tensor));
    await this.optimizer.setWeights(tensors);
    tf.dispose(tensors.map((t) => t.tensor));
    tf.tidy(() => {
      this.privates.accBeta1.assign(tf.scalar(saved.accBeta1));
      this.privates.accBeta2.assign(tf.scalar(saved.accBeta2));
    });
  }
}
