import * as tf from '@tensorflow/tfjs-core';

import {AffineSample, AffineSample3d, AffineSample3dGrad, AffineSampleAttrs, AffineSampleGrad} from '../kernel_names';
import {onePassGradients} from './one_pass';

/** The gradient of a fused affine sampler (2-D or volumes) through its backward kernel. */
function affineSampleGrad(kernelName: string, gradKernel: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['input', 'theta'],
    gradFunc: (dy, saved, attrs) => {
      const [input, theta] = saved;
      return onePassGradients('input', 'theta', saved, (computeInputGrad, computeThetaGrad) =>
        tf.engine().runKernel(gradKernel, {dy: dy as tf.Tensor, input, theta},
            {...(attrs as AffineSampleAttrs), computeInputGrad, computeThetaGrad}) as tf.Tensor[]);
    },
  };
}

export const affineSampleGradConfig = affineSampleGrad(AffineSample, AffineSampleGrad);
export const affineSample3dGradConfig = affineSampleGrad(AffineSample3d, AffineSample3dGrad);
