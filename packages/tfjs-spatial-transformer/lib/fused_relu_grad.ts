// Opt-in: the ReLU gradient as one TensorFlow op on tfjs-node.
//
// tfjs's gradient of the 'Relu' kernel is dy · cast(step(x)), and tfjs-node
// builds Step out of seven TF ops (IsNan, Greater, two full-size fills, two
// Selects, a scalar): in the app's ST-CNN training step the ReLU gradients
// cost more than the ReLU forward and backward together in PyTorch.
// TensorFlow has the op itself, ReluGrad (dy where x > 0, else 0).
// tfjs-layers' conv2d and dense layers with activation 'relu' run the 'Relu'
// kernel during training (tfjs fuses the activation only outside gradients),
// so their gradients change too. The gradient registry is process-global:
// registering changes every model in the process, hence a function to call,
// not a side effect of importing the package.
import * as tf from '@tensorflow/tfjs-core';

import {overrideGradient} from './gradient_override';
import type {TensorflowBackend} from './kernels/configs';

/** The kernel running TF's ReluGrad, registered on 'tensorflow' only. */
export const StnReluGrad = 'StnReluGrad';

const reluGradKernel: tf.KernelConfig = {
  kernelName: StnReluGrad, backendName: 'tensorflow',
  // ReluGrad's only attribute, T, is inferred from the inputs.
  kernelFunc: ({inputs, backend}) => (backend as unknown as TensorflowBackend).executeSingleOutput(
      'ReluGrad', [], [inputs.dy as tf.TensorInfo, inputs.x as tf.TensorInfo]),
};

/**
 * Makes the gradient of tfjs's 'Relu' kernel one TensorFlow `ReluGrad` op on
 * tfjs-node's 'tensorflow' backend; other backends keep tfjs's formula. The
 * gradients are the same numbers (dy where x > 0, else 0, including the sign
 * of a zero) except at x = NaN, where tfjs's formula gives NaN and ReluGrad 0.
 * Opt-in because the gradient registry is global: it changes the ReLU
 * gradient of every model in the process. Calling it again does nothing more.
 *
 * @returns a function that restores tfjs's own gradient.
 * @example
 * const restore = useFusedReluGrad();
 * model.fit(xs, ys);  // ReLU layers' backward: one TF op each
 * restore();
 */
export function useFusedReluGrad(): () => void {
  return overrideGradient('useFusedReluGrad', tf.Relu, reluGradKernel, (stock) => ({
    kernelName: tf.Relu, inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() !== 'tensorflow') return stock.gradFunc(dy, saved, attrs);
      const [x] = saved;
      return {x: () => tf.engine().runKernel(StnReluGrad, {dy: dy as tf.Tensor, x}) as tf.Tensor};
    },
  }));
}
