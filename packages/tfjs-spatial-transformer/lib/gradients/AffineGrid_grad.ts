import * as tf from '@tensorflow/tfjs-core';

import {AffineGrid, AffineGridGrad} from '../kernel_names';

export const affineGridGradConfig: tf.GradConfig = {
  kernelName: AffineGrid,
  gradFunc: (dy, _saved, attrs) => ({
    theta: () => tf.engine().runKernel(AffineGridGrad, {dy: dy as tf.Tensor}, attrs) as tf.Tensor,
  }),
};
