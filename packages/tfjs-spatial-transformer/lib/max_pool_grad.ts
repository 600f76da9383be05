// Opt-in: the gradient of tfjs's maxPool as one of our TensorFlow ops on
// tfjs-node.
//
// tfjs's gradient of the 'MaxPool' kernel runs TensorFlow's MaxPoolGrad,
// whose CPU kernel recomputes the pool element by element, with an int64
// argmax per output, before it scatters dy: in the app's ST-CNN training
// step it took 6 of the step's 52 ms of kernel time, three times the pool's
// forward. StnMaxPoolGrad (native/max_pool_grad.h) computes the same
// numbers, TF's tie and NaN rules included, from a vectorised scan of each
// window. The gradient registry is process-global, hence a function to
// call, as useFusedReluGrad.
import * as tf from '@tensorflow/tfjs-core';

import {overrideGradient} from './gradient_override';
import {boolAttr, TensorflowBackend, withInt32Input} from './kernels/configs';
import {tensorflowOpName} from './tensorflow_ops';

/** The kernel running our MaxPoolGrad op, registered on 'tensorflow' only. */
export const StnMaxPoolGrad = 'StnMaxPoolGrad';

interface MaxPoolGradAttrs extends tf.NamedAttrMap {
  /** [window height, window width, stride height, stride width]. */
  window: number[];
  /** TF's SAME padding, else VALID. */
  samePadding: boolean;
}

const maxPoolGradKernel: tf.KernelConfig = {
  kernelName: StnMaxPoolGrad, backendName: 'tensorflow',
  kernelFunc: ({inputs, backend, attrs}) => {
    const {x, dy} = inputs as {x: tf.TensorInfo, dy: tf.TensorInfo};
    const {window, samePadding} = attrs as MaxPoolGradAttrs;
    const tfBackend = backend as unknown as TensorflowBackend;
    const op = tensorflowOpName(StnMaxPoolGrad);
    if (op === null) throw new Error(`${StnMaxPoolGrad}: our TensorFlow ops are not active (tensorflowOps())`);
    const grad = withInt32Input(tfBackend, window, (w) =>
      tfBackend.executeSingleOutput(op, [boolAttr(tfBackend, 'same_padding', samePadding)], [x, dy, w]));
    if (grad === null) throw new Error(`${StnMaxPoolGrad}: window ${JSON.stringify(window)} is not int32`);
    return grad;
  },
};

/**
 * Makes the gradient of tfjs's 'MaxPool' kernel (`tf.maxPool`, tfjs-layers'
 * `maxPooling2d`) one native TensorFlow op on tfjs-node's 'tensorflow'
 * backend, in place of TensorFlow's MaxPoolGrad: the same numbers, bit for
 * bit (each window's first maximum gets dy; overlapping windows sum), in a
 * fraction of the time. Other backends, float inputs other than float32,
 * padding other than 'valid' and 'same' (or 0), and a process where our
 * kernels cannot run as TensorFlow ops (`tensorflowOps()`) keep tfjs's
 * gradient. Opt-in because the gradient registry is global: it changes the
 * max-pool gradient of every model in the process. Calling it again does
 * nothing more.
 *
 * @returns a function that restores tfjs's own gradient.
 * @example
 * const restore = useFastMaxPoolGrad();
 * model.fit(xs, ys);  // maxPooling2d layers' backward: our op
 * restore();
 */
export function useFastMaxPoolGrad(): () => void {
  return overrideGradient('useFastMaxPoolGrad', tf.MaxPool, maxPoolGradKernel, (stock) => ({
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const {filterSize, strides, pad} = attrs as unknown as tf.MaxPoolAttrs;
      if (tf.getBackend() === 'tensorflow' && x.dtype === 'float32' && x.rank === 4 &&
          tensorflowOpName(StnMaxPoolGrad) !== null) {
        // The window and padding as tfjs-node's MaxPoolGrad kernel reads them.
        const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize,
            strides, 1, pad);
        if (info.padInfo.type === 'VALID' || info.padInfo.type === 'SAME') {
          const kernelAttrs: MaxPoolGradAttrs = {samePadding: info.padInfo.type === 'SAME',
            window: [info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth]};
          return {x: () => tf.engine().runKernel(StnMaxPoolGrad, {x, dy: dy as tf.Tensor},
              kernelAttrs as unknown as tf.NamedAttrMap) as tf.Tensor};
        }
      }
      return stock.gradFunc(dy, saved, attrs);
    },
  }));
}
