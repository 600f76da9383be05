import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient thunks of a kernel with two differentiable inputs whose backward
 * kernel computes both gradients in one pass, or only the second's.
 *
 * The engine calls the thunks of the inputs that lie on the path to the
 * differentiated tensors only, in input order (first, then second), each in
 * its own tidy. So:
 * - only the second is needed (the usual STN case: the grid or theta is
 *   learnt, the image is data): its thunk runs the second-only backward, and
 *   the first's gradient is never computed;
 * - the first is needed: its thunk runs one pass for both and stashes the
 *   second's gradient, kept, in the node's `saved` tensors, which the engine
 *   disposes when the backward pass ends; the second thunk (if it runs)
 *   returns a clone of it (the same data, no copy). So nothing is read back
 *   from the backend and nothing leaks when the second thunk is not called.
 *
 * @param saved the `saved` array the engine passed to the gradient function.
 * @param backward runs the backward kernel; returns the requested gradients in
 *     input order.
 */
export function onePassGradients<A extends string, B extends string>(first: A, second: B,
    saved: tf.Tensor[], backward: (computeFirst: boolean, computeSecond: boolean) => tf.Tensor[]):
    Record<A|B, () => tf.Tensor> {
  let stashed: tf.Tensor|null = null;
  const thunks = {
    [first]: () => {
      const [dFirst, dSecond] = backward(true, true);
      stashed = tf.keep(dSecond);
      saved.push(stashed);
      return dFirst;
    },
    [second]: () => stashed === null ? backward(false, true)[0] : tf.clone(stashed),
  };
  return thunks as Record<A|B, () => tf.Tensor>;
}
