import * as tf from '@tensorflow/tfjs-core';

import {GridSample3d, GridSample3dGrad, GridSampleAttrs} from '../kernel_names';
import {onePassGradients} from './one_pass';

export const gridSample3dGradConfig: tf.GradConfig = {
  kernelName: GridSample3d,
  inputsToSave: ['input', 'grid'],
  gradFunc: (dy, saved, attrs) => {
    const [input, grid] = saved;
    return onePassGradients('input', 'grid', saved, (computeInputGrad, computeGridGrad) =>
      tf.engine().runKernel(GridSample3dGrad, {dy: dy as tf.Tensor, input, grid},
          {...(attrs as GridSampleAttrs), computeInputGrad, computeGridGrad}) as tf.Tensor[]);
  },
};
