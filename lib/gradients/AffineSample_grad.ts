import * as tf from '@tensorflow/tfjs-node';

import {AffineSample, AffineSampleAttrs, AffineSampleGrad} from '../kernel_names';

// As GridSample_grad.ts: the engine calls only the thunks of inputs on the
// path to the differentiated tensors, in input order (input, then theta), each
// in its own tidy. Only theta needed (the usual STN case): the theta thunk
// runs the theta-only backward, and the input gradient is never computed.
// Input needed: its thunk runs one backward pass for both and stashes theta's
// gradient as plain data (no tensor, so nothing leaks if theta's thunk is not
// called).
export const affineSampleGradConfig: tf.GradConfig = {
  kernelName: AffineSample,
  inputsToSave: ['input', 'theta'],
  gradFunc: (dy, saved, attrs) => {
    const [input, theta] = saved;
    const backward = (computeInputGrad: boolean, computeThetaGrad: boolean) =>
        tf.engine().runKernel(AffineSampleGrad, {dy: dy as tf.Tensor, input, theta},
            {...(attrs as AffineSampleAttrs), computeInputGrad, computeThetaGrad}) as tf.Tensor[];
    let stashedThetaGrad: Float32Array|null = null;
    return {
      input: () => {
        const [dInput, dTheta] = backward(true, true);
        stashedThetaGrad = dTheta.dataSync() as Float32Array;  // no copy: the kernel's own array
        return dInput;
      },
      theta: () => {
        if (stashedThetaGrad === null) return backward(false, true)[0];
        const dTheta = tf.tensor(stashedThetaGrad, theta.shape, 'float32');
        stashedThetaGrad = null;
        return dTheta;
      },
    };
  },
};
