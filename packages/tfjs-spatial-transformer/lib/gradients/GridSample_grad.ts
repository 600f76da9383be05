import * as tf from '@tensorflow/tfjs-core';

import {GridSample, GridSampleAttrs, GridSampleGrad} from '../kernel_names';
import {onePassGradients} from './one_pass';

export const gridSampleGradConfig: tf.GradConfig = {
  kernelName: GridSample,
  inputsToSave: ['input', 'grid'],
  gradFunc: (dy, saved, attrs) => {
    const [input, grid] = saved;
    return onePassGradients('input', 'grid', saved, (computeInputGrad, computeGridGrad) =>
      tf.engine().runKernel(GridSampleGrad, {dy: dy as tf.Tensor, input, grid},
          {...(attrs as GridSampleAttrs), computeInputGrad, computeGridGrad}) as tf.Tensor[]);
  },
};
