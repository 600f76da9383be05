// One training step: forward, softmax cross-entropy, backward, Adam. The
// trainer and the step benchmark (app/bench/train_step.ts) both run this, so
// the benchmark times exactly what training does; with `times` it also
// records how long each phase took.
import * as tf from '@tensorflow/tfjs-node';

import {TrainOptimizer} from './adam_state';

/** Milliseconds spent per phase, summed over the steps that were given this object. */
export interface StepTimes {
  forward: number;
  backward: number;
  optimizer: number;
}

/**
 * Trains `model` on one batch.
 * @returns the batch's mean loss and how many of its images the model (before the update) got right.
 */
export function trainStep(model: tf.LayersModel, variables: tf.Variable[], adam: TrainOptimizer,
    images: tf.Tensor4D, labels: tf.Tensor1D, times?: StepTimes): {loss: number, correct: number} {
  return tf.tidy(() => {
    const onehot = tf.oneHot(labels, 10);
    let logits: tf.Tensor|null = null;
    const start = performance.now();
    let forwardEnd = start;
    const {value, grads} = tf.variableGrads(() => {
      logits = tf.keep(model.apply(images, {training: true}) as tf.Tensor);
      const loss = tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
      forwardEnd = performance.now();
      return loss;
    }, variables);
    const backwardEnd = performance.now();
    adam.applyGradients(grads);
    const end = performance.now();
    if (times !== undefined) {
      times.forward += forwardEnd - start;
      times.backward += backwardEnd - forwardEnd;
      times.optimizer += end - backwardEnd;
    }
    const kept = logits as unknown as tf.Tensor;
    const right = tf.sum(tf.cast(tf.equal(tf.argMax(kept, 1), labels), 'float32'));
    const result = {loss: value.dataSync()[0], correct: right.dataSync()[0]};
    kept.dispose();
    return result;
  });
}
