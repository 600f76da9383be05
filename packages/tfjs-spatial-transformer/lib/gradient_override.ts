// One of tfjs's own gradients replaced, process-wide, until restored: the
// opt-in speed-ups useFusedReluGrad and useFastMaxPoolGrad. The gradient
// registry is global, so each is a function to call (never a side effect of
// importing the package), calling it twice does nothing more, and the
// function it returns puts tfjs's gradient back.
import * as tf from '@tensorflow/tfjs-core';

const stockGradients = new Map<string, tf.GradConfig>();

/**
 * Registers `kernel` (once) and the gradient `replacement(stock)` for tfjs's
 * kernel `forward` in place of tfjs's own, `stock`; `caller` names the public
 * function in errors. Returns the function that restores tfjs's gradient.
 */
export function overrideGradient(caller: string, forward: string, kernel: tf.KernelConfig,
    replacement: (stock: tf.GradConfig) => tf.GradConfig): () => void {
  if (!stockGradients.has(forward)) {
    const stock = tf.getGradient(forward);
    if (stock === undefined) throw new Error(`${caller}: this tfjs has no gradient for '${forward}'`);
    if (tf.getKernel(kernel.kernelName, kernel.backendName) === undefined) tf.registerKernel(kernel);
    stockGradients.set(forward, stock);
    tf.registerGradient(replacement(stock));
  }
  return () => {
    const stock = stockGradients.get(forward);
    if (stock !== undefined) tf.registerGradient(stock);
    stockGradients.delete(forward);
  };
}
