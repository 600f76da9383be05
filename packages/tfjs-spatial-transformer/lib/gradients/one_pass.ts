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
 *   second's gradient as plain data for the second thunk. The stash holds no
 *   tensor, so nothing leaks when the second thunk is not called.
 *
 * @param backward runs the backward kernel; returns the requested gradients in
 *     input order.
 */
export function onePassGradients<A extends string, B extends string>(first: A, second: B,
    secondShape: number[], backward: (computeFirst: boolean, computeSecond: boolean) => tf.Tensor[]):
    Record<A|B, () => tf.Tensor> {
  let stashed: Float32Array|null = null;
  const thunks = {
    [first]: () => {
      const [dFirst, dSecond] = backward(true, true);
      stashed = dSecond.dataSync() as Float32Array;  // no copy: the kernel's own array
      return dFirst;
    },
    [second]: () => {
      if (stashed === null) return backward(false, true)[0];
      const dSecond = tf.tensor(stashed, secondShape, 'float32');
      stashed = null;
      return dSecond;
    },
  };
  return thunks as Record<A|B, () => tf.Tensor>;
}
