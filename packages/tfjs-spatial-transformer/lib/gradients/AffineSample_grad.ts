import * as tf from '@tensorflow/tfjs-core';

import {AffineSample, AffineSampleAttrs, AffineSampleGrad} from '../kernel_names';
import {onePassGradients} from './one_pass';

export const affineSampleGradConfig: tf.GradConfig = {
  kernelName: AffineSample,
  inputsToSave: ['input', 'theta'],
  gradFunc: (dy, saved, attrs) => {
    const [input, theta] = saved;
    return onePassGradients('input', 'theta', saved, (computeInputGrad, computeThetaGrad) =>
      tf.engine().runKernel(AffineSampleGrad, {dy: dy as tf.Tensor, input, theta},
          {...(attrs as AffineSampleAttrs), computeInputGrad, computeThetaGrad}) as tf.Tensor[]);
  },
};
