import * as tf from '@tensorflow/tfjs-core';

import {GridSample, GridSample3d, GridSample3dGrad, GridSampleAttrs, GridSampleGrad} from '../kernel_names';
import {onePassGradients} from './one_pass';

/** The gradient of a sampler (2-D or volumes) through its backward kernel. */
function gridSampleGrad(kernelName: string, gradKernel: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['input', 'grid'],
    gradFunc: (dy, saved, attrs) => {
      const [input, grid] = saved;
      return onePassGradients('input', 'grid', saved, (computeInputGrad, computeGridGrad) =>
        tf.engine().runKernel(gradKernel, {dy: dy as tf.Tensor, input, grid},
            {...(attrs as GridSampleAttrs), computeInputGrad, computeGridGrad}) as tf.Tensor[]);
    },
  };
}

export const gridSampleGradConfig = gridSampleGrad(GridSample, GridSampleGrad);
export const gridSample3dGradConfig = gridSampleGrad(GridSample3d, GridSample3dGrad);
