import * as tf from '@tensorflow/tfjs-core';

/**
 * Identity forward, gradient × `scale` backward: placed after a branch, it
 * makes every weight of the branch receive `scale` times its gradient.
 */
export function scaleGradient<T extends tf.Tensor>(x: T, scale: number): T {
  if (scale === 1) return x;
  const f = tf.customGrad((input) => ({
    value: tf.clone(input as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.mul(dy, scale),
  }));
  return f(x) as T;
}
